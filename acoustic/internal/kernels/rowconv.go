package kernels

// RowConv is the lookahead convolution: out[b,t,h] = Σ_{j=0..L} w[j,h]·in[b,t+j,h] over frames t+j < T
// (frames past the end read as zero).
type RowConv struct {
	B, T, H, L int
}

// Forward writes out ([B, T, H]).
func (r RowConv) Forward(in, w, out []float32) {
	H := r.H
	clear(out[:r.B*r.T*H])
	for b := 0; b < r.B; b++ {
		for t := 0; t < r.T; t++ {
			o := out[(b*r.T+t)*H : (b*r.T+t+1)*H]
			for j := 0; j <= r.L && t+j < r.T; j++ {
				x := in[(b*r.T+t+j)*H : (b*r.T+t+j+1)*H]
				wj := w[j*H : (j+1)*H]
				for k := range o {
					o[k] += wj[k] * x[k]
				}
			}
		}
	}
}

// Backward writes din and dw (both overwritten).
func (r RowConv) Backward(in, w, dout, din, dw []float32) {
	H := r.H
	clear(din[:r.B*r.T*H])
	clear(dw[:(r.L+1)*H])
	for b := 0; b < r.B; b++ {
		for t := 0; t < r.T; t++ {
			d := dout[(b*r.T+t)*H : (b*r.T+t+1)*H]
			for j := 0; j <= r.L && t+j < r.T; j++ {
				x := in[(b*r.T+t+j)*H : (b*r.T+t+j+1)*H]
				dx := din[(b*r.T+t+j)*H : (b*r.T+t+j+1)*H]
				wj := w[j*H : (j+1)*H]
				dwj := dw[j*H : (j+1)*H]
				for k := range d {
					dx[k] += wj[k] * d[k]
					dwj[k] += x[k] * d[k]
				}
			}
		}
	}
}
