//go:build !cgo || purego

package train

func usePlainBLAS() {}
