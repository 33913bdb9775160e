//go:build cgo && !purego

package kernels

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
*/
import "C"

import (
	"os"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// BLAS names the sgemm implementation compiled in.
const BLAS = "openblas"

// One OpenBLAS thread per process unless the user says otherwise: on the small machines Hark targets a second
// thread buys nothing for these matrix sizes (measured, see ../shared/notes/engine.md) and fights the decoder and
// the feature extractor for the other core.
func init() {
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" && os.Getenv("OMP_NUM_THREADS") == "" {
		C.openblas_set_num_threads(1)
	}
}

func sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	netlib.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, beta float32, y []float32) {
	netlib.Implementation{}.Sgemv(tA, m, n, alpha, a, lda, x, 1, beta, y, 1)
}
