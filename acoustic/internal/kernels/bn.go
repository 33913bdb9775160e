package kernels

import "math"

// BNEps is the variance epsilon of batch normalisation.
const BNEps = 1e-5

// ReluClip is the ceiling of the clipped ReLU.
const ReluClip = 20

// BN is a batch normalisation over channels-last rows followed by a clipped ReLU. Rows come in B blocks of
// RowsPer rows; only the first Valid[b] rows of block b take part in the statistics (the rest are padding).
type BN struct {
	C       int
	B       int
	RowsPer int
	Valid   []int
}

// clip is min(max(v,0),20).
func clip(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > ReluClip {
		return ReluClip
	}
	return v
}

// ForwardTrain normalises x with the batch statistics into y, leaving the per-channel mean and 1/σ in mean and
// invstd (for Backward) and the unbiased variance in varU (for the running statistics).
func (n BN) ForwardTrain(x, y, gamma, beta, mean, invstd, varU []float32) {
	c := n.C
	sum := make([]float64, c)
	sq := make([]float64, c)
	count := 0
	for b := 0; b < n.B; b++ {
		blk := x[b*n.RowsPer*c:]
		for r := 0; r < n.Valid[b]; r++ {
			row := blk[r*c : (r+1)*c]
			for j, v := range row {
				sum[j] += float64(v)
			}
		}
		count += n.Valid[b]
	}
	for j := range sum {
		if count > 0 {
			sum[j] /= float64(count)
		}
	}
	for b := 0; b < n.B; b++ {
		blk := x[b*n.RowsPer*c:]
		for r := 0; r < n.Valid[b]; r++ {
			row := blk[r*c : (r+1)*c]
			for j, v := range row {
				d := float64(v) - sum[j]
				sq[j] += d * d
			}
		}
	}
	for j := 0; j < c; j++ {
		v := 0.0
		if count > 0 {
			v = sq[j] / float64(count)
		}
		mean[j] = float32(sum[j])
		invstd[j] = float32(1 / math.Sqrt(v+BNEps))
		if count > 1 {
			varU[j] = float32(sq[j] / float64(count-1))
		} else {
			varU[j] = float32(v)
		}
	}
	n.apply(x, y, gamma, beta, mean, invstd)
}

// ForwardInfer normalises with fixed statistics (running mean and variance).
func (n BN) ForwardInfer(x, y, gamma, beta, mean, variance []float32) {
	inv := make([]float32, n.C)
	for j := range inv {
		inv[j] = float32(1 / math.Sqrt(float64(variance[j])+BNEps))
	}
	n.apply(x, y, gamma, beta, mean, inv)
}

func (n BN) apply(x, y, gamma, beta, mean, invstd []float32) {
	c := n.C
	scale := make([]float32, c)
	shift := make([]float32, c)
	for j := 0; j < c; j++ {
		scale[j] = gamma[j] * invstd[j]
		shift[j] = beta[j] - mean[j]*scale[j]
	}
	total := n.B * n.RowsPer
	for r := 0; r < total; r++ {
		xr := x[r*c : (r+1)*c]
		yr := y[r*c : (r+1)*c]
		for j, v := range xr {
			yr[j] = clip(v*scale[j] + shift[j])
		}
	}
}

// Backward computes dx (overwritten; zero on padding rows), and dgamma, dbeta (overwritten) from dy, given the
// layer's input x, output y and the mean and invstd left by ForwardTrain.
func (n BN) Backward(x, y, dy, gamma, mean, invstd, dx, dgamma, dbeta []float32) {
	c := n.C
	sdy := make([]float64, c)  // Σ dŷ over valid rows (pre-ReLU gradient)
	sdyx := make([]float64, c) // Σ dŷ·x̂
	count := 0
	for b := 0; b < n.B; b++ {
		off := b * n.RowsPer * c
		for r := 0; r < n.Valid[b]; r++ {
			o := off + r*c
			for j := 0; j < c; j++ {
				g := dy[o+j]
				if yv := y[o+j]; yv <= 0 || yv >= ReluClip {
					g = 0
				}
				xh := (x[o+j] - mean[j]) * invstd[j]
				sdy[j] += float64(g)
				sdyx[j] += float64(g) * float64(xh)
			}
		}
		count += n.Valid[b]
	}
	for j := 0; j < c; j++ {
		dgamma[j] = float32(sdyx[j])
		dbeta[j] = float32(sdy[j])
	}
	clear(dx[:n.B*n.RowsPer*c])
	if count == 0 {
		return
	}
	inv := 1 / float64(count)
	for b := 0; b < n.B; b++ {
		off := b * n.RowsPer * c
		for r := 0; r < n.Valid[b]; r++ {
			o := off + r*c
			for j := 0; j < c; j++ {
				g := dy[o+j]
				if yv := y[o+j]; yv <= 0 || yv >= ReluClip {
					g = 0
				}
				xh := float64((x[o+j] - mean[j]) * invstd[j])
				d := float64(gamma[j]*invstd[j]) * (float64(g) - inv*sdy[j] - xh*inv*sdyx[j])
				dx[o+j] = float32(d)
			}
		}
	}
}

// FoldBN turns batch-norm parameters and running statistics into a per-channel scale and shift.
func FoldBN(gamma, beta, mean, variance, scale, shift []float32) {
	for j := range scale {
		scale[j] = gamma[j] / float32(math.Sqrt(float64(variance[j])+BNEps))
		shift[j] = beta[j] - mean[j]*scale[j]
	}
}

// ScaleShiftClip applies y = clip(x·scale + shift) in place to channels-last rows.
func ScaleShiftClip(x, scale, shift []float32) {
	c := len(scale)
	for r := 0; r+c <= len(x); r += c {
		row := x[r : r+c]
		for j, v := range row {
			row[j] = clip(v*scale[j] + shift[j])
		}
	}
}
