package decoder

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReadNPYNumpyFixture reads a file written by NumPy itself (testdata/make_npy.py) and compares it with the
// values the script printed.
func TestReadNPYNumpyFixture(t *testing.T) {
	got, err := readNPYFile(filepath.Join("testdata", "small.npy"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join("testdata", "small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if len(got) != len(lines) {
		t.Fatalf("%d rows, want %d", len(got), len(lines))
	}
	for i, l := range lines {
		for j, f := range strings.Fields(l) {
			want, _ := strconv.ParseFloat(f, 32)
			if got[i][j] != float32(want) {
				t.Errorf("[%d][%d] = %v, want %v", i, j, got[i][j], want)
			}
		}
	}
	// Our writer's output reads back identically and has NumPy's 64-byte aligned header.
	var buf bytes.Buffer
	if err := WriteNPY(&buf, got); err != nil {
		t.Fatal(err)
	}
	if (buf.Len()-3*4*4)%64 != 0 {
		t.Errorf("header not 64-byte aligned: %d bytes in all", buf.Len())
	}
	back, err := ReadNPY(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "mem.npy")
	if err != nil || len(back) != 3 || back[2][3] != got[2][3] {
		t.Errorf("round trip: %v %v", back, err)
	}
}

// An utterance with no frames (empty audio in hark eval --dump) round-trips as a (0, 0) array.
func TestNPYNoFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteNPY(&buf, nil); err != nil {
		t.Fatal(err)
	}
	got, err := ReadNPY(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "empty.npy")
	if err != nil || len(got) != 0 {
		t.Fatalf("ReadNPY = %v, %v; want no rows", got, err)
	}
	// Rows claimed but no data is still an error.
	b := bytes.Replace(buf.Bytes(), []byte("(0, 0)"), []byte("(1, 0)"), 1)
	if _, err := ReadNPY(bytes.NewReader(b), int64(len(b)), "x.npy"); err == nil {
		t.Error("(1, 0) with no data read without error")
	}
}

func TestReadNPYErrors(t *testing.T) {
	var good bytes.Buffer
	WriteNPY(&good, [][]float32{{1, 2}, {3, 4}})
	g := good.Bytes()
	tests := map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XNUMPY"), g[6:]...),
		"truncated": g[:len(g)-1],
		"dtype":     bytes.Replace(g, []byte("<f4"), []byte("<f8"), 1),
		"fortran":   bytes.Replace(g, []byte("False"), []byte("True "), 1),
		"shape":     bytes.Replace(g, []byte("(2, 2)"), []byte("(9, 2)"), 1),
	}
	for name, b := range tests {
		_, err := ReadNPY(bytes.NewReader(b), int64(len(b)), "x.npy")
		var ne *NPYError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), "x.npy") {
			t.Errorf("%s: error %v, want an *NPYError naming the file", name, err)
		}
	}
}

func TestTuneOnDevSet(t *testing.T) {
	dir := t.TempDir()
	v := DefaultVocabulary()
	// "cat" narrowly beats "cap" acoustically; an LM that strongly prefers "cap" flips it once α is large enough.
	f, _ := os.Create(filepath.Join(dir, "u1.npy"))
	WriteNPY(f, nearTie(v))
	f.Close()
	os.WriteFile(filepath.Join(dir, "refs.tsv"), []byte("# id\ttext\nu1\tCAP\n"), 0o644)
	dev, err := LoadDevSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	model := mustARPA(t, "\\data\\\nngram 1=5\n\n\\1-grams:\n-99 <s>\n-0.5 </s>\n-3 <unk>\n-2 cat\n-0.2 cap\n\n\\end\\\n")
	best, grid, err := Tune(context.Background(), dev, Options{FrameDuration: 0.02, LM: model}, []float64{0, 1}, []float64{0, 0.5}, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(grid) != 4 || grid[0].WER != 1 || grid[2].WER != 0 || best.Alpha != 1 || best.Beta != 0 || best.WER != 0 {
		t.Errorf("best %+v grid %+v", best, grid)
	}
	// A vocabulary file changes the expected width.
	os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte("<blank>\n<space>\na\nb\n"), 0o644)
	if _, err := LoadDevSet(dir); err == nil || !strings.Contains(err.Error(), "u1.npy") {
		t.Errorf("width mismatch not reported: %v", err)
	}
}

func TestWordErrorRate(t *testing.T) {
	tests := []struct {
		refs, hyps []string
		want       float64
	}{
		{[]string{"the cat sat"}, []string{"the cat sat"}, 0},
		{[]string{"the cat sat"}, []string{"THE bat sat on"}, 2.0 / 3},
		{[]string{"a b", "c d e"}, []string{"", "c d e"}, 2.0 / 5},
		{[]string{""}, []string{"x"}, 0},
	}
	for _, tt := range tests {
		if got := wordErrorRate(tt.refs, tt.hyps); got != tt.want {
			t.Errorf("WER(%q, %q) = %v, want %v", tt.refs, tt.hyps, got, tt.want)
		}
	}
}
