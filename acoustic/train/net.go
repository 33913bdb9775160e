// Package train trains Hark's acoustic model: a gorgonia graph built from fused custom ops (causal convolution,
// masked batch norm with clipped ReLU, whole-sequence GRU, row convolution, CTC loss), the optimiser loop,
// batching, checkpoints, curves and the model card.
//
// This file fixes the contract between the network (net*.go, ops_*.go, gru*.go, ctc*.go, graph*.go) and the
// training loop (trainer*.go and friends).
package train

import (
	"context"

	"github.com/harkspeech/hark/acoustic"
)

// Batch is a padded minibatch. Feats is B×T×F row-major (utterance, frame, mel), zero-padded past FeatLens[i].
type Batch struct {
	B, T, F  int
	Feats    []float32
	FeatLens []int   // frames per utterance (input frames, before the model's time stride)
	Labels   [][]int // target symbol indices per utterance (no blanks), using the model's vocabulary
}

// Param is one trainable tensor; Value and Grad alias the live storage the network computes with.
//
// Batch-norm running statistics ("convN.mean", "convN.var") are Params too, with Frozen set and a nil Grad:
// the network updates them itself during Step (momentum 0.1), the optimiser must skip them, and checkpoints
// that save every Param's Value therefore capture them. Model() exports them and NetFromModel restores them.
type Param struct {
	Name  string
	Shape []int
	Value []float32
	Grad  []float32
	// Frozen is set by the trainer (and by the network for running statistics). Step leaves a frozen Param's
	// Grad zero and skips the backward work that only frozen Params need.
	Frozen bool
}

// Net is a trainable acoustic network.
type Net interface {
	// Step runs forward and backward on b with dropout/batch-norm in training mode, overwrites every Param.Grad with
	// d(sum of per-utterance CTC losses)/dθ, and returns the per-utterance losses (+Inf for infeasible ones, whose
	// gradient is zero).
	Step(ctx context.Context, b *Batch) (losses []float64, err error)
	// LogProbs runs inference mode (batch-norm running statistics) and returns per-utterance T'×V log-probabilities
	// (row-major) and T' per utterance.
	LogProbs(ctx context.Context, b *Batch) (out [][]float32, lens []int, err error)
	Params() []*Param
	// Model exports the current weights (and batch-norm running stats) as an inference model.
	Model() *acoustic.Model
}

// NewNet returns a freshly initialised network for cfg (English vocabulary, default features with cfg's mel count), reproducible
// from seed.
func NewNet(cfg acoustic.Config, seed int64) (Net, error) {
	return newGraphNet(cfg, seed)
}

// NetFromModel returns a network holding m's weights and running statistics, for fine-tuning or resuming.
func NetFromModel(m *acoustic.Model) (Net, error) {
	return netFromModel(m)
}
