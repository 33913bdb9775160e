package train

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/harkspeech/hark/acoustic/internal/kernels"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * scale)
	}
	return s
}

// gruPrimitives builds the same masked GRU from gorgonia primitives (unrolled over time) and returns the loss
// Σ out ⊙ proj with the gradients of x, wx, wh, bx, bh.
func gruPrimitives(t *testing.T, B, T, In, H int, lens []int, x, wx, wh, bx, bh, proj []float32) (float32, [][]float32) {
	t.Helper()
	g := G.NewGraph()
	cst := func(name string, data []float32, shape ...int) *G.Node {
		return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float32(nil), data...)))))
	}
	must := func(n *G.Node, err error) *G.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	xN := cst("x", x, B, T, In)
	wxN := cst("wx", wx, In, 3*H)
	whN := cst("wh", wh, H, 3*H)
	bxN := cst("bx", bx, 1, 3*H)
	bhN := cst("bh", bh, 1, 3*H)
	ones := make([]float32, B*H)
	for i := range ones {
		ones[i] = 1
	}
	onesB := cst("onesB", ones[:B], B, 1)
	onesBH := cst("onesBH", ones, B, H)
	bxB := must(G.Mul(onesB, bxN)) // [B, 3H]: the bias on every row, differentiable w.r.t. bx
	bhB := must(G.Mul(onesB, bhN))
	h := cst("h0", make([]float32, B*H), B, H)
	var loss *G.Node
	gate := func(m *G.Node, k int) *G.Node { return must(G.Slice(m, nil, G.S(k*H, (k+1)*H))) }
	for s := 0; s < T; s++ {
		mask := make([]float32, B*H)
		for b := 0; b < B; b++ {
			if s < lens[b] {
				for j := 0; j < H; j++ {
					mask[b*H+j] = 1
				}
			}
		}
		m := cst(fmt.Sprintf("mask%d", s), mask, B, H)
		inv := must(G.Sub(onesBH, m))
		xt := must(G.Slice(xN, nil, G.S(s)))
		xp := must(G.Add(must(G.Mul(xt, wxN)), bxB))
		hp := must(G.Add(must(G.Mul(h, whN)), bhB))
		r := must(G.Sigmoid(must(G.Add(gate(xp, 0), gate(hp, 0)))))
		z := must(G.Sigmoid(must(G.Add(gate(xp, 1), gate(hp, 1)))))
		n := must(G.Tanh(must(G.Add(gate(xp, 2), must(G.HadamardProd(r, gate(hp, 2)))))))
		hn := must(G.Add(must(G.HadamardProd(must(G.Sub(onesBH, z)), n)), must(G.HadamardProd(z, h))))
		out := must(G.HadamardProd(m, hn))
		h = must(G.Add(out, must(G.HadamardProd(inv, h))))
		ps := make([]float32, B*H)
		for b := 0; b < B; b++ {
			copy(ps[b*H:(b+1)*H], proj[(b*T+s)*H:(b*T+s+1)*H])
		}
		term := must(G.Sum(must(G.HadamardProd(out, cst(fmt.Sprintf("proj%d", s), ps, B, H)))))
		if loss == nil {
			loss = term
		} else {
			loss = must(G.Add(loss, term))
		}
	}
	wrt := G.Nodes{xN, wxN, whN, bxN, bhN}
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	var grads [][]float32
	for _, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		d, err := floats(gv)
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, d)
	}
	return loss.Value().Data().(float32), grads
}

// TestFusedGRUMatchesPrimitives compares the fused GRU op (run through a gorgonia graph) with the same GRU
// unrolled from gorgonia primitives: loss and every gradient within 1e-4.
func TestFusedGRUMatchesPrimitives(t *testing.T) {
	tests := []struct {
		B, T, In, H int
		lens        []int
	}{
		{1, 4, 3, 5, []int{4}},
		{3, 6, 4, 7, []int{6, 2, 4}},
		{2, 5, 8, 3, []int{0, 5}},
	}
	rng := rand.New(rand.NewSource(9))
	for _, tc := range tests {
		name := fmt.Sprintf("B%dT%dIn%dH%d", tc.B, tc.T, tc.In, tc.H)
		t.Run(name, func(t *testing.T) {
			B, T, In, H := tc.B, tc.T, tc.In, tc.H
			x := randSlice(rng, B*T*In, 1)
			wx := randSlice(rng, In*3*H, 0.5)
			wh := randSlice(rng, H*3*H, 0.5)
			bx := randSlice(rng, 3*H, 0.3)
			bh := randSlice(rng, 3*H, 0.3)
			proj := randSlice(rng, B*T*H, 1)
			wantLoss, want := gruPrimitives(t, B, T, In, H, tc.lens, x, wx, wh, bx, bh, proj)

			// The fused op inside a gorgonia graph, with the same loss.
			g := G.NewGraph()
			cst := func(name string, data []float32, shape ...int) *G.Node {
				return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name),
					G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
			}
			in := G.Nodes{cst("x", x, B, T, In), cst("wx", wx, In, 3*H), cst("wh", wh, H, 3*H), cst("bx", bx, 3*H), cst("bh", bh, 3*H)}
			k := &gruKernel{g: kernels.GRU{B: B, T: T, In: In, H: H, Lens: tc.lens}, train: true, inputGrad: true, cache: new(kernels.GRUCache)}
			out, err := G.ApplyOp(newFused(k), in...)
			if err != nil {
				t.Fatal(err)
			}
			prod, err := G.HadamardProd(out, cst("proj", proj, B, T, H))
			if err != nil {
				t.Fatal(err)
			}
			loss, err := G.Sum(prod)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := G.Grad(loss, in...); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(in...))
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			if got := loss.Value().Data().(float32); math.Abs(float64(got-wantLoss)) > 1e-4 {
				t.Errorf("loss %v, primitives %v", got, wantLoss)
			}
			for i, n := range in {
				gv, err := n.Grad()
				if err != nil {
					t.Fatal(err)
				}
				got, _ := floats(gv)
				for j := range got {
					if d := math.Abs(float64(got[j] - want[i][j])); d > 1e-4 {
						t.Fatalf("gradient of %s[%d]: fused %v, primitives %v", n.Name(), j, got[j], want[i][j])
					}
				}
			}
		})
	}
}

// TestGRUKernelFiniteDifference checks the fused GRU's backward against central differences in float32.
func TestGRUKernelFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	B, T, In, H := 2, 5, 3, 4
	g := kernels.GRU{B: B, T: T, In: In, H: H, Lens: []int{5, 3}}
	x := randSlice(rng, B*T*In, 1)
	ws := [][]float32{randSlice(rng, In*3*H, 0.5), randSlice(rng, H*3*H, 0.5), randSlice(rng, 3*H, 0.3), randSlice(rng, 3*H, 0.3)}
	proj := randSlice(rng, B*T*H, 1)
	var c kernels.GRUCache
	out := make([]float32, B*T*H)
	loss := func() float64 {
		g.Alloc(&c, true)
		g.Forward(x, ws[0], ws[1], ws[2], ws[3], nil, out, &c)
		s := 0.0
		for i, v := range out {
			s += float64(v) * float64(proj[i])
		}
		return s
	}
	loss()
	grads := [][]float32{make([]float32, len(x)), make([]float32, len(ws[0])), make([]float32, len(ws[1])), make([]float32, len(ws[2])), make([]float32, len(ws[3]))}
	g.Backward(x, ws[0], ws[1], proj, &c, grads[0], grads[1], grads[2], grads[3], grads[4], make([]float32, B*T*3*H), make([]float32, B*T*3*H))
	vals := append([][]float32{x}, ws...)
	const eps = 1e-2
	for vi, v := range vals {
		for i := range v {
			old := v[i]
			v[i] = old + eps
			up := loss()
			v[i] = old - eps
			down := loss()
			v[i] = old
			num := (up - down) / (2 * eps)
			if math.Abs(num-float64(grads[vi][i])) > 1e-3+1e-2*math.Abs(num) {
				t.Errorf("input %d [%d]: analytic %v, finite difference %v", vi, i, grads[vi][i], num)
			}
		}
	}
}
