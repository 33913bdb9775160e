// Package atomicfile writes files so that a reader, or the next run after a crash, sees either the old file or
// the whole new one, never a partial write: the content goes to a temporary file in the same folder, which is
// synced, renamed over the target and followed by a sync of the folder.
package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Write writes path through write. The temporary file is created with perm (the umask applies, as with
// os.WriteFile) next to path, so that the final rename stays within one file system; on any failure, or a panic
// in write, it is removed and an existing file at path is left untouched.
//
// The writer handed to write is buffered; write need not buffer itself. Errors from write come back unchanged
// (test them with errors.Is); the others are *fs.PathError values naming the temporary file or path, for the
// caller to wrap with what it was saving.
func Write(path string, write func(io.Writer) error, perm fs.FileMode) (err error) {
	f, err := createTemp(path, perm)
	if err != nil {
		return err
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	done = true
	syncDir(filepath.Dir(path))
	return nil
}

// WriteBytes is Write for data already in memory.
func WriteBytes(path string, data []byte, perm fs.FileMode) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, perm)
}

// RemoveStale deletes the temporary files that writes to path left behind when their process was killed (a
// SIGKILL or power loss mid-write cannot run the clean-up). Call it only while no other process may be writing
// path, such as when a program that owns the folder starts.
func RemoveStale(path string) error {
	dir := filepath.Dir(path)
	prefix := "." + filepath.Base(path) + ".tmp"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		suffix, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		if _, err := strconv.ParseUint(suffix, 10, 32); err != nil {
			continue // not one of ours
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func tempPrefix(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
}

// createTemp is os.CreateTemp with a permission: CreateTemp always makes 0600 files, and a chmod afterwards
// would bypass the umask.
func createTemp(path string, perm fs.FileMode) (*os.File, error) {
	prefix := tempPrefix(path)
	for range 100 {
		f, err := os.OpenFile(prefix+strconv.FormatUint(uint64(rand.Uint32()), 10), os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		// The temporary name is ours, not the user's: a missing or read-only folder is reported against the
		// file they asked for.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &fs.PathError{Op: "create", Path: path, Err: pe.Err}
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: prefix + "*", Err: fs.ErrExist}
}

// syncDir makes the rename durable. It is best effort: some systems (Windows) and file systems cannot open or
// sync a folder, and the new file is complete and in place either way.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
