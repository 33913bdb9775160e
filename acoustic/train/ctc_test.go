package train

import (
	"math"
	"math/rand"
	"testing"

	"github.com/harkspeech/hark/acoustic/internal/kernels"
)

// bruteCTC sums the probability of every length-t path over v symbols that collapses to labels.
func bruteCTC(logits []float32, t, v int, labels []int) float64 {
	lp := make([]float64, t*v)
	for r := 0; r < t; r++ {
		s := 0.0
		for k := 0; k < v; k++ {
			s += math.Exp(float64(logits[r*v+k]))
		}
		for k := 0; k < v; k++ {
			lp[r*v+k] = float64(logits[r*v+k]) - math.Log(s)
		}
	}
	total := 0.0
	path := make([]int, t)
	var rec func(r int)
	rec = func(r int) {
		if r == t {
			var out []int
			prev := -1
			for _, s := range path {
				if s != prev && s != 0 {
					out = append(out, s)
				}
				prev = s
			}
			if equalInts(out, labels) {
				p := 0.0
				for i, s := range path {
					p += lp[i*v+s]
				}
				total += math.Exp(p)
			}
			return
		}
		for s := 0; s < v; s++ {
			path[r] = s
			rec(r + 1)
		}
	}
	rec(0)
	return -math.Log(total)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCTCAgainstBruteForce(t *testing.T) {
	tests := []struct {
		t, v   int
		labels []int
	}{
		{1, 3, nil},
		{3, 3, nil},
		{1, 3, []int{1}},
		{4, 3, []int{1, 2}},
		{4, 3, []int{1, 1}},
		{5, 4, []int{2, 2, 3}},
		{6, 3, []int{1, 2, 1}},
		{3, 3, []int{1, 1}},
		{7, 3, []int{2}},
	}
	rng := rand.New(rand.NewSource(7))
	for _, tc := range tests {
		logits := make([]float32, tc.t*tc.v)
		for i := range logits {
			logits[i] = float32(rng.NormFloat64() * 2)
		}
		got := kernels.CTC(logits, tc.t, tc.v, tc.labels, nil)
		want := bruteCTC(logits, tc.t, tc.v, tc.labels)
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("T=%d labels=%v: loss %v, brute force %v", tc.t, tc.labels, got, want)
		}
	}
}

func TestCTCInfeasible(t *testing.T) {
	tests := []struct {
		t      int
		labels []int
		ok     bool
	}{
		{2, []int{1, 1}, false}, // needs a blank between the repeats
		{3, []int{1, 1}, true},
		{2, []int{1, 2}, true},
		{1, []int{1, 2}, false},
		{0, nil, false},
	}
	for _, tc := range tests {
		grad := make([]float32, tc.t*3)
		for i := range grad {
			grad[i] = 9
		}
		logits := make([]float32, tc.t*3)
		l := kernels.CTC(logits, tc.t, 3, tc.labels, grad)
		if math.IsInf(l, 1) == tc.ok {
			t.Errorf("T=%d labels=%v: loss %v, feasible want %v", tc.t, tc.labels, l, tc.ok)
		}
		if tc.t > 0 && kernels.CTCFeasible(tc.t, tc.labels) != tc.ok {
			t.Errorf("CTCFeasible(%d, %v) = %v", tc.t, tc.labels, !tc.ok)
		}
		if !tc.ok {
			for _, g := range grad {
				if g != 0 {
					t.Errorf("T=%d labels=%v: infeasible gradient not zero", tc.t, tc.labels)
					break
				}
			}
		}
	}
}

func TestCTCGradientFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, tc := range []struct {
		t, v   int
		labels []int
	}{{6, 4, []int{1, 2}}, {8, 5, []int{3, 3, 1}}, {5, 3, nil}, {12, 6, []int{1, 2, 3, 4, 5}}} {
		logits := make([]float32, tc.t*tc.v)
		for i := range logits {
			logits[i] = float32(rng.NormFloat64())
		}
		grad := make([]float32, len(logits))
		kernels.CTC(logits, tc.t, tc.v, tc.labels, grad)
		const eps = 1e-2
		for i := range logits {
			old := logits[i]
			logits[i] = old + eps
			up := kernels.CTC(logits, tc.t, tc.v, tc.labels, nil)
			logits[i] = old - eps
			down := kernels.CTC(logits, tc.t, tc.v, tc.labels, nil)
			logits[i] = old
			num := (up - down) / (2 * eps)
			if math.Abs(num-float64(grad[i])) > 1e-4+1e-3*math.Abs(num) {
				t.Errorf("T=%d labels=%v logit %d: analytic %v, finite difference %v", tc.t, tc.labels, i, grad[i], num)
			}
		}
	}
}
