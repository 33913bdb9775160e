package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// leftovers lists the files in dir other than want.
func leftovers(t *testing.T, dir string, want ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
outer:
	for _, e := range ents {
		for _, w := range want {
			if e.Name() == w {
				continue outer
			}
		}
		extra = append(extra, e.Name())
	}
	return extra
}

func TestWrite(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		existing string // "" means no file before
		write    func(io.Writer) error
		wantErr  error
		want     string // content afterwards
	}{
		{"new file", "", func(w io.Writer) error { _, err := io.WriteString(w, "hello"); return err }, nil, "hello"},
		{"replace", "old", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, nil, "new"},
		{"empty", "old", func(w io.Writer) error { return nil }, nil, ""},
		{"large", "", func(w io.Writer) error {
			_, err := w.Write(bytes.Repeat([]byte("0123456789abcdef"), 1<<16))
			return err
		}, nil, strings.Repeat("0123456789abcdef", 1<<16)},
		{"write fails after output", "old", func(w io.Writer) error { io.WriteString(w, "partial"); return boom }, boom, "old"},
		{"write fails, no old file", "", func(w io.Writer) error { return boom }, boom, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.txt")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, tt.write, 0o644)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Write error %v, want %v", err, tt.wantErr)
			}
			if err != nil && strings.Count(err.Error(), path) != 1 {
				t.Errorf("error %q should name %s once", err, path)
			}
			got, rerr := os.ReadFile(path)
			switch {
			case tt.existing == "" && tt.wantErr != nil:
				if !errors.Is(rerr, fs.ErrNotExist) {
					t.Errorf("a failed write left a file: %q, %v", got, rerr)
				}
			case rerr != nil || string(got) != tt.want:
				t.Errorf("content %.20q (%d bytes), %v; want %.20q (%d bytes)", got, len(got), rerr, tt.want, len(tt.want))
			}
			if extra := leftovers(t, dir, "out.txt"); len(extra) > 0 {
				t.Errorf("temporary files left: %v", extra)
			}
		})
	}
}

func TestWritePanicRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic did not propagate")
			}
		}()
		Write(path, func(w io.Writer) error { io.WriteString(w, "x"); panic("bug") }, 0o644)
	}()
	if extra := leftovers(t, dir); len(extra) > 0 {
		t.Errorf("files left after a panic: %v", extra)
	}
}

func TestWriteMissingFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "out.txt")
	err := WriteBytes(path, []byte("x"), 0o644)
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) || pe.Path != path {
		t.Fatalf("error %v, want a *fs.PathError naming %s for a missing folder", err, path)
	}
}

// TestWriteIntoDirectory: a folder in the way is refused; the error names the target, not the temporary file, and
// nothing is left behind.
func TestWriteIntoDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteBytes(path, []byte("x"), 0o644)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != path || strings.Contains(err.Error(), ".tmp") || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("error %v, want a *fs.PathError naming only %s", err, path)
	}
	if extra := leftovers(t, dir, "out"); len(extra) > 0 {
		t.Errorf("temporary files left: %v", extra)
	}
}

func TestWritePermission(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	for _, perm := range []fs.FileMode{0o600, 0o640} {
		path := filepath.Join(t.TempDir(), "out")
		if err := WriteBytes(path, nil, perm); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		// The umask may clear group/other bits but never adds any, and never touches the owner's.
		if got := st.Mode().Perm(); got&^perm != 0 || got&0o700 != perm&0o700 {
			t.Errorf("perm %v: file has %v", perm, got)
		}
	}
}

// TestConcurrentReaders replaces a file many times while readers read it: every read sees one of the complete
// versions, never a mix or a short file.
func TestConcurrentReaders(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	versions := [][]byte{bytes.Repeat([]byte("a"), 100000), bytes.Repeat([]byte("b"), 70000)}
	if err := WriteBytes(path, versions[0], 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := os.ReadFile(path)
				if err != nil || !(bytes.Equal(got, versions[0]) || bytes.Equal(got, versions[1])) {
					errs <- errors.New("reader saw a partial or mixed file")
					return
				}
			}
		}()
	}
	for i := range 50 {
		if err := WriteBytes(path, versions[i%2], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if extra := leftovers(t, dir, "f"); len(extra) > 0 {
		t.Errorf("temporary files left: %v", extra)
	}
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt")
	keep := []string{"ckpt", ".ckpt.tmpx", ".ckpt.tmp", ".other.tmp123", "ckpt.tmp5"}
	stale := []string{".ckpt.tmp1", ".ckpt.tmp4294967295"}
	for _, n := range append(keep, stale...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveStale(path); err != nil {
		t.Fatal(err)
	}
	if extra := leftovers(t, dir, keep...); len(extra) > 0 {
		t.Errorf("left %v", extra)
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("removed %s, which is not a temporary file of ckpt", n)
		}
	}
}
