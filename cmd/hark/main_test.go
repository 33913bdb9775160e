package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harkspeech/hark/models"
)

// runHark runs the command line in-process and returns its exit status and output streams.
func runHark(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &errb}
	code = runMain(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestHelpAndUnknownCommand(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{[]string{"help"}, 0, "Commands:", ""},
		{[]string{}, 2, "Commands:", ""},
		{[]string{"version"}, 0, "hark ", ""},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"info"}, 2, "", "usage: hark info"},
		{[]string{"info", "--no-such-flag", "x"}, 2, "", "flag provided but not defined"},
		{[]string{"--version"}, 0, "hark ", ""},
		{[]string{"--version", "extra"}, 2, "", "takes no arguments"},
		// Help that was asked for goes to standard output, so that it can be paged.
		{[]string{"help", "info"}, 0, "usage: hark info", ""},
		{[]string{"info", "-h"}, 0, "usage: hark info", ""},
		{[]string{"lm", "build", "--help"}, 0, "usage: hark lm build", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runHark(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("hark %q = %d, stdout %q, stderr %q; want %d, %q, %q",
				tt.args, code, stdout, stderr, tt.code, tt.wantStdout, tt.wantStderr)
		}
	}
}

// A wrong flag value is reported with a one-line hint, not buried under the whole flag list.
func TestWrongFlagIsNotBuried(t *testing.T) {
	code, stdout, stderr := runHark(t, nil, "transcribe", "--beam", "many", "x.wav")
	if code != 2 || stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, stdout)
	}
	if !strings.Contains(stderr, `invalid value "many" for flag -beam`) || !strings.Contains(stderr, `run "hark transcribe -h"`) {
		t.Errorf("stderr %q does not name the flag and the hint", stderr)
	}
	if strings.Contains(stderr, "usage:") || strings.Count(stderr, "\n") > 3 {
		t.Errorf("stderr prints the usage after the error:\n%s", stderr)
	}
}

func TestInfoJSON(t *testing.T) {
	tests := []struct {
		file     string
		format   string
		rate     int
		channels int
		bits     int
		duration float64
	}{
		{"../../testdata/sample.wav", "wav", 16000, 1, 16, 65088.0 / 16000},
		{"../../audio/testdata/pcm_u8_16k.wav", "wav", 16000, 1, 8, -1},
		{"../../audio/testdata/pcm_f64_16k.wav", "wav", 16000, 1, 64, -1},
		{"../../audio/testdata/rate_44k1.wav", "wav", 44100, 1, 16, -1},
		{"../../audio/testdata/stereo_s16_16k.wav", "wav", 16000, 2, 16, -1},
		{"../../audio/testdata/flac_16k.flac", "flac", 16000, 1, 16, -1},
		{"../../audio/testdata/mp3_44k1_stereo.mp3", "mp3", 44100, 2, 0, -1},
	}
	for _, tt := range tests {
		code, stdout, stderr := runHark(t, nil, "info", "--json", tt.file)
		if code != 0 {
			t.Errorf("info %s: exit %d, stderr %s", tt.file, code, stderr)
			continue
		}
		var got infoJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("info %s: bad JSON %q: %v", tt.file, stdout, err)
		}
		if got.File != tt.file || got.Format != tt.format || got.SampleRate != tt.rate || got.Channels != tt.channels ||
			(tt.bits != 0 && got.Bits != tt.bits) {
			t.Errorf("info %s = %+v", tt.file, got)
		}
		if tt.duration >= 0 && got.Duration != tt.duration {
			t.Errorf("info %s: duration %v, want %v", tt.file, got.Duration, tt.duration)
		}
		if got.Duration <= 0 {
			t.Errorf("info %s: duration %v", tt.file, got.Duration)
		}
	}
}

func TestInfoReportsEveryBadFileAndGoesOn(t *testing.T) {
	good := "../../testdata/sample.wav"
	bad := []string{"../../audio/testdata/not_riff.bin", "../../audio/testdata/truncated_data.wav", "no/such/file.wav"}
	args := append([]string{"info", good}, bad...)
	code, stdout, stderr := runHark(t, nil, args...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stdout, good) {
		t.Errorf("good file missing from stdout %q", stdout)
	}
	for _, b := range bad[:1] {
		if !strings.Contains(stderr, b) {
			t.Errorf("stderr %q does not name %s", stderr, b)
		}
	}
	if !strings.Contains(stderr, "file.wav") {
		t.Errorf("stderr %q does not name the missing file", stderr)
	}

	// --json: one line per file named, in order; the unreadable ones say why.
	code, stdout, _ = runHark(t, nil, append([]string{"info", "--json", bad[0], good}, bad[1:]...)...)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 1 || len(lines) != 4 {
		t.Fatalf("--json: exit %d, %d lines, want 1 and 4:\n%s", code, len(lines), stdout)
	}
	for i, want := range []string{bad[0], good, bad[1], bad[2]} {
		var got struct {
			File, Error string
			SampleRate  int `json:"sample_rate"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil || got.File != want || (got.Error == "") == (want != good) ||
			(want == good) != (got.SampleRate == 16000) {
			t.Errorf("--json line %d = %s (%v); want %s", i+1, lines[i], err, want)
		}
	}
}

func TestInfoStdin(t *testing.T) {
	data, err := os.ReadFile("../../testdata/sample.wav")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runHark(t, data, "info", "-")
	if code != 0 || !strings.HasPrefix(stdout, "stdin: ") || !strings.Contains(stdout, "4.068 s") {
		t.Errorf("info - = %d, %q, %q", code, stdout, stderr)
	}
	// Named as transcribe names it, in JSON too.
	code, stdout, stderr = runHark(t, data, "info", "--json", "-")
	if code != 0 || !strings.Contains(stdout, `"file":"stdin"`) {
		t.Errorf("info --json - = %d, %q, %q", code, stdout, stderr)
	}
}

func TestSpectrogramWritesPNG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.png")
	code, _, stderr := runHark(t, nil, "spectrogram", "-o", out, "-width", "5", "-height", "3",
		"../../testdata/sample.wav")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// gonum/plot renders at 96 dpi.
	if cfg.Width != 5*96 || cfg.Height != 3*96 {
		t.Errorf("PNG is %dx%d, want %dx%d", cfg.Width, cfg.Height, 5*96, 3*96)
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}

// -o - writes the PNG to standard output (a pipe into an image viewer), reading standard input or a file.
func TestSpectrogramToStandardOutput(t *testing.T) {
	wav, err := os.ReadFile("../../testdata/sample.wav")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	code, stdout, stderr := runHark(t, wav, "spectrogram", "-o", "-", "-width", "5", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if cfg, err := png.DecodeConfig(strings.NewReader(stdout)); err != nil || cfg.Width != 5*96 {
		t.Errorf("standard output is not the 5-inch PNG: %v, %+v", err, cfg)
	}
	if _, err := os.Stat("-"); !os.IsNotExist(err) {
		t.Errorf("-o - made a file named -")
	}
}

func TestSpectrogramBadInputKeepsExistingFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.png")
	if err := os.WriteFile(out, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runHark(t, nil, "spectrogram", "-o", out, "../../audio/testdata/not_riff.bin")
	if code != 1 || !strings.Contains(stderr, "not_riff.bin") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "precious" {
		t.Errorf("existing output was overwritten: %q", b)
	}
}

func TestSpectrogramRefusals(t *testing.T) {
	dir := t.TempDir()
	wav, err := os.ReadFile("../../testdata/sample.wav")
	if err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(dir, "speech.png") // audio named .png: the default output would be itself
	if err := os.WriteFile(self, wav, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"negative height", []string{"-height", "-1", self}, 2, "-height"},
		{"zero height", []string{"-height", "0", self}, 2, "-height"},
		{"NaN height", []string{"-height", "NaN", self}, 2, "-height"},
		{"huge width", []string{"-width", "1000000", self}, 2, "-width"},
		{"NaN width", []string{"-width", "NaN", self}, 2, "-width"},
		{"default output is the input", []string{self}, 1, "overwrite the input"},
		{"-o is the input", []string{"-o", self, self}, 1, "overwrite the input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runHark(t, nil, append([]string{"spectrogram"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.inStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.inStderr)
			}
			if b, _ := os.ReadFile(self); !bytes.Equal(b, wav) {
				t.Fatal("the input was changed")
			}
		})
	}
}

// hark version names the embedded model files by hash, so that a bug report says which model gave the output.
func TestVersionNamesEmbeddedModel(t *testing.T) {
	b, ok := models.Read(models.Acoustic)
	if !ok {
		t.Skip("this build embeds no default model")
	}
	code, stdout, _ := runHark(t, nil, "version")
	sum := sha256.Sum256(b)
	want := fmt.Sprintf("embedded en.hark: %.1f MB, sha256 %x\n", float64(len(b))/1e6, sum[:6])
	if code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("hark version = %q, want the line %q", stdout, want)
	}
}
