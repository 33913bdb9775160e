//go:build !unix

package decoder

// cpuSeconds is not measured on this platform; the CPU-time metric then reads as infinite.
func cpuSeconds() float64 { return 0 }
