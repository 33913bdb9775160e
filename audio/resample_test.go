package audio

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// resampleSNR returns 10·log10(Σref² / Σ(got−ref)²) over the common indices [lo, hi).
func resampleSNR(got, ref []float32, lo, hi int) float64 {
	var sig, noise float64
	for i := lo; i < hi; i++ {
		d := float64(got[i]) - float64(ref[i])
		sig += float64(ref[i]) * float64(ref[i])
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// TestResampleSine checks the resampler against the exact answer: a sine below the cutoff, sampled at the input
// rate, must come out as the same sine sampled at the output rate, with the same phase (which also checks that
// the group delay is compensated). The first and last 20 ms are left out: there the filter sees the silence
// assumed outside the signal.
func TestResampleSine(t *testing.T) {
	tests := []struct {
		in, out int
		minSNR  float64
	}{
		{8000, 16000, 90},
		{11025, 16000, 90},
		{16000, 16000, math.Inf(1)},
		{22050, 16000, 90},
		{32000, 16000, 90},
		{44100, 16000, 90},
		{48000, 16000, 90},
		{96000, 16000, 90},
		{12345, 16000, 90},
		{16000, 44100, 90},
		{48001, 16000, 90}, // 16000 phases: interpolated kernel instead of a bank
		{384000, 16000, 90},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d-%d", tc.in, tc.out), func(t *testing.T) {
			nyq := 0.5 * float64(min(tc.in, tc.out))
			for _, rel := range []float64{0.01, 0.2, 0.5, 0.75} {
				f := rel * nyq
				x := make([]float32, tc.in/2)
				for i := range x {
					x[i] = float32(0.8 * math.Sin(2*math.Pi*f*float64(i)/float64(tc.in)+0.3))
				}
				y := Resample(x, tc.in, tc.out)
				want := make([]float32, len(y))
				for k := range want {
					want[k] = float32(0.8 * math.Sin(2*math.Pi*f*float64(k)/float64(tc.out)+0.3))
				}
				edge := tc.out / 50
				if snr := resampleSNR(y, want, edge, len(y)-edge); snr < tc.minSNR {
					t.Errorf("%.0f Hz: SNR %.1f dB, want ≥ %.0f dB", f, snr, tc.minSNR)
				}
			}
		})
	}
}

// TestResampleStopband checks that tones above the output's Nyquist frequency, which would alias, are removed.
func TestResampleStopband(t *testing.T) {
	tests := []struct {
		in, out int
		f       float64
	}{
		{44100, 16000, 8300},
		{44100, 16000, 12000},
		{48000, 16000, 20000},
		{22050, 16000, 9000},
		{96000, 16000, 30000},
	}
	for _, tc := range tests {
		x := make([]float32, tc.in/2)
		for i := range x {
			x[i] = float32(math.Sin(2 * math.Pi * tc.f * float64(i) / float64(tc.in)))
		}
		y := Resample(x, tc.in, tc.out)
		edge := tc.out / 50
		var p float64
		for _, v := range y[edge : len(y)-edge] {
			p += float64(v) * float64(v)
		}
		p /= float64(len(y) - 2*edge)
		if db := 10 * math.Log10(p/0.5); db > -70 {
			t.Errorf("%d→%d Hz, tone at %.0f Hz: output at %.1f dB, want ≤ −70 dB", tc.in, tc.out, tc.f, db)
		}
	}
}

// TestResampleChunking feeds random signals in random chunks (empty ones included) and requires output
// identical, bit for bit, to one-shot resampling; a second stream after Flush must not see the first.
func TestResampleChunking(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	rates := [][2]int{{8000, 16000}, {44100, 16000}, {12345, 16000}, {96000, 16000}, {16000, 16000}, {48001, 16000}, {16000, 22050}}
	for _, rr := range rates {
		for trial := 0; trial < 5; trial++ {
			x := make([]float32, rng.Intn(3*rr[0]/10))
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 0.3)
			}
			want := Resample(x, rr[0], rr[1])
			r := NewResampler(rr[0], rr[1])
			for stream := 0; stream < 2; stream++ {
				var got []float32
				for rest := x; len(rest) > 0; {
					n := rng.Intn(min(len(rest), 1+rng.Intn(3000)) + 1)
					got = r.Process(got, rest[:n])
					rest = rest[n:]
				}
				got = r.Flush(got)
				if len(got) != len(want) {
					t.Fatalf("%v, %d samples, stream %d: %d outputs in chunks, %d in one go", rr, len(x), stream, len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%v, %d samples, stream %d: output %d is %g in chunks, %g in one go", rr, len(x), stream, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestResampleLength checks the output length round(n·out/in), including signals shorter than the filter.
func TestResampleLength(t *testing.T) {
	for _, rr := range [][2]int{{8000, 16000}, {44100, 16000}, {11025, 16000}, {12345, 16000}, {384000, 16000}, {16000, 16000}} {
		for _, n := range []int{0, 1, 2, 3, 5, 10, 100, 441, 1000, 4410, 44101} {
			want := int(math.Round(float64(n) * float64(rr[1]) / float64(rr[0])))
			if got := len(Resample(make([]float32, n), rr[0], rr[1])); got != want {
				t.Errorf("%d→%d Hz, %d samples: %d outputs, want %d", rr[0], rr[1], n, got, want)
			}
		}
	}
}

func TestResamplePassThrough(t *testing.T) {
	x := []float32{1, -0.5, 0.25, 3}
	r := NewResampler(16000, 16000)
	got := r.Flush(r.Process([]float32{9}, x))
	if want := []float32{9, 1, -0.5, 0.25, 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pass-through gave %v, want %v", got, want)
	}
}

func TestNewResamplerRejectsBadRates(t *testing.T) {
	for _, rr := range [][2]int{{0, 16000}, {16000, 0}, {-1, 16000}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewResampler(%d, %d) did not panic", rr[0], rr[1])
				}
			}()
			NewResampler(rr[0], rr[1])
		}()
	}
}

// resampleRefCase is one resampling entry of testdata/reference/manifest.json, written by make_reference.py.
type resampleRefCase struct {
	Name    string `json:"name"`
	InRate  int    `json:"in_rate"`
	OutRate int    `json:"out_rate"`
	Input   string `json:"input"`
	Output  string `json:"output"`
	Edge    int    `json:"edge"`
}

func readReferenceF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("%s: %d bytes is not a whole number of float32s", path, len(b))
	}
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x
}

// TestResampleReference compares with scipy.signal.resample_poly (a long Kaiser-windowed FIR filter) on sine
// sweeps; see testdata/reference/make_reference.py. The issue asks for ≥ 60 dB; the filter reaches about
// 100 dB, so 90 dB catches a regression. The manifest may name Edge samples to leave out at each end (0 now:
// the sweeps fade in and out).
func TestResampleReference(t *testing.T) {
	dir := filepath.Join("..", "testdata", "reference")
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Resample []resampleRefCase `json:"resample"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Resample) == 0 {
		t.Fatal("manifest.json lists no resampling cases")
	}
	for _, tc := range m.Resample {
		t.Run(tc.Name, func(t *testing.T) {
			x := readReferenceF32(t, filepath.Join(dir, tc.Input))
			want := readReferenceF32(t, filepath.Join(dir, tc.Output))
			got := Resample(x, tc.InRate, tc.OutRate)
			n := min(len(got), len(want))
			if d := len(got) - len(want); d < -1 || d > 1 {
				t.Fatalf("%d samples, reference has %d", len(got), len(want))
			}
			snr := resampleSNR(got, want, tc.Edge, n-tc.Edge)
			t.Logf("SNR against scipy: %.1f dB", snr)
			if snr < 90 {
				t.Errorf("SNR against scipy %.1f dB, want ≥ 90 dB", snr)
			}
		})
	}
}
