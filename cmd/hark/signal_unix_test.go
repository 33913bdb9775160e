//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the real main in a child process (HARK_TEST_RUN_MAIN=1 with hark's arguments), so
// that signals reach it as they would reach the installed binary.
func TestMain(m *testing.M) {
	if os.Getenv("HARK_TEST_RUN_MAIN") == "1" {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv("HARK_TEST_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

func TestSignalExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	tests := []struct {
		sig  syscall.Signal
		want int
	}{
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143},
	}
	for _, tc := range tests {
		t.Run(tc.sig.String(), func(t *testing.T) {
			// hark transcribe - waits for standard input, which the test keeps open and never writes.
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "HARK_TEST_RUN_MAIN=1", "HARK_TEST_ARGS=transcribe -")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Time for the child to install its signal handler; one that is not yet installed kills the child,
			// which the test reports as such rather than as a wrong status.
			time.Sleep(time.Second)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("hark transcribe - still running 30 s after %v", tc.sig)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("exit: %v, want status %d; stderr %q", err, tc.want, stderr.String())
			}
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Fatalf("killed by %v before its handler was installed; stderr %q", ws.Signal(), stderr.String())
			}
			if got := exit.ExitCode(); got != tc.want || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("status %d, stderr %q; want %d and \"interrupted\"", got, stderr.String(), tc.want)
			}
		})
	}
}
