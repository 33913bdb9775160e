package train

import (
	"bytes"
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/features"
)

// TestInferenceMatchesLogProbs trains one step (so the running statistics move), exports the model through a
// file round trip, and checks that acoustic's BLAS inference gives the graph's LogProbs for every utterance of
// a padded batch.
func TestInferenceMatchesLogProbs(t *testing.T) {
	cfg := tinyConfig()
	net, err := NewNet(cfg, 11)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(12))
	b := randomBatch(rng, cfg, []int{23, 17, 5}, [][]int{{3, 4}, {5, 6}, {7}})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := net.Step(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	moved := false
	for _, p := range net.Params() {
		if p.Name == "conv0.mean" && p.Value[0] != 0 {
			moved = true
		}
	}
	if !moved {
		t.Fatal("running mean did not move")
	}
	want, lens, err := net.LogProbs(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	m := net.Model()
	if m.Features.NumMels != cfg.NumMels {
		t.Fatalf("NewNet gave features of %d mels for a network of %d", m.Features.NumMels, cfg.NumMels)
	}
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m, err = acoustic.Load(&buf, "net")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range b.FeatLens {
		feats := &features.Matrix{Rows: l, Cols: b.F, Data: b.Feats[i*b.T*b.F : (i*b.T+l)*b.F]}
		got, err := m.Forward(feats)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rows != lens[i] || len(got.Data) != len(want[i]) {
			t.Fatalf("utterance %d: inference %d frames, LogProbs %d", i, got.Rows, lens[i])
		}
		for j := range got.Data {
			if math.Abs(float64(got.Data[j]-want[i][j])) > 1e-4 {
				t.Fatalf("utterance %d value %d: inference %v, LogProbs %v", i, j, got.Data[j], want[i][j])
			}
		}
	}
	// And back: a Net from the model computes the same LogProbs.
	net2, err := NetFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := net2.LogProbs(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		for j := range again[i] {
			if again[i][j] != want[i][j] {
				t.Fatalf("NetFromModel changed LogProbs of utterance %d", i)
			}
		}
	}
}
