package lm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const handARPA = `some tools write a comment here
\data\
ngram 1=5
ngram 2=3
ngram 3=1

\1-grams:
-99	<s>	-0.5
-0.5	a	-0.3
-0.7	b	-0.2
-1.2	</s>
-2.0	<unk>

\2-grams:
-0.2	<s> a	-0.1
-0.4	a b	-0.25
-0.3	b </s>

\3-grams:
-0.1	<s> a b

\end\
`

func readARPA(t *testing.T, text string) *Model {
	t.Helper()
	m, err := ReadARPA(context.Background(), strings.NewReader(text), "test.arpa")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestARPAHandComputed checks back-off queries against values worked out by hand from handARPA.
func TestARPAHandComputed(t *testing.T) {
	m := readARPA(t, handARPA)
	tests := []struct {
		words []string
		want  float64
	}{
		{[]string{"<s>", "a", "b"}, -0.1},              // trigram present
		{[]string{"<s>", "a"}, -0.2},                   // bigram present
		{[]string{"a", "b", "</s>"}, -0.25 + -0.3},     // bow(a b) + p(</s>|b)
		{[]string{"a", "b", "a"}, -0.25 + -0.2 + -0.5}, // bow(a b) + bow(b) + p(a)
		{[]string{"b", "a", "b"}, -0.4},                // context "b a" absent: no back-off weight
		{[]string{"a", "zebra"}, -0.3 + -2.0},          // unknown → <unk>, after bow(a)
		{[]string{"b"}, -0.7},
		{[]string{"</s>", "a"}, -0.5}, // </s> has no bow: 0
	}
	for _, tt := range tests {
		if got := m.Log10Prob(tt.words...); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("log10 p(%v) = %v, want %v", tt.words, got, tt.want)
		}
	}
	// The state-based interface agrees with Log10Prob and uses natural logs.
	a, _ := m.ID("a")
	b, _ := m.ID("b")
	s := m.BeginState()
	lp1, s := m.Score(s, a)
	lp2, s := m.Score(s, b)
	end := m.EndScore(s)
	want := (-0.2 + -0.1 + (-0.25 + -0.3)) * math.Ln10
	if got := lp1 + lp2 + end; math.Abs(got-want) > 1e-5 {
		t.Errorf("sentence log prob = %v, want %v", got, want)
	}
	if m.Order() != 3 || m.NumWords() != 5 {
		t.Errorf("order %d words %d", m.Order(), m.NumWords())
	}
}

func TestARPAErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"empty", "", "no \\data\\"},
		{"no counts", "\\data\\\n\\1-grams:\n", "declares no n-grams"},
		{"bad count", "\\data\\\nngram 1=x\n", "malformed count"},
		{"count mismatch", "\\data\\\nngram 1=2\n\\1-grams:\n-1 a\n\\end\\\n", "declares 2"},
		{"positive prob", "\\data\\\nngram 1=1\n\\1-grams:\n1.5 a\n\\end\\\n", "bad probability"},
		{"unknown word", "\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a 0\n\\2-grams:\n-1 a b\n\\end\\\n", "not among the unigrams"},
		{"missing context", "\\data\\\nngram 1=2\nngram 2=1\nngram 3=1\n\\1-grams:\n-1 a 0\n-1 b 0\n\\2-grams:\n-1 a b 0\n\\3-grams:\n-1 b a b\n\\end\\\n", "no 2-gram for its context"},
		{"truncated", "\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n", "unexpected end"},
		{"fields", "\\data\\\nngram 1=1\n\\1-grams:\n-1 a b c\n\\end\\\n", "fields"},
		{"duplicate", "\\data\\\nngram 1=2\n\\1-grams:\n-1 a\n-1 a\n\\end\\\n", "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadARPA(context.Background(), strings.NewReader(tt.text), "x.arpa")
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "x.arpa") {
				t.Errorf("error %q does not mention %q and the file", err, tt.want)
			}
		})
	}
}

// sameModel checks that b stores the same n-grams as a with the same probabilities and back-off weights.
func sameModel(t *testing.T, a, b *Model, tol float64) {
	t.Helper()
	if got, want := b.Counts(), a.Counts(); !equalInts(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for k := range a.levels {
		n := k + 1
		walkNgrams(a, n, func(ids []int32, p, bo float32) {
			words := make([]string, n)
			mapped := make([]int32, n)
			for i, id := range ids {
				words[i] = a.words[id]
				var ok bool
				if mapped[i], ok = b.ID(words[i]); !ok {
					t.Fatalf("word %q missing", words[i])
				}
			}
			lv, i, ok := b.find(mapped)
			if !ok {
				t.Errorf("%d-gram %q missing", n, strings.Join(words, " "))
				return
			}
			if d := math.Abs(float64(b.levels[lv].prob[i] - p)); d > tol {
				t.Errorf("p(%q) = %v, want %v", strings.Join(words, " "), b.levels[lv].prob[i], p)
			}
			if n < a.order {
				if d := math.Abs(float64(b.levels[lv].bow[i] - bo)); d > tol {
					t.Errorf("bow(%q) = %v, want %v", strings.Join(words, " "), b.levels[lv].bow[i], bo)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// walkNgrams calls f for every stored n-gram of order n.
func walkNgrams(m *Model, n int, f func(ids []int32, p, bo float32)) {
	m.eachNgram(n, func(ids []int32, lv, i int) {
		var bo float32
		if m.levels[lv].bow != nil {
			bo = m.levels[lv].bow[i]
		}
		f(ids, m.levels[lv].prob[i], bo)
	})
}

func buildFile(t *testing.T, path string, opts BuildOptions) *Model {
	t.Helper()
	r, err := OpenFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, _, err := Build(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBuildMatchesReference compares the builder with testdata/kn_reference.py, an independent dictionary-based
// implementation of the same modified Kneser–Ney definitions, whose ARPA output is committed.
func TestBuildMatchesReference(t *testing.T) {
	tests := []struct {
		ref   string
		order int
		prune []uint64
	}{
		{"tiny3.arpa", 3, nil},
		{"tiny3_pruned.arpa", 3, []uint64{0, 0, 1}},
		{"tiny4_pruned.arpa", 4, []uint64{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			ref, err := Load(context.Background(), filepath.Join("testdata", tt.ref))
			if err != nil {
				t.Fatal(err)
			}
			got := buildFile(t, filepath.Join("testdata", "tiny.txt"), BuildOptions{Order: tt.order, Prune: tt.prune})
			sameModel(t, ref, got, 2e-6)
		})
	}
}

// TestBuildHandChecked works one unigram probability out by hand. Corpus "a b" and "a": padded sentences
// <s> a b </s>, <s> a </s>. Bigram-level continuation counts give the unigrams: a ← {<s>} = 1, b ← {a} = 1,
// </s> ← {b, a} = 2, <unk> = 0. Counts of counts t1 = 2, t2 = 1, t3 = t4 = 0 → degenerate, so D = Y = 2/(2+2) = 0.5.
// Total = 4, γ = (0.5+0.5+0.5)/4 = 0.375, uniform over {a, b, </s>, <unk>} = 1/4:
// p(a) = (1-0.5)/4 + 0.375/4 = 0.21875, p(</s>) = 1.5/4 + 0.09375 = 0.46875, p(<unk>) = 0.09375.
func TestBuildHandChecked(t *testing.T) {
	m, st, err := Build(context.Background(), strings.NewReader("a b\n\n  a  \n"), BuildOptions{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sentences != 2 || st.Words != 3 {
		t.Errorf("stats %+v", st)
	}
	for w, p := range map[string]float64{"a": 0.21875, "b": 0.21875, "</s>": 0.46875, "<unk>": 0.09375} {
		if got := m.Log10Prob(w); math.Abs(got-math.Log10(p)) > 1e-6 {
			t.Errorf("log10 p(%s) = %v, want %v", w, got, math.Log10(p))
		}
	}
}

// TestBuildExclude: excluded sentences (matched after case folding and whitespace clean-up) count nothing, so the
// model equals one built from the text without them.
func TestBuildExclude(t *testing.T) {
	text := "the cat sat\nA  dog ran\nthe cat sat\nthe dog sat on the cat\n"
	exclude := map[string]bool{SentenceKey("THE CAT SAT", false): true, SentenceKey("a dog ran", false): true, "not in the text": true}
	got, st, err := Build(context.Background(), strings.NewReader(text), BuildOptions{Order: 3, Exclude: exclude})
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := Build(context.Background(), strings.NewReader("the dog sat on the cat\n"), BuildOptions{Order: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st.Excluded != 3 || st.Sentences != 1 || st.Words != 6 {
		t.Errorf("stats %+v, want 3 excluded, 1 sentence of 6 words", st)
	}
	sameModel(t, want, got, 0)
	if _, _, err := Build(context.Background(), strings.NewReader("the cat sat\n"), BuildOptions{Exclude: exclude}); err == nil {
		t.Error("text with every sentence excluded: no error")
	}
}

// TestBuildReservedWords: sentence markers inside a line are refused; <unk> counts as the unknown word.
func TestBuildReservedWords(t *testing.T) {
	for _, text := range []string{"a <s> b\n", "a b\nc </S> d\n"} {
		if _, _, err := Build(context.Background(), strings.NewReader(text), BuildOptions{Order: 2}); err == nil ||
			!strings.Contains(err.Error(), "reserved word") {
			t.Errorf("%q: err = %v, want a reserved-word error", text, err)
		}
	}
	m, _, err := Build(context.Background(), strings.NewReader("a <unk> b\na b\n"), BuildOptions{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.NumWords() != 5 || m.Log10Prob("a", "<unk>") <= m.Log10Prob("b", "<unk>") {
		t.Errorf("<unk> in the text: %d words, p(<unk>|a) %v, p(<unk>|b) %v", m.NumWords(), m.Log10Prob("a", "<unk>"), m.Log10Prob("b", "<unk>"))
	}
}

// TestBuildNormalised checks that every context's distribution sums to one, with and without pruning.
func TestBuildNormalised(t *testing.T) {
	for _, prune := range [][]uint64{nil, {0, 1, 1}} {
		m := buildFile(t, filepath.Join("testdata", "tiny.txt"), BuildOptions{Order: 3, Prune: prune})
		contexts := [][]string{{}, {"<s>"}, {"the"}, {"<s>", "the"}, {"the", "cat"}, {"sat", "on"}, {"zebra", "the"}, {"fish", "</s>"}}
		for _, ctx := range contexts {
			var sum float64
			for id := range m.NumWords() {
				w := m.Word(int32(id))
				if w == BOS {
					continue
				}
				sum += math.Pow(10, m.Log10Prob(append(append([]string{}, ctx...), w)...))
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("prune %v: sum over words after %q = %v", prune, ctx, sum)
			}
		}
	}
}

// TestBuildSpilled: a memory bound small enough to spill many sorted runs to disk gives the same model.
func TestBuildSpilled(t *testing.T) {
	for _, prune := range [][]uint64{nil, {0, 0, 1}} {
		want := buildFile(t, filepath.Join("testdata", "tiny.txt"), BuildOptions{Order: 3, Prune: prune})
		tmp := t.TempDir()
		r, _ := OpenFiles(filepath.Join("testdata", "tiny.txt"))
		got, st, err := Build(context.Background(), r, BuildOptions{Order: 3, Prune: prune, MaxNgrams: 7, TempDir: tmp})
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Spills < 5 {
			t.Errorf("only %d spills", st.Spills)
		}
		sameModel(t, want, got, 0)
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	m := buildFile(t, filepath.Join("testdata", "tiny.txt"), BuildOptions{Order: 4})
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.lm")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, m, got, 0)
	// ARPA round trip too, through the text writer and reader.
	apath := filepath.Join(dir, "tiny.arpa")
	if err := m.SaveARPA(apath); err != nil {
		t.Fatal(err)
	}
	back, err := Load(context.Background(), apath)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, m, back, 1e-6)
	// Both formats gzip-compressed, as gzip(1) leaves them.
	for _, tc := range []struct {
		path string
		tol  float64
	}{{path, 0}, {apath, 1e-6}} {
		raw, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(raw)
		zw.Close()
		gz := tc.path + ".gz"
		if err := os.WriteFile(gz, z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Load(context.Background(), gz)
		if err != nil {
			t.Fatalf("%s: %v", gz, err)
		}
		sameModel(t, m, got, tc.tol)
	}
	// A gzip stream that expands far more than any model refuses to be read whole.
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte(binaryMagic))
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	bombPath := filepath.Join(dir, "bomb.lm.gz")
	os.WriteFile(bombPath, bomb.Bytes(), 0o644)
	var fe *FormatError
	if _, err := Load(context.Background(), bombPath); !errors.As(err, &fe) || !strings.Contains(err.Error(), "expands") {
		t.Errorf("gzip bomb: %v", err)
	}
}

// TestBinaryCorrupt truncates the file at every length and flips every byte: each must fail with a *FormatError
// that names the file, and none may panic.
func TestBinaryCorrupt(t *testing.T) {
	m := readARPA(t, handARPA)
	var buf bytes.Buffer
	if err := m.WriteBinary(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	check := func(what string, b []byte) {
		_, err := ReadBinary(bytes.NewReader(b), int64(len(b)), "x.lm")
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "x.lm") {
			t.Fatalf("%s: error %v, want a *FormatError naming x.lm", what, err)
		}
	}
	for n := range len(data) {
		check("truncated", data[:n])
	}
	for i := range data {
		c := bytes.Clone(data)
		c[i] ^= 0x40
		check("flipped", c)
	}
	// A size that disagrees with the stream is caught before anything large is allocated.
	if _, err := ReadBinary(bytes.NewReader(data), 1<<40, "x.lm"); err == nil {
		t.Error("wrong size accepted")
	}
	// The unmodified file still loads.
	if _, err := ReadBinary(bytes.NewReader(data), int64(len(data)), "x.lm"); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "nope.lm"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want not-exist", err)
	}
}

func TestGramPacking(t *testing.T) {
	ids := []int32{5, 2097150, 7, 1, 0, 1234567}
	g := makeGram(ids)
	if g.last() != ids[5] {
		t.Errorf("last = %d", g.last())
	}
	if g.prefix() != makeGram(ids[:5]) {
		t.Error("prefix mismatch")
	}
	if g.suffix(6) != makeGram(ids[1:]) {
		t.Error("suffix mismatch")
	}
	if makeGram(ids[:3]).suffix(3) != makeGram(ids[1:3]) {
		t.Error("short suffix mismatch")
	}
	if cmpGram(makeGram([]int32{1, 2}), makeGram([]int32{2, 1})) >= 0 {
		t.Error("order is not lexicographic")
	}
}

// Input that is not text, and options that do not fit the order, are refused with errors that say why.
func TestBuildRefusals(t *testing.T) {
	dir := t.TempDir()
	binary := filepath.Join(dir, "speech.wav")
	if err := os.WriteFile(binary, []byte("the cat sat\nRIFF\x24\x00\x00\x00WAVEfmt "), 0o644); err != nil {
		t.Fatal(err)
	}
	// Read in small pieces, the error stays: no later Read hands out the rest of the file as text.
	r, err := OpenFiles(binary)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 4)
	var got []byte
	var firstErr error
	for range 10 {
		n, err := r.Read(p)
		got = append(got, p[:n]...)
		if err != nil && firstErr == nil {
			firstErr = err
		} else if firstErr != nil && (err == nil || err.Error() != firstErr.Error()) {
			t.Fatalf("Read after the error: %d bytes, %v; want %v again", n, err, firstErr)
		}
	}
	r.Close()
	if firstErr == nil || !strings.Contains(firstErr.Error(), "NUL byte at offset 17") || len(got) > 17 {
		t.Errorf("small reads: %q then %v", got, firstErr)
	}

	text := filepath.Join("testdata", "tiny.txt")
	tests := []struct {
		name  string
		files []string
		opts  BuildOptions
		want  string
	}{
		{"binary file after a text one", []string{text, binary}, BuildOptions{Order: 3}, binary + ": NUL byte at offset 17: not a text file"},
		{"more prune thresholds than orders", []string{text}, BuildOptions{Order: 3, Prune: []uint64{0, 1, 1, 1}}, "4 prune thresholds for an order-3 model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := OpenFiles(tt.files...)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if _, _, err := Build(context.Background(), r, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
