package acoustic

import (
	"context"
	"fmt"

	"github.com/harkspeech/hark/acoustic/internal/kernels"
	"github.com/harkspeech/hark/features"
)

// Matrix is a row-major matrix of per-frame values: Rows frames × Cols symbols.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// Row returns row i.
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// forwardChunk is how many input frames Forward feeds the stream at a time: it bounds Forward's memory
// (the conv im2col buffers grow with the chunk) whatever the input length.
const forwardChunk = 1500

// Forward computes the T'×V log-probabilities of a whole utterance (T' = Config.OutFrames(feats.Rows)).
// It runs the streaming forward in chunks, so memory stays bounded for long inputs. It only reads m, so
// concurrent calls are safe.
func (m *Model) Forward(feats *features.Matrix) (*Matrix, error) {
	return m.ForwardContext(context.Background(), feats)
}

// ForwardContext is Forward that stops with ctx's error when ctx ends, checked between chunks of 15 s of audio.
func (m *Model) ForwardContext(ctx context.Context, feats *features.Matrix) (*Matrix, error) {
	s, err := m.NewStream()
	if err != nil {
		return nil, err
	}
	if feats == nil {
		return nil, fmt.Errorf("acoustic: nil features")
	}
	if feats.Cols != m.Config.NumMels || len(feats.Data) != feats.Rows*feats.Cols {
		return nil, fmt.Errorf("acoustic: features are %d×%d (%d values), model wants %d mels", feats.Rows, feats.Cols, len(feats.Data), m.Config.NumMels)
	}
	out := &Matrix{Cols: m.Config.VocabSize, Data: make([]float32, 0, m.Config.OutFrames(feats.Rows)*m.Config.VocabSize)}
	for r := 0; r < feats.Rows; r += forwardChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e := min(r+forwardChunk, feats.Rows)
		chunk := &features.Matrix{Rows: e - r, Cols: feats.Cols, Data: feats.Data[r*feats.Cols : e*feats.Cols]}
		o, err := s.Accept(chunk)
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, o.Data...)
	}
	out.Data = append(out.Data, s.Flush().Data...)
	out.Rows = len(out.Data) / out.Cols
	return out, nil
}

// convStage is one causal conv layer with its folded batch norm and the input frames it still needs.
type convStage struct {
	c            kernels.Conv
	w            []float32
	scale, shift []float32 // folded batch norm
	buf          []float32 // input frames [base, base+n)
	base, n      int
	next         int // next output frame index
	col          []float32
}

// gruStage is one GRU layer and its carried state.
type gruStage struct {
	wx, wh, bx, bh []float32
	in, h          int
	state          []float32
	cache          kernels.GRUCache
}

// Stream is the streaming forward of a Model: Accept feeds log-mel frames and returns the log-probabilities of
// the output frames they complete; Flush ends the utterance and returns the rest. The concatenated outputs equal
// Forward of the concatenated inputs for any chunking (up to float rounding of differently sized products). Output
// frame t is returned as soon as input frame (t+Lookahead)·stride has arrived: the latency is the row
// convolution's lookahead plus one stride. A Stream is not safe for concurrent use; several Streams (and Forward
// calls) may share one Model.
type Stream struct {
	m     *Model
	convs []*convStage
	grus  []*gruStage
	// Row convolution: the last GRU outputs not yet emitted, frames [rbase, rbase+rn).
	rw         []float32
	rbuf       []float32
	rbase, rn  int
	outW, outB []float32
	h, v, l    int
	emitted    int
	flushed    bool
}

// NewStream starts a streaming forward. The model's weights must not change while the stream is in use.
func (m *Model) NewStream() (*Stream, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	cfg := m.Config
	s := &Stream{m: m, h: cfg.GRUUnits, v: cfg.VocabSize, l: cfg.Lookahead}
	f := cfg.NumMels
	for i, l := range cfg.Conv {
		p := fmt.Sprintf("conv%d.", i)
		st := &convStage{c: kernels.NewConv(f, cfg.ConvInChannels(i), l.Channels, l.KernelTime, l.KernelFreq, l.StrideTime, l.StrideFreq), w: m.Weight(p + "w")}
		gamma, beta, mean, vr := m.Weight(p+"gamma"), m.Weight(p+"beta"), m.Weight(p+"mean"), m.Weight(p+"var")
		st.scale, st.shift = make([]float32, l.Channels), make([]float32, l.Channels)
		kernels.FoldBN(gamma, beta, mean, vr, st.scale, st.shift)
		s.convs = append(s.convs, st)
		f = st.c.FO
	}
	in := cfg.GRUInput()
	for i := 0; i < cfg.GRULayers; i++ {
		p := fmt.Sprintf("gru%d.", i)
		s.grus = append(s.grus, &gruStage{wx: m.Weight(p + "wx"), wh: m.Weight(p + "wh"), bx: m.Weight(p + "bx"), bh: m.Weight(p + "bh"),
			in: in, h: cfg.GRUUnits, state: make([]float32, cfg.GRUUnits)})
		in = cfg.GRUUnits
	}
	s.rw, s.outW, s.outB = m.Weight("rowconv.w"), m.Weight("out.w"), m.Weight("out.b")
	return s, nil
}

// push appends frames to the stage's input and returns the output frames (post batch norm and clipped ReLU)
// that became computable.
func (st *convStage) push(frames []float32, k int) ([]float32, int) {
	fin := st.c.InFrame()
	st.buf = append(st.buf[:st.n*fin], frames[:k*fin]...)
	st.n += k
	last := (st.base + st.n - 1) / st.c.ST // last output frame whose newest input frame is here
	m := last - st.next + 1
	if st.n == 0 || m <= 0 {
		return nil, 0
	}
	kk := st.c.K()
	if cap(st.col) < m*st.c.FO*kk {
		st.col = make([]float32, m*st.c.FO*kk)
	}
	col := st.col[:m*st.c.FO*kk]
	st.c.Im2col(st.buf, 1, 0, st.base, st.n, st.next, m, col)
	out := make([]float32, m*st.c.OutFrame())
	kernels.Gemm(false, false, m*st.c.FO, st.c.Cout, kk, 1, col, st.w, 0, out)
	kernels.ScaleShiftClip(out, st.scale, st.shift)
	st.next += m
	// Keep only the frames the next output still reads.
	keep := max(st.next*st.c.ST-st.c.KT+1, st.base)
	if drop := keep - st.base; drop > 0 {
		drop = min(drop, st.n)
		copy(st.buf, st.buf[drop*fin:st.n*fin])
		st.n -= drop
		st.base += drop
	}
	return out, m
}

// Accept feeds log-mel frames (Cols must be the model's NumMels) and returns the log-probabilities of the
// output frames that are now final.
func (s *Stream) Accept(frames *features.Matrix) (*Matrix, error) {
	if s.flushed {
		return nil, fmt.Errorf("acoustic: Accept after Flush")
	}
	if frames == nil || frames.Cols != s.m.Config.NumMels || len(frames.Data) != frames.Rows*frames.Cols {
		return nil, fmt.Errorf("acoustic: stream wants frames of %d mels", s.m.Config.NumMels)
	}
	x, k := frames.Data, frames.Rows
	for _, st := range s.convs {
		if k == 0 {
			break
		}
		x, k = st.push(x, k)
	}
	if k > 0 {
		for _, g := range s.grus {
			x = g.run(x, k)
		}
		s.rbuf = append(s.rbuf[:s.rn*s.h], x[:k*s.h]...)
		s.rn += k
	}
	return s.emit(false), nil
}

func (g *gruStage) run(x []float32, k int) []float32 {
	gr := kernels.GRU{B: 1, T: k, In: g.in, H: g.h}
	gr.Alloc(&g.cache, false)
	out := make([]float32, k*g.h)
	gr.Forward(x, g.wx, g.wh, g.bx, g.bh, g.state, out, &g.cache)
	copy(g.state, g.cache.Hs[k*g.h:(k+1)*g.h])
	return out
}

// emit computes row convolution, linear layer and log-softmax for every frame whose lookahead is complete
// (all pending frames when final).
func (s *Stream) emit(final bool) *Matrix {
	end := s.rbase + s.rn // frames known
	last := end - 1 - s.l // last frame whose lookahead is here
	if final {
		last = end - 1
	}
	m := last - s.emitted + 1
	out := &Matrix{Cols: s.v}
	if m <= 0 {
		return out
	}
	h := s.h
	rc := make([]float32, m*h)
	for t := 0; t < m; t++ {
		abs := s.emitted + t
		o := rc[t*h : (t+1)*h]
		for j := 0; j <= s.l && abs+j < end; j++ {
			x := s.rbuf[(abs+j-s.rbase)*h : (abs+j-s.rbase+1)*h]
			w := s.rw[j*h : (j+1)*h]
			for i := range o {
				o[i] += w[i] * x[i]
			}
		}
	}
	out.Rows = m
	out.Data = make([]float32, m*s.v)
	for t := 0; t < m; t++ {
		copy(out.Data[t*s.v:(t+1)*s.v], s.outB)
	}
	kernels.Gemm(false, false, m, s.v, h, 1, rc, s.outW, 1, out.Data)
	kernels.LogSoftmax(out.Data, m, s.v)
	s.emitted += m
	// Drop frames no future output reads.
	if drop := s.emitted - s.rbase; drop > 0 {
		drop = min(drop, s.rn)
		copy(s.rbuf, s.rbuf[drop*h:s.rn*h])
		s.rn -= drop
		s.rbase += drop
	}
	return out
}

// Flush ends the utterance: the last frames are computed with zeros for their missing lookahead.
func (s *Stream) Flush() *Matrix {
	if s.flushed {
		return &Matrix{Cols: s.v}
	}
	s.flushed = true
	return s.emit(true)
}
