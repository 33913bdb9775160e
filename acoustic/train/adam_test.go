package train

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

func TestScheduleRate(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		step int
		want float64
	}{
		{"warmup first", Schedule{Peak: 1e-3, Warmup: 10}, 1, 1e-4},
		{"warmup end", Schedule{Peak: 1e-3, Warmup: 10, Total: 100}, 10, 1e-3},
		{"cosine middle", Schedule{Peak: 1e-3, Min: 1e-4, Warmup: 10, Total: 110}, 60, 1e-4 + 0.9e-3*0.5},
		{"cosine end", Schedule{Peak: 1e-3, Min: 1e-4, Warmup: 10, Total: 110}, 110, 1e-4},
		{"cosine after end", Schedule{Peak: 1e-3, Min: 1e-4, Warmup: 10, Total: 110}, 500, 1e-4},
		{"cosine no total", Schedule{Peak: 1e-3, Warmup: 10}, 500, 1e-3},
		{"invsqrt", Schedule{Peak: 1e-3, Warmup: 100, Decay: DecayInvSqrt}, 400, 0.5e-3},
		{"invsqrt floor", Schedule{Peak: 1e-3, Min: 4e-4, Warmup: 100, Decay: DecayInvSqrt}, 10000, 4e-4},
		{"invsqrt no warmup", Schedule{Peak: 1e-3, Decay: DecayInvSqrt}, 4, 0.5e-3},
		{"constant", Schedule{Peak: 1e-3, Warmup: 5, Decay: DecayConstant}, 1000, 1e-3},
		{"step zero", Schedule{Peak: 1e-3, Warmup: 10}, 0, 1e-4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Rate(tt.step); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Rate(%d) = %g, want %g", tt.step, got, tt.want)
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	tests := []struct {
		s  Schedule
		ok bool
	}{
		{Schedule{Peak: 1e-3}, true},
		{Schedule{Peak: 1e-3, Decay: "linear"}, false},
		{Schedule{Peak: 0}, false},
		{Schedule{Peak: math.NaN()}, false},
		{Schedule{Peak: 1e-3, Min: 1e-2}, false},
		{Schedule{Peak: 1e-3, Warmup: -1}, false},
	}
	for _, tt := range tests {
		if err := tt.s.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: Validate() = %v, want ok=%v", tt.s, err, tt.ok)
		}
	}
}

// TestAdamFirstStep checks the first update by hand: with bias correction m̂ = g and v̂ = g², so every
// parameter moves by lr·g/(|g|+ε), i.e. by almost exactly lr against the sign of its gradient.
func TestAdamFirstStep(t *testing.T) {
	p := &Param{Name: "w", Value: []float32{1, 1, 1}, Grad: []float32{0.5, -2, 0}}
	a := NewAdam(Schedule{Peak: 0.1, Decay: DecayConstant}, 0)
	norm, lr, err := a.Update([]*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	if lr != 0.1 || math.Abs(norm-math.Sqrt(4.25)) > 1e-9 {
		t.Errorf("lr %v norm %v", lr, norm)
	}
	want := []float64{0.9, 1.1, 1}
	for i, w := range want {
		if math.Abs(float64(p.Value[i])-w) > 1e-6 {
			t.Errorf("value[%d] = %v, want %v", i, p.Value[i], w)
		}
	}
}

// TestAdamReference compares five updates (warm-up, cosine decay, clipping, a frozen parameter) with
// testdata/adam_ref.json, computed by testdata/adam_ref.py with numpy in float64.
func TestAdamReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/adam_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Grads [][]float32
		Steps []struct {
			Norm, LR float64
			A, B     []float64
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	pa := &Param{Name: "a", Value: []float32{0.5, -0.25, 1, 0}, Grad: make([]float32, 4)}
	pb := &Param{Name: "b", Value: []float32{2, -3}, Grad: make([]float32, 2), Frozen: true}
	opt := NewAdam(Schedule{Peak: 0.01, Min: 0.001, Warmup: 2, Total: 4}, 1.0)
	for i, g := range ref.Grads {
		copy(pa.Grad, g)
		pb.Grad[0], pb.Grad[1] = 100, -100 // frozen: must neither move nor count in the norm
		norm, lr, err := opt.Update([]*Param{pa, pb})
		if err != nil {
			t.Fatal(err)
		}
		st := ref.Steps[i]
		if math.Abs(norm-st.Norm) > 1e-6 || math.Abs(lr-st.LR) > 1e-12 {
			t.Errorf("step %d: norm %v lr %v, want %v %v", i+1, norm, lr, st.Norm, st.LR)
		}
		for j := range st.A {
			if math.Abs(float64(pa.Value[j])-st.A[j]) > 2e-6 {
				t.Errorf("step %d: a[%d] = %v, want %v", i+1, j, pa.Value[j], st.A[j])
			}
		}
		for j := range st.B {
			if float64(pb.Value[j]) != st.B[j] {
				t.Errorf("step %d: frozen b[%d] moved to %v", i+1, j, pb.Value[j])
			}
		}
	}
	if opt.Steps() != len(ref.Grads) {
		t.Errorf("Steps() = %d", opt.Steps())
	}
}

func TestAdamClipScalesGradient(t *testing.T) {
	p := &Param{Name: "w", Value: []float32{0, 0}, Grad: []float32{3, 4}}
	a := NewAdam(Schedule{Peak: 0.1, Decay: DecayConstant}, 1)
	norm, _, err := a.Update([]*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	if norm != 5 {
		t.Errorf("norm %v, want 5 (before clipping)", norm)
	}
	if math.Abs(float64(p.Grad[0])-0.6) > 1e-7 || math.Abs(float64(p.Grad[1])-0.8) > 1e-7 {
		t.Errorf("clipped grad %v, want [0.6 0.8]", p.Grad)
	}
	if n := GradNorm([]*Param{p}); math.Abs(n-1) > 1e-6 {
		t.Errorf("norm after clipping %v", n)
	}
}

func TestAdamNonFinite(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		p := &Param{Name: "w", Value: []float32{1, 2}, Grad: []float32{bad, 1}}
		a := NewAdam(Schedule{Peak: 0.1}, 1)
		if _, _, err := a.Update([]*Param{p}); !errors.Is(err, ErrNonFinite) {
			t.Errorf("grad %v: err %v, want ErrNonFinite", bad, err)
		}
		if p.Value[0] != 1 || p.Value[1] != 2 || a.Steps() != 0 {
			t.Errorf("grad %v: state changed: %v steps %d", bad, p.Value, a.Steps())
		}
	}
}
