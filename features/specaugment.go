package features

import "math/rand"

// SpecAugment masks m in place for training (Park et al., 2019, without time warping): freqMasks bands of
// f ~ U{0..maxFreqWidth} adjacent mel bands across all frames, then timeMasks runs of t ~ U{0..T} adjacent
// frames across all bands, where T = ⌊maxTimeFrac·Rows⌋. Each mask's start is uniform over the positions where
// it fits; masks may overlap. Masked cells take the mean of m before masking, so that masking does not shift
// the features' level; on a normalised matrix that mean is 0 (up to rounding). All randomness comes from rng,
// so a seeded rng reproduces the masks. Negative counts and widths count as 0, and maxTimeFrac is clamped to
// [0, 1].
func SpecAugment(m *Matrix, rng *rand.Rand, freqMasks, maxFreqWidth, timeMasks int, maxTimeFrac float64) {
	if m.Rows == 0 || m.Cols == 0 {
		return
	}
	var sum float64
	for _, v := range m.Data {
		sum += float64(v)
	}
	fill := float32(sum / float64(len(m.Data)))

	maxFreqWidth = min(max(maxFreqWidth, 0), m.Cols)
	for i := 0; i < freqMasks; i++ {
		w := rng.Intn(maxFreqWidth + 1)
		f0 := rng.Intn(m.Cols - w + 1)
		for r := 0; r < m.Rows; r++ {
			row := m.Row(r)[f0 : f0+w]
			for j := range row {
				row[j] = fill
			}
		}
	}
	if !(maxTimeFrac > 0) { // also NaN
		maxTimeFrac = 0
	}
	maxTimeFrac = min(maxTimeFrac, 1)
	maxT := int(maxTimeFrac * float64(m.Rows))
	for i := 0; i < timeMasks; i++ {
		w := rng.Intn(maxT + 1)
		t0 := rng.Intn(m.Rows - w + 1)
		cells := m.Data[t0*m.Cols : (t0+w)*m.Cols]
		for j := range cells {
			cells[j] = fill
		}
	}
}
