package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/features"
)

func TestDumpID(t *testing.T) {
	tests := []struct {
		i    int
		path string
		want string
	}{
		{0, "/data/so/dev/000030012.mp3", "00000_000030012"},
		{42, "arctic_a0004_1592748478.mp3", "00042_arctic_a0004_1592748478"},
		{7, "dir/a b+c.d.wav", "00007_a_b_c.d"},
		{123456, `x/ünï/çode.flac`, "123456__ode"},
		{3, "noext", "00003_noext"},
	}
	for _, tt := range tests {
		if got := dumpID(tt.i, tt.path); got != tt.want {
			t.Errorf("dumpID(%d, %q) = %q, want %q", tt.i, tt.path, got, tt.want)
		}
	}
}

// A dump is a dev set that decoder.LoadDevSet reads back with exactly the model's Forward output on the
// utterance's features, the manifest's transcripts and the model's vocabulary; hark lm tune runs on it.
func TestEvalDump(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 4)
	// An odd file name, and a clip too short for one feature frame (recognised as empty, but not dumped).
	odd := make([]float32, 8000)
	for i := range odd {
		odd[i] = 0.1 * float32(i%37) / 37
	}
	writeWAV(t, dir, "odd name+1.wav", odd)
	writeWAV(t, dir, "short.wav", make([]float32, 160))
	f, err := os.OpenFile(manifest, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("odd name+1.wav\t0.5\tODD ONE\nshort.wav\t0.01\tSHORT\n")
	f.Close()
	model := tinyModelFile(t)
	out := filepath.Join(dir, "dump")
	// A refs.tsv from an earlier dump must not survive.
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "refs.tsv"), []byte("stale\tx\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runHark(t, nil, "eval", "-m", model, "--greedy", "-t", "2", "--manifest", manifest, "--dump", out)
	if code != 0 || !strings.Contains(stdout, "6 utterances") || !strings.Contains(stderr, "dumped 5 utterances") ||
		!strings.Contains(stderr, "short.wav") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}

	dev, err := decoder.LoadDevSet(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := acoustic.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	wantVocab := decoder.Vocabulary{Symbols: m.Vocabulary.Symbols, Blank: 0, Space: 1}
	if !reflect.DeepEqual(dev.Vocab, wantVocab) {
		t.Errorf("vocabulary %+v, want %+v", dev.Vocab, wantVocab)
	}
	utts, _, err := corpus.ReadManifest(manifest, corpus.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	utts = utts[:5] // short.wav is left out
	if len(dev.IDs) != len(utts) {
		t.Fatalf("dev set IDs %q, want %d utterances", dev.IDs, len(utts))
	}
	ext, err := features.New(m.Features)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"00000_u00", "00001_u01", "00002_u02", "00003_u03", "00004_odd_name_1"}
	for i, u := range utts {
		if dev.IDs[i] != wantIDs[i] || dev.Refs[i] != u.Text {
			t.Errorf("utterance %d: %q %q, want %q %q", i, dev.IDs[i], dev.Refs[i], wantIDs[i], u.Text)
		}
		samples, _, err := audio.Load(u.Path)
		if err != nil {
			t.Fatal(err)
		}
		lp, err := m.Forward(ext.Compute(samples))
		if err != nil {
			t.Fatal(err)
		}
		got := dev.LogProbs[i]
		if len(got) != lp.Rows || lp.Rows == 0 {
			t.Fatalf("%s: %d frames, Forward gives %d", u.Path, len(got), lp.Rows)
		}
		for r, row := range got {
			if !reflect.DeepEqual(row, lp.Row(r)) {
				t.Fatalf("%s: frame %d = %v, Forward gives %v", u.Path, r, row, lp.Row(r))
			}
		}
	}

	lmPath := filepath.Join(dir, "tiny.lm")
	if code, _, stderr := runHark(t, nil, "lm", "build", "-o", lmPath, tinyCorpus); code != 0 {
		t.Fatalf("lm build: %s", stderr)
	}
	code, stdout, stderr = runHark(t, nil, "lm", "tune", "-lm", lmPath, "-alpha", "0,1", "-beta", "0", "-beam", "4", out)
	if code != 0 || !strings.Contains(stdout, "best: -alpha") {
		t.Errorf("lm tune on the dump: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

func TestEvalDumpFlags(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 2)
	hyp := filepath.Join(dir, "hyp.tsv")
	if err := os.WriteFile(hyp, []byte("u00.wav\tzero\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	model := tinyModelFile(t)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--manifest", manifest, "--hyp", hyp, "--dump", filepath.Join(dir, "d")}, 2, "drop -dump"},
		{[]string{"-m", model, "--greedy", "--manifest", manifest, "--dump", filepath.Join(notDir, "d")}, 1, "dump:"},
		{[]string{"-m", model, "--greedy", "--manifest", manifest, "--dump", notDir}, 1, "dump:"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runHark(t, nil, append([]string{"eval"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("hark eval %q = %d\nstdout %s\nstderr %s", tt.args, code, stdout, stderr)
		}
	}
}
