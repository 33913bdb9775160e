package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/features"
)

var updateTranscribe = flag.Bool("update-transcribe", false, "rewrite testdata/transcribe/*")

const fixtureWAV = "../../testdata/sample.wav"

// tinyModelFile saves a small acoustic model with random weights: its text is meaningless but deterministic,
// which is all the command's plumbing needs. The output layer is sharpened so that every frame has a clear
// winner (stable across BLAS implementations), and the word separator helped so that texts have words.
func tinyModelFile(t *testing.T) string {
	t.Helper()
	cfg := acoustic.Config{
		NumMels:   80,
		Conv:      []acoustic.ConvLayer{{Channels: 4, KernelTime: 5, KernelFreq: 3, StrideTime: 3, StrideFreq: 4}},
		GRULayers: 1, GRUUnits: 32, Lookahead: 2, VocabSize: 29,
	}
	m, err := acoustic.NewModel(cfg, acoustic.EnglishVocabulary(), features.DefaultConfig(), 7)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := 0, m.Weight("out.w"); i < len(w); i++ {
		w[i] *= 6
	}
	m.Weight("out.b")[1] += 8
	path := filepath.Join(t.TempDir(), "tiny.hark")
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeWAV(t *testing.T, dir, name string, x []float32) string {
	t.Helper()
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, x, audio.SampleRate); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// testInputs writes inputs of several kinds: speech with pauses, silence, noise, a short clip.
func testInputs(t *testing.T) []string {
	t.Helper()
	x, _, err := audio.Load(fixtureWAV)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	noise := make([]float32, 48000)
	for i := range noise {
		noise[i] = float32(rng.NormFloat64() * 0.03)
	}
	talk := append(append(append(make([]float32, 8000), x...), make([]float32, 24000)...), x[:len(x)/2]...)
	return []string{
		writeWAV(t, dir, "talk.wav", talk),
		writeWAV(t, dir, "silence.wav", make([]float32, 32000)),
		writeWAV(t, dir, "noise.wav", noise),
		writeWAV(t, dir, "short.wav", x[40000:52000]),
		fixtureWAV,
		writeWAV(t, dir, "talk2.wav", append(x, talk...)),
	}
}

// The exact output of every format on the sample, against golden files (-update-transcribe rewrites them).
// The second fixture, speech with pauses (three segments), comes through standard input so that its name is
// stable.
func TestTranscribeGolden(t *testing.T) {
	model := tinyModelFile(t)
	talk, err := os.ReadFile(testInputs(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		f     hark.Format
		stdin []byte
	}{
		{"sample", hark.FormatText, nil}, {"sample", hark.FormatJSON, nil}, {"sample", hark.FormatJSONL, nil},
		{"sample", hark.FormatSRT, nil}, {"sample", hark.FormatVTT, nil}, {"sample", hark.FormatTSV, nil},
		{"talk", hark.FormatText, talk}, {"talk", hark.FormatJSONL, talk}, {"talk", hark.FormatSRT, talk},
		{"talk", hark.FormatVTT, talk}, {"talk", hark.FormatTSV, talk},
	} {
		f, in := c.f, fixtureWAV
		if c.stdin != nil {
			in = "-"
		}
		// --no-lm: the random test model has the English vocabulary, which would bring in the embedded LM.
		code, stdout, stderr := runHark(t, c.stdin, "transcribe", "-m", model, "--no-lm", "-f", string(f), in)
		if code != 0 || stderr != "" {
			t.Fatalf("-f %s: exit %d, stderr %q", f, code, stderr)
		}
		golden := filepath.Join("testdata", "transcribe", c.name+f.Extension())
		if *updateTranscribe {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -run TranscribeGolden -update-transcribe creates it)", err)
		}
		if stdout != string(want) {
			t.Errorf("-f %s:\n%s\nwant\n%s", f, stdout, want)
		}
	}
}

// Files in parallel give exactly the sequential output, in input order; -o writes the same documents.
func TestTranscribeParallel(t *testing.T) {
	model := tinyModelFile(t)
	inputs := testInputs(t)
	for _, f := range []string{"jsonl", "srt", "txt"} {
		args := append([]string{"transcribe", "-m", model, "-f", f}, inputs...)
		code1, seq, stderr1 := runHark(t, nil, append(args, "-j", "1")...)
		code4, par, stderr4 := runHark(t, nil, append(args, "-j", "4", "-t", "2")...)
		if code1 != 0 || code4 != 0 || stderr1 != "" || stderr4 != "" {
			t.Fatalf("exit %d/%d, stderr %q %q", code1, code4, stderr1, stderr4)
		}
		if seq != par {
			t.Errorf("-f %s: -j 4 output differs from -j 1:\n%s\n---\n%s", f, par, seq)
		}
	}
	out := t.TempDir()
	if code, stdout, stderr := runHark(t, nil, append([]string{"transcribe", "-m", model, "-f", "vtt", "-o", out, "-j", "3"}, inputs...)...); code != 0 || stdout != "" {
		t.Fatalf("-o: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, in := range inputs {
		got, err := os.ReadFile(hark.OutputPath(out, in, hark.FormatVTT))
		if err != nil {
			t.Fatal(err)
		}
		_, want, _ := runHark(t, nil, "transcribe", "-m", model, "-f", "vtt", in)
		if string(got) != want {
			t.Errorf("%s: -o file\n%s\nwant\n%s", in, got, want)
		}
	}
}

// Silence and noise give empty text; speech gives text.
func TestTranscribeSilenceAndNoise(t *testing.T) {
	model := tinyModelFile(t)
	inputs := testInputs(t)
	for _, in := range inputs {
		_, stdout, stderr := runHark(t, nil, "transcribe", "-m", model, "--greedy", in)
		empty := strings.TrimSpace(stdout) == ""
		quiet := strings.Contains(in, "silence") || strings.Contains(in, "noise")
		if empty != quiet {
			t.Errorf("%s: %q (stderr %q)", filepath.Base(in), stdout, stderr)
		}
	}
}

// A bad file is reported with its name on stderr, the others are still transcribed, and the exit status says
// something failed.
func TestTranscribeErrors(t *testing.T) {
	model := tinyModelFile(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "notes.wav")
	if err := os.WriteFile(bad, []byte("this is not audio"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.wav")
	code, stdout, stderr := runHark(t, nil, "transcribe", "-m", model, "-f", "jsonl", bad, fixtureWAV, missing)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, bad) || !strings.Contains(stderr, missing) || !strings.Contains(stderr, "2 of 3 files failed") {
		t.Errorf("stderr %q does not name both bad files", stderr)
	}
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 1 || !strings.Contains(lines[0], `"file":"`+fixtureWAV) {
		t.Errorf("stdout %q, want the good file's line only", stdout)
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{}, 2, "usage: hark transcribe"},
		{[]string{"-f", "doc", fixtureWAV}, 2, "doc"},
		{[]string{"-f", "srt,vtt", fixtureWAV}, 2, "need -o"},
		{[]string{"-f", "srt,srt", "-o", dir, fixtureWAV}, 2, "twice"},
		{[]string{"--lm", "x.lm", "--no-lm", fixtureWAV}, 2, "contradict"},
		{[]string{"-j", "0", fixtureWAV}, 2, "-j 0: must be at least 1"},
		{[]string{"--nbest", "0", fixtureWAV}, 2, "--nbest 0: must be at least 1"},
		{[]string{"-o", "-", "-f", "srt,vtt", fixtureWAV}, 2, "need -o"},
		{[]string{"-", "-"}, 2, "only once"},
		{[]string{"--hotword", "nocolon", fixtureWAV}, 2, "hotword"},
		{[]string{"-m", filepath.Join(dir, "none.hark"), fixtureWAV}, 1, "none.hark"},
		{[]string{"-m", fixtureWAV, fixtureWAV}, 1, "not a Hark acoustic model"},
		{[]string{"-m", model, "--greedy", "--nbest", "3", fixtureWAV}, 2, "n-best"},
		{[]string{"-m", model, "--greedy", "--hotword", "a:3", fixtureWAV}, 2, "cannot boost hot words"},
		{[]string{"-m", model, "--greedy", "--lm", "../../decoder/lm/testdata/tiny3.arpa", fixtureWAV}, 1, "greedy decoding cannot use a language model"},
		{[]string{"-m", model, "-o", bad, fixtureWAV}, 1, "not a directory"},
		{[]string{"--phrases", filepath.Join(dir, "none.txt"), fixtureWAV}, 1, "none.txt"},
		{[]string{"--phrases", writePhrases(t, dir, "bad.txt", "# commands\nyes\ncall 911\n"), fixtureWAV}, 1, "bad.txt:3: transcript has characters outside the alphabet"},
		{[]string{"--phrases", writePhrases(t, dir, "empty.txt", "# nothing\n\n"), fixtureWAV}, 1, "empty.txt: no phrases"},
		{[]string{"--phrases", writePhrases(t, dir, "yes.txt", "yes\n"), "--no-lm", fixtureWAV}, 2, "--phrases makes its own language model"},
	} {
		code, _, stderr := runHark(t, nil, append([]string{"transcribe"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("transcribe %q: exit %d, stderr %q; want %d, %q", c.args, code, stderr, c.code, c.msg)
		}
		if strings.Contains(stderr, ": hark: ") {
			t.Errorf("transcribe %q: the program's name twice in %q", c.args, stderr)
		}
	}
}

// -o creates its folder, refuses inputs whose outputs would collide, keeps standard output empty, and marks the
// transcript of a damaged file; json output is an array whenever there are several inputs, whatever fails.
func TestTranscribeOutputFolder(t *testing.T) {
	model := tinyModelFile(t)
	dir := t.TempDir()
	wav, err := os.ReadFile(fixtureWAV)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sub, "x.wav"), wav, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	trunc := filepath.Join(dir, "trunc.wav")
	if err := os.WriteFile(trunc, wav[:len(wav)*2/3+1], 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a", "x.wav"), filepath.Join(dir, "b", "x.wav")

	out := filepath.Join(dir, "new", "subs")
	code, stdout, stderr := runHark(t, nil, "transcribe", "-m", model, "-f", "json", "-o", out+"/", a, trunc)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "trunc.wav") {
		t.Errorf("-o into a new folder: exit %d, stdout %q, stderr %q; want 1, nothing, the damaged file named", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "x.wav.json")); err != nil {
		t.Errorf("good file's output: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(out, "trunc.wav.json")); err != nil || !strings.Contains(string(got), `"error": "`) {
		t.Errorf("damaged file's output does not say it stops early (%v):\n%s", err, got)
	}

	// Several formats at once, each file exactly what that format alone gives.
	multi := filepath.Join(dir, "multi")
	if code, stdout, stderr := runHark(t, nil, "transcribe", "-m", model, "-f", "srt, vtt,txt", "-o", multi, a); code != 0 || stdout != "" {
		t.Errorf("-f srt,vtt,txt: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, f := range []string{"srt", "vtt", "txt"} {
		_, want, _ := runHark(t, nil, "transcribe", "-m", model, "-f", f, a)
		if got, err := os.ReadFile(filepath.Join(multi, "x.wav."+f)); err != nil || string(got) != want {
			t.Errorf("-f srt,vtt,txt: x.wav.%s = %q (%v), want %q", f, got, err, want)
		}
	}

	// "-o -" is standard output, as with no -o; no folder or file named "-" appears.
	_, want, _ := runHark(t, nil, "transcribe", "-m", model, "-f", "srt", a)
	t.Chdir(dir)
	if code, stdout, stderr := runHark(t, nil, "transcribe", "-m", model, "-f", "srt", "-o", "-", a); code != 0 || stdout != want {
		t.Errorf("-o -: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); !os.IsNotExist(err) {
		t.Errorf("-o - made a file or folder named -")
	}

	code, _, stderr = runHark(t, nil, "transcribe", "-m", model, "-o", filepath.Join(dir, "clash"), a, b)
	if code != 1 || !strings.Contains(stderr, "would both be written") {
		t.Errorf("colliding outputs: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "clash")); !os.IsNotExist(err) {
		t.Errorf("colliding outputs: the folder was made or written (%v)", err)
	}

	code, stdout, _ = runHark(t, nil, "transcribe", "-m", model, "-f", "json", filepath.Join(dir, "missing.wav"), a)
	var arr []hark.Result
	if err := json.Unmarshal([]byte(stdout), &arr); code != 1 || err != nil || len(arr) != 1 || arr[0].File != a {
		t.Errorf("json, one of two inputs missing: exit %d, want an array of one result (%v):\n%s", code, err, stdout)
	}
}

// The subtitle layout flags reach both standard output and -o files.
func TestTranscribeSubtitleLayout(t *testing.T) {
	model := tinyModelFile(t)
	longest := func(srt string) (chars, lines int) {
		for _, cue := range strings.Split(strings.TrimSpace(srt), "\n\n") {
			text := strings.Split(cue, "\n")[2:] // number, times, then the text lines
			lines = max(lines, len(text))
			for _, l := range text {
				if !strings.Contains(l, " ") { // a single word longer than the limit keeps its own line
					continue
				}
				chars = max(chars, len([]rune(l)))
			}
		}
		return chars, lines
	}
	_, def, _ := runHark(t, nil, "transcribe", "-m", model, "-f", "srt", fixtureWAV)
	if c, l := longest(def); c <= 12 {
		t.Fatalf("the default layout already fits 12 characters on one line (%d, %d lines): the test proves nothing\n%s", c, l, def)
	}
	dir := t.TempDir()
	code, stdout, stderr := runHark(t, nil, "transcribe", "-m", model, "-f", "srt", "--max-line-chars", "12", "--max-lines", "1", fixtureWAV)
	if c, l := longest(stdout); code != 0 || c > 12 || l != 1 {
		t.Errorf("--max-line-chars 12 --max-lines 1: exit %d, lines up to %d characters, %d lines per cue\n%s%s", code, c, l, stdout, stderr)
	}
	if code, _, stderr := runHark(t, nil, "transcribe", "-m", model, "-f", "srt,vtt", "-o", dir, "--max-line-chars", "12", "--max-lines", "1", fixtureWAV); code != 0 {
		t.Fatalf("-o: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, filepath.Base(fixtureWAV)+".srt")); err != nil || string(b) != stdout {
		t.Errorf("-o file differs from standard output (%v):\n%s", err, b)
	}
	for _, bad := range [][]string{{"--max-line-chars", "0"}, {"--max-lines", "0"}, {"--max-cue-seconds", "NaN"}, {"--max-cue-seconds", "-1"}} {
		if code, _, stderr := runHark(t, nil, append([]string{"transcribe", "-m", model}, append(bad, fixtureWAV)...)...); code != 2 || !strings.Contains(stderr, bad[0]) {
			t.Errorf("%v: exit %d, %q", bad, code, stderr)
		}
	}
}

// Standard input, flags after the file names, hot words, n-best lists and the streaming path.
func TestTranscribeOptions(t *testing.T) {
	model := tinyModelFile(t)
	wav, err := os.ReadFile(fixtureWAV)
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := runHark(t, nil, "transcribe", "-m", model, fixtureWAV)
	if code, got, stderr := runHark(t, wav, "transcribe", "-", "-m", model); code != 0 || got != want {
		t.Errorf("stdin: exit %d, %q (stderr %q), want %q", code, got, stderr, want)
	}
	code, got, stderr := runHark(t, nil, "transcribe", "-m", model, "--nbest", "3", "-f", "json", "--hotword", "adventure:2", "--", fixtureWAV)
	if code != 0 || strings.Count(got, `"score"`) < 2 {
		t.Errorf("n-best: exit %d, %s %s", code, got, stderr)
	}
	code, got, stderr = runHark(t, nil, "transcribe", "-m", model, "--stream", fixtureWAV)
	if code != 0 || strings.TrimSpace(got) == "" {
		t.Errorf("--stream: exit %d, %q %s", code, got, stderr)
	}
	t.Logf("stream %q\n batch %q", got, want)
	if code, _, stderr := runHark(t, nil, "transcribe", "-m", model, "--greedy", "--no-lm", "-beam", "4", "-alpha", "0.1", "-beta", "0", fixtureWAV); code != 0 {
		t.Errorf("flags: exit %d %s", code, stderr)
	}
}

// TestTranscribeEmbeddedEnglish is the product's promise: with no flags, the embedded model and LM turn real
// speech that no training set held into the right words.
func TestTranscribeEmbeddedEnglish(t *testing.T) {
	for _, tt := range []struct{ audio, text string }{
		{englishAudio, englishText},
		{nativeAudio, nativeText},
	} {
		want := readTranscript(t, tt.text)
		code, stdout, stderr := runHark(t, nil, "transcribe", tt.audio)
		if code != 0 {
			t.Fatalf("hark transcribe = %d: %s", code, stderr)
		}
		if got := strings.TrimSpace(stdout); got != want {
			t.Errorf("hark transcribe %s = %q, want %q", tt.audio, got, want)
		}
	}
}

// Ctrl-C while transcribing several inputs: exit status 130, a note of what was done, and standard output that
// is still one valid JSON document holding the inputs finished (and, marked, the text so far of the one cut
// short).
func TestTranscribeInterrupted(t *testing.T) {
	model := tinyModelFile(t)
	a, b := "../../testdata/sample.wav", "../../testdata/native.wav"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &cancelWriter{trigger: "sample.wav", cancel: cancel} // the first result is out: Ctrl-C
	var stderr bytes.Buffer
	e := &env{stdin: bytes.NewReader(nil), stdout: stdout, stderr: &stderr}
	code := runMain(ctx, e, []string{"transcribe", "-m", model, "-f", "json", a, b, a})
	// The worker may finish native.wav before the loop hears of the cancellation: one or two inputs done.
	if code != exitInterrupted || !regexp.MustCompile(`hark transcribe: interrupted: [12] of 3 inputs done`).MatchString(stderr.String()) {
		t.Fatalf("exit %d, stderr %q; want %d and a note of the inputs done", code, stderr.String(), exitInterrupted)
	}
	var results []hark.Result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("standard output is not a JSON array (%v):\n%s", err, stdout.String())
	}
	if len(results) < 1 || len(results) > 3 || results[0].File != a || results[0].Error != "" {
		t.Errorf("results %+v, want sample.wav whole, then at most native.wav and the text so far of the third", results)
	}
	if len(results) == 3 && !strings.HasPrefix(results[2].Error, "interrupted") {
		t.Errorf("the input cut short is not marked: %+v", results[2])
	}
}

// Any command stopped by Ctrl-C says so and exits with 130, not with "context canceled" and 1.
func TestInterruptedExitStatus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: bytes.NewReader(nil), stdout: &stdout, stderr: &stderr}
	code := runMain(ctx, e, []string{"lm", "build", "-o", filepath.Join(t.TempDir(), "x.lm"), "../../decoder/lm/testdata/tiny.txt"})
	if code != exitInterrupted || strings.TrimSpace(stderr.String()) != "hark lm build: interrupted" {
		t.Errorf("exit %d, stderr %q; want %d and \"hark lm build: interrupted\"", code, stderr.String(), exitInterrupted)
	}
}

// -o NAME.FORMAT with one input and one format writes that file (as whisper.cpp users expect), not a folder
// of that name; with several inputs it is refused before any work.
func TestTranscribeOutputFile(t *testing.T) {
	model := tinyModelFile(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "talk.srt")
	code, stdout, stderr := runHark(t, nil, "transcribe", "-m", model, "-f", "srt", "-o", out, fixtureWAV)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(got), "1\n00:00:") {
		t.Fatalf("%s: %v, %q; want an SRT file", out, err, got)
	}
	_, want, _ := runHark(t, nil, "transcribe", "-m", model, "-f", "srt", fixtureWAV)
	if string(got) != want {
		t.Errorf("file %q, standard output gives %q", got, want)
	}
	code, _, stderr = runHark(t, nil, "transcribe", "-m", model, "-f", "srt", "-o", filepath.Join(dir, "two.srt"), fixtureWAV, fixtureWAV)
	if code != 2 || !strings.Contains(stderr, "looks like a file") {
		t.Errorf("two inputs into one -o file: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "two.srt")); !os.IsNotExist(err) {
		t.Errorf("two.srt was made: %v", err)
	}
}

func writePhrases(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// --phrases keeps transcribe, its streaming path and eval to the phrases' words (hark.WithPhrases).
func TestTranscribePhrases(t *testing.T) {
	// As a Windows editor saves it: a byte-order mark, CRLF line ends.
	phrases := writePhrases(t, t.TempDir(), "phrases.txt", "\ufeff# commands\r\nIt was not exactly a deportation.\r\nyes\r\nno\r\nturn on the lights\r\n")
	allowed := map[string]bool{}
	for _, w := range strings.Fields("it was not exactly a deportation yes no turn on the lights") {
		allowed[w] = true
	}
	for _, args := range [][]string{
		{"transcribe", "--phrases", phrases, "../../testdata/native.wav"},
		{"transcribe", "--phrases", phrases, "--stream", "../../testdata/native.wav"},
		{"transcribe", "--phrases", phrases, "../../testdata/english.mp3"},
	} {
		code, stdout, stderr := runHark(t, nil, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d, %s", args, code, stderr)
		}
		for _, w := range strings.Fields(stdout) {
			if !allowed[w] {
				t.Errorf("%q: %q holds %q, no phrase word", args, stdout, w)
			}
		}
		if strings.HasSuffix(args[len(args)-1], "native.wav") && strings.TrimSpace(stdout) != "it was not exactly a deportation" {
			t.Errorf("%q: %q", args, stdout)
		}
	}
	manifest := filepath.Join(t.TempDir(), "m.tsv")
	native, err := filepath.Abs("../../testdata/native.wav")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, []byte(native+"\t-\tit was not exactly a deportation\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runHark(t, nil, "eval", "--phrases", phrases, "--manifest", manifest)
	if code != 0 || !strings.Contains(stdout, "+ phrases "+phrases+" (α 1.5, β 1,") || !strings.Contains(stdout, "WER 0.00%") {
		t.Errorf("eval --phrases: exit %d, stdout %q, stderr %q; want the phrases' own α and β", code, stdout, stderr)
	}
	code, stdout, stderr = runHark(t, nil, "eval", "--phrases", phrases, "--alpha", "0.8", "--manifest", manifest)
	if code != 0 || !strings.Contains(stdout, "(α 0.8, β 1,") {
		t.Errorf("eval --phrases --alpha 0.8: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr := runHark(t, nil, "eval", "--alpha", "x", "--manifest", manifest); code != 2 || !strings.Contains(stderr, "alpha") {
		t.Errorf("--alpha x: exit %d, stderr %q; want a usage error", code, stderr)
	}
}
