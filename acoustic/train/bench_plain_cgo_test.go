//go:build cgo && !purego

package train

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// usePlainBLAS gives the plain-gorgonia baseline OpenBLAS, as ../shared/notes/engine.md measured it (a global
// setting of gorgonia, which is why only this benchmark sets it: the fused net does its algebra itself).
func usePlainBLAS() { G.Use(netlib.Implementation{}) }
