//go:build !cgo || nomic

package mic

import (
	"errors"
	"testing"
)

func TestUnsupported(t *testing.T) {
	if _, err := Devices(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Devices = %v, want ErrUnsupported", err)
	}
	if _, err := Open(Config{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Open = %v, want ErrUnsupported", err)
	}
}
