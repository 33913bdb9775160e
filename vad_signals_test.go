package hark

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/harkspeech/hark/audio"
)

// Test signals, all 16 kHz, generated with seeded generators.

func loadSample(t testing.TB) []float32 {
	t.Helper()
	x, _, err := audio.Load("testdata/sample.wav")
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// rms returns the root mean square of x.
func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(len(x), 1)))
}

// scaleTo scales x in place to the given RMS in dB (0 dB = RMS 1).
func scaleTo(x []float32, db float64) []float32 {
	g := math.Pow(10, db/20) / max(rms(x), 1e-30)
	for i := range x {
		x[i] = float32(float64(x[i]) * g)
	}
	return x
}

func whiteNoise(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// pinkNoise filters white noise with Paul Kellet's economy filter (−3 dB per octave within ±0.5 dB above
// about 40 Hz).
func pinkNoise(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	var b0, b1, b2 float64
	for i := range x {
		w := rng.NormFloat64()
		b0 = 0.99765*b0 + w*0.0990460
		b1 = 0.96300*b1 + w*0.2965164
		b2 = 0.57000*b2 + w*1.0526913
		x[i] = float32(b0 + b1 + b2 + w*0.1848)
	}
	return x
}

// hum is mains hum: the fundamental f0 (a whole number of hertz) and its harmonics up to 2 kHz with amplitudes
// falling as 1/k and random phases, as a transformer's buzz has. It repeats every 16000/gcd(16000, f0)
// samples, so one period is computed and repeated.
func hum(rng *rand.Rand, n int, f0 int) []float32 {
	g := audio.SampleRate
	for a, b := g, f0; b != 0; a, b = b, a%b {
		g = b
	}
	period := make([]float64, audio.SampleRate/g)
	for k := 1; k*f0 <= 2000; k++ {
		a, ph := 1/float64(k), rng.Float64()*2*math.Pi
		for i := range period {
			period[i] += a * math.Sin(2*math.Pi*float64(f0*k*i)/audio.SampleRate+ph)
		}
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(period[i%len(period)])
	}
	return x
}

// mix returns speech plus noise scaled so that the speech-to-noise ratio is snr dB, both measured over the
// whole signal.
func mix(speech, noise []float32, snr float64) []float32 {
	out := make([]float32, len(speech))
	g := rms(speech) / rms(noise[:len(speech)]) * math.Pow(10, -snr/20)
	for i := range out {
		out[i] = speech[i] + float32(g*float64(noise[i]))
	}
	return out
}

func concat(parts ...[]float32) []float32 {
	var out []float32
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
