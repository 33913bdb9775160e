//go:build !cgo || nomic

package mic

// Devices returns ErrUnsupported: this build has no PortAudio.
func Devices() ([]Device, error) { return nil, ErrUnsupported }

// Open returns ErrUnsupported: this build has no PortAudio.
func Open(cfg Config) (*Stream, error) { return nil, ErrUnsupported }
