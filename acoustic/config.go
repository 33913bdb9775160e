package acoustic

import (
	"errors"
	"fmt"
)

// ConvLayer is one causal 2-D convolution over (time, mel) followed by batch norm and a clipped ReLU.
type ConvLayer struct {
	Channels   int // output channels
	KernelTime int // kernel height in frames
	KernelFreq int // kernel width in frequency bins, zero-padded by KernelFreq/2 on each side
	StrideTime int
	StrideFreq int
}

// Config fixes every size of the network.
type Config struct {
	NumMels   int         // input features per frame
	Conv      []ConvLayer // applied in order; the first has one input channel
	GRULayers int
	GRUUnits  int
	Lookahead int // future frames (at the output rate) that the row convolution reads
	VocabSize int
}

// ReluClip is the ceiling of the clipped ReLU after each convolution.
const ReluClip = 20

// DefaultConfig is the reference configuration: conv 32×(5×3) stride (3,2), conv 32×(3×3) stride (1,2), three GRU
// layers of 320 units, 5 frames (150 ms) of lookahead, 29 symbols. The time stride of 3 (30 ms output frames) leaves
// no utterance of ../shared/data infeasible for CTC, which stride 4 does (17 of fsdd's 2700).
func DefaultConfig() Config {
	return Config{
		NumMels: 80,
		Conv: []ConvLayer{
			{Channels: 32, KernelTime: 5, KernelFreq: 3, StrideTime: 3, StrideFreq: 2},
			{Channels: 32, KernelTime: 3, KernelFreq: 3, StrideTime: 1, StrideFreq: 2},
		},
		GRULayers: 3,
		GRUUnits:  320,
		Lookahead: 5,
		VocabSize: 29,
	}
}

// maxDim bounds every size so that products of sizes cannot overflow and a hostile model header cannot make
// the loader allocate absurd amounts.
const maxDim = 1 << 14

// Validate reports whether the configuration describes a network that can be built.
func (c Config) Validate() error {
	if c.NumMels < 1 || c.NumMels > maxDim {
		return fmt.Errorf("acoustic: NumMels %d out of range", c.NumMels)
	}
	if len(c.Conv) < 1 || len(c.Conv) > 8 {
		return fmt.Errorf("acoustic: %d conv layers, want 1..8", len(c.Conv))
	}
	f := c.NumMels
	for i, l := range c.Conv {
		if l.Channels < 1 || l.Channels > 1024 || l.KernelTime < 1 || l.KernelTime > 64 || l.KernelFreq < 1 ||
			l.KernelFreq > 64 || l.StrideTime < 1 || l.StrideTime > 8 || l.StrideFreq < 1 || l.StrideFreq > 8 {
			return fmt.Errorf("acoustic: conv layer %d has out-of-range sizes %+v", i, l)
		}
		f = l.FreqOut(f)
		if f < 1 {
			return fmt.Errorf("acoustic: conv layer %d leaves no frequency bins", i)
		}
	}
	if c.GRULayers < 1 || c.GRULayers > 16 || c.GRUUnits < 1 || c.GRUUnits > 4096 {
		return fmt.Errorf("acoustic: GRU %d×%d out of range", c.GRULayers, c.GRUUnits)
	}
	if c.Lookahead < 0 || c.Lookahead > 100 {
		return fmt.Errorf("acoustic: lookahead %d out of range", c.Lookahead)
	}
	if c.VocabSize < 2 || c.VocabSize > 4096 {
		return fmt.Errorf("acoustic: vocabulary size %d out of range", c.VocabSize)
	}
	if c.GRUInput() > 1<<16 {
		return errors.New("acoustic: GRU input too wide")
	}
	return nil
}

// FreqPad is the zero padding on each side of the frequency axis.
func (l ConvLayer) FreqPad() int { return l.KernelFreq / 2 }

// FreqOut is the number of frequency bins out of the layer for f bins in.
func (l ConvLayer) FreqOut(f int) int {
	n := f + 2*l.FreqPad() - l.KernelFreq
	if n < 0 {
		return 0
	}
	return n/l.StrideFreq + 1
}

// TimeOut is the number of frames out of the layer for t frames in: causal padding gives ceil(t/stride).
func (l ConvLayer) TimeOut(t int) int {
	if t <= 0 {
		return 0
	}
	return (t-1)/l.StrideTime + 1
}

// TimeStride is the product of the conv layers' time strides: input frames per output frame.
func (c Config) TimeStride() int {
	s := 1
	for _, l := range c.Conv {
		s *= l.StrideTime
	}
	return s
}

// OutFrames is the number of output frames for t input frames.
func (c Config) OutFrames(t int) int {
	for _, l := range c.Conv {
		t = l.TimeOut(t)
	}
	return t
}

// ConvFreq returns the frequency bins out of conv layer i.
func (c Config) ConvFreq(i int) int {
	f := c.NumMels
	for j := 0; j <= i; j++ {
		f = c.Conv[j].FreqOut(f)
	}
	return f
}

// GRUInput is the width of the first GRU layer's input: channels × bins of the last conv layer.
func (c Config) GRUInput() int {
	last := len(c.Conv) - 1
	return c.Conv[last].Channels * c.ConvFreq(last)
}

// ConvInChannels is the number of input channels of conv layer i.
func (c Config) ConvInChannels(i int) int {
	if i == 0 {
		return 1
	}
	return c.Conv[i-1].Channels
}

// WeightShapes lists every named tensor of the model with its shape, in file order. Gate order inside the GRU
// matrices is r, z, n (see the package comment). Conv weights are [kt, kf, in, out]; batch-norm tensors are per
// channel; GRU "wx" is [in, 3H], "wh" [H, 3H]; "rowconv.w" is [Lookahead+1, H] (row j weights frame t+j);
// "out.w" is [H, V].
func (c Config) WeightShapes() []WeightShape {
	var s []WeightShape
	for i, l := range c.Conv {
		p := fmt.Sprintf("conv%d.", i)
		s = append(s,
			WeightShape{p + "w", []int{l.KernelTime, l.KernelFreq, c.ConvInChannels(i), l.Channels}},
			WeightShape{p + "gamma", []int{l.Channels}},
			WeightShape{p + "beta", []int{l.Channels}},
			WeightShape{p + "mean", []int{l.Channels}},
			WeightShape{p + "var", []int{l.Channels}},
		)
	}
	in := c.GRUInput()
	h := c.GRUUnits
	for i := 0; i < c.GRULayers; i++ {
		p := fmt.Sprintf("gru%d.", i)
		s = append(s,
			WeightShape{p + "wx", []int{in, 3 * h}},
			WeightShape{p + "wh", []int{h, 3 * h}},
			WeightShape{p + "bx", []int{3 * h}},
			WeightShape{p + "bh", []int{3 * h}},
		)
		in = h
	}
	s = append(s,
		WeightShape{"rowconv.w", []int{c.Lookahead + 1, h}},
		WeightShape{"out.w", []int{h, c.VocabSize}},
		WeightShape{"out.b", []int{c.VocabSize}},
	)
	return s
}

// WeightShape names one tensor of the model and its shape.
type WeightShape struct {
	Name  string
	Shape []int
}

// Size is the number of elements of a shape.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
