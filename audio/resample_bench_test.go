package audio

import (
	"math"
	"testing"
)

// benchmarkResample measures resampling 10 s of a sine sweep from inRate to 16 kHz and reports the speed as a
// multiple of real time ("xRT").
func benchmarkResample(b *testing.B, inRate int) {
	const seconds = 10
	x := make([]float32, seconds*inRate)
	for i := range x {
		t := float64(i) / float64(inRate)
		x[i] = float32(0.5 * math.Sin(2*math.Pi*(100*t+300*t*t)))
	}
	r := NewResampler(inRate, SampleRate)
	dst := make([]float32, 0, seconds*SampleRate+1)
	b.SetBytes(int64(4 * len(x)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = r.Flush(r.Process(dst[:0], x))
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "xRT")
}

func BenchmarkResample8k(b *testing.B)  { benchmarkResample(b, 8000) }
func BenchmarkResample11k(b *testing.B) { benchmarkResample(b, 11025) }
func BenchmarkResample22k(b *testing.B) { benchmarkResample(b, 22050) }
func BenchmarkResample44k(b *testing.B) { benchmarkResample(b, 44100) }
func BenchmarkResample48k(b *testing.B) { benchmarkResample(b, 48000) }
func BenchmarkResample96k(b *testing.B) { benchmarkResample(b, 96000) }

// Rates that do not reduce to a small ratio: 12345 Hz has a bank of 3200 phases, 48001 Hz (16000 phases)
// interpolates its kernel for every output sample.
func BenchmarkResample12345(b *testing.B) { benchmarkResample(b, 12345) }
func BenchmarkResample48001(b *testing.B) { benchmarkResample(b, 48001) }
