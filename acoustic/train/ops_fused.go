package train

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernel is a layer computed by hand-written kernels: fusedOp turns one into a gorgonia op with a symbolic
// derivative. Shapes are fixed when the graph is built (one graph per batch shape), so a kernel knows them.
type kernel interface {
	name() string
	inShapes() []tensor.Shape
	outShape() tensor.Shape
	// diffWRT says which inputs get gradients.
	diffWRT() []bool
	// forward computes out (len = outShape size) from the inputs and keeps what backward needs.
	forward(in [][]float32, out []float32) error
	// backward fills grads[i] (preallocated, overwritten) for every input with diffWRT true, from the
	// gradient of the output, using what the last forward kept.
	backward(in [][]float32, out, dout []float32, grads [][]float32) error
}

// fusedOp is the gorgonia face of a kernel. One instance per graph node: it keeps the kernel's forward state
// for its gradient ops. The gradient ops of one forward share a single backward run (gen counters).
type fusedOp struct {
	k              kernel
	fwdGen, bwdGen int
	grads          [][]float32
}

func newFused(k kernel) *fusedOp { return &fusedOp{k: k} }

func tensorType(s tensor.Shape) hm.Type { return G.TensorType{Dims: len(s), Of: tensor.Float32} }

func (op *fusedOp) Arity() int { return len(op.k.inShapes()) }

func (op *fusedOp) Type() hm.Type {
	var ts []hm.Type
	for _, s := range op.k.inShapes() {
		ts = append(ts, tensorType(s))
	}
	ts = append(ts, tensorType(op.k.outShape()))
	return hm.NewFnType(ts...)
}

func (op *fusedOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.k.outShape().Clone(), nil
}
func (op *fusedOp) ReturnsPtr() bool     { return false }
func (op *fusedOp) CallsExtern() bool    { return false }
func (op *fusedOp) OverwritesInput() int { return -1 }

// WriteHash includes the instance address: two fused nodes must never be merged, since each holds its own
// forward state.
func (op *fusedOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s@%p", op.k.name(), op) }
func (op *fusedOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *fusedOp) String() string { return op.k.name() }

func floats(v G.Value) ([]float32, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("train: expected a tensor, got %T", v)
	}
	d, ok := t.Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("train: expected float32 data, got %T", t.Data())
	}
	return d, nil
}

func (op *fusedOp) Do(vals ...G.Value) (G.Value, error) {
	in := make([][]float32, len(vals))
	for i, v := range vals {
		d, err := floats(v)
		if err != nil {
			return nil, fmt.Errorf("%s input %d: %w", op.k.name(), i, err)
		}
		if want := op.k.inShapes()[i].TotalSize(); len(d) != want {
			return nil, fmt.Errorf("train: %s input %d has %d values, want %d", op.k.name(), i, len(d), want)
		}
		in[i] = d
	}
	s := op.k.outShape()
	out := make([]float32, s.TotalSize())
	if err := op.k.forward(in, out); err != nil {
		return nil, err
	}
	op.fwdGen++
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(out)), nil
}

func (op *fusedOp) DiffWRT(n int) []bool { return op.k.diffWRT() }

func (op *fusedOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	ret := make(G.Nodes, len(inputs))
	args := append(append(G.Nodes{}, inputs...), output, grad)
	for i, d := range op.k.diffWRT() {
		if !d {
			continue
		}
		n, err := G.ApplyOp(&fusedGradOp{parent: op, i: i}, args...)
		if err != nil {
			return nil, fmt.Errorf("train: %s gradient %d: %w", op.k.name(), i, err)
		}
		ret[i] = n
	}
	return ret, nil
}

// fusedGradOp returns the gradient of its parent's input i. Its inputs are the parent's inputs, the parent's
// output and the gradient of that output.
type fusedGradOp struct {
	parent *fusedOp
	i      int
}

func (op *fusedGradOp) Arity() int { return op.parent.Arity() + 2 }

func (op *fusedGradOp) Type() hm.Type {
	var ts []hm.Type
	for _, s := range op.parent.k.inShapes() {
		ts = append(ts, tensorType(s))
	}
	o := tensorType(op.parent.k.outShape())
	ts = append(ts, o, o, tensorType(op.parent.k.inShapes()[op.i]))
	return hm.NewFnType(ts...)
}

func (op *fusedGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.parent.k.inShapes()[op.i].Clone(), nil
}
func (op *fusedGradOp) ReturnsPtr() bool     { return false }
func (op *fusedGradOp) CallsExtern() bool    { return false }
func (op *fusedGradOp) OverwritesInput() int { return -1 }
func (op *fusedGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "d%s/d%d@%p", op.parent.k.name(), op.i, op.parent)
}
func (op *fusedGradOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *fusedGradOp) String() string { return fmt.Sprintf("d%s/d%d", op.parent.k.name(), op.i) }

func (op *fusedGradOp) Do(vals ...G.Value) (G.Value, error) {
	p := op.parent
	if p.bwdGen != p.fwdGen || p.grads == nil {
		n := len(vals) - 2
		in := make([][]float32, n)
		for i := 0; i < n; i++ {
			d, err := floats(vals[i])
			if err != nil {
				return nil, err
			}
			in[i] = d
		}
		out, err := floats(vals[n])
		if err != nil {
			return nil, err
		}
		dout, err := floats(vals[n+1])
		if err != nil {
			return nil, err
		}
		p.grads = make([][]float32, n)
		for i, d := range p.k.diffWRT() {
			if d {
				p.grads[i] = make([]float32, p.k.inShapes()[i].TotalSize())
			}
		}
		if err := p.k.backward(in, out, dout, p.grads); err != nil {
			return nil, err
		}
		p.bwdGen = p.fwdGen
	}
	s := p.k.inShapes()[op.i]
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(p.grads[op.i])), nil
}
