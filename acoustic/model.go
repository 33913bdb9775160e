package acoustic

import (
	"fmt"
	"math"
	"math/rand"
	"strings"

	"github.com/harkspeech/hark/features"
)

// Tensor is one named weight tensor, row-major.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Model is a trained acoustic model: everything needed to turn log-mel frames into log-probabilities.
// Weights are in Config.WeightShapes order; batch-norm running statistics ("convN.mean", "convN.var") are kept
// as weights and folded into a scale and shift when inference starts.
type Model struct {
	Config     Config
	Vocabulary Vocabulary
	Features   features.Config
	Weights    []Tensor
}

// NewModel returns a model with weights initialised for training from seed: Glorot-uniform matrices, zero
// biases, unit batch-norm scales and variances, and a row convolution that starts as the identity on frame t.
func NewModel(cfg Config, vocab Vocabulary, feat features.Config, seed int64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if vocab.Size() != cfg.VocabSize {
		return nil, fmt.Errorf("acoustic: vocabulary has %d symbols, config says %d", vocab.Size(), cfg.VocabSize)
	}
	rng := rand.New(rand.NewSource(seed))
	m := &Model{Config: cfg, Vocabulary: vocab, Features: feat}
	for _, ws := range cfg.WeightShapes() {
		t := Tensor{Name: ws.Name, Shape: append([]int(nil), ws.Shape...), Data: make([]float32, Size(ws.Shape))}
		switch suffix(ws.Name) {
		case "w", "wx", "wh":
			fanIn, fanOut := ws.Shape[0], ws.Shape[len(ws.Shape)-1]
			if len(ws.Shape) == 4 { // conv [kt, kf, in, out]
				fanIn = ws.Shape[0] * ws.Shape[1] * ws.Shape[2]
				fanOut = ws.Shape[0] * ws.Shape[1] * ws.Shape[3]
			}
			if ws.Name == "rowconv.w" {
				for h := 0; h < ws.Shape[1]; h++ {
					t.Data[h] = 1
				}
				break
			}
			lim := sqrt6(fanIn + fanOut)
			for i := range t.Data {
				t.Data[i] = float32((2*rng.Float64() - 1) * lim)
			}
		case "gamma", "var":
			for i := range t.Data {
				t.Data[i] = 1
			}
		}
		m.Weights = append(m.Weights, t)
	}
	return m, nil
}

func sqrt6(n int) float64 { return math.Sqrt(6 / float64(n)) }

func suffix(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			return name[i+1:]
		}
	}
	return name
}

// Weight returns the data of the named tensor, or nil.
func (m *Model) Weight(name string) []float32 {
	for i := range m.Weights {
		if m.Weights[i].Name == name {
			return m.Weights[i].Data
		}
	}
	return nil
}

// Check verifies that the configuration is valid and the weights match it exactly.
func (m *Model) Check() error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if m.Vocabulary.Size() != m.Config.VocabSize {
		return fmt.Errorf("acoustic: vocabulary has %d symbols, config says %d", m.Vocabulary.Size(), m.Config.VocabSize)
	}
	want := m.Config.WeightShapes()
	if len(want) != len(m.Weights) {
		return fmt.Errorf("acoustic: %d weight tensors, config needs %d", len(m.Weights), len(want))
	}
	for i, w := range want {
		got := m.Weights[i]
		if got.Name != w.Name || !sameShape(got.Shape, w.Shape) || len(got.Data) != Size(w.Shape) {
			return fmt.Errorf("acoustic: weight %d is %s%v (%d values), want %s%v", i, got.Name, got.Shape, len(got.Data), w.Name, w.Shape)
		}
		// A negative running variance (never made by training) would turn every output into NaN at the first
		// frame; refuse it at load instead.
		if strings.HasSuffix(w.Name, ".var") {
			for j, v := range got.Data {
				if !(v >= 0) {
					return fmt.Errorf("acoustic: %s[%d] = %v: a batch-norm variance must not be negative", w.Name, j, v)
				}
			}
		}
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FrameSeconds is the duration of one output frame.
func (m *Model) FrameSeconds() float64 {
	if m.Features.SampleRate <= 0 {
		return 0
	}
	return float64(m.Features.Hop*m.Config.TimeStride()) / float64(m.Features.SampleRate)
}
