package models

import (
	"io/fs"
	"testing"
)

func TestEmbeddedFolder(t *testing.T) {
	if _, err := fs.Stat(FS(), "README.md"); err != nil {
		t.Fatalf("README.md not embedded: %v", err)
	}
	if _, ok := Read("no-such-file"); ok {
		t.Error("Read of a missing file reported it present")
	}
	b, ok := Read("README.md")
	if !ok || len(b) == 0 {
		t.Error("Read(README.md) failed")
	}
}
