// Package features turns 16 kHz mono samples into the log-mel frames that Hark's acoustic model reads, for
// training and for recognition alike.
//
// The definition, fixed by Config and shared with testdata/reference/make_reference.py:
//
//   - Frame i covers samples [i·Hop, i·Hop+FrameLength); only whole frames are produced (no padding, no
//     centring), so N samples give 1 + (N − FrameLength)/Hop frames when N ≥ FrameLength, else none.
//     Samples that are not finite (NaN, ±Inf) count as 0.
//   - Each frame is multiplied by a periodic Hann window, w[n] = 0.5 − 0.5·cos(2πn/FrameLength) (the DFT-even
//     form used by librosa and torch.hann_window), zero-padded to FFTSize, and transformed; the power
//     spectrum |X[k]|² of bins 0..FFTSize/2 is kept. There is no pre-emphasis, dither or DC removal.
//   - Mel energies come from NumMels triangular filters on the HTK mel scale, mel(f) = 2595·log10(1 + f/700):
//     NumMels+2 edges equally spaced in mel from FMin to FMax; filter b rises linearly in mel from edge b to 1
//     at edge b+1 and falls back to 0 at edge b+2, evaluated at each FFT bin's frequency. The filters are not
//     area-normalised (no Slaney normalisation): each peaks at 1.
//   - The output is the natural log of max(energy, LogFloor).
//   - With Normalize, Compute then scales each mel band of the utterance to zero mean and unit variance
//     (NormalizeInPlace).
//
// The batch Extractor and the streaming Stream compute the same frames bit for bit. The FFT is a real-input
// radix-2 transform in float64 with precomputed tables, written for this package: through
// github.com/mjibson/go-dsp, which allocates complex128 slices (and spawns goroutines) for every frame, 10 s of
// audio took 21–25 ms on one core, short of the 500× real-time target, against 3 ms here. go-dsp remains the
// reference the transform is tested against. Work is done in float64 so that bands far below a frame's loudest
// one (Hann sidelobes reach −140 dB) keep their precision down to the log floor.
package features

import (
	"fmt"
	"math"
)

// Config holds every parameter of the front end. A model file carries it, so that recognition computes exactly
// the features the model was trained on.
type Config struct {
	SampleRate  int     `json:"sample_rate"`  // Hz
	FrameLength int     `json:"frame_length"` // samples per frame (window length)
	Hop         int     `json:"hop"`          // samples between frame starts
	FFTSize     int     `json:"fft_size"`     // power of two ≥ FrameLength
	NumMels     int     `json:"num_mels"`     // mel bands per frame
	FMin        float64 `json:"fmin"`         // Hz, lower edge of the lowest filter
	FMax        float64 `json:"fmax"`         // Hz, upper edge of the highest filter, ≤ SampleRate/2
	LogFloor    float64 `json:"log_floor"`    // energies below it are clamped before the log
	Normalize   bool    `json:"normalize"`    // per-utterance mean/variance normalisation in Compute
}

// DefaultConfig returns Hark's front end: 16 kHz, 25 ms frames every 10 ms, 512-point FFT, 80 HTK mel bands
// over 0–8000 Hz, log floor 1e-10, no normalisation.
func DefaultConfig() Config {
	return Config{
		SampleRate:  16000,
		FrameLength: 400,
		Hop:         160,
		FFTSize:     512,
		NumMels:     80,
		FMin:        0,
		FMax:        8000,
		LogFloor:    1e-10,
	}
}

// maxFFTSize bounds FFTSize so that a corrupt model file cannot ask for a huge transform.
const maxFFTSize = 1 << 16

// Validate reports the first problem with c, or nil. Besides ranges it checks that every mel filter covers at
// least one FFT bin, which fails when there are too many bands for the FFT's resolution.
func (c Config) Validate() error {
	switch {
	case c.SampleRate <= 0:
		return fmt.Errorf("features: sample rate %d Hz is not positive", c.SampleRate)
	case c.FrameLength <= 0:
		return fmt.Errorf("features: frame length %d is not positive", c.FrameLength)
	case c.Hop <= 0:
		return fmt.Errorf("features: hop %d is not positive", c.Hop)
	case c.FFTSize < 2 || c.FFTSize > maxFFTSize || c.FFTSize&(c.FFTSize-1) != 0:
		return fmt.Errorf("features: FFT size %d is not a power of two between 2 and %d", c.FFTSize, maxFFTSize)
	case c.FFTSize < c.FrameLength:
		return fmt.Errorf("features: FFT size %d is shorter than the frame length %d", c.FFTSize, c.FrameLength)
	case c.NumMels <= 0 || c.NumMels > c.FFTSize/2+1:
		return fmt.Errorf("features: %d mel bands, want 1 to %d for FFT size %d", c.NumMels, c.FFTSize/2+1, c.FFTSize)
	case !(c.FMin >= 0) || !(c.FMax > c.FMin) || c.FMax > float64(c.SampleRate)/2:
		return fmt.Errorf("features: mel range %g–%g Hz, want 0 ≤ fmin < fmax ≤ %g (half the sample rate)",
			c.FMin, c.FMax, float64(c.SampleRate)/2)
	case !(c.LogFloor > 0) || math.IsInf(c.LogFloor, 0):
		return fmt.Errorf("features: log floor %g is not a positive number", c.LogFloor)
	}
	for b, f := range melFilters(c) {
		if len(f.weights) == 0 {
			return fmt.Errorf("features: mel band %d of %d covers no FFT bin: too many bands for FFT size %d",
				b, c.NumMels, c.FFTSize)
		}
	}
	return nil
}

// NumFrames returns the number of whole frames in n samples.
func (c Config) NumFrames(n int) int {
	if c.FrameLength <= 0 || c.Hop <= 0 || n < c.FrameLength {
		return 0
	}
	return 1 + (n-c.FrameLength)/c.Hop
}

// Matrix is a row-major Rows×Cols block of float32: for features, one row per frame and one column per mel
// band.
type Matrix struct {
	Rows, Cols int
	Data       []float32 // len Rows·Cols
}

// NewMatrix returns a zero rows×cols Matrix.
func NewMatrix(rows, cols int) *Matrix {
	return &Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// Row returns row i, sharing m's storage.
func (m *Matrix) Row(i int) []float32 {
	return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols]
}

// melFilter is one triangular filter, stored sparsely: weights[j] applies to FFT bin start+j.
type melFilter struct {
	start   int
	weights []float64
}

func hzToMel(f float64) float64 { return 2595 * math.Log10(1+f/700) }

// melFilters builds the filterbank described in the package comment. Filters keep only their non-zero span.
func melFilters(c Config) []melFilter {
	bins := c.FFTSize/2 + 1
	binMel := make([]float64, bins)
	for k := range binMel {
		binMel[k] = hzToMel(float64(k) * float64(c.SampleRate) / float64(c.FFTSize))
	}
	lo, hi := hzToMel(c.FMin), hzToMel(c.FMax)
	edge := func(i int) float64 { return lo + float64(i)*(hi-lo)/float64(c.NumMels+1) }
	filters := make([]melFilter, c.NumMels)
	for b := range filters {
		left, mid, right := edge(b), edge(b+1), edge(b+2)
		var f melFilter
		for k, m := range binMel {
			w := math.Max(0, math.Min((m-left)/(mid-left), (right-m)/(right-mid)))
			if w == 0 {
				if len(f.weights) > 0 {
					break
				}
				continue
			}
			if len(f.weights) == 0 {
				f.start = k
			}
			f.weights = append(f.weights, w)
		}
		filters[b] = f
	}
	return filters
}

// An Extractor computes log-mel frames for one Config. It is immutable after New and safe for concurrent use.
type Extractor struct {
	cfg     Config
	window  []float64
	filters []melFilter
	fft     *realFFT
}

// New checks cfg and precomputes the window, filterbank and FFT tables.
func New(cfg Config) (*Extractor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Extractor{
		cfg:     cfg,
		window:  make([]float64, cfg.FrameLength),
		filters: melFilters(cfg),
		fft:     newRealFFT(cfg.FFTSize),
	}
	for n := range e.window {
		e.window[n] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(n)/float64(cfg.FrameLength))
	}
	return e, nil
}

// Config returns the configuration the Extractor was built with.
func (e *Extractor) Config() Config { return e.cfg }

// Compute returns the log-mel frames of samples, one row per whole frame, normalised per utterance when the
// Config asks for it. Fewer than FrameLength samples give a Matrix with no rows.
func (e *Extractor) Compute(samples []float32) *Matrix {
	m := NewMatrix(e.cfg.NumFrames(len(samples)), e.cfg.NumMels)
	s := e.newScratch()
	for i := 0; i < m.Rows; i++ {
		e.frame(m.Row(i), samples[i*e.cfg.Hop:i*e.cfg.Hop+e.cfg.FrameLength], s)
	}
	if e.cfg.Normalize {
		NormalizeInPlace(m)
	}
	return m
}

// scratch is the per-goroutine working memory of frame.
type scratch struct {
	re, im, power []float64
}

func (e *Extractor) newScratch() *scratch {
	h := e.cfg.FFTSize / 2
	return &scratch{re: make([]float64, h), im: make([]float64, h), power: make([]float64, h+1)}
}

// frame computes the log-mel energies of one frame of FrameLength samples into dst.
func (e *Extractor) frame(dst, samples []float32, s *scratch) {
	e.fft.windowedPower(s.power, samples, e.window, s.re, s.im)
	floor := e.cfg.LogFloor
	for b, f := range e.filters {
		p := s.power[f.start : f.start+len(f.weights)]
		var sum float64
		for j, w := range f.weights {
			sum += w * p[j]
		}
		dst[b] = float32(math.Log(math.Max(sum, floor)))
	}
}

// NormalizeInPlace scales every column (mel band) of m to zero mean and unit variance over its rows:
// x ← (x − mean) / sqrt(variance + 1e-8). The small constant keeps constant bands (digital silence) at 0
// instead of dividing by zero. Sums are taken in float64.
func NormalizeInPlace(m *Matrix) {
	if m.Rows == 0 {
		return
	}
	for c := 0; c < m.Cols; c++ {
		var sum float64
		for r := 0; r < m.Rows; r++ {
			sum += float64(m.Data[r*m.Cols+c])
		}
		mean := sum / float64(m.Rows)
		var ss float64
		for r := 0; r < m.Rows; r++ {
			d := float64(m.Data[r*m.Cols+c]) - mean
			ss += d * d
		}
		inv := 1 / math.Sqrt(ss/float64(m.Rows)+1e-8)
		for r := 0; r < m.Rows; r++ {
			i := r*m.Cols + c
			m.Data[i] = float32((float64(m.Data[i]) - mean) * inv)
		}
	}
}
