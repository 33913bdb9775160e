// Package models holds the files of Hark's default model, embedded in the binary so that hark.Default and
// `hark transcribe` work on a fresh clone with no download. See files/README.md for the file names.
//
// The folder is embedded whole, so the package compiles before any model file has been dropped in.
package models

import (
	"embed"
	"io/fs"
)

// Names of the embedded files, relative to FS.
const (
	Acoustic = "en.hark" // acoustic model (required for a default recogniser)
	LM       = "en.lm"   // binary n-gram language model (optional)
)

//go:embed all:files
var files embed.FS

// FS returns the embedded model folder.
func FS() fs.FS {
	sub, err := fs.Sub(files, "files")
	if err != nil {
		panic(err) // "files" is a literal, valid path: cannot happen
	}
	return sub
}

// Read returns the embedded file name, and false if it is not there.
func Read(name string) ([]byte, bool) {
	b, err := fs.ReadFile(FS(), name)
	if err != nil {
		return nil, false
	}
	return b, true
}
