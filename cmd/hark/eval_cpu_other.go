//go:build !linux

package main

// threadCPUSeconds is not measured on this system: false.
func threadCPUSeconds() (float64, bool) { return 0, false }
