package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/acoustic/train"
)

// writeToyCorpus writes n short tone recordings with digit transcripts and a TSV manifest listing them.
func writeToyCorpus(t *testing.T, dir string, n int) string {
	t.Helper()
	words := []string{"ZERO", "ONE", "TWO", "THREE"}
	var m strings.Builder
	for i := 0; i < n; i++ {
		secs := 0.4 + 0.05*float64(i%5)
		s := make([]float32, int(secs*16000))
		for j := range s {
			s[j] = 0.2 * float32(math.Sin(2*math.Pi*float64(200+100*(i%4))*float64(j)/16000))
		}
		name := fmt.Sprintf("u%02d.wav", i)
		writeWAV(t, dir, name, s)
		fmt.Fprintf(&m, "%s\t%.3f\t%s\n", name, secs, words[i%4])
	}
	path := filepath.Join(dir, "train.tsv")
	if err := os.WriteFile(path, []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrainFlags(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 4)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"train"}, 2, "usage: hark train"},
		{[]string{"train", "--train", manifest, "--dev", manifest, "--holdout", "0.1"}, 2, "--holdout and --dev"},
		{[]string{"train", "--train", manifest, "--holdout", "1"}, 2, "--holdout must be"},
		{[]string{"train", "--train", manifest, "extra"}, 2, "usage"},
		{[]string{"train", "--train", manifest, "--speed", "0.7"}, 2, "--speed"},
		{[]string{"train", "--train", manifest, "--init", "default", "--normalize"}, 2, "--normalize is a new network's choice"},
		{[]string{"train", "--train", manifest, "--vtlp", "NaN"}, 2, "--vtlp"},
		{[]string{"train", "--train", manifest, "--noise", "2"}, 2, "--noise"},
		{[]string{"train", "--train", manifest, "--epochs", "0", "--out", filepath.Join(dir, "r4")}, 2, "--epochs"},
		{[]string{"train", "--train", manifest, "--decay", "linear", "--out", filepath.Join(dir, "r4")}, 2, "decay"},
		{[]string{"train", "--train", manifest + ":abc", "--out", filepath.Join(dir, "r4")}, 1, `weight "abc"`},
		{[]string{"train", "--train", manifest, "--config", "huge", "--out", filepath.Join(dir, "r1")}, 1, "neither a preset"},
		{[]string{"train", "--train", manifest, "--config", "tiny", "--freeze", "lstm", "--out", filepath.Join(dir, "r2")}, 1, "matches no parameter"},
		{[]string{"train", "--train", manifest + ":-2"}, 1, "must be positive"},
		{[]string{"train", "--train", manifest, "--lookahead", "8", "--out", filepath.Join(dir, "r4")}, 2, "--lookahead widens an --init model"},
		{[]string{"train", "--train", manifest, "--resume", "--out", filepath.Join(dir, "none")}, 1, "--resume"},
		{[]string{"train", "--train", filepath.Join(dir, "missing.tsv"), "--out", filepath.Join(dir, "r3"), "--config", "tiny"}, 1, "missing.tsv"},
	}
	for _, tt := range tests {
		code, _, stderr := runHark(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.msg) {
			t.Errorf("hark %q = %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r4")); !os.IsNotExist(err) {
		t.Errorf("a refused run left its output folder behind (%v)", err)
	}
}

// TestTrainEndToEnd trains a tiny model for two epochs, checks what the run leaves behind, that a second start
// without --resume is refused, that --resume of a finished run does nothing, and fine-tunes from the result.
func TestTrainEndToEnd(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 16)
	out := filepath.Join(dir, "run")
	args := []string{"train", "--train", manifest, "--holdout", "0.25", "--config", "tiny", "--epochs", "2", "--batch", "4",
		"--out", out, "--cache", filepath.Join(dir, "cache"), "--warmup", "2", "-t", "1"}
	code, stdout, stderr := runHark(t, nil, args...)
	if code != 0 {
		t.Fatalf("train = %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "finished: ") || !strings.Contains(stdout, "best dev WER") {
		t.Errorf("stdout %q", stdout)
	}
	m, err := acoustic.LoadFile(filepath.Join(out, train.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.GRUUnits != modelPresets()["tiny"].GRUUnits {
		t.Errorf("model config %+v", m.Config)
	}
	if card, _ := os.ReadFile(filepath.Join(out, train.CardFile)); !strings.Contains(string(card), "SpecAugment 2×15 frequency") {
		t.Errorf("card of a default run names no SpecAugment masks:\n%s", card)
	}
	for _, f := range []string{train.CheckpointFile, train.CardFile, train.MetricsFile, train.LossPlotFile, train.WERPlotFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if code, _, stderr := runHark(t, nil, args...); code != 1 || !strings.Contains(stderr, "--resume") {
		t.Errorf("second start = %d, %q; want a refusal naming --resume", code, stderr)
	}
	if code, stdout, stderr := runHark(t, nil, append(args, "--resume")...); code != 0 || !strings.Contains(stdout, "finished") {
		t.Errorf("resume of a finished run = %d\n%s\n%s", code, stdout, stderr)
	}
	narrow := []string{"train", "--train", manifest, "--holdout", "0.25", "--init", filepath.Join(out, train.ModelFile),
		"--lookahead", "2", "--out", filepath.Join(dir, "narrow"), "--cache", "", "-t", "1"}
	if code, _, stderr := runHark(t, nil, narrow...); code != 1 || !strings.Contains(stderr, "narrowing") || !strings.Contains(stderr, train.ModelFile) {
		t.Errorf("narrowing the lookahead = %d, %q; want a refusal naming the model", code, stderr)
	}
	ft := []string{"train", "--train", manifest, "--holdout", "0.25", "--init", filepath.Join(out, train.ModelFile),
		"--freeze", "conv,gru0", "--lookahead", "7", "--specaugment=false", "--epochs", "1", "--batch", "4", "--out", filepath.Join(dir, "ft"), "--cache", "", "-t", "1"}
	if code, stdout, stderr := runHark(t, nil, ft...); code != 0 {
		t.Errorf("fine-tuning = %d\n%s\n%s", code, stdout, stderr)
	}
	if widened, err := acoustic.LoadFile(filepath.Join(dir, "ft", train.ModelFile)); err != nil || widened.Config.Lookahead != 7 {
		t.Errorf("fine-tune with --lookahead 7: %v, model lookahead %+v", err, widened)
	}
	// Re-running the command that widened a run resumes it; another lookahead on resume is refused.
	for _, c := range []struct {
		lookahead string
		code      int
		want      string
	}{
		{"7", 0, "finished"},
		{"6", 1, "reads 7 future frames"},
	} {
		resumed := []string{"train", "--train", manifest, "--holdout", "0.25", "--lookahead", c.lookahead, "--resume",
			"--epochs", "1", "--batch", "4", "--out", filepath.Join(dir, "ft"), "--cache", "", "-t", "1"}
		if code, stdout, stderr := runHark(t, nil, resumed...); code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("resume with --lookahead %s = %d, want %d and %q\n%s\n%s", c.lookahead, code, c.code, c.want, stdout, stderr)
		}
	}
	// A fine-tune resumes with its own frozen layers; another --freeze is refused.
	refreeze := []string{"train", "--train", manifest, "--holdout", "0.25", "--resume", "--freeze", "conv",
		"--epochs", "1", "--batch", "4", "--out", filepath.Join(dir, "ft"), "--cache", "", "-t", "1"}
	if code, _, stderr := runHark(t, nil, refreeze...); code != 1 || !strings.Contains(stderr, `froze "conv,gru0"`) {
		t.Errorf("resume with another --freeze = %d, %q; want a refusal naming the run's", code, stderr)
	}
	card, _ := os.ReadFile(filepath.Join(dir, "ft", train.CardFile))
	if !strings.Contains(string(card), "Fine-tuned from") || !strings.Contains(string(card), "conv,gru0") ||
		!strings.Contains(string(card), "no SpecAugment") {
		t.Errorf("fine-tuning card:\n%s", card)
	}

	// Two dev manifests are scored separately and pooled.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	dev2 := writeToyCorpus(t, sub, 3)
	two := []string{"train", "--train", manifest, "--dev", manifest + "," + dev2, "--config", "tiny", "--epochs", "1",
		"--batch", "8", "--out", filepath.Join(dir, "two"), "--cache", "", "-t", "1"}
	if code, stdout, stderr := runHark(t, nil, two...); code != 0 {
		t.Fatalf("two dev sets = %d\n%s\n%s", code, stdout, stderr)
	}
	card, _ = os.ReadFile(filepath.Join(dir, "two", train.CardFile))
	if !strings.Contains(string(card), "pooled") || !strings.Contains(string(card), dev2) {
		t.Errorf("card with two dev sets:\n%s", card)
	}
}

// --init default fine-tunes the model embedded in hark, so that a user with only the binary can adapt it.
func TestTrainInitDefault(t *testing.T) {
	base, err := hark.DefaultModel()
	if errors.Is(err, hark.ErrNoDefaultModel) {
		t.Skip("this build embeds no default model")
	} else if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 3)
	devDir := filepath.Join(dir, "dev") // not --holdout: which files it takes depends on the temporary paths
	if err := os.Mkdir(devDir, 0o755); err != nil {
		t.Fatal(err)
	}
	dev := writeToyCorpus(t, devDir, 1)
	out := filepath.Join(dir, "ft")
	args := []string{"train", "--train", manifest, "--dev", dev, "--init", "default", "--freeze", "conv,gru0,gru1,gru2",
		"--epochs", "1", "--batch", "4", "--out", out, "--cache", "", "-t", "1"}
	code, stdout, stderr := runHark(t, nil, args...)
	if code != 0 {
		t.Fatalf("--init default = %d\n%s\n%s", code, stdout, stderr)
	}
	// A fine-tune scores its starting point first, so that its curve shows whether training helped (and the
	// starting model stays the model unless training beats it).
	if !strings.Contains(stderr, "step 0: dev WER") || !strings.Contains(stderr, "greedy, without a language model") {
		t.Errorf("no step-0 dev score, or no word on how dev is scored:\n%s", stderr)
	}
	// Three utterances: one bucket, so that the batch of 4 is not split by length, and a warm-up no longer than
	// a tenth of the one-step run.
	if !strings.Contains(stderr, "3 utterances: 1 length bucket(s) instead of 8") || !strings.Contains(stderr, "warm-up shortened from 200 to 1 steps") {
		t.Errorf("a tiny fine-tune is not adapted to its size:\n%s", stderr)
	}
	if strings.Contains(stderr, "0.00 h") || !strings.Contains(stderr, " s)") {
		t.Errorf("a few seconds of audio should be counted in seconds, not hours:\n%s", stderr)
	}
	m, err := acoustic.LoadFile(filepath.Join(out, train.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Config, base.Config) || !reflect.DeepEqual(m.Weight("conv0.w"), base.Weight("conv0.w")) {
		t.Errorf("the fine-tune is not of the embedded model (config %+v, want %+v), or a frozen layer moved", m.Config, base.Config)
	}
	ck, err := train.ReadCheckpoint(filepath.Join(out, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ck.Params {
		if p.Name == "out.w" && reflect.DeepEqual(p.Value, base.Weight("out.w")) {
			t.Error("the output layer did not train")
		}
	}
	if card, _ := os.ReadFile(filepath.Join(out, train.CardFile)); !strings.Contains(string(card), "Fine-tuned from `the embedded en.hark (sha256 ") {
		t.Errorf("the card does not name the embedded model it started from:\n%s", card)
	}

	// Stopped by its time limit after a step and resumed without repeating --init and --freeze, the fine-tune
	// keeps its layers frozen and its card.
	cut := filepath.Join(dir, "cut")
	start := []string{"train", "--train", manifest, "--dev", dev, "--init", "default", "--freeze", "conv,gru",
		"--epochs", "3", "--batch", "1", "--buckets", "1", "--max-minutes", "0.000001", "--out", cut, "--cache", "", "-t", "1"}
	if code, stdout, stderr := runHark(t, nil, start...); code != 0 || !strings.Contains(stdout, "time limit") {
		t.Fatalf("time-limited start = %d\n%s\n%s", code, stdout, stderr)
	}
	resume := []string{"train", "--train", manifest, "--dev", dev, "--resume", "--epochs", "3", "--batch", "1",
		"--buckets", "1", "--out", cut, "--cache", "", "-t", "1"}
	if code, stdout, stderr := runHark(t, nil, resume...); code != 0 || strings.Contains(stdout, "time limit") {
		t.Fatalf("resume = %d\n%s\n%s", code, stdout, stderr)
	}
	if m, err := acoustic.LoadFile(filepath.Join(cut, train.ModelFile)); err != nil || !reflect.DeepEqual(m.Weight("gru2.wh"), base.Weight("gru2.wh")) {
		t.Errorf("a layer frozen at the start moved after --resume (%v)", err)
	}
	if card, _ := os.ReadFile(filepath.Join(cut, train.CardFile)); !strings.Contains(string(card), "with `conv,gru` frozen") {
		t.Errorf("the resumed run's card lost its start:\n%s", card)
	}
}

// TestTrainBadManifestLines: a bad line is listed with its file and line number and skipped, or with --strict
// ends the run before any training.
func TestTrainBadManifestLines(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 6)
	good, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, append(good, "u00.wav\tnot-a-number\tZERO\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	wantProblem := "bad.tsv:7: bad duration"
	tests := []struct {
		strict bool
		code   int
	}{
		{false, 0},
		{true, 1},
	}
	for _, tt := range tests {
		args := []string{"train", "--train", bad, "--config", "tiny", "--epochs", "1", "--batch", "2", "--out",
			filepath.Join(dir, fmt.Sprintf("run-%v", tt.strict))}
		if tt.strict {
			args = append(args, "--strict")
		}
		code, _, stderr := runHark(t, nil, args...)
		if code != tt.code || !strings.Contains(stderr, wantProblem) {
			t.Errorf("strict=%v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.strict, code, stderr, tt.code, wantProblem)
		}
		if !tt.strict && !strings.Contains(stderr, "6 utterances") {
			t.Errorf("strict=false: the good lines were not all kept:\n%s", stderr)
		}
	}
}

// --normalize makes a network that reads per-utterance normalised features, and a resumed run keeps it: the
// command run again with --normalize resumes, and a run without it refuses --normalize on resume.
func TestTrainNormalize(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 8)
	run := func(out string, extra ...string) (int, string) {
		args := append([]string{"train", "--train", manifest, "--holdout", "0.25", "--config", "tiny", "--epochs", "1",
			"--batch", "4", "--out", out, "--cache", filepath.Join(dir, "cache"), "--warmup", "1", "-t", "1"}, extra...)
		code, _, stderr := runHark(t, nil, args...)
		return code, stderr
	}
	norm := filepath.Join(dir, "norm")
	if code, stderr := run(norm, "--normalize"); code != 0 {
		t.Fatalf("train --normalize = %d: %s", code, stderr)
	}
	m, err := acoustic.LoadFile(filepath.Join(norm, train.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Features.Normalize {
		t.Error("the model of a --normalize run does not normalise its features")
	}
	if code, stderr := run(norm, "--normalize", "--resume"); code != 0 {
		t.Errorf("the same command with --resume = %d: %s", code, stderr)
	}
	plain := filepath.Join(dir, "plain")
	if code, stderr := run(plain); code != 0 {
		t.Fatalf("train = %d: %s", code, stderr)
	}
	if code, stderr := run(plain, "--normalize", "--resume"); code == 0 || !strings.Contains(stderr, "unnormalised features") {
		t.Errorf("--normalize on resuming a plain run = %d: %s", code, stderr)
	}
}
