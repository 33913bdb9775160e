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
//
// With g the gradient through the clipped ReLU, a = γ/σ and x̂ = (x−μ)/σ,
// dx = a·(g − mean(g) − x̂·mean(g·x̂)), which is a·g + c0 + c1·x per channel.
func (n BN) Backward(x, y, dy, gamma, mean, invstd, dx, dgamma, dbeta []float32) {
	c := n.C
	sg := make([]float64, c)  // Σ g over valid rows
	sgx := make([]float64, c) // Σ g·(x−μ), centred so that a large mean cannot cancel it away
	rowG := make([]float32, c)
	rowGX := make([]float32, c)
	count := 0
	clear(dx[:n.B*n.RowsPer*c])
	for b := 0; b < n.B; b++ {
		off := b * n.RowsPer * c
		// Accumulate each block in float32 rows of bounded length, then in float64.
		for r := 0; r < n.Valid[b]; r++ {
			o := off + r*c
			xr, yr, dyr, gr := x[o:o+c], y[o:o+c], dy[o:o+c], dx[o:o+c]
			for j := range gr {
				g := dyr[j]
				if yv := yr[j]; yv <= 0 || yv >= ReluClip {
					g = 0
				}
				gr[j] = g // dx holds g until the second pass
				rowG[j] += g
				rowGX[j] += g * (xr[j] - mean[j])
			}
			if r%64 == 63 {
				for j := range rowG {
					sg[j] += float64(rowG[j])
					sgx[j] += float64(rowGX[j])
					rowG[j], rowGX[j] = 0, 0
				}
			}
		}
		for j := range rowG {
			sg[j] += float64(rowG[j])
			sgx[j] += float64(rowGX[j])
			rowG[j], rowGX[j] = 0, 0
		}
		count += n.Valid[b]
	}
	a := make([]float32, c)
	c0 := make([]float32, c)
	c1 := make([]float32, c)
	for j := 0; j < c; j++ {
		m, is := float64(mean[j]), float64(invstd[j])
		sgxh := sgx[j] * is // Σ g·x̂
		dgamma[j] = float32(sgxh)
		dbeta[j] = float32(sg[j])
		if count == 0 {
			continue
		}
		aj := float64(gamma[j]) * is
		mg, mgx := sg[j]/float64(count), sgxh/float64(count)
		a[j] = float32(aj)
		c1[j] = float32(-aj * is * mgx)
		c0[j] = float32(-aj*mg + aj*is*mgx*m)
	}
	for b := 0; b < n.B; b++ {
		off := b * n.RowsPer * c
		for r := 0; r < n.Valid[b]; r++ {
			o := off + r*c
			xr, gr := x[o:o+c], dx[o:o+c]
			for j := range gr {
				gr[j] = a[j]*gr[j] + c0[j] + c1[j]*xr[j]
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

// BackwardInfer is Backward for a layer run by ForwardInfer with the fixed statistics mean and variance (a
// frozen layer being fine-tuned through): the normalisation is then a per-channel affine map, so
// dx = γ/σ·g, dγ = Σ g·x̂ and dβ = Σ g over the valid rows, g being dy through the clipped ReLU.
func (n BN) BackwardInfer(x, y, dy, gamma, mean, variance, dx, dgamma, dbeta []float32) {
	c := n.C
	inv := make([]float64, c)
	for j := range inv {
		inv[j] = 1 / math.Sqrt(float64(variance[j])+BNEps)
	}
	sg := make([]float64, c)
	sgx := make([]float64, c)
	clear(dx[:n.B*n.RowsPer*c])
	for b := 0; b < n.B; b++ {
		off := b * n.RowsPer * c
		for r := 0; r < n.Valid[b]; r++ {
			o := off + r*c
			xr, yr, dyr, gr := x[o:o+c], y[o:o+c], dy[o:o+c], dx[o:o+c]
			for j := range gr {
				g := dyr[j]
				if yv := yr[j]; yv <= 0 || yv >= ReluClip {
					g = 0
				}
				sg[j] += float64(g)
				sgx[j] += float64(g) * (float64(xr[j]) - float64(mean[j])) * inv[j]
				gr[j] = g * float32(float64(gamma[j])*inv[j])
			}
		}
	}
	for j := 0; j < c; j++ {
		dgamma[j], dbeta[j] = float32(sgx[j]), float32(sg[j])
	}
}
