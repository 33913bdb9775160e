package kernels

import "gonum.org/v1/gonum/blas"

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, op(A) m×k, op(B) k×n, C m×n, with the
// leading dimensions implied by the shapes (A is m×k, or k×m when transA; B is k×n, or n×k when transB).
func Gemm(transA, transB bool, m, n, k int, alpha float32, a, b []float32, beta float32, c []float32) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := range c[:m*n] {
			c[i] *= beta
		}
		return
	}
	if m == 1 && !transA {
		// A row vector times a matrix: a GEMV, which BLAS libraries run far faster than a one-row GEMM.
		if transB { // B is n×k: y = B·a
			sgemv(blas.NoTrans, n, k, alpha, b, k, a, beta, c)
		} else { // B is k×n: y = Bᵀ·a
			sgemv(blas.Trans, k, n, alpha, b, n, a, beta, c)
		}
		return
	}
	tA, lda := blas.NoTrans, k
	if transA {
		tA, lda = blas.Trans, m
	}
	tB, ldb := blas.NoTrans, n
	if transB {
		tB, ldb = blas.Trans, k
	}
	sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, n)
}
