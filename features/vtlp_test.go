package features

import (
	"math"
	"testing"
)

// vtlpForward is the warp as Jaitly and Hinton write it (frequency in, warped frequency out), the reference for
// WarpFrequency, which works with its inverse.
func vtlpForward(f, alpha, fhi, top float64) float64 {
	if f <= fhi*math.Min(alpha, 1)/alpha {
		return f * alpha
	}
	return top - (top-fhi*math.Min(alpha, 1))/(top-fhi*math.Min(alpha, 1)/alpha)*(top-f)
}

// peakBand is the mel band with the most energy summed over all frames.
func peakBand(m *Matrix) int {
	sum := make([]float64, m.Cols)
	for r := range m.Rows {
		for b, v := range m.Row(r) {
			sum[b] += float64(v)
		}
	}
	best := 0
	for b := range sum {
		if sum[b] > sum[best] {
			best = b
		}
	}
	return best
}

// A tone warped in the feature domain must peak where the tone at the warped frequency peaks: the feature-domain
// warp has to agree with moving the sound itself.
func TestWarpFrequencyMovesATone(t *testing.T) {
	cfg := DefaultConfig()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tone := func(f float64) *Matrix {
		s := make([]float32, cfg.SampleRate/2)
		for i := range s {
			s[i] = float32(0.5 * math.Sin(2*math.Pi*f*float64(i)/float64(cfg.SampleRate)))
		}
		return e.Compute(s)
	}
	tests := []struct{ hz, alpha float64 }{
		{300, 1.15},
		{500, 1.1},
		{1000, 0.9},
		{2000, 1.1},
		{3000, 0.9},
		{4000, 1.05},
		{6000, 1.1}, // above the knee
		{7000, 0.9}, // above the knee
	}
	for _, tc := range tests {
		warped := tone(tc.hz)
		WarpFrequency(warped, cfg, tc.alpha)
		target := vtlpForward(tc.hz, tc.alpha, VTLPBoundary*cfg.FMax, cfg.FMax)
		got, want := peakBand(warped), peakBand(tone(target))
		if d := got - want; d < -1 || d > 1 {
			t.Errorf("%g Hz warped by %g: peak in band %d, a %g Hz tone peaks in band %d", tc.hz, tc.alpha, got, target, want)
		}
		if unwarped := peakBand(tone(tc.hz)); unwarped == want && tc.alpha != 1 && math.Abs(target-tc.hz) > 150 {
			t.Errorf("%g Hz → %g Hz does not change the peak band (%d): the case tests nothing", tc.hz, target, want)
		}
	}
}

func TestWarpFrequencyLeavesAlone(t *testing.T) {
	cfg := DefaultConfig()
	for _, alpha := range []float64{1, 0, -1, math.NaN(), math.Inf(1)} {
		m := NewMatrix(3, cfg.NumMels)
		for i := range m.Data {
			m.Data[i] = float32(i%17) - 8
		}
		orig := append([]float32(nil), m.Data...)
		WarpFrequency(m, cfg, alpha)
		for i := range m.Data {
			if m.Data[i] != orig[i] {
				t.Fatalf("alpha %g changed value %d: %g → %g", alpha, i, orig[i], m.Data[i])
			}
		}
	}
	wrongWidth := NewMatrix(2, cfg.NumMels-1)
	wrongWidth.Data[0] = 1
	WarpFrequency(wrongWidth, cfg, 1.1)
	if wrongWidth.Data[0] != 1 {
		t.Error("a matrix of the wrong width was changed")
	}
}

// A constant spectrum stays constant, and the warp never reads outside the input's range of values.
func TestWarpFrequencyInterpolates(t *testing.T) {
	cfg := DefaultConfig()
	for _, alpha := range []float64{0.85, 0.95, 1.05, 1.15} {
		flat := NewMatrix(2, cfg.NumMels)
		ramp := NewMatrix(1, cfg.NumMels)
		for b := range cfg.NumMels {
			flat.Data[b], flat.Data[cfg.NumMels+b] = -3, 2
			ramp.Data[b] = float32(b)
		}
		WarpFrequency(flat, cfg, alpha)
		WarpFrequency(ramp, cfg, alpha)
		for b := range cfg.NumMels {
			if math.Abs(float64(flat.Data[b]+3)) > 1e-6 || math.Abs(float64(flat.Data[cfg.NumMels+b]-2)) > 1e-6 {
				t.Fatalf("alpha %g: a flat spectrum changed at band %d", alpha, b)
			}
			if b > 0 && ramp.Data[b] < ramp.Data[b-1] {
				t.Fatalf("alpha %g: the warp is not monotonic at band %d", alpha, b)
			}
		}
		if ramp.Data[cfg.NumMels-1] < float32(cfg.NumMels-2) {
			t.Errorf("alpha %g: the top band reads band %g: the top of the range should stay put", alpha, ramp.Data[cfg.NumMels-1])
		}
		// α > 1 moves content up, so a band reads from below itself.
		mid := cfg.NumMels / 3
		if got := ramp.Data[mid]; (alpha > 1) != (got < float32(mid)) {
			t.Errorf("alpha %g: band %d reads band %g", alpha, mid, got)
		}
	}
}
