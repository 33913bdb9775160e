package train

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/harkspeech/hark/acoustic"
)

// tinyConfig is small enough for finite differences and fast tests.
func tinyConfig() acoustic.Config {
	return acoustic.Config{
		NumMels: 6,
		Conv: []acoustic.ConvLayer{
			{Channels: 3, KernelTime: 3, KernelFreq: 3, StrideTime: 2, StrideFreq: 2},
			{Channels: 2, KernelTime: 2, KernelFreq: 3, StrideTime: 1, StrideFreq: 1},
		},
		GRULayers: 2,
		GRUUnits:  5,
		Lookahead: 2,
		VocabSize: 29,
	}
}

func randomBatch(rng *rand.Rand, cfg acoustic.Config, lens []int, labels [][]int) *Batch {
	t := 0
	for _, l := range lens {
		t = max(t, l)
	}
	b := &Batch{B: len(lens), T: t, F: cfg.NumMels, FeatLens: lens, Labels: labels}
	b.Feats = make([]float32, b.B*b.T*b.F)
	for i, l := range lens {
		for j := 0; j < l*b.F; j++ {
			b.Feats[i*b.T*b.F+j] = float32(rng.NormFloat64())
		}
	}
	return b
}

func TestStepShapesAndLosses(t *testing.T) {
	cfg := tinyConfig()
	net, err := NewNet(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(2))
	// The third utterance (3 frames → 2 output frames) cannot emit 3 labels: its loss is +Inf.
	b := randomBatch(rng, cfg, []int{12, 9, 3}, [][]int{{3, 4}, {5}, {3, 4, 5}})
	losses, err := net.Step(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if len(losses) != 3 {
		t.Fatalf("got %d losses", len(losses))
	}
	for i, l := range losses[:2] {
		if math.IsInf(l, 0) || math.IsNaN(l) || l <= 0 {
			t.Errorf("loss %d = %v, want finite positive", i, l)
		}
	}
	if !math.IsInf(losses[2], 1) {
		t.Errorf("infeasible utterance loss = %v, want +Inf", losses[2])
	}
	for _, p := range net.Params() {
		if p.Frozen != (p.Grad == nil) {
			t.Errorf("%s: frozen %v but grad %v", p.Name, p.Frozen, p.Grad != nil)
		}
		for _, g := range p.Grad {
			if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
				t.Fatalf("%s has non-finite gradient", p.Name)
			}
		}
	}
	out, lens, err := net.LogProbs(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{6, 5, 2} {
		if lens[i] != want || len(out[i]) != want*cfg.VocabSize {
			t.Errorf("utterance %d: %d frames (%d values), want %d", i, lens[i], len(out[i]), want)
		}
		for f := 0; f < lens[i]; f++ {
			s := 0.0
			for _, v := range out[i][f*cfg.VocabSize : (f+1)*cfg.VocabSize] {
				s += math.Exp(float64(v))
			}
			if math.Abs(s-1) > 1e-4 {
				t.Errorf("utterance %d frame %d: probabilities sum to %v", i, f, s)
			}
		}
	}
}

func TestNetRejectsBadInput(t *testing.T) {
	cfg := tinyConfig()
	bad := cfg
	bad.GRUUnits = 0
	if _, err := NewNet(bad, 1); err == nil {
		t.Error("NewNet accepted zero GRU units")
	}
	other := cfg
	other.VocabSize = 30
	if _, err := NewNet(other, 1); err == nil {
		t.Error("NewNet accepted a vocabulary size the English vocabulary does not have")
	}
	if _, err := NetFromModel(nil); err == nil {
		t.Error("NetFromModel accepted nil")
	}
	net, err := NewNet(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := net.Model()
	m.Weights = m.Weights[:len(m.Weights)-1]
	if _, err := NetFromModel(m); err == nil {
		t.Error("NetFromModel accepted a model with a missing tensor")
	}
	ctx := context.Background()
	rng := rand.New(rand.NewSource(1))
	good := randomBatch(rng, cfg, []int{8, 6}, [][]int{{3}, {4}})
	tests := []struct {
		name string
		edit func(b *Batch)
	}{
		{"wrong width", func(b *Batch) { b.F = 5 }},
		{"short feats", func(b *Batch) { b.Feats = b.Feats[:10] }},
		{"length past T", func(b *Batch) { b.FeatLens[0] = 99 }},
		{"label out of range", func(b *Batch) { b.Labels[0] = []int{29} }},
		{"blank label", func(b *Batch) { b.Labels[1] = []int{0} }},
		{"missing labels", func(b *Batch) { b.Labels = b.Labels[:1] }},
	}
	for _, tc := range tests {
		b := *good
		b.FeatLens = append([]int(nil), good.FeatLens...)
		b.Labels = append([][]int(nil), good.Labels...)
		tc.edit(&b)
		if _, err := net.Step(ctx, &b); err == nil {
			t.Errorf("%s: Step accepted the batch", tc.name)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := net.Step(cancelled, good); err == nil {
		t.Error("Step ran with a cancelled context")
	}
}
