package features

import "math"

// VTLPBoundary is the fraction of FMax below which WarpFrequency scales frequencies by a constant factor; above
// it the warp is linear to a fixed FMax, so that no band is pushed out of range or left empty. Jaitly and Hinton
// used 4800 Hz of 8000.
const VTLPBoundary = 0.6

// WarpFrequency applies vocal tract length perturbation (Jaitly & Hinton, 2013) to log-mel frames m computed
// with c, in place. Where the original warps the filterbank before it is applied, this works on finished
// frames, so that a feature cache can serve every epoch: output band b, centred at f Hz, takes the input's
// value at the frequency that VTLP with factor alpha maps to f, linearly interpolated between the two input
// bands whose centres surround it (in mel). alpha > 1 moves formants up, as from a shorter vocal tract; alpha
// < 1 moves them down. Below VTLPBoundary·min(alpha, 1)·FMax the warp is f → alpha·f; above, it is linear to
// FMax → FMax. An alpha that is not a positive number, or an m whose width is not c.NumMels, leaves m as it is.
func WarpFrequency(m *Matrix, c Config, alpha float64) {
	n := c.NumMels
	if !(alpha > 0) || math.IsInf(alpha, 0) || alpha == 1 || n < 2 || m.Cols != n || m.Rows == 0 {
		return
	}
	lo, hi := hzToMel(c.FMin), hzToMel(c.FMax)
	step := (hi - lo) / float64(n+1) // band b is centred on mel lo + (b+1)·step
	top := c.FMax
	knee := VTLPBoundary * top * math.Min(alpha, 1) // the warped frequency where the two pieces meet
	src := func(f float64) float64 {                // inverse of the warp: which input frequency lands on f
		if f <= knee {
			return f / alpha
		}
		return top - (top-f)*(top-knee/alpha)/(top-knee)
	}

	// Each output band reads two neighbouring input bands with fixed weights; work them out once.
	idx := make([]int, n)
	frac := make([]float32, n)
	for b := range n {
		f := melToHz(lo + float64(b+1)*step)
		pos := (hzToMel(src(f))-lo)/step - 1
		pos = math.Min(math.Max(pos, 0), float64(n-1))
		i := min(int(pos), n-2)
		idx[b], frac[b] = i, float32(pos-float64(i))
	}
	tmp := make([]float32, n)
	for r := range m.Rows {
		row := m.Row(r)
		copy(tmp, row)
		for b := range row {
			i, w := idx[b], frac[b]
			row[b] = tmp[i] + w*(tmp[i+1]-tmp[i])
		}
	}
}

func melToHz(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
