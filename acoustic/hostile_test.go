package acoustic

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/harkspeech/hark/features"
)

// TestLoadEveryFlippedByte flips each byte of a tiny model file in turn: every copy must be rejected with a
// *FormatError naming the file (the SHA-256 catches what header validation does not), never loaded and never a
// panic.
func TestLoadEveryFlippedByte(t *testing.T) {
	good := tinyModelFile(t)
	if _, err := Load(bytes.NewReader(good), "tiny.hark"); err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	for i := range bad {
		for _, mask := range []byte{0x01, 0x80} {
			bad[i] ^= mask
			m, err := Load(bytes.NewReader(bad), "tiny.hark")
			if err == nil {
				t.Fatalf("byte %d ^ %#x: loaded a corrupt file (%d weights)", i, mask, len(m.Weights))
			}
			checkLoadErr(t, err, "tiny.hark")
			bad[i] ^= mask
		}
	}
}

// TestLoadEveryTruncation cuts a tiny model file at every length: each gives a *FormatError with ErrTruncated
// (or ErrNotModel when not even the magic and version are there).
func TestLoadEveryTruncation(t *testing.T) {
	good := tinyModelFile(t)
	for n := 0; n < len(good); n++ {
		_, err := Load(bytes.NewReader(good[:n]), "cut.hark")
		want := ErrTruncated
		if n < 16 {
			want = ErrNotModel
		}
		if !errors.Is(err, want) {
			t.Fatalf("cut at %d of %d bytes: %v, want %v", n, len(good), err, want)
		}
		checkLoadErr(t, err, "cut.hark")
	}
}

// TestLoadWrongShapes declares tensors that disagree with the configuration in different ways; each error names
// the file and the offending tensor, and a shape claiming billions of weights allocates nothing for it.
func TestLoadWrongShapes(t *testing.T) {
	good := tinyModelFile(t)
	hdrLen := binary.LittleEndian.Uint32(good[12:16])
	var hdr fileHeader
	if err := json.Unmarshal(good[16:16+hdrLen], &hdr); err != nil {
		t.Fatal(err)
	}
	data := good[16+hdrLen : len(good)-32]
	tests := []struct {
		name   string
		edit   func(h *fileHeader)
		inText string
	}{
		{"dims swapped", func(h *fileHeader) { s := h.Tensors[0].Shape; s[1], s[2] = s[2], s[1] }, "tensor 0 is conv0.w"},
		{"extra dim", func(h *fileHeader) { h.Tensors[5].Shape = append(h.Tensors[5].Shape, 1) }, "gru0.wx"},
		{"billions of weights", func(h *fileHeader) { h.Tensors[6].Shape = []int{1 << 31, 1 << 31} }, "gru0.wh"},
		{"negative dim", func(h *fileHeader) { h.Tensors[7].Shape = []int{-9} }, "gru0.bx"},
		{"renamed", func(h *fileHeader) { h.Tensors[len(h.Tensors)-1].Name = "out.bias" }, "out.bias"},
		{"tensor missing", func(h *fileHeader) { h.Tensors = h.Tensors[:len(h.Tensors)-1] }, "tensors, configuration needs"},
		{"config disagrees with weights", func(h *fileHeader) { h.Config.GRUUnits = 4096 }, "tensor 5 is gru0.wx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hdr
			h.Tensors = make([]fileTensor, len(hdr.Tensors))
			for i, ft := range hdr.Tensors {
				h.Tensors[i] = fileTensor{ft.Name, append([]int(nil), ft.Shape...)}
			}
			tt.edit(&h)
			file := rawFile(FormatVersion, h, data)
			var err error
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			_, err = Load(bytes.NewReader(file), "shapes.hark")
			runtime.ReadMemStats(&ms1)
			if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), tt.inText) {
				t.Fatalf("error %v, want ErrHeader mentioning %q", err, tt.inText)
			}
			checkLoadErr(t, err, "shapes.hark")
			// The header is a few KB and bufio 4 KB; nothing may be sized by the declared shapes.
			if a := ms1.TotalAlloc - ms0.TotalAlloc; a > 1<<20 {
				t.Errorf("Load allocated %d bytes before rejecting the header", a)
			}
		})
	}
}

// TestLoadHugeHeaderClaim: a header length of 1 MiB (the maximum) in a 100-byte file is truncated, and the
// reader grows its buffer with what arrives rather than with the claim.
func TestLoadHugeHeaderClaim(t *testing.T) {
	file := []byte(magic + "\x01\x00\x00\x00" + "\x00\x00\x10\x00" + strings.Repeat("{", 84))
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	_, err := Load(bytes.NewReader(file), "claim.hark")
	runtime.ReadMemStats(&ms1)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("error %v, want ErrTruncated", err)
	}
	checkLoadErr(t, err, "claim.hark")
	if a := ms1.TotalAlloc - ms0.TotalAlloc; a > 256<<10 {
		t.Errorf("Load allocated %d bytes for a 100-byte file", a)
	}
}

// tinyConfig is the smallest useful network: every tensor kind is present, and the whole file is about 2 KB, so
// the fuzzer and the byte-flip test can afford to visit every byte.
func tinyConfig() Config {
	return Config{
		NumMels:   4,
		Conv:      []ConvLayer{{Channels: 2, KernelTime: 2, KernelFreq: 3, StrideTime: 2, StrideFreq: 2}},
		GRULayers: 1, GRUUnits: 3, Lookahead: 1, VocabSize: 3,
	}
}

func tinyFeatures() features.Config {
	c := features.DefaultConfig()
	c.NumMels = 4
	return c
}

// tinyModelFile returns the bytes of a valid tiny model file.
func tinyModelFile(tb testing.TB) []byte {
	tb.Helper()
	m, err := NewModel(tinyConfig(), Vocabulary{Symbols: []string{"<blank>", " ", "a"}}, tinyFeatures(), 1)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// checkLoadErr insists on the documented error shape: a *FormatError naming the file and wrapping a sentinel.
func checkLoadErr(t *testing.T, err error, name string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FormatError", err, err)
	}
	if fe.File != name || !strings.Contains(err.Error(), name) {
		t.Fatalf("error %q does not name the file %q", err, name)
	}
	for _, s := range []error{ErrNotModel, ErrVersion, ErrTruncated, ErrChecksum, ErrHeader} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %q wraps none of the documented sentinels", err)
}
