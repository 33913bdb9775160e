// Package kernels holds the numerical kernels shared by Hark's inference (package acoustic) and training
// (package acoustic/train): a row-major sgemm wrapper over OpenBLAS or pure-Go gonum, causal convolution,
// masked batch norm with clipped ReLU, the fused GRU, the row convolution and CTC. Every function works on
// flat row-major []float32 slices and never allocates in proportion to anything but its arguments.
package kernels
