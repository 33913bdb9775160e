//go:build !unix

package synth

// cpuSeconds is not measured on systems without getrusage; throughput then reads as 0.
func cpuSeconds() float64 { return 0 }
