package features

import "math"

// LowPass makes log-mel frames m, computed with c, look like those of audio that had nothing above cutoffHz:
// telephone speech (8 kHz, so nothing above 4 kHz) upsampled to c's rate, in place. Like WarpFrequency it works
// on finished frames, so that a feature cache can serve every epoch of training. Each band keeps the share of its
// filter's weight that lies below the cutoff (the energy it would keep if the spectrum were flat across the
// band), and a band with none left sits at the log floor, as the extractor leaves an empty band. A cutoff at or
// above c.FMax, one that is not a number, or an m whose width is not c.NumMels leaves m as it is.
func LowPass(m *Matrix, c Config, cutoffHz float64) {
	if !(cutoffHz < c.FMax) || m.Cols != c.NumMels || m.Rows == 0 {
		return
	}
	floor := float32(math.Log(c.LogFloor))
	filters := melFilters(c)
	gain := make([]float32, len(filters)) // ln of the share kept; -Inf: nothing kept
	for b, f := range filters {
		var kept, total float64
		for i, w := range f.weights {
			total += w
			if float64(f.start+i)*float64(c.SampleRate)/float64(c.FFTSize) < cutoffHz {
				kept += w
			}
		}
		gain[b] = float32(math.Log(kept / total))
		if total == 0 {
			gain[b] = 0 // an empty filter (more bands than FFT bins): nothing to take away
		}
	}
	for r := range m.Rows {
		row := m.Row(r)
		for b, g := range gain {
			if g < 0 {
				row[b] = max(row[b]+g, floor)
			}
		}
	}
}
