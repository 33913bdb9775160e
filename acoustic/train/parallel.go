package train

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/harkspeech/hark/acoustic"
)

// parallelNet runs a batch data-parallel over replicas of one network, one goroutine each: the step's kernels are
// single-threaded GEMMs far too small to split well, so whole utterances are what a second core can share.
//
// The first replica is the one the trainer sees: its Params are the optimiser's, the checkpoint's and the
// exported model's. Before each call the others copy its values (and Frozen flags); after a Step its gradients
// are the sum of every replica's, and its batch-norm running statistics the mean of theirs, which is what one
// net would have computed over the whole batch except that batch-norm normalises each replica's share with that
// share's statistics.
type parallelNet struct {
	replicas []Net
}

// Parallel returns a Net that splits each batch across n replicas of net running concurrently (n ≤ 1 returns
// net itself). net's Params stay the live ones: the optimiser updates them and every replica starts each call
// from them. Replicas are made from net.Model(), so net must be freshly built or loaded with its final weights
// and frozen flags before training starts, as any Net would be.
func Parallel(net Net, n int) (Net, error) {
	if n <= 1 {
		return net, nil
	}
	p := &parallelNet{replicas: []Net{net}}
	for range n - 1 {
		r, err := NetFromModel(net.Model())
		if err != nil {
			return nil, err
		}
		p.replicas = append(p.replicas, r)
	}
	return p, nil
}

func (p *parallelNet) Params() []*Param       { return p.replicas[0].Params() }
func (p *parallelNet) Model() *acoustic.Model { return p.replicas[0].Model() }

// sync copies the primary's values and frozen flags into every other replica.
func (p *parallelNet) sync() {
	src := p.replicas[0].Params()
	for _, r := range p.replicas[1:] {
		for i, q := range r.Params() {
			copy(q.Value, src[i].Value)
			q.Frozen = src[i].Frozen
		}
	}
}

// split cuts b into at most len(p.replicas) consecutive runs of utterances; all share b's padded length T.
func (p *parallelNet) split(b *Batch) []*Batch {
	n := min(len(p.replicas), b.B)
	parts := make([]*Batch, 0, n)
	for i := range n {
		lo, hi := i*b.B/n, (i+1)*b.B/n
		sb := &Batch{B: hi - lo, T: b.T, F: b.F, Feats: b.Feats[lo*b.T*b.F : hi*b.T*b.F], FeatLens: b.FeatLens[lo:hi]}
		if b.Labels != nil {
			sb.Labels = b.Labels[lo:hi]
		}
		parts = append(parts, sb)
	}
	return parts
}

// run calls f on each part with its own replica concurrently and returns the first error.
func (p *parallelNet) run(parts []*Batch, f func(r Net, b *Batch, i int) error) error {
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, sb := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(p.replicas[i], sb, i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (p *parallelNet) Step(ctx context.Context, b *Batch) ([]float64, error) {
	if b == nil || b.B < 1 || len(b.FeatLens) != b.B || len(b.Labels) != b.B || len(b.Feats) != b.B*b.T*b.F {
		// Let one replica describe what is wrong with the batch.
		return p.replicas[0].Step(ctx, b)
	}
	p.sync()
	parts := p.split(b)
	losses := make([][]float64, len(parts))
	err := p.run(parts, func(r Net, sb *Batch, i int) error {
		l, err := r.Step(ctx, sb)
		losses[i] = l
		return err
	})
	if err != nil {
		return nil, err
	}
	dst := p.replicas[0].Params()
	for _, r := range p.replicas[1:len(parts)] {
		for i, q := range r.Params() {
			d := dst[i]
			switch {
			case q.Grad != nil && !d.Frozen:
				for j, g := range q.Grad {
					d.Grad[j] += g
				}
			case isRunningStat(d.Name):
				for j, v := range q.Value {
					d.Value[j] += v
				}
			}
		}
	}
	if k := float32(len(parts)); k > 1 {
		for _, d := range dst {
			if isRunningStat(d.Name) {
				for j := range d.Value {
					d.Value[j] /= k
				}
			}
		}
	}
	out := make([]float64, 0, b.B)
	for _, l := range losses {
		out = append(out, l...)
	}
	if len(out) != b.B {
		return nil, fmt.Errorf("train: parallel step returned %d losses for %d utterances", len(out), b.B)
	}
	return out, nil
}

func (p *parallelNet) LogProbs(ctx context.Context, b *Batch) ([][]float32, []int, error) {
	if b == nil || b.B < 1 || len(b.FeatLens) != b.B || len(b.Feats) != b.B*b.T*b.F {
		return p.replicas[0].LogProbs(ctx, b)
	}
	p.sync()
	parts := p.split(b)
	outs := make([][][]float32, len(parts))
	lens := make([][]int, len(parts))
	err := p.run(parts, func(r Net, sb *Batch, i int) error {
		var err error
		outs[i], lens[i], err = r.LogProbs(ctx, sb)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	var out [][]float32
	var ls []int
	for i := range parts {
		out = append(out, outs[i]...)
		ls = append(ls, lens[i]...)
	}
	return out, ls, nil
}
