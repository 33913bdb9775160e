package main

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

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/decoder/lm"
)

const tinyCorpus = "../../decoder/lm/testdata/tiny.txt"

func TestLMBuild(t *testing.T) {
	dir := t.TempDir()
	// The same text, once plain and once gzip-compressed, must give the model built from the text twice.
	text, err := os.ReadFile(tinyCorpus)
	if err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "tiny.txt.gz")
	f, _ := os.Create(gz)
	zw := gzip.NewWriter(f)
	zw.Write(text)
	zw.Close()
	f.Close()
	out := filepath.Join(dir, "en.lm")
	code, _, stderr := runHark(t, nil, "lm", "build", "-order", "3", "-o", out, tinyCorpus, gz)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "3-grams:") || !strings.Contains(stderr, "28 sentences") {
		t.Errorf("summary %q", stderr)
	}
	got, err := lm.Load(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	both := filepath.Join(dir, "both.txt")
	os.WriteFile(both, append(append(append([]byte{}, text...), '\n'), text...), 0o644)
	r, _ := lm.OpenFiles(both)
	want, _, err := lm.Build(context.Background(), r, lm.BuildOptions{Order: 3})
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range [][]string{{"the", "cat", "sat"}, {"<s>", "a"}, {"dog", "zebra"}, {"on", "the", "mat"}} {
		if a, b := got.Log10Prob(q...), want.Log10Prob(q...); math.Abs(a-b) > 1e-6 {
			t.Errorf("p(%v) = %v, want %v", q, a, b)
		}
	}
	// ARPA output with pruning.
	arpa := filepath.Join(dir, "en.arpa")
	if code, _, stderr := runHark(t, nil, "lm", "build", "-prune", "0 0 1", "-arpa", "-o", arpa, tinyCorpus); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ref, err := lm.Load(context.Background(), "../../decoder/lm/testdata/tiny3_pruned.arpa")
	if err != nil {
		t.Fatal(err)
	}
	built, err := lm.Load(context.Background(), arpa)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := built.Counts(), ref.Counts(); a[2] != b[2] {
		t.Errorf("pruned 3-grams %v, reference %v", a, b)
	}
	// -exclude: the transcripts of a manifest (upper-case, as manifests hold them) are left out of the counts.
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	manifest := filepath.Join(dir, "dev.tsv")
	os.WriteFile(manifest, []byte("a.wav\t1.0\t"+strings.ToUpper(lines[0])+"\n"), 0o644)
	excl := filepath.Join(dir, "excl.lm")
	if code, _, stderr := runHark(t, nil, "lm", "build", "-exclude", manifest, "-o", excl, tinyCorpus); code != 0 ||
		!strings.Contains(stderr, "left out 2 sentences") { // once more in capitals
		t.Fatalf("-exclude: exit %d: %s", code, stderr)
	}
	var kept []string
	for _, l := range lines {
		if lm.SentenceKey(l, false) != lm.SentenceKey(lines[0], false) {
			kept = append(kept, l)
		}
	}
	rest := filepath.Join(dir, "rest.txt")
	os.WriteFile(rest, []byte(strings.Join(kept, "\n")+"\n"), 0o644)
	r, _ = lm.OpenFiles(rest)
	want, _, err = lm.Build(context.Background(), r, lm.BuildOptions{Order: 3})
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, err = lm.Load(context.Background(), excl); err != nil {
		t.Fatal(err)
	}
	for _, q := range [][]string{{"the", "cat", "sat"}, {"<s>", "a"}, {"on", "the", "mat"}} {
		if a, b := got.Log10Prob(q...), want.Log10Prob(q...); math.Abs(a-b) > 1e-6 {
			t.Errorf("-exclude: p(%v) = %v, want %v", q, a, b)
		}
	}
	if code, _, stderr := runHark(t, nil, "lm", "build", "-exclude", filepath.Join(dir, "missing.tsv"), "-o", excl, tinyCorpus); code == 0 ||
		!strings.Contains(stderr, "missing.tsv") {
		t.Errorf("-exclude of a missing manifest: exit %d: %s", code, stderr)
	}

	// A bad line in an -exclude manifest is an error: skipping it would let its transcript in.
	badLine := filepath.Join(dir, "bad.tsv")
	os.WriteFile(badLine, []byte("a.wav\tabc\t"+strings.ToUpper(lines[0])+"\n"), 0o644)
	if code, _, stderr := runHark(t, nil, "lm", "build", "-exclude", badLine, "-o", excl, tinyCorpus); code != 1 ||
		!strings.Contains(stderr, "bad.tsv") {
		t.Errorf("-exclude with a bad line: exit %d: %s", code, stderr)
	}
	// -o may not be an input.
	copyText := filepath.Join(dir, "copy.txt")
	os.WriteFile(copyText, text, 0o644)
	if code, _, stderr := runHark(t, nil, "lm", "build", "-o", copyText, copyText); code != 1 || !strings.Contains(stderr, "input") {
		t.Errorf("-o is the input: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(copyText); !bytes.Equal(b, text) {
		t.Error("-o is the input: the input text was changed")
	}
	// lm info reports every bad file and goes on.
	garbage := filepath.Join(dir, "garbage.lm")
	os.WriteFile(garbage, []byte("not a language model"), 0o644)
	if code, stdout, stderr := runHark(t, nil, "lm", "info", garbage, out); code != 1 || !strings.Contains(stderr, "garbage.lm") ||
		!strings.Contains(stdout, out+": order 3") {
		t.Errorf("info with a bad file first: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, stdout, stderr := runHark(t, nil, "lm", "info", out, arpa)
	if code != 0 || !strings.Contains(stdout, "order 3, 1-grams 18, 2-grams 39, 3-grams 11; loaded in") {
		t.Errorf("info: %d %q %q", code, stdout, stderr)
	}
}

// TestLMBuildNormalises: lm build, lm ppl and lm mix -fit read text as transcripts are normalised (punctuation
// breaks words, a byte-order mark and CRLF vanish, unspellable tokens are <unk>), so that -exclude matches
// punctuated copies of a transcript; -raw keeps tokens as they are.
func TestLMBuildNormalises(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "prose.txt")
	os.WriteFile(text, []byte("\ufeffHello World.\r\nThe price is 42 dollars, and 3.5 cents!\r\n“It’s café time,” she said.\r\n"+
		"The cat sat on the mat.\r\n"), 0o644)
	marked := filepath.Join(dir, "marked.txt") // SRILM-style sentence markers: dropped, not <unk>
	os.WriteFile(marked, []byte("<s> Hello there </s>\n"), 0o644)
	manifest := filepath.Join(dir, "dev.tsv")
	os.WriteFile(manifest, []byte("a.wav\t1.0\tthe cat sat on the mat\n"), 0o644)
	arpa := filepath.Join(dir, "prose.arpa")
	code, _, stderr := runHark(t, nil, "lm", "build", "-arpa", "-exclude", manifest, "-o", arpa, text, marked)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"left out 1 sentences", `3 tokens hold characters the model cannot spell`, `"42", "3.5", "café"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	m, err := lm.Load(context.Background(), arpa)
	if err != nil {
		t.Fatal(err)
	}
	var vocab []string
	for _, w := range []string{"hello", "world", "world.", "\ufeffhello", "42", "cents", "cents!", "it's", "“it’s", "mat", "cat", "there"} {
		if id, ok := m.ID(w); ok && w != lm.UNK && id >= 0 {
			vocab = append(vocab, w)
		}
	}
	if got := strings.Join(vocab, " "); got != "hello world cents it's there" {
		t.Errorf("vocabulary holds %q, want \"hello world cents it's there\" (no punctuation, no excluded sentence)", got)
	}
	// lm ppl scores the normalised words: "world." is "world"; the unspellable tokens and the excluded sentence's
	// own words (cat, sat, on, mat) are OOV.
	code, stdout, stderr := runHark(t, nil, "lm", "ppl", "-text", text+","+marked, arpa)
	if code != 0 || !strings.Contains(stdout, "5 sentences, 23 words, 7 OOV") {
		t.Errorf("ppl = %d, %q, %q", code, stdout, stderr)
	}
	// -raw: tokens as they are (lower-cased), and the punctuated sentence is not recognised as the transcript.
	code, _, stderr = runHark(t, nil, "lm", "build", "-raw", "-arpa", "-exclude", manifest, "-o", arpa, text)
	if code != 0 || !strings.Contains(stderr, "left out 0 sentences") || strings.Contains(stderr, "cannot spell") {
		t.Fatalf("-raw: exit %d: %s", code, stderr)
	}
	if m, err = lm.Load(context.Background(), arpa); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.ID("world."); !ok {
		t.Error("-raw: the token \"world.\" is not in the vocabulary")
	}
}

// TestLMMix: hark lm mix writes the same model as lm.Mix on the same inputs, in either format.
func TestLMMix(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.lm")
	if code, _, stderr := runHark(t, nil, "lm", "build", "-o", a, tinyCorpus); code != 0 {
		t.Fatalf("build: exit %d: %s", code, stderr)
	}
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte("the bird sat on the fence\nthe bird sang\n"), 0o644)
	b := filepath.Join(dir, "b.lm")
	if code, _, stderr := runHark(t, nil, "lm", "build", "-order", "2", "-arpa", "-o", b, other); code != 0 {
		t.Fatalf("build: exit %d: %s", code, stderr)
	}
	load := func(path string) *lm.Model {
		t.Helper()
		m, err := lm.Load(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	want, err := lm.Mix(context.Background(), []*lm.Model{load(a), load(b)}, []float64{0.8, 0.2})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range [][]string{nil, {"-arpa"}} {
		out := filepath.Join(dir, "mix.lm")
		args := append(append([]string{"lm", "mix", "-w", "4, 1"}, format...), "-o", out, a, b)
		code, _, stderr := runHark(t, nil, args...)
		if code != 0 || !strings.Contains(stderr, "order 3") {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		got := load(out)
		for _, q := range [][]string{{"the", "cat", "sat"}, {"the", "bird"}, {"bird", "sang"}, {"<s>", "a"}, {"dog", "zebra"}} {
			if x, y := got.Log10Prob(q...), want.Log10Prob(q...); math.Abs(x-y) > 1e-5 {
				t.Errorf("%q: p(%v) = %v, want %v", args, q, x, y)
			}
		}
	}
	// -fit: the weights lm.FitWeights finds on the held-out text, and the same model as lm.Mix with them.
	heldOut := filepath.Join(dir, "held.txt")
	os.WriteFile(heldOut, []byte("the bird sat on the mat\nthe cat sang\n"), 0o644)
	r, _ := lm.OpenFiles(heldOut)
	fitted, st, err := lm.FitWeights(context.Background(), []*lm.Model{load(a), load(b)}, r, false)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	fitOut := filepath.Join(dir, "fit.lm")
	code, _, stderr := runHark(t, nil, "lm", "mix", "-fit", heldOut, "-o", fitOut, a, b)
	if code != 0 || !strings.Contains(stderr, "weights fitted on "+heldOut+": -w ") || !strings.Contains(stderr, st.String()) {
		t.Fatalf("-fit: exit %d: %s", code, stderr)
	}
	wantFit, err := lm.Mix(context.Background(), []*lm.Model{load(a), load(b)}, fitted)
	if err != nil {
		t.Fatal(err)
	}
	if x, y := load(fitOut).Log10Prob("the", "bird"), wantFit.Log10Prob("the", "bird"); math.Abs(x-y) > 1e-6 {
		t.Errorf("-fit: p(bird|the) = %v, want %v", x, y)
	}
	// lm ppl prints ScoreText's figures for each model.
	r, _ = lm.OpenFiles(heldOut)
	stA, err := load(a).ScoreText(context.Background(), r, false)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runHark(t, nil, "lm", "ppl", "-text", heldOut, a, b)
	if code != 0 || !strings.Contains(stdout, a+": "+stA.String()+"\n") || !strings.Contains(stdout, b+": ") {
		t.Errorf("ppl: exit %d: %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runHark(t, nil, "lm", "ppl", "-text", heldOut, filepath.Join(dir, "missing.lm")); code != 1 || !strings.Contains(stderr, "missing.lm") {
		t.Errorf("ppl of a missing model: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runHark(t, nil, "lm", "mix", "-o", filepath.Join(dir, "x.lm"), a, filepath.Join(dir, "missing.lm")); code != 1 ||
		!strings.Contains(stderr, "missing.lm") {
		t.Errorf("missing input: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runHark(t, nil, "lm", "mix", "-o", a, a, b); code != 1 || !strings.Contains(stderr, "input") {
		t.Errorf("-o is an input: exit %d: %s", code, stderr)
	}
}

// "default" names the embedded English LM wherever an LM file is read, so that adapting it needs only the binary.
func TestLMDefault(t *testing.T) {
	if _, err := hark.DefaultLM(); errors.Is(err, hark.ErrNoDefaultLM) {
		t.Skip("this build embeds no LM")
	}
	text := writeFile(t, t.TempDir(), "t.txt", "the cat sat on the mat\n")
	code, stdout, stderr := runHark(t, nil, "lm", "ppl", "-text", text, "default", "../../decoder/lm/testdata/tiny3.arpa")
	if code != 0 || !strings.HasPrefix(stdout, "default: 1 sentences") {
		t.Errorf("lm ppl with default: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runHark(t, nil, "lm", "info", "default"); code != 0 || !strings.Contains(stdout, "default") {
		t.Errorf("lm info default: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestLMUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lm"}, 2, "usage: hark lm build"},
		{[]string{"lm", "frob"}, 2, "unknown subcommand"},
		{[]string{"lm", "build", tinyCorpus}, 2, "usage: hark lm build"},
		{[]string{"lm", "build", "-prune", "x", "-o", "x.lm", tinyCorpus}, 2, "bad threshold"},
		{[]string{"lm", "build", "-prune", "0,1,1,1", "-o", filepath.Join(os.TempDir(), "x.lm"), tinyCorpus}, 1, "4 prune thresholds for an order-3 model"},
		{[]string{"lm", "build", "-o", filepath.Join(os.TempDir(), "x.lm"), "../../testdata/sample.wav"}, 1, "sample.wav: NUL byte at offset"},
		{[]string{"lm", "ppl", "-text", os.DevNull, "../../decoder/lm/testdata/tiny3.arpa"}, 1, os.DevNull + ": no sentences to score"},
		{[]string{"lm", "build", "-o", "/nonexistent/dir/x.lm", tinyCorpus}, 1, "hark lm build: "},
		{[]string{"lm", "build", "-o", filepath.Join(os.TempDir(), "x.lm"), "no-such-file.txt"}, 1, "no-such-file.txt"},
		{[]string{"lm", "tune", "x"}, 2, "usage: hark lm tune"},
		{[]string{"lm", "info"}, 2, "usage: hark lm info"},
		{[]string{"lm", "mix", "-o", "x.lm"}, 2, "usage: hark lm mix"},
		{[]string{"lm", "mix", "-o", "x.lm", "no-such.lm"}, 1, "no-such.lm"},
		{[]string{"lm", "build", "-prune", "5,5,5", "-o", "x.lm", tinyCorpus}, 2, "unigrams, which are never pruned"},
		{[]string{"lm", "build", "-order", "0", "-o", "x.lm", tinyCorpus}, 2, "-order 0: want 1 to 6"},
		{[]string{"lm", "mix", "-w", "1", "-o", "x.lm", "a.lm", "b.lm"}, 2, "1 weights for 2 models"},
		{[]string{"lm", "mix", "-w", "1,-1", "-o", "x.lm", "a.lm", "b.lm"}, 2, "bad weight"},
		{[]string{"lm", "mix", "-w", "1,1", "-fit", "t.txt", "-o", "x.lm", "a.lm", "b.lm"}, 2, "alternatives"},
		{[]string{"lm", "ppl", "a.lm"}, 2, "usage: hark lm ppl"},
		{[]string{"lm", "mix", "-keep-case", "-o", "x.lm", "a.lm", "b.lm"}, 2, "only apply to the -fit text"},
		{[]string{"lm", "mix", "-fit", "no-such-text.txt", "-o", "x.lm", "a.lm", "b.lm"}, 1, "no-such-text.txt"},
		{[]string{"lm", "info", "../../decoder/lm/testdata/tiny.txt"}, 1, "tiny.txt: no \\data\\ section"},
		{[]string{"lm", "tune", "-lm", "x.lm", "-alpha", "1:0:1", "dir"}, 2, "bad range"},
	}
	for _, tt := range tests {
		code, _, stderr := runHark(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("hark %q = %d, %q; want %d, %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// peaky returns log-posteriors whose frame-by-frame argmax spells script ('_' = blank) with probability 0.9.
func peaky(v decoder.Vocabulary, script string) [][]float32 {
	var out [][]float32
	for _, r := range script {
		row := make([]float32, len(v.Symbols))
		for i := range row {
			row[i] = float32(math.Log(0.1 / float64(len(row)-1)))
		}
		k := v.Blank
		if r != '_' {
			for i, s := range v.Symbols {
				if s == string(r) {
					k = i
				}
			}
		}
		row[k] = float32(math.Log(0.9))
		out = append(out, row)
	}
	return out
}

func TestLMTune(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "en.lm")
	if code, _, stderr := runHark(t, nil, "lm", "build", "-o", model, tinyCorpus); code != 0 {
		t.Fatalf("build: %s", stderr)
	}
	dev := filepath.Join(dir, "dev")
	os.Mkdir(dev, 0o755)
	v := decoder.DefaultVocabulary()
	utts := map[string]string{"u1": "__t_h_e__ __c_a_t__", "u2": "__a__ __d_o_g__"}
	var refs strings.Builder
	for id, script := range utts {
		f, _ := os.Create(filepath.Join(dev, id+".npy"))
		if err := decoder.WriteNPY(f, peaky(v, script)); err != nil {
			t.Fatal(err)
		}
		f.Close()
		refs.WriteString(id + "\t" + strings.ToUpper(strings.Join(strings.Fields(strings.ReplaceAll(script, "_", "")), " ")) + "\n")
	}
	os.WriteFile(filepath.Join(dev, "refs.tsv"), []byte(refs.String()), 0o644)
	code, stdout, stderr := runHark(t, nil, "lm", "tune", "-lm", model, "-alpha", "0:1:0.5", "-beta", "0,1", dev)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1+6+1 || !strings.HasPrefix(lines[len(lines)-1], "best: -alpha 0 -beta 0 (WER 0.00%)") {
		t.Errorf("output:\n%s", stdout)
	}
	if !strings.Contains(stderr, "has 4 reference words") {
		t.Errorf("no warning that a 4-word dev set cannot pick α/β reliably:\n%s", stderr)
	}
}

// TestLMConvert: lm mix with one model converts between ARPA and binary without changing a probability; -fit
// warns about a model that gets no weight.
func TestLMConvert(t *testing.T) {
	dir := t.TempDir()
	src := "../../decoder/lm/testdata/tiny3.arpa"
	bin, arpa := filepath.Join(dir, "tiny.lm"), filepath.Join(dir, "back.arpa")
	if code, _, stderr := runHark(t, nil, "lm", "mix", "-o", bin, src); code != 0 {
		t.Fatalf("to binary: %d %s", code, stderr)
	}
	if code, _, stderr := runHark(t, nil, "lm", "mix", "-arpa", "-o", arpa, bin); code != 0 {
		t.Fatalf("back to ARPA: %d %s", code, stderr)
	}
	want, err := lm.Load(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bin, arpa} {
		got, err := lm.Load(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range [][]string{{"the", "cat", "sat"}, {"<s>", "a"}, {"dog", "zebra"}, {"on", "the", "mat"}} {
			if a, b := got.Log10Prob(q...), want.Log10Prob(q...); math.Abs(a-b) > 1e-6 {
				t.Errorf("%s: p(%v) = %v, want %v", path, q, a, b)
			}
		}
	}
	// A model built from other text adds nothing to the fit of tiny.txt's own model on tiny.txt.
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte("zebras graze quietly\nquiet zebras graze\n"), 0o644)
	otherLM := filepath.Join(dir, "other.lm")
	if code, _, stderr := runHark(t, nil, "lm", "build", "-o", otherLM, other); code != 0 {
		t.Fatalf("build: %s", stderr)
	}
	code, _, stderr := runHark(t, nil, "lm", "mix", "-fit", tinyCorpus, "-o", filepath.Join(dir, "mix.lm"), bin, otherLM)
	if code != 0 || !strings.Contains(stderr, "warning: "+otherLM+" gets weight 0.0000") {
		t.Errorf("-fit with a useless model: %d, %s", code, stderr)
	}
}

// "-" is standard input for lm build, lm ppl -text (replayed for every model) and lm mix -fit; only once.
func TestLMStdin(t *testing.T) {
	dir := t.TempDir()
	text, err := os.ReadFile(tinyCorpus)
	if err != nil {
		t.Fatal(err)
	}
	fromStdin, fromFile := filepath.Join(dir, "stdin.lm"), filepath.Join(dir, "file.lm")
	if code, _, stderr := runHark(t, text, "lm", "build", "-o", fromStdin, "-"); code != 0 {
		t.Fatalf("build from stdin: %d %s", code, stderr)
	}
	if code, _, stderr := runHark(t, nil, "lm", "build", "-o", fromFile, tinyCorpus); code != 0 {
		t.Fatalf("build: %d %s", code, stderr)
	}
	a, _ := os.ReadFile(fromStdin)
	b, _ := os.ReadFile(fromFile)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the model built from stdin (%d bytes) differs from the one built from the file (%d bytes)", len(a), len(b))
	}
	code, stdout, stderr := runHark(t, text, "lm", "ppl", "-text", "-", fromStdin, fromFile)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != 2 || strings.SplitN(lines[0], ": ", 2)[1] != strings.SplitN(lines[1], ": ", 2)[1] {
		t.Errorf("ppl -text - over two models = %d, %q, %q; want the same score twice", code, stdout, stderr)
	}
	if code, _, stderr := runHark(t, text, "lm", "build", "-o", filepath.Join(dir, "x.lm"), "-", "-"); code != 1 || !strings.Contains(stderr, "only once") {
		t.Errorf("- twice = %d, %q", code, stderr)
	}
	if code, _, stderr := runHark(t, []byte("a\x00b\n"), "lm", "build", "-o", filepath.Join(dir, "x.lm"), "-"); code != 1 || !strings.Contains(stderr, "stdin: NUL byte") {
		t.Errorf("binary stdin = %d, %q", code, stderr)
	}
}
