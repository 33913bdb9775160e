package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/harkspeech/hark/audio"
)

// loadAudio decodes a whole file, or standard input for "-", to 16 kHz mono samples.
func loadAudio(e *env, path string) ([]float32, audio.Info, error) {
	if path == "-" {
		return audio.Decode(e.stdin, "stdin")
	}
	return audio.Load(path)
}

// trimExt drops the file name's extension: "talk.mp3" becomes "talk".
func trimExt(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path))
}

// writeFileAtomic writes data to path through a temporary file in the same folder and a rename, so that readers
// never see a half-written file and an existing file survives a failed write.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
