//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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
	// A rename over the pipe would leave the reader waiting forever: time out rather than hang.
	wrote := make(chan error, 1)
	go func() { wrote <- WriteBytes(fifo, []byte("through the pipe"), 0o644) }()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pipe's reader never got the bytes")
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

// A symbolic link keeps pointing where it did and the file it leads to gets the new content; links the system
// makes for a process's streams are written through, never replaced.
func TestWriteThroughLinks(t *testing.T) {
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.txt"), filepath.Join(dir, "link.txt")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.txt", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", st.Mode(), err)
	}
	if b, err := os.ReadFile(real); err != nil || string(b) != "new" {
		t.Errorf("the linked file holds %q, %v; want \"new\"", b, err)
	}
	for _, tt := range []struct {
		path string
		want bool
	}{
		{"/dev/stdout", true}, {"/dev/fd/1", true}, {"/proc/self/fd/1", true}, {link, false}, {"out.txt", false},
	} {
		if got := systemLink(tt.path); got != tt.want {
			t.Errorf("systemLink(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if processStream("/dev/stdout") != os.Stdout || processStream("/proc/self/fd/2") != os.Stderr || processStream(link) != nil {
		t.Error("/dev/stdout and /proc/self/fd/2 must be written through the process's own streams, and only they")
	}
}
