//go:build linux

package main

import "golang.org/x/sys/unix"

// threadCPUSeconds is the CPU time the calling OS thread has used, and true; callers lock their goroutine to
// the thread so that it measures their own work.
func threadCPUSeconds() (float64, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9, true
}
