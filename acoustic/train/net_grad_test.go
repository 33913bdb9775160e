package train

import (
	"context"
	"math"
	"math/rand"
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
	const eps = 1e-2
	checked := 0
	for _, p := range net.Params() {
		if p.Grad == nil {
			continue
		}
		for k := 0; k < 4; k++ {
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
	t.Logf("checked %d coordinates", checked)
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

// TestFrozenParams freezes the conv layers: their gradients are zero, and every other gradient is what the
// unfrozen net computes.
func TestFrozenParams(t *testing.T) {
	cfg := tinyConfig()
	rng := rand.New(rand.NewSource(13))
	b := randomBatch(rng, cfg, []int{14, 10}, [][]int{{3, 4}, {7}})
	ctx := context.Background()
	net, err := NewNet(cfg, 14)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Step(ctx, b); err != nil {
		t.Fatal(err)
	}
	want := snapshot(net)
	frozen, err := NewNet(cfg, 14)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range frozen.Params() {
		if strings.HasPrefix(p.Name, "conv") {
			p.Frozen = true
		}
		for i := range p.Grad {
			p.Grad[i] = 7 // must be overwritten
		}
	}
	if _, err := frozen.Step(ctx, b); err != nil {
		t.Fatal(err)
	}
	for _, p := range frozen.Params() {
		for i, g := range p.Grad {
			w := want[p.Name][i]
			if p.Frozen {
				w = 0
			}
			if math.Abs(float64(g-w)) > 1e-6+1e-5*math.Abs(float64(w)) {
				t.Fatalf("%s[%d] = %v, want %v", p.Name, i, g, w)
			}
		}
	}
}
