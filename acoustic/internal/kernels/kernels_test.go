package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

func rnd(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// TestGemm compares every transpose combination (and the GEMV path) with a naive triple loop.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, s := range []struct{ m, n, k int }{{1, 7, 5}, {3, 1, 4}, {4, 6, 1}, {5, 3, 0}, {9, 11, 13}} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b := rnd(rng, s.m*s.k), rnd(rng, s.k*s.n)
				c := rnd(rng, s.m*s.n)
				want := make([]float32, len(c))
				for i := 0; i < s.m; i++ {
					for j := 0; j < s.n; j++ {
						sum := 0.5 * float64(c[i*s.n+j])
						for p := 0; p < s.k; p++ {
							av := a[i*s.k+p]
							if ta {
								av = a[p*s.m+i]
							}
							bv := b[p*s.n+j]
							if tb {
								bv = b[j*s.k+p]
							}
							sum += 2 * float64(av) * float64(bv)
						}
						want[i*s.n+j] = float32(sum)
					}
				}
				Gemm(ta, tb, s.m, s.n, s.k, 2, a, b, 0.5, c)
				for i := range c {
					if math.Abs(float64(c[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("%+v transA=%v transB=%v: c[%d] = %v, want %v (%s)", s, ta, tb, i, c[i], want[i], BLAS)
					}
				}
			}
		}
	}
}

// fdCheck compares analytic gradients of loss = Σ out·proj with central differences for every input value.
func fdCheck(t *testing.T, name string, inputs [][]float32, grads [][]float32, loss func() float64) {
	t.Helper()
	const eps = 1e-2
	for vi, v := range inputs {
		for i := range v {
			old := v[i]
			v[i] = old + eps
			up := loss()
			v[i] = old - eps
			down := loss()
			v[i] = old
			num := (up - down) / (2 * eps)
			if math.Abs(num-float64(grads[vi][i])) > 1e-3+1e-2*math.Abs(num) {
				t.Errorf("%s: input %d [%d]: analytic %v, finite difference %v", name, vi, i, grads[vi][i], num)
			}
		}
	}
}

func dot(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestRowConvFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, r := range []RowConv{{B: 2, T: 5, H: 3, L: 2}, {B: 1, T: 2, H: 4, L: 3}, {B: 1, T: 4, H: 2, L: 0}} {
		in, w := rnd(rng, r.B*r.T*r.H), rnd(rng, (r.L+1)*r.H)
		proj := rnd(rng, r.B*r.T*r.H)
		out := make([]float32, len(in))
		loss := func() float64 { r.Forward(in, w, out); return dot(out, proj) }
		din, dw := make([]float32, len(in)), make([]float32, len(w))
		r.Backward(in, w, proj, din, dw)
		fdCheck(t, fmt.Sprintf("%+v", r), [][]float32{in, w}, [][]float32{din, dw}, loss)
	}
}

func TestConvFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, tc := range []struct {
		b, t int
		c    Conv
	}{
		{2, 7, NewConv(5, 1, 3, 3, 3, 2, 2)},
		{1, 6, NewConv(4, 2, 2, 2, 3, 1, 1)},
		{2, 5, NewConv(6, 2, 3, 4, 2, 3, 2)},
	} {
		c := tc.c
		to := c.TimeOut(tc.t)
		in, w := rnd(rng, tc.b*tc.t*c.InFrame()), rnd(rng, c.K()*c.Cout)
		proj := rnd(rng, tc.b*to*c.OutFrame())
		out := make([]float32, len(proj))
		col := make([]float32, c.ColSize(tc.t))
		loss := func() float64 { c.Forward(in, tc.b, tc.t, w, out, col); return dot(out, proj) }
		loss()
		din, dw := make([]float32, len(in)), make([]float32, len(w))
		c.Backward(in, tc.b, tc.t, w, proj, col, dw, din, make([]float32, len(col)))
		fdCheck(t, fmt.Sprintf("conv %+v", c), [][]float32{in, w}, [][]float32{din, dw}, loss)
	}
}

// TestConvIsCausal changes future input frames and checks that earlier outputs do not move.
func TestConvIsCausal(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	c := NewConv(6, 2, 3, 5, 3, 3, 2)
	T := 12
	in := rnd(rng, T*c.InFrame())
	to := c.TimeOut(T)
	out1, out2 := make([]float32, to*c.OutFrame()), make([]float32, to*c.OutFrame())
	col := make([]float32, c.ColSize(T))
	w := rnd(rng, c.K()*c.Cout)
	c.Forward(in, 1, T, w, out1, col)
	for f := 7; f < T; f++ {
		for j := 0; j < c.InFrame(); j++ {
			in[f*c.InFrame()+j] += 5
		}
	}
	c.Forward(in, 1, T, w, out2, col)
	for t2 := 0; t2 < to; t2++ {
		changed := false
		for j := 0; j < c.OutFrame(); j++ {
			if out1[t2*c.OutFrame()+j] != out2[t2*c.OutFrame()+j] {
				changed = true
			}
		}
		if reads := t2*c.ST >= 7; changed != reads {
			t.Errorf("output frame %d changed=%v, reads frame ≥7: %v", t2, changed, reads)
		}
	}
}

func TestBNBackwardFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	n := BN{C: 3, B: 2, RowsPer: 4, Valid: []int{4, 2}}
	x := rnd(rng, n.B*n.RowsPer*n.C)
	gamma, beta := rnd(rng, 3), rnd(rng, 3)
	proj := rnd(rng, len(x))
	for b := 0; b < n.B; b++ { // padding rows do not count in the loss
		for r := n.Valid[b]; r < n.RowsPer; r++ {
			for j := 0; j < n.C; j++ {
				proj[(b*n.RowsPer+r)*n.C+j] = 0
			}
		}
	}
	y := make([]float32, len(x))
	mean, inv, vu := make([]float32, 3), make([]float32, 3), make([]float32, 3)
	loss := func() float64 { n.ForwardTrain(x, y, gamma, beta, mean, inv, vu); return dot(y, proj) }
	loss()
	dx, dg, db := make([]float32, len(x)), make([]float32, 3), make([]float32, 3)
	n.Backward(x, y, proj, gamma, mean, inv, dx, dg, db)
	fdCheck(t, "bn", [][]float32{x, gamma, beta}, [][]float32{dx, dg, db}, loss)
}

func TestBNBackwardInferFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	n := BN{C: 3, B: 2, RowsPer: 4, Valid: []int{4, 2}}
	x := rnd(rng, n.B*n.RowsPer*n.C)
	gamma, beta := rnd(rng, 3), rnd(rng, 3)
	mean := rnd(rng, 3)
	variance := []float32{0.5, 1.7, 0.9}
	proj := rnd(rng, len(x))
	for b := 0; b < n.B; b++ {
		for r := n.Valid[b]; r < n.RowsPer; r++ {
			for j := 0; j < n.C; j++ {
				proj[(b*n.RowsPer+r)*n.C+j] = 0
			}
		}
	}
	y := make([]float32, len(x))
	loss := func() float64 { n.ForwardInfer(x, y, gamma, beta, mean, variance); return dot(y, proj) }
	loss()
	dx, dg, db := make([]float32, len(x)), make([]float32, 3), make([]float32, 3)
	n.BackwardInfer(x, y, proj, gamma, mean, variance, dx, dg, db)
	fdCheck(t, "bn-infer", [][]float32{x, gamma, beta}, [][]float32{dx, dg, db}, loss)
}
