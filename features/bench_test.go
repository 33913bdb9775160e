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

// benchmarkTenSeconds times extract on 10 s of audio with the default configuration and reports "xRT", the speed
// as a multiple of real time.
func benchmarkTenSeconds(b *testing.B, extract func(e *Extractor, x []float32)) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	x := tenSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		extract(e, x)
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "xRT")
}

// BenchmarkLogMel10s is the 500× real-time target: 10 s of audio in at most 20 ms.
func BenchmarkLogMel10s(b *testing.B) {
	benchmarkTenSeconds(b, func(e *Extractor, x []float32) { e.Compute(x) })
}

// BenchmarkLogMel10sGoDSP is the same extraction through go-dsp's FFT: the "before" figure.
func BenchmarkLogMel10sGoDSP(b *testing.B) {
	benchmarkTenSeconds(b, func(e *Extractor, x []float32) { goDSPLogMel(e, x) })
}

// BenchmarkStream10s feeds the same 10 s in 100 ms chunks, as a microphone would.
func BenchmarkStream10s(b *testing.B) {
	benchmarkTenSeconds(b, func(e *Extractor, x []float32) {
		st := e.NewStream()
		for j := 0; j < len(x); j += 1600 {
			st.Accept(x[j : j+1600])
		}
	})
}
