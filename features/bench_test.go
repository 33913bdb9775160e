package features

import (
	"math"
	"math/rand"
	"testing"
)

// tenSeconds is 10 s of a tone in noise at 16 kHz.
func tenSeconds() []float32 {
	rng := rand.New(rand.NewSource(9))
	x := make([]float32, 10*16000)
	for i := range x {
		x[i] = float32(0.3*math.Sin(2*math.Pi*440*float64(i)/16000) + 0.05*rng.NormFloat64())
	}
	return x
}

// BenchmarkLogMel10s is the 500× real-time target: 10 s of audio in at most 20 ms. "xRT" is the speed as a
// multiple of real time.
func BenchmarkLogMel10s(b *testing.B) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	x := tenSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Compute(x)
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "xRT")
}

// BenchmarkLogMel10sGoDSP is the same extraction through go-dsp's FFT: the "before" figure.
func BenchmarkLogMel10sGoDSP(b *testing.B) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	x := tenSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		goDSPLogMel(e, x)
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "xRT")
}

// BenchmarkStream10s feeds the same 10 s in 100 ms chunks, as a microphone would.
func BenchmarkStream10s(b *testing.B) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	x := tenSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := e.NewStream()
		for j := 0; j < len(x); j += 1600 {
			st.Accept(x[j : j+1600])
		}
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "xRT")
}
