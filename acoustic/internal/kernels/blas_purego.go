//go:build !cgo || purego

package kernels

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS names the sgemm implementation compiled in.
const BLAS = "gonum"

func sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, beta float32, y []float32) {
	gonum.Implementation{}.Sgemv(tA, m, n, alpha, a, lda, x, 1, beta, y, 1)
}
