package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkGemm reports GFLOP/s of the sgemm wrapper at the shapes the GRU uses.
func BenchmarkGemm(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{{1, 960, 320}, {8, 960, 320}, {334, 960, 640}, {1072, 960, 640}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k), func(b *testing.B) {
			a := make([]float32, s.m*s.k)
			w := make([]float32, s.k*s.n)
			c := make([]float32, s.m*s.n)
			for i := range a {
				a[i] = float32(i%7) * 0.1
			}
			for i := 0; i < b.N; i++ {
				Gemm(false, false, s.m, s.n, s.k, 1, a, w, 0, c)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
