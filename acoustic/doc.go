// Package acoustic holds Hark's acoustic model: its configuration, vocabulary, model file format and the
// inference code (batch and streaming) that turns log-mel frames into per-frame log-probabilities over the
// CTC vocabulary.
//
// The network is, in order: two (or more) causal 2-D convolutions over time × mel, each followed by batch
// normalisation and a clipped ReLU min(max(x,0),20); a stack of unidirectional GRU layers; a row (lookahead)
// convolution that mixes each frame with the next Config.Lookahead frames; a linear layer; log-softmax.
//
// Convolutions are causal in time: output frame t of a layer with kernel height k and time stride s reads input
// frames t·s−k+1 … t·s (zeros before the start). The only lookahead of the whole network is therefore the row
// convolution's, which is what lets the streaming forward give exactly the batch forward's outputs.
//
// GRU gate convention (the training package uses the same; gate order in the weight matrices is r, z, n):
//
//	r  = σ(x·Wxr + bxr + h·Whr + bhr)
//	z  = σ(x·Wxz + bxz + h·Whz + bhz)
//	n  = tanh(x·Wxn + bxn + r ⊙ (h·Whn + bhn))
//	h' = (1−z) ⊙ n + z ⊙ h
//
// Inference uses plain BLAS kernels (OpenBLAS through cgo, or pure-Go gonum with CGO_ENABLED=0 or the purego
// build tag); it never touches gorgonia.
package acoustic
