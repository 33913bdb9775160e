//go:build unix

package hark

import "syscall"

// cpuSeconds is the user and system CPU time of the process so far: on a shared machine it measures the work
// where wall time also counts the waits for a core.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
