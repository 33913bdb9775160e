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
// in write, it is removed and an existing file at path is left untouched. A symbolic link keeps pointing where it
// did: the file it leads to is the one replaced. What is not a regular file — a device such as /dev/null, a named
// pipe, or a link under /dev or /proc such as /dev/stdout, whose file belongs to whoever opened it — is written
// directly instead: a rename would replace it.
//
// The writer handed to write is buffered; write need not buffer itself. Every error names path (through a link,
// the file it leads to), so callers need not add it again: it is an *fs.PathError, with Op "write" around an
// error from write or from writing the file (errors.Is and errors.As still see the original) and the failing
// system call's name otherwise.
func Write(path string, write func(io.Writer) error, perm fs.FileMode) (err error) {
	if lst, err := os.Lstat(path); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if f := processStream(path); f != nil {
			// Through the process's own descriptor: reopening /dev/stdout would start at offset 0 of the file
			// the shell redirected it to, over what the stream wrote before, and the stream would then write
			// over this.
			return writeTo(f, path, write)
		}
		if err != nil || systemLink(path) {
			return writeDirect(path, write, os.O_APPEND)
		}
		path = target
	}
	if st, err := os.Stat(path); err == nil {
		switch {
		case st.IsDir():
			// Caught before the work of writing, and with a clearer word than the rename's "file exists".
			return &fs.PathError{Op: "write", Path: path, Err: errIsDir}
		case !st.Mode().IsRegular():
			// A device, pipe or socket (-o /dev/null, a named pipe): a rename would replace it with a regular
			// file, and there is no old content to protect.
			return writeDirect(path, write, os.O_TRUNC)
		}
	}
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
		return &fs.PathError{Op: "write", Path: path, Err: unwrapPathError(err, tmp)}
	}
	if err := bw.Flush(); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: unwrapPathError(err, tmp)}
	}
	if err := f.Sync(); err != nil {
		return &fs.PathError{Op: "sync", Path: path, Err: unwrapPathError(err, tmp)}
	}
	if err := f.Close(); err != nil {
		return &fs.PathError{Op: "close", Path: path, Err: unwrapPathError(err, tmp)}
	}
	if err := os.Rename(tmp, path); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err // the temporary name means nothing to the user
		}
		return &fs.PathError{Op: "rename", Path: path, Err: err}
	}
	done = true
	syncDir(filepath.Dir(path))
	return nil
}

// systemLink reports a link the system made for a process's streams (/dev/stdout → /proc/self/fd/1): the file it
// leads to was opened by someone else, who would go on writing to the old one after a rename.
func systemLink(path string) bool {
	abs, err := filepath.Abs(path)
	return err == nil && (strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/"))
}

// processStream returns os.Stdout or os.Stderr for the names the system gives them, else nil.
func processStream(path string) *os.File {
	switch path {
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return os.Stdout
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		return os.Stderr
	}
	return nil
}

// writeDirect writes into an existing file that is not a regular one, opened with os.O_WRONLY|flag.
func writeDirect(path string, write func(io.Writer) error, flag int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|flag, 0)
	if err != nil {
		return err
	}
	err = writeTo(f, path, write)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = &fs.PathError{Op: "close", Path: path, Err: cerr}
	}
	return err
}

// writeTo writes through a buffer into f, which the caller closes, if it should be.
func writeTo(f *os.File, path string, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: unwrapPathError(err, path)}
	}
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

var errIsDir = errors.New("is a folder")

// unwrapPathError drops a *fs.PathError about the temporary file tmp (a failed write to disk), whose name means
// nothing to the user; the caller reports the error against the file they asked for.
func unwrapPathError(err error, tmp string) error {
	if pe, ok := err.(*fs.PathError); ok && pe.Path == tmp {
		return pe.Err
	}
	return err
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
