package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSynthUsage(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	if code := runMain(context.Background(), e, []string{"synth"}); code != 2 {
		t.Fatalf("no sentence files: exit %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "usage: hark synth") {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestSynthSmall(t *testing.T) {
	for _, p := range []string{"espeak-ng", "flite", "sox", "flac"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed", p)
		}
	}
	dir := t.TempDir()
	text := filepath.Join(dir, "s.txt")
	os.WriteFile(text, []byte("THE BIRCH CANOE SLID ON THE SMOOTH PLANKS\nGLUE THE SHEET TO THE DARK BLUE BACKGROUND\n"), 0o644)
	out := filepath.Join(dir, "corpus")
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	// The default voices apply (those not installed are left out), so keep it to two utterances.
	args := []string{"synth", "-q", "-n", "2", "-test-n", "0", "-test-sentences", "0", "-seed", "3", "-o", out, text}
	if code := runMain(context.Background(), e, args); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "made 2 utterances") {
		t.Fatalf("stdout %q", stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "train.tsv"))
	if err != nil || strings.Count(string(data), "\n") != 2 {
		t.Fatalf("train.tsv: %q, %v", data, err)
	}
}
