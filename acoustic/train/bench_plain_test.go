package train

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/harkspeech/hark/acoustic"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// plainNet is the reference architecture built only from gorgonia primitives, for the speed comparison: Conv2d
// (with the time padding that makes it causal, extra outputs sliced off), BatchNorm, Rectify (the clip at 20 is
// left out, which only flatters this baseline), the GRU unrolled step by step with one input-projection Mul per
// layer, the row convolution as per-frame broadcast products, Mul + BroadcastAdd, LogSoftMax and gorgonia's
// CTCLoss (sum reduction; the mean reduction's gradient is wrong, see ../shared/notes/engine.md). Every utterance
// has the full length, so no masks are needed.
type plainNet struct {
	g      *G.ExprGraph
	cost   *G.Node
	params G.Nodes
	vm     G.VM
}

func buildPlain(cfg acoustic.Config, b *Batch, seed int64) (*plainNet, error) {
	rng := rand.New(rand.NewSource(seed))
	g := G.NewGraph()
	pn := &plainNet{g: g}
	var err error
	must := func(n *G.Node, e error) *G.Node {
		if e != nil && err == nil {
			err = e
		}
		return n
	}
	param := func(name string, scale float64, shape ...int) *G.Node {
		t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice(rng, tensor.Shape(shape).TotalSize(), scale)))
		n := G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
		pn.params = append(pn.params, n)
		return n
	}
	constant := func(name string, v tensor.Tensor) *G.Node {
		return G.NewTensor(g, v.Dtype(), v.Dims(), G.WithShape(v.Shape().Clone()...), G.WithName(name), G.WithValue(v))
	}
	x := constant("feats", tensor.New(tensor.WithShape(b.B, 1, b.T, b.F), tensor.WithBacking(b.Feats)))
	t := b.T
	for i, l := range cfg.Conv {
		cin := cfg.ConvInChannels(i)
		w := param(fmt.Sprintf("conv%d.w", i), 0.1, l.Channels, cin, l.KernelTime, l.KernelFreq)
		x = must(G.Conv2d(x, w, tensor.Shape{l.KernelTime, l.KernelFreq}, []int{l.KernelTime - 1, l.FreqPad()}, []int{l.StrideTime, l.StrideFreq}, nil))
		if err != nil {
			return nil, err
		}
		t = l.TimeOut(t)
		x = must(G.Slice(x, nil, nil, G.S(0, t)))
		scale := param(fmt.Sprintf("conv%d.gamma", i), 0.1, 1, l.Channels, 1, 1)
		bias := param(fmt.Sprintf("conv%d.beta", i), 0.1, 1, l.Channels, 1, 1)
		if err != nil {
			return nil, err
		}
		bn, _, _, _, e := G.BatchNorm(x, scale, bias, 0.9, 1e-5)
		if e != nil {
			return nil, e
		}
		x = must(G.Rectify(bn))
	}
	if err != nil {
		return nil, err
	}
	// [B, C, T', F'] → time-major rows [T'·B, C·F'].
	x = must(G.Transpose(x, 2, 0, 1, 3))
	in, h := cfg.GRUInput(), cfg.GRUUnits
	x = must(G.Reshape(x, tensor.Shape{t * b.B, in}))
	var hs []*G.Node
	for l := 0; l < cfg.GRULayers; l++ {
		p := fmt.Sprintf("gru%d.", l)
		wx, wh := param(p+"wx", 0.05, in, 3*h), param(p+"wh", 0.05, h, 3*h)
		bx, bh := param(p+"bx", 0.05, 1, 3*h), param(p+"bh", 0.05, 1, 3*h)
		xp := must(G.BroadcastAdd(must(G.Mul(x, wx)), bx, nil, []byte{0}))
		xp = must(G.Reshape(xp, tensor.Shape{t, b.B, 3 * h}))
		if err != nil {
			return nil, err
		}
		state := constant(p+"h0", tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(b.B, h)))
		ones := make([]float32, b.B*h)
		for i := range ones {
			ones[i] = 1
		}
		one := constant(p+"ones", tensor.New(tensor.WithShape(b.B, h), tensor.WithBacking(ones)))
		hs = nil // a fresh slice: Concat keeps the one it is given as its children
		for s := 0; s < t; s++ {
			xs := must(G.Slice(xp, G.S(s)))
			hp := must(G.BroadcastAdd(must(G.Mul(state, wh)), bh, nil, []byte{0}))
			gate := func(m *G.Node, k int) *G.Node { return must(G.Slice(m, nil, G.S(k*h, (k+1)*h))) }
			r := must(G.Sigmoid(must(G.Add(gate(xs, 0), gate(hp, 0)))))
			z := must(G.Sigmoid(must(G.Add(gate(xs, 1), gate(hp, 1)))))
			n := must(G.Tanh(must(G.Add(gate(xs, 2), must(G.HadamardProd(r, gate(hp, 2)))))))
			state = must(G.Add(must(G.HadamardProd(must(G.Sub(one, z)), n)), must(G.HadamardProd(z, state))))
			if err != nil {
				return nil, err
			}
			hs = append(hs, state)
		}
		x = must(G.Concat(0, hs...))
		in = h
	}
	var rw []*G.Node
	for j := 0; j <= cfg.Lookahead; j++ {
		rw = append(rw, param(fmt.Sprintf("rowconv.w%d", j), 0.3, 1, h))
	}
	var rows []*G.Node
	for s := 0; s < t; s++ {
		var acc *G.Node
		for j := 0; j <= cfg.Lookahead && s+j < t; j++ {
			term := must(G.BroadcastHadamardProd(hs[s+j], rw[j], nil, []byte{0}))
			if acc == nil {
				acc = term
			} else {
				acc = must(G.Add(acc, term))
			}
		}
		rows = append(rows, acc)
	}
	x = must(G.Concat(0, rows...))
	wo, bo := param("out.w", 0.1, h, cfg.VocabSize), param("out.b", 0.1, 1, cfg.VocabSize)
	logits := must(G.BroadcastAdd(must(G.Mul(x, wo)), bo, nil, []byte{0}))
	logits = must(G.Reshape(logits, tensor.Shape{t, b.B, cfg.VocabSize}))
	lp := must(G.LogSoftMax(logits))
	if err != nil {
		return nil, err
	}
	maxL := 0
	for _, l := range b.Labels {
		maxL = max(maxL, len(l))
	}
	targets := make([]int, b.B*maxL)
	tl, il := make([]int, b.B), make([]int, b.B)
	for i, l := range b.Labels {
		copy(targets[i*maxL:], l)
		tl[i], il[i] = len(l), t
	}
	loss, e := G.CTCLoss(lp,
		constant("targets", tensor.New(tensor.WithShape(b.B, maxL), tensor.WithBacking(targets))),
		constant("inlens", tensor.New(tensor.WithShape(b.B), tensor.WithBacking(il))),
		constant("targetlens", tensor.New(tensor.WithShape(b.B), tensor.WithBacking(tl))),
		G.ReductionSum)
	if e != nil {
		return nil, e
	}
	pn.cost = loss
	if _, err := G.Grad(loss, pn.params...); err != nil {
		return nil, err
	}
	pn.vm = G.NewTapeMachine(g, G.BindDualValues(pn.params...))
	return pn, nil
}

func (p *plainNet) step() error {
	p.vm.Reset()
	return p.vm.RunAll()
}

// BenchmarkTrainStepPlain is the same step as BenchmarkTrainStepFused with the model built from gorgonia
// primitives, with gorgonia's default pure-Go BLAS (the "plain gorgonia" of the issue, ~2.0 s in
// ../shared/notes/engine.md) and, in cgo builds, with OpenBLAS. The graph and machine are built once (the
// bucketed best case for this baseline); that one-off cost is reported as "s-build". Each sub-benchmark builds
// a graph with the GRU unrolled over every step (half a minute and ~5 GB), so run it with a small -benchtime.
func BenchmarkTrainStepPlain(b *testing.B) {
	cfg := acoustic.DefaultConfig()
	batch := benchBatch(cfg)
	for _, bl := range plainBLAS() {
		// The testing package calls a benchmark function once with b.N = 1 before the real run: build the
		// graph only once.
		var pn *plainNet
		var build float64
		b.Run("blas="+bl.name, func(b *testing.B) {
			bl.use()
			if pn == nil {
				t0 := time.Now()
				var err error
				if pn, err = buildPlain(cfg, batch, 1); err != nil {
					b.Fatal(err)
				}
				build = time.Since(t0).Seconds()
			}
			reportMedian(b, pn.step)
			b.ReportMetric(build, "s-build")
		})
		if pn != nil {
			pn.vm.Close()
		}
	}
}

// plainBLASChoice is a BLAS for gorgonia's own operations. Setting it is global to gorgonia, which is why only
// this benchmark does it: the fused net does its algebra itself and never goes through gorgonia's BLAS.
type plainBLASChoice struct {
	name string
	use  func()
}
