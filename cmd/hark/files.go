package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/internal/atomicfile"
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
	return atomicfile.WriteBytes(path, data, 0o644) // names path on error
}

// sameFile reports whether out names one of the files in inputs (after links and relative paths), so that a
// command refuses to write its output over what it is reading. A missing out is never the same file.
func sameFile(out string, inputs ...string) bool {
	o, err := os.Stat(out)
	if err != nil {
		return false
	}
	for _, in := range inputs {
		if i, err := os.Stat(in); err == nil && os.SameFile(o, i) {
			return true
		}
	}
	return false
}
