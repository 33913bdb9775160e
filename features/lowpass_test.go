package features

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/mjibson/go-dsp/fft"
)

// LowPass on the features of white noise against the features of the same noise low-passed in the time domain
// (a brick-wall filter: the noise's FFT with every bin above the cutoff zeroed), band by band, averaged over
// frames: bands below the cutoff agree, bands above it sit at the floor, and the band the cutoff falls in loses
// what the filter's weights say it should, to within the window's leakage.
func TestLowPassMatchesFilteredAudio(t *testing.T) {
	c := DefaultConfig()
	ext, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1 << 15
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, n)
	for i := range x {
		x[i] = 0.1 * rng.NormFloat64()
	}
	for _, cutoff := range []float64{3400, 4000} {
		spec := fft.FFTReal(x)
		for k := range spec {
			f := float64(min(k, n-k)) * float64(c.SampleRate) / n
			if f >= cutoff {
				spec[k] = 0
			}
		}
		y := fft.IFFT(spec)
		in, filtered := make([]float32, n), make([]float32, n)
		for i := range y {
			in[i], filtered[i] = float32(x[i]), float32(real(y[i]))
			if math.Abs(imag(y[i])) > 1e-9 || cmplx.IsNaN(y[i]) {
				t.Fatalf("inverse FFT not real at %d: %v", i, y[i])
			}
		}
		got, want := ext.Compute(in), ext.Compute(filtered)
		LowPass(got, c, cutoff)
		floor := float32(math.Log(c.LogFloor))
		var pass float64 // the mean level of the bands well below the cutoff
		var passBands int
		for b := range c.NumMels {
			var g, w float64
			for r := range got.Rows {
				g += float64(got.Row(r)[b])
				w += float64(want.Row(r)[b])
			}
			g, w = g/float64(got.Rows), w/float64(got.Rows)
			centre := melToHz(hzToMel(c.FMin) + float64(b+1)*(hzToMel(c.FMax)-hzToMel(c.FMin))/float64(c.NumMels+1))
			switch {
			case centre < cutoff-300:
				pass += w
				passBands++
				if math.Abs(g-w) > 0.05 {
					t.Errorf("cutoff %g: band %d (%.0f Hz) below the cutoff changed: %.2f, filtered audio %.2f", cutoff, b, centre, g, w)
				}
			case centre > cutoff+300:
				// The filtered audio keeps what the analysis window leaks across the cutoff (70 dB down and
				// falling); LowPass leaves an empty band, as an 8 kHz recording upsampled gives.
				if g != float64(floor) || w > pass/float64(passBands)-12 {
					t.Errorf("cutoff %g: band %d (%.0f Hz) above the cutoff: %.2f (want the floor %.2f); filtered audio %.2f, passband %.2f",
						cutoff, b, centre, g, floor, w, pass/float64(passBands))
				}
			case g > w+0.5:
				t.Errorf("cutoff %g: band %d (%.0f Hz) at the cutoff keeps more than the filtered audio: %.2f against %.2f", cutoff, b, centre, g, w)
			}
			if testing.Verbose() && math.Abs(centre-cutoff) < 600 {
				t.Logf("cutoff %g band %d %.0f Hz: LowPass %.2f, filtered %.2f", cutoff, b, centre, g, w)
			}
		}
	}
}
