package kernels

// Conv is one causal 2-D convolution over (time, frequency) on channels-last activations: a frame is F×C floats
// (bin-major, channel-minor) and an utterance is a run of frames. Output frame t reads input frames
// t·ST−KT+1 … t·ST (frames before 0 are zero); output bin f reads input bins f·SF−PF … f·SF−PF+KF−1 (zero
// outside 0…F−1). The weight matrix is [KT·KF·Cin, Cout], row index (i·KF+j)·Cin+c.
type Conv struct {
	F, Cin, Cout   int
	KT, KF, ST, SF int
	PF             int // frequency padding on each side
	FO             int // output bins
}

// NewConv returns the geometry of a conv layer for F input bins and Cin input channels.
func NewConv(f, cin, cout, kt, kf, st, sf int) Conv {
	pf := kf / 2
	fo := (f+2*pf-kf)/sf + 1
	return Conv{F: f, Cin: cin, Cout: cout, KT: kt, KF: kf, ST: st, SF: sf, PF: pf, FO: fo}
}

// K is the inner dimension of the conv GEMM.
func (c Conv) K() int { return c.KT * c.KF * c.Cin }

// InFrame and OutFrame are the floats in one input and one output frame.
func (c Conv) InFrame() int  { return c.F * c.Cin }
func (c Conv) OutFrame() int { return c.FO * c.Cout }

// Im2col fills col ([nb·m·FO, K]) for output frames t0 … t0+m−1 of nb sequences. Sequence b's input frames are
// in[b·stride … ], where the first stored frame has absolute index base (frames before base or past n stored
// frames, and frames with negative absolute index, read as zero).
func (c Conv) Im2col(in []float32, nb, stride, base, n, t0, m int, col []float32) {
	k := c.K()
	fin := c.InFrame()
	row := 0
	for b := 0; b < nb; b++ {
		seq := in[b*stride*fin:]
		for t := t0; t < t0+m; t++ {
			for fo := 0; fo < c.FO; fo++ {
				dst := col[row*k : (row+1)*k]
				row++
				for i := 0; i < c.KT; i++ {
					a := t*c.ST - c.KT + 1 + i - base
					for j := 0; j < c.KF; j++ {
						d := dst[(i*c.KF+j)*c.Cin : (i*c.KF+j+1)*c.Cin]
						fi := fo*c.SF - c.PF + j
						if a < 0 || a >= n || fi < 0 || fi >= c.F {
							clear(d)
							continue
						}
						copy(d, seq[a*fin+fi*c.Cin:a*fin+(fi+1)*c.Cin])
					}
				}
			}
		}
	}
}

// Col2im scatters dcol back into din (accumulating), the adjoint of Im2col with base 0 and t0 0.
func (c Conv) Col2im(dcol []float32, nb, stride, n, m int, din []float32) {
	k := c.K()
	fin := c.InFrame()
	row := 0
	for b := 0; b < nb; b++ {
		seq := din[b*stride*fin:]
		for t := 0; t < m; t++ {
			for fo := 0; fo < c.FO; fo++ {
				src := dcol[row*k : (row+1)*k]
				row++
				for i := 0; i < c.KT; i++ {
					a := t*c.ST - c.KT + 1 + i
					if a < 0 || a >= n {
						continue
					}
					for j := 0; j < c.KF; j++ {
						fi := fo*c.SF - c.PF + j
						if fi < 0 || fi >= c.F {
							continue
						}
						s := src[(i*c.KF+j)*c.Cin : (i*c.KF+j+1)*c.Cin]
						d := seq[a*fin+fi*c.Cin : a*fin+(fi+1)*c.Cin]
						for x := range s {
							d[x] += s[x]
						}
					}
				}
			}
		}
	}
}

// TimeOut is the number of output frames for n input frames.
func (c Conv) TimeOut(n int) int {
	if n <= 0 {
		return 0
	}
	return (n-1)/c.ST + 1
}

// ColSize is the scratch Forward and Backward need for sequences of t frames: one sequence's im2col at a time,
// so that memory does not grow with the batch.
func (c Conv) ColSize(t int) int { return c.TimeOut(t) * c.FO * c.K() }

// Forward computes out ([B·TO·FO, Cout], i.e. B×TO output frames) from in (B×T input frames) with weights w.
// col must hold ColSize(t) floats.
func (c Conv) Forward(in []float32, b, t int, w, out, col []float32) {
	to := c.TimeOut(t)
	rows := to * c.FO
	col = col[:rows*c.K()]
	for i := 0; i < b; i++ {
		c.Im2col(in[i*t*c.InFrame():], 1, t, 0, t, 0, to, col)
		Gemm(false, false, rows, c.Cout, c.K(), 1, col, w, 0, out[i*rows*c.Cout:])
	}
}

// Backward computes dW (overwritten) and, when din is not nil, din (overwritten) from dout and the layer's
// input. col and dcol are scratch of ColSize(t) floats (dcol unused when din is nil); the im2col of each
// sequence is recomputed rather than kept from Forward.
func (c Conv) Backward(in []float32, b, t int, w, dout, col, dw, din, dcol []float32) {
	to := c.TimeOut(t)
	rows := to * c.FO
	k := c.K()
	col = col[:rows*k]
	if din != nil {
		clear(din[:b*t*c.InFrame()])
	}
	for i := 0; i < b; i++ {
		c.Im2col(in[i*t*c.InFrame():], 1, t, 0, t, 0, to, col)
		d := dout[i*rows*c.Cout : (i+1)*rows*c.Cout]
		beta := float32(1)
		if i == 0 {
			beta = 0
		}
		Gemm(true, false, k, c.Cout, rows, 1, col, d, beta, dw)
		if din != nil {
			Gemm(false, true, rows, k, c.Cout, 1, d, w, 0, dcol[:rows*k])
			c.Col2im(dcol, 1, t, t, to, din[i*t*c.InFrame():])
		}
	}
	if b == 0 {
		clear(dw[:k*c.Cout])
	}
}
