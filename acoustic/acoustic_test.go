package acoustic

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harkspeech/hark/features"
)

func TestVocabulary(t *testing.T) {
	v := EnglishVocabulary()
	if v.Size() != 29 || v.Symbols[0] != "" || v.Symbols[1] != " " || v.Symbols[2] != "'" || v.Symbols[3] != "a" || v.Symbols[28] != "z" {
		t.Fatalf("unexpected vocabulary %q", v.Symbols)
	}
	tests := []struct {
		in   string
		want []int
		err  bool
		back string
	}{
		{"ab", []int{3, 4}, false, "ab"},
		{"  Don't  GO ", []int{6, 17, 16, 2, 22, 1, 9, 17}, false, "don't go"},
		{"", []int{}, false, ""},
		{"a1", nil, true, ""},
		{"é", nil, true, ""},
	}
	for _, tc := range tests {
		got, err := v.Encode(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("Encode(%q) error %v", tc.in, err)
			continue
		}
		if tc.err {
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("Encode(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("Encode(%q) = %v, want %v", tc.in, got, tc.want)
				break
			}
		}
		if back := v.Decode(append([]int{0}, got...)); back != tc.back {
			t.Errorf("Decode(Encode(%q)) = %q", tc.in, back)
		}
	}
}

func TestConfigSizes(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.TimeStride() != 3 || c.GRUInput() != 32*20 {
		t.Errorf("stride %d, GRU input %d", c.TimeStride(), c.GRUInput())
	}
	for _, tc := range []struct{ in, out int }{{0, 0}, {1, 1}, {3, 1}, {4, 2}, {400, 134}} {
		if got := c.OutFrames(tc.in); got != tc.out {
			t.Errorf("OutFrames(%d) = %d, want %d", tc.in, got, tc.out)
		}
	}
	bad := c
	bad.Conv = nil
	if bad.Validate() == nil {
		t.Error("config without conv layers validated")
	}
}

func smallConfig() Config {
	return Config{
		NumMels: 80,
		Conv: []ConvLayer{
			{Channels: 4, KernelTime: 5, KernelFreq: 3, StrideTime: 3, StrideFreq: 2},
			{Channels: 3, KernelTime: 3, KernelFreq: 3, StrideTime: 1, StrideFreq: 2},
		},
		GRULayers: 2, GRUUnits: 8, Lookahead: 3, VocabSize: 29,
	}
}

// randomModel has random batch-norm statistics and biases too, so that nothing is trivially zero.
func randomModel(t *testing.T, cfg Config, seed int64) *Model {
	t.Helper()
	m, err := NewModel(cfg, EnglishVocabulary(), features.DefaultConfig(), seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(seed))
	for _, w := range m.Weights {
		for i := range w.Data {
			switch suffix(w.Name) {
			case "var":
				w.Data[i] = float32(0.5 + rng.Float64())
			case "w", "wx", "wh":
				w.Data[i] += float32(rng.NormFloat64() * 0.05)
			default:
				w.Data[i] += float32(rng.NormFloat64() * 0.3)
			}
		}
	}
	return m
}

func randomFeats(rng *rand.Rand, rows, cols int) *features.Matrix {
	f := &features.Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
	for i := range f.Data {
		f.Data[i] = float32(rng.NormFloat64() * 2)
	}
	return f
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m := randomModel(t, smallConfig(), 1)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Load(bytes.NewReader(buf.Bytes()), "mem")
	if err != nil {
		t.Fatal(err)
	}
	if got.Features != m.Features || len(got.Weights) != len(m.Weights) || got.Vocabulary.Size() != 29 {
		t.Fatalf("round trip changed the model header")
	}
	for i, w := range m.Weights {
		for j := range w.Data {
			if got.Weights[i].Data[j] != w.Data[j] {
				t.Fatalf("%s[%d] changed", w.Name, j)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "m.hark")
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); err != nil {
		t.Fatal(err)
	}
}

// rawFile builds a model file from a header and data, with a correct checksum, to test header validation.
func rawFile(version uint32, header any, data []byte) []byte {
	js, _ := json.Marshal(header)
	var b bytes.Buffer
	b.WriteString(magic)
	binary.Write(&b, binary.LittleEndian, version)
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	b.Write(data)
	s := sha256Sum(b.Bytes())
	b.Write(s)
	return b.Bytes()
}

func TestLoadRejectsBadFiles(t *testing.T) {
	m := randomModel(t, smallConfig(), 2)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	hdr := fileHeader{Config: m.Config, Vocabulary: m.Vocabulary.Symbols, Features: m.Features}
	for _, w := range m.Weights {
		hdr.Tensors = append(hdr.Tensors, fileTensor{w.Name, w.Shape})
	}
	wrongShape := hdr
	wrongShape.Tensors = append([]fileTensor(nil), hdr.Tensors...)
	wrongShape.Tensors[0].Shape = []int{1 << 30, 1 << 30}
	huge := hdr
	huge.Config.GRUUnits = 4096
	huge.Config.GRULayers = 16

	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-100] ^= 1

	var negVar bytes.Buffer // a well-formed file whose batch-norm variance is negative
	for _, w := range m.Weights {
		data := append([]float32(nil), w.Data...)
		if w.Name == "conv0.var" {
			data[0] = -1
		}
		binary.Write(&negVar, binary.LittleEndian, data)
	}

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotModel},
		{"not a model", []byte("RIFF....WAVEfmt "), ErrNotModel},
		{"newer version", rawFile(FormatVersion+1, hdr, nil), ErrVersion},
		{"wrong shape", rawFile(FormatVersion, wrongShape, nil), ErrHeader},
		{"header claims a huge model", rawFile(FormatVersion, huge, nil), ErrHeader},
		{"bit flip", flipped, ErrChecksum},
		{"negative variance", rawFile(FormatVersion, hdr, negVar.Bytes()), ErrHeader},
		{"truncated in header", good[:30], ErrTruncated},
		{"truncated in data", good[:len(good)-500], ErrTruncated},
		{"truncated checksum", good[:len(good)-5], ErrTruncated},
	}
	for _, tc := range tests {
		_, err := Load(bytes.NewReader(tc.data), "bad.hark")
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want a FormatError wrapping %v", tc.name, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), "bad.hark") {
			t.Errorf("%s: error %q does not name the file", tc.name, err)
		}
	}
}

// TestStreamMatchesForward feeds random chunkings (including empty and single-frame chunks) and compares the
// concatenated stream outputs with Forward.
func TestStreamMatchesForward(t *testing.T) {
	m := randomModel(t, smallConfig(), 3)
	rng := rand.New(rand.NewSource(4))
	for _, rows := range []int{0, 1, 2, 7, 50, 161} {
		feats := randomFeats(rng, rows, 80)
		want, err := m.Forward(feats)
		if err != nil {
			t.Fatal(err)
		}
		if want.Rows != m.Config.OutFrames(rows) {
			t.Fatalf("Forward of %d frames gave %d rows, want %d", rows, want.Rows, m.Config.OutFrames(rows))
		}
		for trial := 0; trial < 5; trial++ {
			s, err := m.NewStream()
			if err != nil {
				t.Fatal(err)
			}
			var got []float32
			for r := 0; r < rows; {
				k := min(rows-r, rng.Intn(12))
				o, err := s.Accept(&features.Matrix{Rows: k, Cols: 80, Data: feats.Data[r*80 : (r+k)*80]})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, o.Data...)
				r += k
			}
			got = append(got, s.Flush().Data...)
			if len(got) != len(want.Data) {
				t.Fatalf("%d frames: stream gave %d values, Forward %d", rows, len(got), len(want.Data))
			}
			for i := range got {
				if math.Abs(float64(got[i]-want.Data[i])) > 1e-5 {
					t.Fatalf("%d frames, trial %d: value %d: stream %v, Forward %v", rows, trial, i, got[i], want.Data[i])
				}
			}
		}
	}
}

// TestStreamLatency checks that an output frame is emitted as soon as its lookahead has arrived.
func TestStreamLatency(t *testing.T) {
	m := randomModel(t, smallConfig(), 5)
	s, _ := m.NewStream()
	rng := rand.New(rand.NewSource(6))
	stride, look := m.Config.TimeStride(), m.Config.Lookahead
	total := 0
	for i := 0; i < 60; i++ {
		o, err := s.Accept(randomFeats(rng, 1, 80))
		if err != nil {
			t.Fatal(err)
		}
		total += o.Rows
		// After i+1 input frames there are ceil((i+1)/stride) conv outputs; all but the last Lookahead are final.
		if want := max(0, m.Config.OutFrames(i+1)-look); total != want {
			t.Fatalf("after %d frames: %d outputs, want %d (stride %d)", i+1, total, want, stride)
		}
	}
}

func TestForwardRejectsWrongWidth(t *testing.T) {
	m := randomModel(t, smallConfig(), 7)
	if _, err := m.Forward(&features.Matrix{Rows: 2, Cols: 40, Data: make([]float32, 80)}); err == nil {
		t.Error("Forward accepted 40-mel frames for an 80-mel model")
	}
}

// cancelAfter is a context whose Err turns to context.Canceled after n calls: it ends "during" a long call
// without timing.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestForwardContextStopsBetweenChunks(t *testing.T) {
	m := randomModel(t, smallConfig(), 7)
	feats := features.NewMatrix(2*forwardChunk+10, m.Config.NumMels)
	if _, err := m.ForwardContext(&cancelAfter{context.Background(), 1}, feats); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled after the first chunk: %v", err)
	}
	lp, err := m.ForwardContext(&cancelAfter{context.Background(), 3}, feats)
	if err != nil || lp.Rows != m.Config.OutFrames(feats.Rows) {
		t.Errorf("a context that lasts: %v", err)
	}
}
