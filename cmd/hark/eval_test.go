package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
)

// writeFile writes text to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hypothesesFile turns transcribe's jsonl output into a --hyp file (PATH<TAB>TEXT lines) and returns its path.
func hypothesesFile(t *testing.T, jsonl string) string {
	t.Helper()
	var hyps strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		var r struct{ File, Text string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&hyps, "%s\t%s\n", r.File, r.Text)
	}
	return writeFile(t, t.TempDir(), "hyp.tsv", hyps.String())
}

// evalJSON runs hark eval --json and decodes the summary.
func evalJSON(t *testing.T, args ...string) (evalSummary, int, string) {
	t.Helper()
	code, stdout, stderr := runHark(t, nil, append([]string{"eval", "--json"}, args...)...)
	var s evalSummary
	if stdout != "" {
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatalf("hark eval %q: %v\n%s", args, err, stdout)
		}
	}
	return s, code, stderr
}

// Scoring another recognizer's hypotheses, against counts worked out by hand.
func TestEvalHypotheses(t *testing.T) {
	dir := t.TempDir()
	manifest := writeFile(t, dir, "m/dev.tsv", "a.wav\t1.0\tTHE CAT SAT\nsub/b.wav\t2.0\tHELLO WORLD\nc.wav\t1.5\tGOOD MORNING\n")
	mdir := filepath.Dir(manifest)
	// a: one inserted word, " down" = 5 inserted characters (the space counts).
	// b: one substituted word, one deleted character (hel-lo).
	// c: both words and all 12 characters deleted when it has no hypothesis.
	const a, b = "a.wav\tthe cat sat down\n", "sub/b.wav\tHELO, World!\n"
	tests := []struct {
		name, hyp string
		args      []string
		code      int
		words     evalCounts
		chars     evalCounts
		audio     float64
		missing   int
		stderr    string // must appear on stderr
	}{
		{"as written, one missing", a + b, nil, 0,
			evalCounts{Sub: 1, Del: 2, Ins: 1, RefLen: 7}, evalCounts{Sub: 0, Del: 13, Ins: 5, RefLen: 34}, 4.5, 1, "c.wav: no hypothesis"},
		{"resolved paths, CRLF, blank lines", strings.ReplaceAll(
			filepath.Join(mdir, "a.wav")+"\tthe cat sat down\n\n"+filepath.Join(mdir, "sub", "..", "sub", "b.wav")+"\thelo world\n"+
				filepath.Join(mdir, "c.wav")+"\tgood morning\n", "\n", "\r\n"), nil, 0,
			evalCounts{Sub: 1, Del: 0, Ins: 1, RefLen: 7}, evalCounts{Sub: 0, Del: 1, Ins: 5, RefLen: 34}, 4.5, 0, ""},
		{"limit: no stray for the rest", a + b + "c.wav\tgood morning\n", []string{"--limit", "2"}, 0,
			evalCounts{Sub: 1, Del: 0, Ins: 1, RefLen: 5}, evalCounts{Sub: 0, Del: 1, Ins: 5, RefLen: 22}, 3, 0, ""},
		{"stray path reported", a + b + "x.wav\tfoo\n", nil, 0,
			evalCounts{Sub: 1, Del: 2, Ins: 1, RefLen: 7}, evalCounts{Sub: 0, Del: 13, Ins: 5, RefLen: 34}, 4.5, 1, `"x.wav" on line 3`},
		{"empty hypothesis", a + b + "c.wav\t\n", nil, 0,
			evalCounts{Sub: 1, Del: 2, Ins: 1, RefLen: 7}, evalCounts{Sub: 0, Del: 13, Ins: 5, RefLen: 34}, 4.5, 0, ""},
		{"no tab", a + "sub/b.wav HELLO WORLD\n", nil, 1, evalCounts{}, evalCounts{}, 0, 0, "hyp.tsv:2: no tab"},
		{"twice", a + b + "a.wav\tthe cat\n", nil, 1, evalCounts{}, evalCounts{}, 0, 0, "hyp.tsv:3: second hypothesis for a.wav (the first is on line 1)"},
		{"nothing matches", "elsewhere/a.wav\tthe cat sat\n", nil, 1, evalCounts{}, evalCounts{}, 0, 0, "none of its 1 paths"},
		{"with a model flag", a, []string{"--greedy"}, 2, evalCounts{}, evalCounts{}, 0, 0, "runs no model: drop -greedy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hyp := writeFile(t, t.TempDir(), "hyp.tsv", tt.hyp)
			s, code, stderr := evalJSON(t, append([]string{"--manifest", manifest, "--hyp", hyp}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d, %q", code, stderr, tt.code, tt.stderr)
			}
			if tt.code != 0 {
				return
			}
			wer := float64(tt.words.Sub+tt.words.Del+tt.words.Ins) / float64(tt.words.RefLen)
			cer := float64(tt.chars.Sub+tt.chars.Del+tt.chars.Ins) / float64(tt.chars.RefLen)
			if s.Words != tt.words || s.Chars != tt.chars || s.Missing != tt.missing || s.AudioSeconds != tt.audio ||
				float64(s.WER) != wer || float64(s.CER) != cer || s.RTF != 0 || s.Hypotheses != hyp {
				t.Errorf("got %+v\nwant words %+v chars %+v (WER %g, CER %g), %g s, %d missing", s, tt.words, tt.chars, wer, cer, tt.audio, tt.missing)
			}
		})
	}

	// The text summary says how many utterances had no hypothesis; --per-utt shows the alignments.
	hyp := writeFile(t, t.TempDir(), "hyp.tsv", a+b)
	code, stdout, stderr := runHark(t, nil, "eval", "--manifest", manifest, "--hyp", hyp, "--per-utt")
	if code != 0 || !strings.Contains(stdout, "WER 57.14% (S=1 D=2 I=1 N=7)") || !strings.Contains(stdout, "1 utterances have none") ||
		!strings.Contains(stdout, "REF") || stderr == "" {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// The model path: flags, exit codes and summaries on a tiny random model, and the same scores as transcribing the
// files and scoring the transcripts with --hyp.
func TestEvalModel(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 6)
	model := tinyModelFile(t)
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"-m", model}, 2, "", "usage: hark eval"},
		{[]string{"-m", model, "--manifest", manifest, "extra"}, 2, "", "usage: hark eval"},
		{[]string{"-m", model, "--manifest", manifest, "-t", "0"}, 2, "", "-t must be at least 1"},
		{[]string{"-m", model, "--manifest", manifest, "--beam", "0"}, 2, "", "--beam must be at least 1"},
		{[]string{"-m", model, "--manifest", manifest, "--lm", "x.lm", "--no-lm"}, 2, "", "contradict"},
		{[]string{"-m", model, "--manifest", manifest, "--greedy", "--lm", filepath.Join(dir, "x.lm")}, 1, "", "x.lm"},
		{[]string{"-m", filepath.Join(dir, "none.hark"), "--manifest", manifest}, 1, "", "none.hark"},
		{[]string{"-m", manifest, "--manifest", manifest}, 1, "", "not a Hark acoustic model"},
		{[]string{"-m", model, "--manifest", manifest}, 0, "6 utterances", ""},
		{[]string{"--model", model, "--manifest", manifest, "--greedy", "--limit", "2"}, 0, "greedy decoding", ""},
		{[]string{"-m", model, "--manifest", manifest, "--beam", "8", "-t", "2", "--per-utt", "--alpha", "0.1"}, 0, "REF", ""},
		{[]string{"-m", model, "--manifest", manifest, "--vad", "--dump", filepath.Join(dir, "dump")}, 2, "", "cannot be used with --vad"},
		{[]string{"-m", model, "--manifest", manifest, "--vad", "--greedy"}, 0, "voice-activity segments, greedy", ""},
		{[]string{"-m", model, "--manifest", manifest, "--stream", "--greedy"}, 0, "streaming with endpoints, greedy", ""},
		{[]string{"-m", model, "--manifest", manifest, "--stream", "--vad"}, 2, "", "give one"},
		{[]string{"-m", model, "--manifest", manifest, "--greedy", "--hotword", "a:3"}, 2, "", "greedy decoding cannot boost hot words"},
		{[]string{"-m", model, "--manifest", manifest, "--beam", "4", "--hotword", "a:3"}, 0, `hot word "a" +3`, ""},
	}
	if _, err := hark.Default(); errors.Is(err, hark.ErrNoDefaultModel) {
		tests = append(tests, struct {
			args           []string
			code           int
			stdout, stderr string
		}{[]string{"--manifest", manifest}, 1, "", "no -m MODEL given, and this build embeds no default model"})
	}
	for _, tt := range tests {
		code, stdout, stderr := runHark(t, nil, append([]string{"eval"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("hark eval %q = %d\nstdout %s\nstderr %s", tt.args, code, stdout, stderr)
		}
	}

	// Whole files under 1 s: transcribe recognises them without the VAD, exactly as eval's Recognize does.
	var files []string
	for i := 0; i < 6; i++ {
		files = append(files, filepath.Join(dir, fmt.Sprintf("u%02d.wav", i)))
	}
	// Hot words too: eval takes the same decoding flags as transcribe.
	for _, decoding := range [][]string{{"--greedy"}, {"--beam", "8"}, {"--beam", "8", "--hotword", "a:3"}} {
		code, stdout, stderr := runHark(t, nil, append(append([]string{"transcribe", "-m", model, "-f", "jsonl"}, decoding...), files...)...)
		if code != 0 {
			t.Fatalf("transcribe: %d %s", code, stderr)
		}
		hyp := hypothesesFile(t, stdout)
		want, code, stderr := evalJSON(t, "--manifest", manifest, "--hyp", hyp)
		if code != 0 {
			t.Fatalf("eval --hyp: %d %s", code, stderr)
		}
		got, code, stderr := evalJSON(t, append([]string{"-m", model, "--manifest", manifest, "-t", "2"}, decoding...)...)
		if code != 0 {
			t.Fatalf("eval %q: %d %s", decoding, code, stderr)
		}
		if got.Words != want.Words || got.Chars != want.Chars || got.WER != want.WER || got.CER != want.CER ||
			got.Utterances != 6 || got.Words.RefLen != 6 || got.Failed != 0 {
			t.Errorf("%q: eval -m %+v\nscoring transcribe's output: %+v", decoding, got, want)
		}
		if got.RTF <= 0 || got.PeakRSSMB <= 0 || got.Threads != 2 || got.Model != model || !strings.HasPrefix(got.Decoder, decoding[0][2:]) {
			t.Errorf("%q: summary %+v", decoding, got)
		}
		if _, ok := threadCPUSeconds(); ok && got.CPURTF <= 0 {
			t.Errorf("%q: no CPU RTF: %+v", decoding, got)
		}
	}
}

// --per-utt with --json keeps standard output one JSON document: the alignments go to standard error.
func TestEvalPerUttJSON(t *testing.T) {
	manifest := writeToyCorpus(t, t.TempDir(), 4)
	code, stdout, stderr := runHark(t, nil, "eval", "-m", tinyModelFile(t), "--manifest", manifest, "--greedy", "--per-utt", "--json")
	var s evalSummary
	if err := json.Unmarshal([]byte(stdout), &s); code != 0 || err != nil || s.Utterances != 4 {
		t.Fatalf("exit %d, standard output is not the summary (%v):\n%s", code, err, stdout)
	}
	if !strings.Contains(stderr, "REF") {
		t.Errorf("alignments missing from standard error: %q", stderr)
	}
}

// eval --vad scores exactly what hark transcribe writes for files long enough to be cut at voice activity.
func TestEvalVADMatchesTranscribe(t *testing.T) {
	dir := t.TempDir()
	model := tinyModelFile(t)
	var m strings.Builder
	var files []string
	speech, _, err := audio.Load("../../testdata/sample.wav")
	if err != nil {
		t.Fatal(err)
	}
	pause := func(seconds float64) []float32 { return make([]float32, int(seconds*16000)) }
	for i := range 3 {
		// Speech, a long pause, speech again: transcribe recognises the two stretches apart.
		var s []float32
		s = append(append(append(append(s, pause(0.3*float64(i+1))...), speech...), pause(2)...), speech[:len(speech)*(i+1)/4]...)
		name := fmt.Sprintf("long%d.wav", i)
		files = append(files, writeWAV(t, dir, name, s))
		fmt.Fprintf(&m, "%s\t%.4f\tI AM SURE IT MUST HAVE BEEN SOME ADVENTURE\n", name, float64(len(s))/16000)
	}
	manifest := writeFile(t, dir, "long.tsv", m.String())
	code, stdout, stderr := runHark(t, nil, append([]string{"transcribe", "-m", model, "--greedy", "-f", "jsonl"}, files...)...)
	if code != 0 {
		t.Fatalf("transcribe: %d %s", code, stderr)
	}
	want, code, stderr := evalJSON(t, "--manifest", manifest, "--hyp", hypothesesFile(t, stdout))
	if code != 0 {
		t.Fatalf("eval --hyp: %d %s", code, stderr)
	}
	got, code, stderr := evalJSON(t, "-m", model, "--manifest", manifest, "--greedy", "--vad", "-t", "2")
	if code != 0 {
		t.Fatalf("eval --vad: %d %s", code, stderr)
	}
	if want.Words.Del == want.Words.RefLen {
		t.Fatalf("transcribe gave no text at all: the comparison would prove nothing\n%s", stdout)
	}
	if got.Words != want.Words || got.Chars != want.Chars || got.Utterances != 3 {
		t.Errorf("eval --vad %+v\nscoring transcribe's output: %+v", got, want)
	}
}

// A missing manifest, bad manifest lines and unreadable audio are named on stderr; what can be scored still is,
// and the exit status says that something was left out.
func TestEvalBadInput(t *testing.T) {
	dir := t.TempDir()
	writeToyCorpus(t, dir, 3)
	model := tinyModelFile(t)
	manifest := writeFile(t, dir, "bad.tsv", "u00.wav\t0.4\tZERO\nu01.wav\tlong\tONE\nlost.wav\t1.0\tTWO\nu02.wav\t0.5\tTWO\n")
	missing := filepath.Join(dir, "none.tsv")
	good := writeFile(t, dir, "good.tsv", "u00.wav\t0.4\tZERO\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		utts   int
		stderr []string
	}{
		{"missing manifest", []string{"-m", model, "--manifest", missing}, 1, 0, []string{missing}},
		{"empty manifest", []string{"-m", model, "--manifest", writeFile(t, dir, "empty.tsv", "\n")}, 1, 0, []string{"empty.tsv", "no utterances"}},
		{"bad line and lost audio", []string{"-m", model, "--manifest", manifest}, 1, 2,
			[]string{"skipped: corpus: " + manifest + ":2:", filepath.Join(dir, "lost.wav")}},
		{"bad line, --strict", []string{"-m", model, "--manifest", manifest, "--strict"}, 1, 0, []string{manifest + ":2: bad duration"}},
		{"bad line with --hyp", []string{"--manifest", manifest, "--hyp", writeFile(t, dir, "h.tsv", "u00.wav\tzero\n")}, 1, 3,
			[]string{manifest + ":2:", "u02.wav: no hypothesis"}},
		{"missing hypothesis file", []string{"--manifest", good, "--hyp", filepath.Join(dir, "nohyp.tsv")}, 1, 0, []string{"nohyp.tsv"}},
		{"audio file with no samples", []string{"-m", model, "--manifest", writeFile(t, dir, "silent.tsv", "u00.wav\t0.4\tZERO\nnone.wav\t1.0\tONE\n")},
			1, 1, []string{filepath.Join(dir, "none.wav") + ": no audio"}},
		{"no samples, --vad", []string{"-m", model, "--vad", "--manifest", filepath.Join(dir, "silent.tsv")},
			1, 1, []string{filepath.Join(dir, "none.wav") + ": no audio"}},
	}
	writeWAV(t, dir, "none.wav", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, code, stderr := evalJSON(t, tt.args...)
			if code != tt.code || s.Utterances != tt.utts {
				t.Errorf("exit %d, %d utterances; want %d, %d\n%s", code, s.Utterances, tt.code, tt.utts, stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q does not say %q", stderr, want)
				}
			}
		})
	}
}

// Several manifests: each is scored as if alone, and the summary pools them.
func TestEvalSeveralManifests(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	a, b := writeToyCorpus(t, dirA, 4), writeToyCorpus(t, dirB, 7)
	model := tinyModelFile(t)
	both := a + "," + b
	args := []string{"-m", model, "--greedy", "-t", "2", "--limit", "5"}
	alone := map[string]evalSummary{}
	for _, m := range []string{a, b} {
		s, code, stderr := evalJSON(t, append(args, "--manifest", m)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", m, code, stderr)
		}
		alone[m] = s
	}
	got, code, stderr := evalJSON(t, append(args, "--manifest", both)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := evalCounts{}
	for _, m := range []string{a, b} {
		c := alone[m].Words
		want = evalCounts{want.Sub + c.Sub, want.Del + c.Del, want.Ins + c.Ins, want.RefLen + c.RefLen}
	}
	if got.Manifest != both || got.Utterances != 4+5 || got.Words != want || len(got.Sets) != 2 {
		t.Fatalf("pooled %+v, want %d utterances and words %+v", got, 9, want)
	}
	for i, m := range []string{a, b} {
		s, w := got.Sets[i], alone[m]
		if s.Manifest != m || s.Utterances != w.Utterances || s.Words != w.Words || s.Chars != w.Chars || s.WER != w.WER || s.Model != model {
			t.Errorf("set %d: %+v, scored alone %+v", i, s, w)
		}
	}
	if got.WER == 0 || got.Words.RefLen != 9 {
		t.Errorf("the test model must make some errors on 9 words: %+v", got)
	}

	code, stdout, _ := runHark(t, nil, append([]string{"eval"}, append(args, "--manifest", both)...)...)
	if code != 0 || strings.Count(stdout, "WER ") != 3 || !strings.Contains(stdout, "pooled over 2 manifests: 9 utterances") {
		t.Errorf("text summary (exit %d):\n%s", code, stdout)
	}

	// One dump for both: IDs stay unique (positions count across the manifests).
	dump := filepath.Join(t.TempDir(), "dump")
	if code, _, stderr := runHark(t, nil, append([]string{"eval"}, append(args, "--manifest", both, "--dump", dump)...)...); code != 0 {
		t.Fatalf("--dump: exit %d: %s", code, stderr)
	}
	refs, err := os.ReadFile(filepath.Join(dump, "refs.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(refs)), "\n") {
		id, _, _ := strings.Cut(line, "\t")
		if _, err := os.Stat(filepath.Join(dump, id+".npy")); err != nil || ids[id] {
			t.Errorf("id %q: %v, repeated %v", id, err, ids[id])
		}
		ids[id] = true
	}
	if len(ids) != 9 {
		t.Errorf("%d utterances dumped, want 9", len(ids))
	}

	// A bad line in the second manifest is counted against it and the pool, and the exit status is 1.
	text, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, append(text, "no tabs here\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	got, code, _ = evalJSON(t, "-m", model, "--greedy", "--manifest", both)
	if code != 1 || got.Skipped != 1 || got.Sets[0].Skipped != 0 || got.Sets[1].Skipped != 1 || got.Utterances != 11 {
		t.Errorf("bad line: exit %d, %+v", code, got)
	}

	// A manifest none of whose audio can be read is reported as not scored, not as a set with 0.00 % WER; the
	// other sets and the pool are still reported, and the exit status is 1.
	gone := writeFile(t, t.TempDir(), "gone.tsv", "missing.wav\t1.0\tONE\n")
	if code, stdout, stderr := runHark(t, nil, "eval", "-m", model, "--greedy", "--manifest", a+","+gone); code != 1 ||
		!strings.Contains(stdout, "gone.tsv: 0 utterances, 0.0 s of audio\nWER -\nCER -\nnot scored: 0 bad manifest lines, 1 unreadable") ||
		!strings.Contains(stdout, "pooled over 2 manifests: 4 utterances") || !strings.Contains(stderr, "missing.wav") {
		t.Errorf("a manifest with nothing readable: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	hyp := writeFile(t, dirA, "hyp.tsv", "u00.wav\tZERO\n")
	if code, _, stderr := runHark(t, nil, "eval", "--hyp", hyp, "--manifest", both); code != 2 || !strings.Contains(stderr, "--hyp scores one manifest") {
		t.Errorf("--hyp with two manifests: exit %d, %s", code, stderr)
	}
}

// A model file with the English vocabulary is decoded with the embedded English LM unless the flags say
// otherwise; a model of another vocabulary never is.
func TestModelFileGetsEmbeddedLM(t *testing.T) {
	if _, err := hark.DefaultLM(); errors.Is(err, hark.ErrNoDefaultLM) {
		t.Skip("this build embeds no LM")
	} else if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 2)
	english := tinyModelFile(t)
	m, err := acoustic.LoadFile(english)
	if err != nil {
		t.Fatal(err)
	}
	m.Vocabulary.Symbols[len(m.Vocabulary.Symbols)-1] = "ж"
	other := filepath.Join(dir, "other.hark")
	if err := m.SaveFile(other); err != nil {
		t.Fatal(err)
	}
	own := writeFile(t, dir, "own.arpa", "\\data\\\nngram 1=3\n\n\\1-grams:\n-1 <s>\n-1 </s>\n-1 one\n\n\\end\\\n")
	tests := []struct {
		args    []string
		decoder string
	}{
		{[]string{"-m", english, "--beam", "4"}, "beam 4 + LM embedded en.lm"},
		{[]string{"-m", english, "--beam", "4", "--no-lm"}, "beam 4, blank"},
		{[]string{"-m", english, "--greedy"}, "greedy"},
		{[]string{"-m", english, "--beam", "4", "--lm", own}, "beam 4 + LM " + own},
		{[]string{"-m", other, "--beam", "4"}, "beam 4, blank"},
	}
	for _, tt := range tests {
		s, code, stderr := evalJSON(t, append(tt.args, "--manifest", manifest)...)
		if code != 0 || !strings.HasPrefix(s.Decoder, tt.decoder) {
			t.Errorf("%q: exit %d, decoder %q, want %q... (%s)", tt.args, code, s.Decoder, tt.decoder, stderr)
		}
	}
}

// --lm default is the embedded LM for any model, named so in the summary.
func TestEvalLMDefault(t *testing.T) {
	if _, err := hark.DefaultLM(); errors.Is(err, hark.ErrNoDefaultLM) {
		t.Skip("this build embeds no LM")
	}
	manifest := writeToyCorpus(t, t.TempDir(), 2)
	s, code, stderr := evalJSON(t, "-m", tinyModelFile(t), "--manifest", manifest, "--beam", "4", "--lm", "default")
	if code != 0 || !strings.Contains(s.Decoder, "LM embedded en.lm") {
		t.Errorf("--lm default: exit %d, decoder %q\n%s", code, s.Decoder, stderr)
	}
}

// Utterances longer than two minutes are recognised whole, as asked, with a note that --vad is how transcribe
// reads them; --vad and short utterances give no note. (The manifest's durations are what eval goes by.)
func TestEvalNotesLongUtterances(t *testing.T) {
	dir := t.TempDir()
	model := tinyModelFile(t)
	writeWAV(t, dir, "a.wav", make([]float32, 16000))
	tests := []struct {
		seconds string
		flags   []string
		note    bool
	}{
		{"130.0", nil, true},
		{"130.0", []string{"--vad"}, false},
		{"1.0", nil, false},
	}
	for _, tt := range tests {
		manifest := writeFile(t, dir, "m.tsv", "a.wav\t"+tt.seconds+"\tHELLO\n")
		args := append([]string{"eval", "-m", model, "--greedy", "--manifest", manifest}, tt.flags...)
		code, _, stderr := runHark(t, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, stderr)
		}
		if got := strings.Contains(stderr, "1 utterance longer than 2.0 min (the longest 2.2 min) recognised whole; --vad"); got != tt.note {
			t.Errorf("%v: stderr %q; note wanted: %v", args, stderr, tt.note)
		}
	}
}
