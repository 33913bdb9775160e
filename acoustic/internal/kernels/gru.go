package kernels

import "math"

// GRU runs a unidirectional GRU over B sequences of up to T steps (gate order r, z, n; see package acoustic
// for the equations). Inputs x are batch-major [B, T, In]; outputs are batch-major [B, T, H] and zero at steps
// t ≥ Lens[b], where the state of sequence b stays frozen.
type GRU struct {
	B, T, In, H int
	Lens        []int // per sequence; nil means all T
}

// GRUCache holds what the backward pass needs from the forward pass (and the forward's scratch).
type GRUCache struct {
	XP []float32 // [B·T, 3H]: x·Wx + bx
	HP []float32 // [B, 3H]: h·Wh + bh for the current step (scratch)
	Hs []float32 // [(T+1), B, H] time-major states, Hs[0] = h0
	// Gate activations, time-major [T, B, H]; only filled when Train is set.
	R, Z, N, HN []float32
	Train       bool
}

func (g GRU) length(b int) int {
	if g.Lens == nil {
		return g.T
	}
	return min(g.Lens[b], g.T)
}

// Alloc sizes c for g, reusing its slices when they are large enough.
func (g GRU) Alloc(c *GRUCache, train bool) {
	grow := func(s []float32, n int) []float32 {
		if cap(s) < n {
			return make([]float32, n)
		}
		return s[:n]
	}
	h3 := 3 * g.H
	c.Train = train
	c.XP = grow(c.XP, g.B*g.T*h3)
	c.HP = grow(c.HP, g.B*h3)
	c.Hs = grow(c.Hs, (g.T+1)*g.B*g.H)
	if train {
		n := g.T * g.B * g.H
		c.R, c.Z, c.N, c.HN = grow(c.R, n), grow(c.Z, n), grow(c.N, n), grow(c.HN, n)
	}
}

func sigmoid(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

func tanh32(x float32) float32 { return float32(math.Tanh(float64(x))) }

// Forward runs the GRU from initial state h0 ([B, H], nil for zeros) and writes out ([B, T, H]). The final
// state of each sequence is c.Hs[T·B·H:]. c must have been sized by Alloc.
func (g GRU) Forward(x, wx, wh, bx, bh, h0, out []float32, c *GRUCache) {
	B, T, H := g.B, g.T, g.H
	h3 := 3 * H
	Gemm(false, false, B*T, h3, g.In, 1, x, wx, 0, c.XP)
	for r := 0; r < B*T; r++ {
		row := c.XP[r*h3 : (r+1)*h3]
		for j := range row {
			row[j] += bx[j]
		}
	}
	if h0 == nil {
		clear(c.Hs[:B*H])
	} else {
		copy(c.Hs[:B*H], h0)
	}
	for t := 0; t < T; t++ {
		hprev := c.Hs[t*B*H : (t+1)*B*H]
		hnext := c.Hs[(t+1)*B*H : (t+2)*B*H]
		for b := 0; b < B; b++ {
			copy(c.HP[b*h3:(b+1)*h3], bh)
		}
		Gemm(false, false, B, h3, H, 1, hprev, wh, 1, c.HP)
		for b := 0; b < B; b++ {
			hp := hprev[b*H : (b+1)*H]
			hn := hnext[b*H : (b+1)*H]
			o := out[(b*T+t)*H : (b*T+t+1)*H]
			if t >= g.length(b) {
				copy(hn, hp)
				clear(o)
				continue
			}
			xp := c.XP[(b*T+t)*h3 : (b*T+t+1)*h3]
			rp := c.HP[b*h3 : (b+1)*h3]
			for j := 0; j < H; j++ {
				r := sigmoid(xp[j] + rp[j])
				z := sigmoid(xp[H+j] + rp[H+j])
				n := tanh32(xp[2*H+j] + r*rp[2*H+j])
				h := (1-z)*n + z*hp[j]
				hn[j] = h
				o[j] = h
				if c.Train {
					k := (t*B+b)*H + j
					c.R[k], c.Z[k], c.N[k], c.HN[k] = r, z, n, rp[2*H+j]
				}
			}
		}
	}
}

// Backward computes dx, dwx, dwh, dbx, dbh (all overwritten; dx may be nil) from dout ([B, T, H]) using the
// cache of a training-mode Forward with h0 = nil. dxp is scratch of B·T·3H floats, dhp of T·B·3H.
func (g GRU) Backward(x, wx, wh, dout []float32, c *GRUCache, dx, dwx, dwh, dbx, dbh, dxp, dhp []float32) {
	B, T, H := g.B, g.T, g.H
	h3 := 3 * H
	dh := make([]float32, B*H)
	dprev := make([]float32, B*H)
	for t := T - 1; t >= 0; t-- {
		hprev := c.Hs[t*B*H : (t+1)*B*H]
		dhpT := dhp[t*B*h3 : (t+1)*B*h3]
		for b := 0; b < B; b++ {
			d := dh[b*H : (b+1)*H]
			dp := dprev[b*H : (b+1)*H]
			dhpRow := dhpT[b*h3 : (b+1)*h3]
			dxpRow := dxp[(b*T+t)*h3 : (b*T+t+1)*h3]
			if t >= g.length(b) {
				// Frozen state: h_t = h_{t−1}, and the output is zero, so the gradient passes straight through.
				copy(dp, d)
				clear(dhpRow)
				clear(dxpRow)
				continue
			}
			do := dout[(b*T+t)*H : (b*T+t+1)*H]
			hp := hprev[b*H : (b+1)*H]
			for j := 0; j < H; j++ {
				k := (t*B+b)*H + j
				r, z, n, hn := c.R[k], c.Z[k], c.N[k], c.HN[k]
				gh := d[j] + do[j]
				dn := gh * (1 - z)
				dz := gh * (hp[j] - n)
				dp[j] = gh * z
				dan := dn * (1 - n*n)
				dr := dan * hn
				dar := dr * r * (1 - r)
				daz := dz * z * (1 - z)
				dxpRow[j], dxpRow[H+j], dxpRow[2*H+j] = dar, daz, dan
				dhpRow[j], dhpRow[H+j], dhpRow[2*H+j] = dar, daz, dan*r
			}
		}
		// dh_{t−1} = direct part + dHP·Whᵀ
		Gemm(false, true, B, H, h3, 1, dhpT, wh, 1, dprev)
		dh, dprev = dprev, dh
	}
	// Weight gradients batched over all steps.
	Gemm(true, false, H, h3, T*B, 1, c.Hs[:T*B*H], dhp[:T*B*h3], 0, dwh)
	Gemm(true, false, g.In, h3, B*T, 1, x, dxp[:B*T*h3], 0, dwx)
	clear(dbx[:h3])
	clear(dbh[:h3])
	for r := 0; r < B*T; r++ {
		row := dxp[r*h3 : (r+1)*h3]
		for j, v := range row {
			dbx[j] += v
		}
	}
	for r := 0; r < T*B; r++ {
		row := dhp[r*h3 : (r+1)*h3]
		for j, v := range row {
			dbh[j] += v
		}
	}
	if dx != nil {
		Gemm(false, true, B*T, g.In, h3, 1, dxp[:B*T*h3], wx, 0, dx)
	}
}
