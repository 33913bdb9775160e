package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// flacFrameStarts returns the byte offsets of the frame sync codes (14 bits 0x3FFE, then a zero bit and the
// blocking-strategy bit) that follow the metadata blocks. Found by walking the metadata, so a sync-like pattern
// inside STREAMINFO cannot be mistaken for a frame.
func flacFrameStarts(t *testing.T, data []byte) []int {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("fLaC")) {
		t.Fatal("not a FLAC file")
	}
	p := 4
	for {
		if p+4 > len(data) {
			t.Fatal("metadata runs past the end")
		}
		last := data[p]&0x80 != 0
		p += 4 + int(data[p+1])<<16 | int(data[p+2])<<8 | int(data[p+3])
		if last {
			break
		}
	}
	var starts []int
	for i := p; i+1 < len(data); i++ {
		if data[i] == 0xFF && data[i+1]&0xFE == 0xF8 {
			starts = append(starts, i)
		}
	}
	return starts
}

// TestFLACBadFrameInMiddle damages one frame in the middle of an intact stream (the sync code and the header
// are left alone, so only the frame's CRC-16 can tell): the decoder hands out exactly the samples of the frames
// before it, then a *FormatError naming the file, in Load, the streaming Reader and Probe.
func TestFLACBadFrameInMiddle(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "flac_16k.flac"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := Decode(bytes.NewReader(good), "good.flac")
	if err != nil {
		t.Fatal(err)
	}
	starts := flacFrameStarts(t, good)
	if len(starts) < 3 {
		t.Fatalf("only %d frames in the fixture", len(starts))
	}
	mid := len(starts) / 2
	bad := append([]byte(nil), good...)
	body := (starts[mid] + starts[mid+1]) / 2
	bad[body] ^= 0x55
	path := filepath.Join(t.TempDir(), "bad_frame.flac")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}

	got, _, err := Load(path)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.File != path || !strings.Contains(err.Error(), "FLAC frame") {
		t.Fatalf("Load error = %v, want a *FormatError naming %s and the FLAC frame", err, path)
	}
	t.Log(err)
	// 1 s at 16 kHz in 4096-sample frames: every frame before the damaged one, and nothing from it or after.
	if len(got) == 0 || len(got) >= len(want) || len(got)%4096 != 0 {
		t.Errorf("got %d samples before the error (intact file has %d), want whole frames before the damage", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %v, intact file has %v", i, got[i], want[i])
		}
	}
	if _, err := Probe(path); !errors.As(err, &fe) || fe.File != path {
		t.Errorf("Probe = %v, want the *FormatError", err)
	}
}

// TestHostileHeadersAllocation checks that no header claim is trusted for an allocation: each hostile fixture is
// rejected (or cut short) having allocated a small, fixed amount, whatever its header says.
func TestHostileHeadersAllocation(t *testing.T) {
	streaminfoHuge := hostileFLAC(t)
	tests := []struct {
		name    string
		data    []byte
		problem string
	}{
		{"huge_claim.wav", fixture(t, "huge_claim.wav"), "header says 4294967040 bytes"},
		{"huge_fmt.wav", fixture(t, "huge_fmt.wav"), "fmt chunk of 4294967280 bytes"},
		{"channels_65535.wav", fixture(t, "channels_65535.wav"), "unsupported channel count 65535"},
		{"rate_0.wav", fixture(t, "rate_0.wav"), "unsupported sample rate 0 Hz"},
		{"rate_1e9.wav", fixture(t, "rate_1e9.wav"), "unsupported sample rate 1000000000 Hz"},
		{"huge_streaminfo.flac", streaminfoHuge, "truncated FLAC stream (header says 68719476735 samples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			perCall := allocBytes(5, func() { _, _, err = Decode(bytes.NewReader(tt.data), tt.name) })
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != tt.name || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("error %v, want a *FormatError naming %s with %q", err, tt.name, tt.problem)
			}
			t.Logf("%v; %d bytes allocated per call", err, perCall)
			// The decoders' fixed buffers (bufio, the resampler's filter, one FLAC frame) come to about 1.3 MiB;
			// a claim-sized allocation would be gigabytes.
			if perCall > 4<<20 {
				t.Errorf("Decode allocates %d bytes per call", perCall)
			}
			if _, err := ProbeReader(bytes.NewReader(tt.data), tt.name); err == nil {
				t.Errorf("Probe accepted %s", tt.name)
			}
		})
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hostileFLAC is flac_16k.flac with STREAMINFO claiming the largest total sample count (36 bits) and the MD5
// left as is: the decoder must not size anything by the claim, and must report the stream as truncated.
func hostileFLAC(t *testing.T) []byte {
	b := fixture(t, "flac_16k.flac")
	// STREAMINFO starts at byte 8 (after "fLaC" and the block header); total samples are the low 36 bits of
	// the big-endian uint64 at offset 10 of the block.
	v := binary.BigEndian.Uint64(b[8+10:])
	v |= 1<<36 - 1
	binary.BigEndian.PutUint64(b[8+10:], v)
	return b
}

func allocBytes(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}
