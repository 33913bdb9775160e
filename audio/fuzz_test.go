package audio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// addFixtures seeds a fuzz target with every file in testdata.
func addFixtures(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, p := range paths {
		if filepath.Ext(p) == ".sh" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		if len(data) > 2048 {
			f.Add(data[:2048]) // small seeds keep the fuzzer fast on the headers
		}
	}
}

// FuzzDecode checks that no input makes the decoders panic, hang or hand out samples outside [-1, 1], and that
// every failure is an error rather than a crash.
func FuzzDecode(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data), "fuzz")
		if err != nil {
			checkErr(t, err)
			return
		}
		buf := make([]float32, 1000)
		total := 0
		for {
			n, err := r.Read(buf)
			for _, v := range buf[:n] {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("sample %v outside [-1, 1]", v)
				}
			}
			total += n
			// The densest input is a tiny MP3 frame (24 bytes for 576 samples at 8 kb/s, 24 kHz); nothing
			// should produce more than that.
			if total > 1000*len(data)+100000 {
				t.Fatalf("%d samples from %d bytes", total, len(data))
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				checkErr(t, err)
				return
			}
		}
	})
}

// FuzzProbe checks Probe's header-only paths the same way.
func FuzzProbe(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ProbeReader(bytes.NewReader(data), "fuzz")
		if err != nil {
			checkErr(t, err)
			return
		}
		if info.SampleRate < MinSourceRate || info.SampleRate > MaxSourceRate || info.Channels < 1 || info.Frames < 0 {
			t.Fatalf("Probe accepted %+v", info)
		}
	})
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FormatError", err, err)
	}
	if fe.File != "fuzz" {
		t.Fatalf("error %q does not name the file", err)
	}
}
