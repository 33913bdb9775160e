//go:build cgo && !purego

package train

import (
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func plainBLAS() []plainBLASChoice {
	return []plainBLASChoice{
		{"gonum", func() { G.Use(gonum.Implementation{}) }},
		{"openblas", func() { G.Use(netlib.Implementation{}) }},
	}
}
