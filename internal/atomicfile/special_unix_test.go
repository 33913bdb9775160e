//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteSpecialFiles: a named pipe or a device is written into, never renamed over (as root, a rename would
// turn /dev/null into a regular file for every program on the machine). The device is a copy of /dev/null's
// made in a temporary folder, where a regression does no harm; making it needs root.
func TestWriteSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := WriteBytes(fifo, []byte("through the pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("the pipe's reader got %q", s)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the named pipe was replaced: %v, %v", st.Mode(), err)
	}

	null := filepath.Join(dir, "null")
	st, err := os.Stat(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || syscall.Mknod(null, syscall.S_IFCHR|0o666, int(sys.Rdev)) != nil {
		t.Skip("cannot make a device node here (not root)")
	}
	if err := WriteBytes(null, []byte("discarded"), 0o644); err != nil {
		t.Fatalf("writing a device: %v", err)
	}
	if st, err := os.Lstat(null); err != nil || st.Mode()&fs.ModeDevice == 0 {
		t.Errorf("the device was replaced by a regular file: %v, %v", st.Mode(), err)
	}
}
