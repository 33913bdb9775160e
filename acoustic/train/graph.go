package train

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/acoustic/internal/kernels"
	"github.com/harkspeech/hark/features"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bnMomentum is the weight of the current batch in the running batch-norm statistics.
const bnMomentum = 0.1

// graphNet is the Net built as a gorgonia graph of fused ops. A graph is built per batch shape and call (it has
// a few dozen nodes, so building it costs well under a millisecond next to the step itself); the parameter
// tensors wrap Param.Value, so the optimiser's in-place updates are what the next step computes with.
// A graphNet is not safe for concurrent use.
type graphNet struct {
	cfg     acoustic.Config
	vocab   acoustic.Vocabulary
	feat    features.Config
	params  []*Param
	byName  map[string]*Param
	tensors map[string]*tensor.Dense
	// Per-layer workspaces that the kernels of each step's graph reuse.
	convCol  [][]float32
	gruCache []kernels.GRUCache
}

func newGraphNet(cfg acoustic.Config, seed int64) (*graphNet, error) {
	// The default features with the network's own mel count, so that a config with NumMels ≠ 80 gets a model
	// whose feature extraction feeds it.
	feat := features.DefaultConfig()
	feat.NumMels = cfg.NumMels
	m, err := acoustic.NewModel(cfg, acoustic.EnglishVocabulary(), feat, seed)
	if err != nil {
		return nil, err
	}
	return netFromModel(m)
}

func netFromModel(m *acoustic.Model) (*graphNet, error) {
	if m == nil {
		return nil, errors.New("train: nil model")
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	n := &graphNet{cfg: m.Config, vocab: m.Vocabulary, feat: m.Features, byName: map[string]*Param{}, tensors: map[string]*tensor.Dense{},
		convCol: make([][]float32, len(m.Config.Conv)), gruCache: make([]kernels.GRUCache, m.Config.GRULayers)}
	for _, w := range m.Weights {
		p := &Param{Name: w.Name, Shape: append([]int(nil), w.Shape...), Value: append([]float32(nil), w.Data...)}
		if isRunningStat(w.Name) {
			p.Frozen = true
		} else {
			p.Grad = make([]float32, len(p.Value))
		}
		n.params = append(n.params, p)
		n.byName[p.Name] = p
		n.tensors[p.Name] = tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(p.Value))
	}
	return n, nil
}

func isRunningStat(name string) bool {
	return strings.HasSuffix(name, ".mean") || strings.HasSuffix(name, ".var")
}

func (n *graphNet) Params() []*Param { return n.params }

func (n *graphNet) Model() *acoustic.Model {
	m := &acoustic.Model{Config: n.cfg, Vocabulary: n.vocab, Features: n.feat}
	for _, p := range n.params {
		m.Weights = append(m.Weights, acoustic.Tensor{Name: p.Name, Shape: append([]int(nil), p.Shape...), Data: append([]float32(nil), p.Value...)})
	}
	return m
}

func (n *graphNet) checkBatch(b *Batch) error {
	if b == nil || b.B < 1 || b.T < 1 {
		return errors.New("train: empty batch")
	}
	if b.F != n.cfg.NumMels {
		return fmt.Errorf("train: batch has %d features per frame, model wants %d", b.F, n.cfg.NumMels)
	}
	if len(b.Feats) != b.B*b.T*b.F || len(b.FeatLens) != b.B {
		return fmt.Errorf("train: batch sizes inconsistent (%d feats, %d lengths for %d×%d×%d)", len(b.Feats), len(b.FeatLens), b.B, b.T, b.F)
	}
	for i, l := range b.FeatLens {
		if l < 0 || l > b.T {
			return fmt.Errorf("train: utterance %d has %d frames in a batch of %d", i, l, b.T)
		}
	}
	return nil
}

// built is one graph ready to run.
type built struct {
	g       *G.ExprGraph
	logits  *G.Node
	losses  *G.Node
	wrt     G.Nodes // parameter nodes that get gradients, in n.params order
	wrtName []string
	outT    int
	outLens []int
}

// build makes the graph for batch b; with train it ends in the CTC losses and their gradients.
func (n *graphNet) build(b *Batch, train bool) (*built, error) {
	cfg := n.cfg
	g := G.NewGraph()
	bt := &built{g: g}
	node := func(name string) *G.Node {
		t := n.tensors[name]
		x := G.NewTensor(g, tensor.Float32, t.Dims(), G.WithShape(t.Shape().Clone()...), G.WithName(name), G.WithValue(t))
		// Frozen parameters get no gradient nodes, so gorgonia prunes the backward work that only they need
		// (all of it below a frozen bottom layer).
		if train && !n.byName[name].Frozen {
			bt.wrt = append(bt.wrt, x)
			bt.wrtName = append(bt.wrtName, name)
		}
		return x
	}
	feats := tensor.New(tensor.WithShape(b.B, b.T, b.F), tensor.WithBacking(b.Feats))
	x := G.NewTensor(g, tensor.Float32, 3, G.WithShape(b.B, b.T, b.F), G.WithName("feats"), G.WithValue(feats))
	t, f := b.T, cfg.NumMels
	lens := append([]int(nil), b.FeatLens...)
	var err error
	for i, l := range cfg.Conv {
		cin := cfg.ConvInChannels(i)
		ck := &convKernel{c: kernels.NewConv(f, cin, l.Channels, l.KernelTime, l.KernelFreq, l.StrideTime, l.StrideFreq), b: b.B, t: t, inputGrad: i > 0, col: &n.convCol[i]}
		p := fmt.Sprintf("conv%d.", i)
		if x, err = G.ApplyOp(newFused(ck), x, node(p+"w")); err != nil {
			return nil, err
		}
		t, f = ck.c.TimeOut(t), ck.c.FO
		valid := make([]int, b.B)
		for j := range lens {
			lens[j] = l.TimeOut(lens[j])
			valid[j] = lens[j] * f
		}
		frozen := train && n.byName[p+"gamma"].Frozen && n.byName[p+"beta"].Frozen
		bk := &bnKernel{bn: kernels.BN{C: l.Channels, B: b.B, RowsPer: t * f, Valid: valid}, t: t, f: f, train: train,
			frozen: frozen, momentum: bnMomentum, runMean: n.byName[p+"mean"].Value, runVar: n.byName[p+"var"].Value}
		if x, err = G.ApplyOp(newFused(bk), x, node(p+"gamma"), node(p+"beta")); err != nil {
			return nil, err
		}
	}
	in := cfg.GRUInput()
	for i := 0; i < cfg.GRULayers; i++ {
		gk := &gruKernel{g: kernels.GRU{B: b.B, T: t, In: in, H: cfg.GRUUnits, Lens: lens}, train: train, inputGrad: true, cache: &n.gruCache[i]}
		p := fmt.Sprintf("gru%d.", i)
		if x, err = G.ApplyOp(newFused(gk), x, node(p+"wx"), node(p+"wh"), node(p+"bx"), node(p+"bh")); err != nil {
			return nil, err
		}
		in = cfg.GRUUnits
	}
	rk := &rowConvKernel{r: kernels.RowConv{B: b.B, T: t, H: in, L: cfg.Lookahead}}
	if x, err = G.ApplyOp(newFused(rk), x, node("rowconv.w")); err != nil {
		return nil, err
	}
	lk := &linearKernel{b: b.B, t: t, h: in, v: cfg.VocabSize}
	if bt.logits, err = G.ApplyOp(newFused(lk), x, node("out.w"), node("out.b")); err != nil {
		return nil, err
	}
	bt.outT, bt.outLens = t, lens
	if !train {
		return bt, nil
	}
	ck := &ctcKernel{b: b.B, t: t, v: cfg.VocabSize, lens: lens, labels: b.Labels}
	if bt.losses, err = G.ApplyOp(newFused(ck), bt.logits); err != nil {
		return nil, err
	}
	cost, err := G.Sum(bt.losses)
	if err != nil {
		return nil, err
	}
	if len(bt.wrt) == 0 {
		return bt, nil
	}
	if _, err := G.Grad(cost, bt.wrt...); err != nil {
		return nil, fmt.Errorf("train: gradient graph: %w", err)
	}
	return bt, nil
}

func (n *graphNet) Step(ctx context.Context, b *Batch) ([]float64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := n.checkBatch(b); err != nil {
		return nil, err
	}
	if len(b.Labels) != b.B {
		return nil, fmt.Errorf("train: %d label sequences for %d utterances", len(b.Labels), b.B)
	}
	bt, err := n.build(b, true)
	if err != nil {
		return nil, err
	}
	vm := G.NewTapeMachine(bt.g, G.BindDualValues(bt.wrt...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return nil, fmt.Errorf("train: step: %w", err)
	}
	for _, p := range n.params {
		if p.Frozen && p.Grad != nil {
			clear(p.Grad)
		}
	}
	for i, nd := range bt.wrt {
		gv, err := nd.Grad()
		if err != nil {
			return nil, fmt.Errorf("train: gradient of %s: %w", bt.wrtName[i], err)
		}
		d, err := floats(gv)
		if err != nil {
			return nil, err
		}
		p := n.byName[bt.wrtName[i]]
		if len(d) != len(p.Grad) {
			return nil, fmt.Errorf("train: gradient of %s has %d values, want %d", p.Name, len(d), len(p.Grad))
		}
		copy(p.Grad, d)
	}
	lv, err := floats(bt.losses.Value())
	if err != nil {
		return nil, err
	}
	losses := make([]float64, b.B)
	for i, l := range lv {
		losses[i] = float64(l)
	}
	return losses, nil
}

func (n *graphNet) LogProbs(ctx context.Context, b *Batch) ([][]float32, []int, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err := n.checkBatch(b); err != nil {
		return nil, nil, err
	}
	bt, err := n.build(b, false)
	if err != nil {
		return nil, nil, err
	}
	vm := G.NewTapeMachine(bt.g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return nil, nil, fmt.Errorf("train: forward: %w", err)
	}
	lg, err := floats(bt.logits.Value())
	if err != nil {
		return nil, nil, err
	}
	v := n.cfg.VocabSize
	out := make([][]float32, b.B)
	for i := range out {
		l := bt.outLens[i]
		o := append([]float32(nil), lg[i*bt.outT*v:(i*bt.outT+l)*v]...)
		kernels.LogSoftmax(o, l, v)
		out[i] = o
	}
	return out, bt.outLens, nil
}
