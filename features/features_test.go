package features

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/mjibson/go-dsp/fft"
)

var referenceDir = filepath.Join("..", "testdata", "reference")

func readF32(t testing.TB, path string) []float32 {
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

// TestReference compares with the NumPy/SciPy log-mel of testdata/reference/make_reference.py on a chirp, white
// noise, espeak-ng speech and silence. The script's configuration must be DefaultConfig.
func TestReference(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(referenceDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Config Config `json:"config"`
		LogMel []struct {
			Name, Input, Output string
			Rows, Cols          int
		} `json:"logmel"`
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if man.Config != DefaultConfig() {
		t.Fatalf("reference config %+v, DefaultConfig %+v", man.Config, DefaultConfig())
	}
	if len(man.LogMel) == 0 {
		t.Fatal("manifest.json lists no log-mel cases")
	}
	e, err := New(man.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range man.LogMel {
		t.Run(tc.Name, func(t *testing.T) {
			want := readF32(t, filepath.Join(referenceDir, tc.Output))
			got := e.Compute(readF32(t, filepath.Join(referenceDir, tc.Input)))
			if got.Rows != tc.Rows || got.Cols != tc.Cols || len(want) != tc.Rows*tc.Cols {
				t.Fatalf("got %d×%d, reference %d×%d (%d values)", got.Rows, got.Cols, tc.Rows, tc.Cols, len(want))
			}
			var worst float64
			at := 0
			for i := range want {
				if d := math.Abs(float64(got.Data[i]) - float64(want[i])); d > worst || math.IsNaN(d) {
					worst, at = d, i
				}
			}
			t.Logf("max abs difference %.2g (frame %d, band %d)", worst, at/tc.Cols, at%tc.Cols)
			if !(worst <= 1e-3) {
				t.Errorf("frame %d band %d: %g, reference %g (max abs difference %g > 1e-3)",
					at/tc.Cols, at%tc.Cols, got.Data[at], want[at], worst)
			}
		})
	}
}

// goDSPLogMel is the straightforward implementation on go-dsp's FFT: the reference for the package's own FFT,
// and the "before" of BenchmarkLogMel10sGoDSP.
func goDSPLogMel(e *Extractor, samples []float32) *Matrix {
	c := e.cfg
	m := NewMatrix(c.NumFrames(len(samples)), c.NumMels)
	x := make([]float64, c.FFTSize)
	for i := 0; i < m.Rows; i++ {
		for j := range c.FrameLength {
			x[j] = float64(samples[i*c.Hop+j]) * e.window[j]
		}
		spec := fft.FFTReal(x)
		for b, f := range e.filters {
			var sum float64
			for j, w := range f.weights {
				c := spec[f.start+j]
				sum += w * (real(c)*real(c) + imag(c)*imag(c))
			}
			m.Data[i*c.NumMels+b] = float32(math.Log(math.Max(sum, c.LogFloor)))
		}
	}
	return m
}

// TestRealFFT checks the package's FFT against go-dsp for every size in use and some odd frame lengths.
func TestRealFFT(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for n := 2; n <= 2048; n *= 2 {
		for _, length := range []int{1, n / 2, n - 1, n, rng.Intn(n) + 1} {
			if length < 1 {
				continue
			}
			x := make([]float32, length)
			w := make([]float64, length)
			in := make([]float64, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
				w[i] = rng.Float64()
				in[i] = float64(x[i]) * w[i]
			}
			want := fft.FFTReal(in)
			f := newRealFFT(n)
			got := make([]float64, n/2+1)
			f.windowedPower(got, x, w, make([]float64, n/2), make([]float64, n/2))
			var energy float64
			for _, v := range in {
				energy += v * v
			}
			for k := range got {
				a := cmplx.Abs(want[k])
				// Parseval bounds every bin by n·energy; errors are relative to that scale.
				if d := math.Abs(got[k] - a*a); d > 1e-12*float64(n)*energy+1e-300 {
					t.Fatalf("n=%d, frame %d: bin %d power %g, go-dsp %g", n, length, k, got[k], a*a)
				}
			}
		}
	}
}

// TestComputeMatchesGoDSP runs whole extraction both ways on noise with a wide dynamic range.
func TestComputeMatchesGoDSP(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	x := make([]float32, 8000)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * math.Pow(10, -3*float64(i)/float64(len(x))))
	}
	for _, cfg := range []Config{DefaultConfig(), {SampleRate: 8000, FrameLength: 200, Hop: 80, FFTSize: 256, NumMels: 40, FMin: 20, FMax: 3800, LogFloor: 1e-6}} {
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, want := e.Compute(x), goDSPLogMel(e, x)
		for i := range want.Data {
			if d := math.Abs(float64(got.Data[i] - want.Data[i])); !(d <= 1e-5) {
				t.Fatalf("%+v: value %d: %g, go-dsp %g", cfg, i, got.Data[i], want.Data[i])
			}
		}
	}
}

func TestFrameCount(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ n, rows int }{
		{0, 0}, {1, 0}, {399, 0}, {400, 1}, {559, 1}, {560, 2}, {16000, 98}, {16001, 98}, {160400, 1001},
	} {
		m := e.Compute(make([]float32, tc.n))
		if m.Rows != tc.rows || m.Cols != 80 || len(m.Data) != tc.rows*80 {
			t.Errorf("%d samples: %d×%d (%d values), want %d×80", tc.n, m.Rows, m.Cols, len(m.Data), tc.rows)
		}
	}
}

// TestFrameIsLocal checks that frame i depends on exactly samples [i·Hop, i·Hop+FrameLength).
func TestFrameIsLocal(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 1200)
	x[500] = 1 // inside frames 1, 2 and 3 only: [160, 560), [320, 720), [480, 880)
	m := e.Compute(x)
	floor := float32(math.Log(1e-10))
	for i := 0; i < m.Rows; i++ {
		inside := 500 >= i*160 && 500 < i*160+400
		silent := true
		for _, v := range m.Row(i) {
			if v != floor {
				silent = false
			}
		}
		if silent == inside {
			t.Errorf("frame %d: silent=%v, but the impulse is inside=%v", i, silent, inside)
		}
	}
}

func TestValidate(t *testing.T) {
	mod := func(f func(*Config)) Config {
		c := DefaultConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"default", DefaultConfig(), true},
		{"normalised", mod(func(c *Config) { c.Normalize = true }), true},
		{"8 kHz", Config{SampleRate: 8000, FrameLength: 200, Hop: 80, FFTSize: 256, NumMels: 40, FMax: 4000, LogFloor: 1e-10}, true},
		{"zero rate", mod(func(c *Config) { c.SampleRate = 0 }), false},
		{"zero frame", mod(func(c *Config) { c.FrameLength = 0 }), false},
		{"negative hop", mod(func(c *Config) { c.Hop = -1 }), false},
		{"fft not power of two", mod(func(c *Config) { c.FFTSize = 500 }), false},
		{"fft shorter than frame", mod(func(c *Config) { c.FFTSize = 256 }), false},
		{"huge fft", mod(func(c *Config) { c.FFTSize = 1 << 30; c.FrameLength = 1 << 30 }), false},
		{"no mels", mod(func(c *Config) { c.NumMels = 0 }), false},
		{"mels without bins", mod(func(c *Config) { c.NumMels = 200 }), false},
		{"fmax above nyquist", mod(func(c *Config) { c.FMax = 8001 }), false},
		{"fmin above fmax", mod(func(c *Config) { c.FMin = 5000; c.FMax = 4000 }), false},
		{"negative fmin", mod(func(c *Config) { c.FMin = -1 }), false},
		{"NaN fmax", mod(func(c *Config) { c.FMax = math.NaN() }), false},
		{"zero floor", mod(func(c *Config) { c.LogFloor = 0 }), false},
		{"infinite floor", mod(func(c *Config) { c.LogFloor = math.Inf(1) }), false},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if _, err2 := New(tc.cfg); (err2 == nil) != tc.ok {
			t.Errorf("%s: New error %v, want ok=%v", tc.name, err2, tc.ok)
		}
	}
}

// TestMelFilters checks the filterbank against the definition: peaks of 1 at the centre edges (where a bin
// lands on one), weights in [0, 1], and adjacent filters summing to 1 between the first and last centres.
func TestMelFilters(t *testing.T) {
	c := DefaultConfig()
	fs := melFilters(c)
	dense := make([][]float64, len(fs))
	for b, f := range fs {
		dense[b] = make([]float64, c.FFTSize/2+1)
		copy(dense[b][f.start:], f.weights)
		for _, w := range f.weights {
			if !(w > 0 && w <= 1) {
				t.Fatalf("band %d: weight %g outside (0, 1]", b, w)
			}
		}
	}
	melToHz := func(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
	step := hzToMel(c.FMax) / float64(c.NumMels+1)
	firstCentre, lastCentre := melToHz(step), melToHz(step*float64(c.NumMels))
	for k := 0; k <= c.FFTSize/2; k++ {
		hz := float64(k) * float64(c.SampleRate) / float64(c.FFTSize)
		if hz < firstCentre || hz > lastCentre {
			continue
		}
		var sum float64
		for b := range dense {
			sum += dense[b][k]
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("bin %d (%.1f Hz): filters sum to %g, want 1", k, hz, sum)
		}
	}
}

func TestNormalizeInPlace(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	m := NewMatrix(50, 4)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64()*3 + float64(i%4)*10)
	}
	for r := 0; r < m.Rows; r++ {
		m.Row(r)[3] = -23 // a band at the log floor throughout
	}
	NormalizeInPlace(m)
	for c := 0; c < 4; c++ {
		var sum, ss float64
		for r := 0; r < m.Rows; r++ {
			v := float64(m.Row(r)[c])
			sum += v
			ss += v * v
		}
		mean, variance := sum/50, ss/50-(sum/50)*(sum/50)
		wantVar := 1.0
		if c == 3 {
			wantVar = 0
		}
		if math.Abs(mean) > 1e-5 || math.Abs(variance-wantVar) > 1e-4 {
			t.Errorf("band %d: mean %g, variance %g after normalising, want 0 and %g", c, mean, variance, wantVar)
		}
	}
	NormalizeInPlace(NewMatrix(0, 80)) // no rows: nothing to do, no panic

	// Compute with Normalize is Compute without, normalised.
	x := make([]float32, 4000)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	plain, _ := New(DefaultConfig())
	cfg := DefaultConfig()
	cfg.Normalize = true
	norm, _ := New(cfg)
	want := plain.Compute(x)
	NormalizeInPlace(want)
	got := norm.Compute(x)
	for i := range want.Data {
		if got.Data[i] != want.Data[i] {
			t.Fatalf("value %d: %g with Normalize, %g normalised afterwards", i, got.Data[i], want.Data[i])
		}
	}
}

func TestMatrixRow(t *testing.T) {
	m := &Matrix{Rows: 2, Cols: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
	r := m.Row(1)
	if len(r) != 3 || cap(r) != 3 || r[0] != 4 || r[2] != 6 {
		t.Fatalf("Row(1) = %v (cap %d)", r, cap(r))
	}
	r[1] = 9
	if m.Data[4] != 9 {
		t.Error("Row does not share the matrix storage")
	}
}

// TestComputeConcurrent: an Extractor is shared by goroutines (run with -race to check for data races).
func TestComputeConcurrent(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 5000)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.01))
	}
	want := e.Compute(x)
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			got := e.Compute(x)
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					errs <- fmt.Errorf("value %d: %g concurrently, %g alone", i, got.Data[i], want.Data[i])
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// A sample that is not a number counts as 0: the frames are those of the signal with 0 there, in the batch and
// the streaming extractor alike, and nothing is NaN.
func TestNonFiniteSamplesCountAsZero(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 4000)
	for i := range x {
		x[i] = float32(0.3 * math.Sin(float64(i)*0.05))
	}
	bad := append([]float32(nil), x...)
	zeroed := append([]float32(nil), x...)
	for i, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		bad[700+900*i], zeroed[700+900*i] = v, 0
	}
	want := e.Compute(zeroed)
	st := e.NewStream()
	streamed := st.Accept(bad)
	for name, got := range map[string]*Matrix{"Compute": e.Compute(bad), "Stream": streamed} {
		for i, v := range got.Data {
			if v != want.Data[i] {
				t.Fatalf("%s: value %d = %v, want %v (the frames of the signal with zeros)", name, i, v, want.Data[i])
			}
		}
	}
}
