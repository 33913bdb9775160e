package audio

import (
	"fmt"
	"math"
)

// Filter design of the resampler. The kernel is a Kaiser-windowed sinc whose cutoff sits a little below the
// Nyquist frequency of the lower of the two rates, so that the transition band ends near that Nyquist frequency
// and what aliases lands in the transition band, not in the passband. Measured for 44.1 kHz → 16 kHz: flat
// within 0.2 dB to 6.8 kHz, −3 dB at 7.2 kHz, at most −86 dB from 8.2 kHz up; tones in the passband come out
// within about −100 dB of the exact result. A 44.1 kHz → 16 kHz output sample costs 144 multiply-adds.
const (
	resampleZeros   = 24   // zero crossings of the sinc on each side, counted at the lower rate
	resampleRolloff = 0.92 // cutoff as a fraction of the lower Nyquist frequency
	resampleBeta    = 8.6  // Kaiser window shape: larger means a deeper stopband and a wider transition

	// maxBankTaps bounds the precomputed polyphase bank (phases × taps). Ratios that reduce to more phases
	// (48001 Hz → 16 kHz has 16000) use a bank of finePhases+1 evenly spaced phases instead and interpolate
	// linearly between the outputs of the two nearest, which is accurate to better than −100 dB.
	maxBankTaps = 1 << 20
	finePhases  = 512

	// processBlock is how many input samples Process appends to the history at a time.
	processBlock = 8192
)

// A Resampler converts a stream of samples from one rate to another with a band-limited polyphase filter.
//
// Output sample k sits at input time k·inRate/outRate: the filter is centred on it, so the output is
// time-aligned with the input (no group delay) and the signal before the first sample counts as silence. Feed
// input with Process and finish with Flush; the concatenated output is the same, bit for bit, whatever the
// chunking, and has round(n·outRate/inRate) samples for n input samples.
//
// A Resampler is not safe for concurrent use.
type Resampler struct {
	inRate, outRate int
	up, down        int       // outRate/inRate reduced: output k sits at input sample k·down/up
	half            int       // taps on each side of the output time, in input samples
	bank            []float32 // row p (taps each) holds the kernel for fractional position p/phases
	fine            bool      // phases is finePhases+1 rather than up: interpolate between rows

	buf   []float32 // input history; buf[pos] is the first tap of the next output
	pos   int
	phase int   // (k·down) mod up for the next output k
	nIn   int64 // input samples seen since the last Flush
	nOut  int64 // output samples produced since the last Flush
}

// NewResampler returns a Resampler from inRate to outRate, in Hz. Equal rates make a pass-through that copies
// samples. Both rates must be positive: callers check rates read from file headers first (see MinSourceRate
// and MaxSourceRate); NewResampler panics otherwise, as that is a programming error.
func NewResampler(inRate, outRate int) *Resampler {
	if inRate <= 0 || outRate <= 0 {
		panic(fmt.Sprintf("audio: NewResampler(%d, %d): rates must be positive", inRate, outRate))
	}
	g := rateGCD(inRate, outRate)
	r := &Resampler{inRate: inRate, outRate: outRate, up: outRate / g, down: inRate / g}
	if inRate == outRate {
		return r
	}
	// nu is the cutoff in cycles per input sample; the kernel spans resampleZeros zero crossings each side.
	nu := 0.5 * resampleRolloff * float64(min(inRate, outRate)) / float64(inRate)
	width := resampleZeros / (2 * nu)
	r.half = int(math.Ceil(width))
	kernel := func(t float64) float64 {
		x := t / width
		if x <= -1 || x >= 1 {
			return 0
		}
		return 2 * nu * normSinc(2*nu*t) * kaiserI0(resampleBeta*math.Sqrt(1-x*x)) / kaiserI0(resampleBeta)
	}
	n := 2 * r.half
	phases, denom := r.up, float64(r.up)
	if r.up*n > maxBankTaps {
		r.fine = true
		phases, denom = finePhases+1, finePhases
	}
	// Row p is for fraction f = p/denom: tap j multiplies x[i+j] for an output at input time i+half−1+f.
	r.bank = make([]float32, phases*n)
	for p := 0; p < phases; p++ {
		f := float64(p) / denom
		for j := 0; j < n; j++ {
			r.bank[p*n+j] = float32(kernel(f + float64(r.half-1-j)))
		}
	}
	r.reset()
	return r
}

// reset puts the filter back at the start of a stream: half−1 samples of silence precede the first input.
func (r *Resampler) reset() {
	r.buf = append(r.buf[:0], make([]float32, r.half-1)...)
	r.pos, r.phase, r.nIn, r.nOut = 0, 0, 0, 0
}

// InRate returns the input rate in Hz.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate returns the output rate in Hz.
func (r *Resampler) OutRate() int { return r.outRate }

// Process feeds src to the resampler and appends the output samples it completes to dst, returning the
// extended slice. Output lags input by the filter's half-length; Flush releases the rest.
func (r *Resampler) Process(dst, src []float32) []float32 {
	if r.inRate == r.outRate {
		return append(dst, src...)
	}
	r.nIn += int64(len(src))
	// Take long inputs a block at a time so that the history buffer stays small whatever the caller passes.
	for len(src) > 0 {
		n := min(len(src), processBlock)
		r.buf = append(r.buf, src[:n]...)
		src = src[n:]
		dst = r.run(dst, -1)
	}
	return dst
}

// Flush appends the output still held back by the filter, as if silence followed the input, so that the
// total output has round(n·outRate/inRate) samples for n samples fed since the last Flush. The Resampler is
// then ready for a new, unrelated stream.
func (r *Resampler) Flush(dst []float32) []float32 {
	if r.inRate == r.outRate {
		return dst
	}
	want := (r.nIn*int64(r.up) + int64(r.down)/2) / int64(r.down)
	for r.nOut < want {
		// Pad with enough silence for the remaining outputs, then compute exactly those.
		need := int64(r.pos) + (want-r.nOut)*int64(r.down)/int64(r.up) + int64(2*r.half) + 1
		if pad := need - int64(len(r.buf)); pad > 0 {
			r.buf = append(r.buf, make([]float32, pad)...)
		}
		dst = r.run(dst, want)
	}
	r.reset()
	return dst
}

// run computes every output whose taps are all in buf, stopping early once limit outputs exist (limit < 0: no
// limit), then discards the input no later output needs.
func (r *Resampler) run(dst []float32, limit int64) []float32 {
	n := 2 * r.half
	step, frac := r.down/r.up, r.down%r.up
	pos, phase := r.pos, r.phase
	for pos+n <= len(r.buf) && (limit < 0 || r.nOut < limit) {
		x := r.buf[pos : pos+n]
		if !r.fine {
			dst = append(dst, filterDot(x, r.bank[phase*n:phase*n+n]))
		} else {
			// The output lies between fine rows q and q+1, at weight w from q.
			qf := int64(phase) * finePhases
			q, w := int(qf/int64(r.up)), float32(qf%int64(r.up))/float32(r.up)
			y0 := filterDot(x, r.bank[q*n:q*n+n])
			y1 := filterDot(x, r.bank[(q+1)*n:(q+2)*n])
			dst = append(dst, y0+w*(y1-y0))
		}
		r.nOut++
		pos += step
		phase += frac
		if phase >= r.up {
			phase -= r.up
			pos++
		}
	}
	if pos > len(r.buf) {
		// The next output's first tap lies beyond the input so far (downsampling by a large factor): pos
		// keeps the distance from the next input sample to it.
		r.pos = pos - len(r.buf)
		r.buf = r.buf[:0]
	} else {
		r.buf = r.buf[:copy(r.buf, r.buf[pos:])]
		r.pos = 0
	}
	r.phase = phase
	return dst
}

// filterDot is the filter's inner loop; four partial sums break the dependency chain. len(a) == len(b).
func filterDot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Resample converts a whole signal from inRate to outRate (see Resampler). It returns a new slice of
// round(len(x)·outRate/inRate) samples.
func Resample(x []float32, inRate, outRate int) []float32 {
	r := NewResampler(inRate, outRate)
	out := make([]float32, 0, int64(len(x))*int64(outRate)/int64(inRate)+2)
	out = r.Process(out, x)
	return r.Flush(out)
}

func rateGCD(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func normSinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiserI0 is the modified Bessel function of the first kind, order 0, by its power series, which converges
// quickly for the arguments a Kaiser window needs (0 to beta).
func kaiserI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 200; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
