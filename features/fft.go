package features

import "math"

// realFFT computes power spectra of real frames of n samples (n a power of two) through one complex FFT of
// n/2 points: even samples go to the real parts, odd samples to the imaginary parts, and a final pass separates
// the two half-length spectra. Its tables are read-only after newRealFFT; callers pass their own work arrays.
type realFFT struct {
	n, half  int
	rev      []int     // bit reversal permutation of 0..half-1
	cos, sin []float64 // cos, sin of 2πj/half for j < half/2: the complex FFT's twiddles
	wr, wi   []float64 // cos, sin of 2πk/n for k ≤ half: the split pass's twiddles
}

func newRealFFT(n int) *realFFT {
	h := n / 2
	f := &realFFT{n: n, half: h, rev: make([]int, h), cos: make([]float64, h/2), sin: make([]float64, h/2),
		wr: make([]float64, h+1), wi: make([]float64, h+1)}
	bits := 0
	for 1<<bits < h {
		bits++
	}
	for i := range f.rev {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		f.rev[i] = r
	}
	for j := range f.cos {
		a := 2 * math.Pi * float64(j) / float64(h)
		f.cos[j], f.sin[j] = math.Cos(a), math.Sin(a)
	}
	for k := range f.wr {
		a := 2 * math.Pi * float64(k) / float64(n)
		f.wr[k], f.wi[k] = math.Cos(a), math.Sin(a)
	}
	return f
}

// windowedPower sets power[k] = |X[k]|² for k = 0..n/2, where X is the DFT of x·window zero-padded to n
// samples (len(x) == len(window) ≤ n). re and im are work arrays of n/2 elements.
func (f *realFFT) windowedPower(power []float64, x []float32, window []float64, re, im []float64) {
	// Load z[k] = x[2k] + i·x[2k+1], windowed, in bit-reversed order.
	for k := 0; k < f.half; k++ {
		var a, b float64
		if i := 2 * k; i+1 < len(x) {
			a, b = finite(x[i])*window[i], finite(x[i+1])*window[i+1]
		} else if i < len(x) {
			a = finite(x[i]) * window[i]
		}
		r := f.rev[k]
		re[r], im[r] = a, b
	}
	f.complexInPlace(re, im)

	// Split: with A = Z[k] and B = conj(Z[half−k]), the even samples' spectrum is (A+B)/2, the odd samples'
	// is (A−B)/2i, and X[k] = even + e^{−2πik/n}·odd.
	h := f.half
	power[0] = sq(re[0] + im[0])
	power[h] = sq(re[0] - im[0])
	for k := 1; k < h; k++ {
		ar, ai := re[k], im[k]
		br, bi := re[h-k], -im[h-k]
		er, ei := 0.5*(ar+br), 0.5*(ai+bi)
		// (A−B)/2i = (ai−bi)/2 − i(ar−br)/2
		or, oi := 0.5*(ai-bi), -0.5*(ar-br)
		c, s := f.wr[k], -f.wi[k]
		xr := er + c*or - s*oi
		xi := ei + c*oi + s*or
		power[k] = xr*xr + xi*xi
	}
}

// complexInPlace is an iterative radix-2 decimation-in-time FFT of half points on input already in
// bit-reversed order.
func (f *realFFT) complexInPlace(re, im []float64) {
	h := f.half
	for size := 2; size <= h; size <<= 1 {
		m := size / 2
		step := h / size
		for j := 0; j < m; j++ {
			c, s := f.cos[j*step], -f.sin[j*step]
			for i := j; i < h; i += size {
				k := i + m
				tr := c*re[k] - s*im[k]
				ti := c*im[k] + s*re[k]
				re[k], im[k] = re[i]-tr, im[i]-ti
				re[i] += tr
				im[i] += ti
			}
		}
	}
}

func sq(x float64) float64 { return x * x }

// finite returns x, or 0 when x is NaN or infinite: one such sample would otherwise turn its frames, and
// through normalisation and the recurrent state the whole utterance, into NaN.
func finite(x float32) float64 {
	v := float64(x)
	if v-v != 0 {
		return 0
	}
	return v
}
