package train

import (
	"context"
	"math"
	"math/rand"
	"testing"
)

// TestParallelMatchesSerialHalves checks the data-parallel Net against the same network run by hand on each
// replica's share of the batch: gradients add up, running statistics average, losses and log-probabilities come
// back in batch order, and a second step after the optimiser moved the weights sees the new weights everywhere.
func TestParallelMatchesSerialHalves(t *testing.T) {
	cfg := tinyConfig()
	ctx := context.Background()
	rng := rand.New(rand.NewSource(3))
	b := randomBatch(rng, cfg, []int{12, 9, 11, 7, 10}, [][]int{{3, 4}, {5}, {6, 7, 8}, {9}, {3, 3}})

	base, err := NewNet(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref0, _ := NetFromModel(base.Model())
	ref1, _ := NetFromModel(base.Model())
	par, err := Parallel(base, 2)
	if err != nil {
		t.Fatal(err)
	}
	adam := NewAdam(Schedule{Peak: 0.01, Decay: DecayConstant, Total: 10}, 0)
	for step := range 2 {
		got, err := par.Step(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		// The reference: both halves (utterances 0–1 and 2–4) from the same starting weights.
		halves := []*Batch{
			{B: 2, T: b.T, F: b.F, Feats: b.Feats[:2*b.T*b.F], FeatLens: b.FeatLens[:2], Labels: b.Labels[:2]},
			{B: 3, T: b.T, F: b.F, Feats: b.Feats[2*b.T*b.F:], FeatLens: b.FeatLens[2:], Labels: b.Labels[2:]},
		}
		l0, err := ref0.Step(ctx, halves[0])
		if err != nil {
			t.Fatal(err)
		}
		l1, err := ref1.Step(ctx, halves[1])
		if err != nil {
			t.Fatal(err)
		}
		want := append(l0, l1...)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-9*math.Max(1, want[i]) {
				t.Errorf("step %d loss %d = %v, want %v", step, i, got[i], want[i])
			}
		}
		p0, p1 := ref0.Params(), ref1.Params()
		for i, p := range par.Params() {
			for j := range p.Value {
				var w float32
				if isRunningStat(p.Name) {
					w = (p0[i].Value[j] + p1[i].Value[j]) / 2
				} else {
					w = p0[i].Grad[j] + p1[i].Grad[j]
				}
				g := p.Value[j]
				if !isRunningStat(p.Name) {
					g = p.Grad[j]
				}
				if math.Abs(float64(g-w)) > 1e-5*math.Max(1, math.Abs(float64(w))) {
					t.Fatalf("step %d: %s[%d] = %v, want %v", step, p.Name, j, g, w)
				}
			}
		}
		// Move the weights as training would and bring the references along.
		if _, _, err := adam.Update(par.Params()); err != nil {
			t.Fatal(err)
		}
		for i, p := range par.Params() {
			copy(p0[i].Value, p.Value)
			copy(p1[i].Value, p.Value)
		}
	}

	// Inference uses running statistics, so splitting the batch must not change a single output.
	want, wantLens, err := ref0.LogProbs(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	got, lens, err := par.LogProbs(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if lens[i] != wantLens[i] || len(got[i]) != len(want[i]) {
			t.Fatalf("utterance %d: %d frames, want %d", i, lens[i], wantLens[i])
		}
		for j := range want[i] {
			if math.Abs(float64(got[i][j]-want[i][j])) > 1e-5 {
				t.Fatalf("utterance %d value %d = %v, want %v", i, j, got[i][j], want[i][j])
			}
		}
	}
}

// A batch smaller than the replica count, or a malformed one, still works or fails as a single Net would.
func TestParallelSmallAndBadBatches(t *testing.T) {
	cfg := tinyConfig()
	net, err := NewNet(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	par, err := Parallel(net, 4)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(4))
	b := randomBatch(rng, cfg, []int{12}, [][]int{{3, 4}})
	if l, err := par.Step(context.Background(), b); err != nil || len(l) != 1 {
		t.Errorf("one-utterance batch: %v, %v", l, err)
	}
	b.Labels = nil
	if _, err := par.Step(context.Background(), b); err == nil {
		t.Error("batch without labels accepted")
	}
	if _, err := par.Step(context.Background(), nil); err == nil {
		t.Error("nil batch accepted")
	}
	if same, _ := Parallel(net, 1); same != net {
		t.Error("Parallel(net, 1) is not net itself")
	}
}
