package train

import (
	"context"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// TestNetGradientFiniteDifference checks d(Σ CTC losses)/dθ of the whole network (conv path with masked batch
// norm, GRU, row convolution, linear, CTC) against central differences at random coordinates of every Param.
func TestNetGradientFiniteDifference(t *testing.T) {
	cfg := tinyConfig()
	net, err := NewNet(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(4))
	b := randomBatch(rng, cfg, []int{14, 10}, [][]int{{3, 4, 4}, {7, 8}})
	ctx := context.Background()
	loss := func() float64 {
		l, err := net.Step(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		return l[0] + l[1]
	}
	loss()
	grads := map[string][]float32{}
	for _, p := range net.Params() {
		if p.Grad != nil {
			grads[p.Name] = append([]float32(nil), p.Grad...)
		}
	}
	t.Logf("checked %d coordinates", checkGradients(t, net, grads, loss, rng, 4))
}

// checkGradients compares grads (of every trainable Param) with central differences of loss at k random
// coordinates per Param, and returns how many it checked.
func checkGradients(t *testing.T, net Net, grads map[string][]float32, loss func() float64, rng *rand.Rand, k int) int {
	t.Helper()
	const eps = 1e-2
	checked := 0
	for _, p := range net.Params() {
		if p.Grad == nil || p.Frozen {
			continue
		}
		for range k {
			i := rng.Intn(len(p.Value))
			old := p.Value[i]
			p.Value[i] = old + eps
			up := loss()
			p.Value[i] = old - eps
			down := loss()
			p.Value[i] = old
			num := (up - down) / (2 * eps)
			ana := float64(grads[p.Name][i])
			if math.Abs(num-ana) > 2e-3+2e-2*math.Abs(ana) {
				t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", p.Name, i, ana, num)
			}
			checked++
		}
	}
	return checked
}

// TestPaddingIsIgnored changes the padding frames and the batch companions of an utterance: its loss and
// gradient contribution must not change (masking in batch norm statistics aside, which the companions share).
func TestPaddingIsIgnored(t *testing.T) {
	cfg := tinyConfig()
	net, err := NewNet(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(6))
	b := randomBatch(rng, cfg, []int{14, 9}, [][]int{{3, 4}, {7, 8}})
	ctx := context.Background()
	l1, err := net.Step(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	g1 := snapshot(net)
	// Scribble over the padding of utterance 1.
	for j := 9 * b.F; j < b.T*b.F; j++ {
		b.Feats[b.T*b.F+j] = float32(rng.NormFloat64() * 5)
	}
	l2, err := net.Step(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	g2 := snapshot(net)
	for i := range l1 {
		if math.Abs(l1[i]-l2[i]) > 1e-5*math.Abs(l1[i]) {
			t.Errorf("loss %d changed with padding: %v → %v", i, l1[i], l2[i])
		}
	}
	for name, g := range g1 {
		for i := range g {
			if math.Abs(float64(g[i]-g2[name][i])) > 1e-5+1e-4*math.Abs(float64(g[i])) {
				t.Fatalf("%s[%d] changed with padding: %v → %v", name, i, g[i], g2[name][i])
			}
		}
	}
}

func snapshot(n Net) map[string][]float32 {
	m := map[string][]float32{}
	for _, p := range n.Params() {
		if p.Grad != nil {
			m[p.Name] = append([]float32(nil), p.Grad...)
		}
	}
	return m
}

// TestFrozenParams freezes layers as a fine-tune does: frozen gradients are zero and a frozen batch-norm layer
// normalises with its running statistics and leaves them alone. Where no batch-norm layer is frozen the other
// gradients are exactly the unfrozen net's; where one is, the net computes a different function, so its
// trainable gradients (including those that flow back through the frozen layer) are checked against central
// differences instead.
func TestFrozenParams(t *testing.T) {
	tests := []struct {
		name   string
		freeze string
	}{
		{"conv layers", "conv"},
		{"upper conv layer only", "conv1."},
		{"a GRU layer", "gru0."},
		{"output layer", "out."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tinyConfig()
			rng := rand.New(rand.NewSource(4))
			b := randomBatch(rng, cfg, []int{14, 10}, [][]int{{3, 4, 4}, {7, 8}})
			ctx := context.Background()
			net, err := NewNet(cfg, 3)
			if err != nil {
				t.Fatal(err)
			}
			// Running statistics unlike the fresh 0 and 1, so that using them is visible.
			for _, p := range net.Params() {
				if isRunningStat(p.Name) {
					for i := range p.Value {
						p.Value[i] = 0.5 + 0.3*float32(rng.Float64())
					}
				}
			}
			if _, err := Freeze(net.Params(), tt.freeze); err != nil {
				t.Fatal(err)
			}
			for _, p := range net.Params() {
				for i := range p.Grad {
					p.Grad[i] = 7 // must be overwritten
				}
			}
			before := map[string][]float32{}
			for _, p := range net.Params() {
				before[p.Name] = append([]float32(nil), p.Value...)
			}
			loss := func() float64 {
				l, err := net.Step(ctx, b)
				if err != nil {
					t.Fatal(err)
				}
				return l[0] + l[1]
			}
			loss()
			grads := snapshot(net)
			for _, p := range net.Params() {
				layer, _, _ := strings.Cut(p.Name, ".")
				frozenLayer := strings.HasPrefix(p.Name, tt.freeze) || strings.HasPrefix(layer+".", tt.freeze) ||
					(tt.freeze == "conv" && strings.HasPrefix(layer, "conv"))
				changed := !slices.Equal(before[p.Name], p.Value)
				switch {
				case isRunningStat(p.Name) && changed == frozenLayer:
					t.Errorf("%s changed %v; its layer is frozen: %v", p.Name, changed, frozenLayer)
				case p.Frozen && !isRunningStat(p.Name) && slices.ContainsFunc(grads[p.Name], func(g float32) bool { return g != 0 }):
					t.Errorf("frozen %s has a non-zero gradient", p.Name)
				}
			}
			if !strings.HasPrefix(tt.freeze, "conv") {
				ref, err := NewNet(cfg, 3)
				if err != nil {
					t.Fatal(err)
				}
				for i, p := range ref.Params() {
					copy(p.Value, before[net.Params()[i].Name])
				}
				if _, err := ref.Step(ctx, b); err != nil {
					t.Fatal(err)
				}
				want := snapshot(ref)
				for _, p := range net.Params() {
					if p.Frozen || p.Grad == nil {
						continue
					}
					if !slices.Equal(grads[p.Name], want[p.Name]) {
						t.Errorf("%s: gradient differs from the unfrozen net's", p.Name)
					}
				}
				return
			}
			checkGradients(t, net, grads, loss, rng, 3)
		})
	}
}
