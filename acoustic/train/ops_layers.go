package train

import (
	"fmt"
	"math"

	"github.com/harkspeech/hark/acoustic/internal/kernels"
	"gorgonia.org/tensor"
)

// convKernel is one causal convolution: x [B, T, F·Cin], w [KT, KF, Cin, Cout] → [B, TO, FO·Cout].
type convKernel struct {
	c         kernels.Conv
	b, t      int
	inputGrad bool       // false for the first layer: nothing needs d/d(features)
	col       *[]float32 // the net's workspace for this layer, reused across steps
}

func (k *convKernel) name() string { return "CausalConv" }
func (k *convKernel) inShapes() []tensor.Shape {
	c := k.c
	return []tensor.Shape{{k.b, k.t, c.InFrame()}, {c.KT, c.KF, c.Cin, c.Cout}}
}
func (k *convKernel) outShape() tensor.Shape {
	return tensor.Shape{k.b, k.c.TimeOut(k.t), k.c.OutFrame()}
}
func (k *convKernel) diffWRT() []bool { return []bool{k.inputGrad, true} }
func (k *convKernel) forward(in [][]float32, out []float32) error {
	n := k.c.ColSize(k.t)
	if cap(*k.col) < n {
		*k.col = make([]float32, n)
	}
	*k.col = (*k.col)[:n]
	k.c.Forward(in[0], k.b, k.t, in[1], out, *k.col)
	return nil
}
func (k *convKernel) backward(in [][]float32, out, dout []float32, grads [][]float32) error {
	var dcol []float32
	if grads[0] != nil {
		dcol = make([]float32, len(*k.col))
	}
	k.c.Backward(in[0], k.b, k.t, in[1], dout, *k.col, grads[1], grads[0], dcol)
	return nil
}

// bnKernel is batch norm + clipped ReLU over channels-last rows: x [B, T, F·C], gamma [C], beta [C] → same
// shape as x. In training mode it normalises with the statistics of the valid rows and updates the running
// statistics; otherwise it uses the running statistics.
type bnKernel struct {
	bn    kernels.BN
	t, f  int
	train bool
	// frozen (training, with γ and β frozen): normalise with the running statistics and leave them alone, as
	// inference will, rather than let a fine-tune's batches shift a layer it is not training.
	frozen          bool
	momentum        float32
	runMean, runVar []float32 // live Param storage
	mean, invstd    []float32
}

func (k *bnKernel) name() string { return "BatchNormClippedReLU" }
func (k *bnKernel) inShapes() []tensor.Shape {
	return []tensor.Shape{{k.bn.B, k.t, k.f * k.bn.C}, {k.bn.C}, {k.bn.C}}
}
func (k *bnKernel) outShape() tensor.Shape { return tensor.Shape{k.bn.B, k.t, k.f * k.bn.C} }
func (k *bnKernel) diffWRT() []bool        { return []bool{true, true, true} }
func (k *bnKernel) forward(in [][]float32, out []float32) error {
	if !k.train || k.frozen {
		k.bn.ForwardInfer(in[0], out, in[1], in[2], k.runMean, k.runVar)
		return nil
	}
	c := k.bn.C
	k.mean, k.invstd = make([]float32, c), make([]float32, c)
	varU := make([]float32, c)
	k.bn.ForwardTrain(in[0], out, in[1], in[2], k.mean, k.invstd, varU)
	m := k.momentum
	for j := 0; j < c; j++ {
		k.runMean[j] = (1-m)*k.runMean[j] + m*k.mean[j]
		k.runVar[j] = (1-m)*k.runVar[j] + m*varU[j]
	}
	return nil
}
func (k *bnKernel) backward(in [][]float32, out, dout []float32, grads [][]float32) error {
	if k.frozen {
		k.bn.BackwardInfer(in[0], out, dout, in[1], k.runMean, k.runVar, grads[0], grads[1], grads[2])
		return nil
	}
	if !k.train {
		return fmt.Errorf("train: batch-norm gradient in inference mode")
	}
	k.bn.Backward(in[0], out, dout, in[1], k.mean, k.invstd, grads[0], grads[1], grads[2])
	return nil
}

// gruKernel is the fused whole-sequence GRU: x [B, T, In], wx [In, 3H], wh [H, 3H], bx [3H], bh [3H] →
// [B, T, H], zero past each sequence's length.
type gruKernel struct {
	g         kernels.GRU
	train     bool
	inputGrad bool
	cache     *kernels.GRUCache // the net's workspace for this layer, reused across steps
}

func (k *gruKernel) name() string { return "FusedGRU" }
func (k *gruKernel) inShapes() []tensor.Shape {
	g := k.g
	return []tensor.Shape{{g.B, g.T, g.In}, {g.In, 3 * g.H}, {g.H, 3 * g.H}, {3 * g.H}, {3 * g.H}}
}
func (k *gruKernel) outShape() tensor.Shape { return tensor.Shape{k.g.B, k.g.T, k.g.H} }
func (k *gruKernel) diffWRT() []bool        { return []bool{k.inputGrad, true, true, true, true} }
func (k *gruKernel) forward(in [][]float32, out []float32) error {
	k.g.Alloc(k.cache, k.train)
	k.g.Forward(in[0], in[1], in[2], in[3], in[4], nil, out, k.cache)
	return nil
}
func (k *gruKernel) backward(in [][]float32, out, dout []float32, grads [][]float32) error {
	if !k.cache.Train {
		return fmt.Errorf("train: GRU gradient without a training-mode forward")
	}
	g := k.g
	dxp := make([]float32, g.B*g.T*3*g.H)
	dhp := make([]float32, g.T*g.B*3*g.H)
	g.Backward(in[0], in[1], in[2], dout, k.cache, grads[0], grads[1], grads[2], grads[3], grads[4], dxp, dhp)
	return nil
}

// rowConvKernel is the lookahead convolution: h [B, T, H], w [L+1, H] → [B, T, H].
type rowConvKernel struct{ r kernels.RowConv }

func (k *rowConvKernel) name() string { return "RowConv" }
func (k *rowConvKernel) inShapes() []tensor.Shape {
	return []tensor.Shape{{k.r.B, k.r.T, k.r.H}, {k.r.L + 1, k.r.H}}
}
func (k *rowConvKernel) outShape() tensor.Shape { return tensor.Shape{k.r.B, k.r.T, k.r.H} }
func (k *rowConvKernel) diffWRT() []bool        { return []bool{true, true} }
func (k *rowConvKernel) forward(in [][]float32, out []float32) error {
	k.r.Forward(in[0], in[1], out)
	return nil
}
func (k *rowConvKernel) backward(in [][]float32, out, dout []float32, grads [][]float32) error {
	k.r.Backward(in[0], in[1], dout, grads[0], grads[1])
	return nil
}

// linearKernel is x [B, T, H] · w [H, V] + b [V] → [B, T, V].
type linearKernel struct{ b, t, h, v int }

func (k *linearKernel) name() string { return "Linear" }
func (k *linearKernel) inShapes() []tensor.Shape {
	return []tensor.Shape{{k.b, k.t, k.h}, {k.h, k.v}, {k.v}}
}
func (k *linearKernel) outShape() tensor.Shape { return tensor.Shape{k.b, k.t, k.v} }
func (k *linearKernel) diffWRT() []bool        { return []bool{true, true, true} }
func (k *linearKernel) forward(in [][]float32, out []float32) error {
	n := k.b * k.t
	for r := 0; r < n; r++ {
		copy(out[r*k.v:(r+1)*k.v], in[2])
	}
	kernels.Gemm(false, false, n, k.v, k.h, 1, in[0], in[1], 1, out)
	return nil
}
func (k *linearKernel) backward(in [][]float32, out, dout []float32, grads [][]float32) error {
	n := k.b * k.t
	kernels.Gemm(false, true, n, k.h, k.v, 1, dout, in[1], 0, grads[0])
	kernels.Gemm(true, false, k.h, k.v, n, 1, in[0], dout, 0, grads[1])
	db := grads[2]
	clear(db)
	for r := 0; r < n; r++ {
		for j, g := range dout[r*k.v : (r+1)*k.v] {
			db[j] += g
		}
	}
	return nil
}

// ctcKernel is the CTC loss of each utterance from logits [B, T, V] → losses [B]; log-softmax is part of it,
// so the gradient with respect to the logits is softmax − posterior (zero for infeasible utterances and padding).
type ctcKernel struct {
	b, t, v int
	lens    []int
	labels  [][]int
	grad    []float32 // d loss_b / d logits, filled by forward
}

func (k *ctcKernel) name() string             { return "CTCLoss" }
func (k *ctcKernel) inShapes() []tensor.Shape { return []tensor.Shape{{k.b, k.t, k.v}} }
func (k *ctcKernel) outShape() tensor.Shape   { return tensor.Shape{k.b} }
func (k *ctcKernel) diffWRT() []bool          { return []bool{true} }
func (k *ctcKernel) forward(in [][]float32, out []float32) error {
	k.grad = make([]float32, k.b*k.t*k.v)
	tv := k.t * k.v
	for b := 0; b < k.b; b++ {
		for _, l := range k.labels[b] {
			if l <= 0 || l >= k.v {
				return fmt.Errorf("train: label %d of utterance %d outside 1…%d", l, b, k.v-1)
			}
		}
		out[b] = float32(kernels.CTC(in[0][b*tv:], k.lens[b], k.v, k.labels[b], k.grad[b*tv:]))
	}
	return nil
}
func (k *ctcKernel) backward(in [][]float32, out, dout []float32, grads [][]float32) error {
	tv := k.t * k.v
	for b := 0; b < k.b; b++ {
		g := dout[b]
		if math.IsInf(float64(out[b]), 1) {
			g = 0
		}
		src := k.grad[b*tv : (b+1)*tv]
		dst := grads[0][b*tv : (b+1)*tv]
		for i, v := range src {
			dst[i] = g * v
		}
	}
	return nil
}
