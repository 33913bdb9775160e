package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/features"
)

func TestEval(t *testing.T) {
	dir := t.TempDir()
	manifest := writeToyCorpus(t, dir, 6)
	cfg := modelPresets()["tiny"]
	m, err := acoustic.NewModel(cfg, acoustic.EnglishVocabulary(), features.DefaultConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m.hark")
	if err := m.SaveFile(model); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"eval", "-m", model}, 2, ""},
		{[]string{"eval", "--manifest", manifest}, 2, ""},
		{[]string{"eval", "-m", filepath.Join(dir, "none.hark"), "--manifest", manifest}, 1, ""},
		{[]string{"eval", "-m", model, "--manifest", manifest}, 0, "6 utterances"},
		{[]string{"eval", "-m", model, "--manifest", manifest, "--beam", "8", "-t", "2", "--per-utt"}, 0, "REF"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runHark(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.out) {
			t.Errorf("hark %q = %d\n%s\n%s", tt.args, code, stdout, stderr)
		}
	}
	code, stdout, stderr := runHark(t, nil, "eval", "-m", model, "--manifest", manifest, "--json", "--limit", "4")
	if code != 0 {
		t.Fatalf("eval --json = %d: %s", code, stderr)
	}
	var s evalSummary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	// An untrained model says little; the pooled counts must still add up: 4 one-word references.
	if s.Utterances != 4 || s.Words.RefLen != 4 || s.WER != s.Words.Rate() || s.CER != s.Chars.Rate() || s.RTF <= 0 {
		t.Errorf("summary %+v", s)
	}
}
