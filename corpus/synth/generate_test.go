package synth

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/harkspeech/hark/corpus"
)

var testSentences = []string{
	"the birch canoe slid on the smooth planks", "glue the sheet to the dark blue background",
	"it's easy to tell the depth of a well", "these days a chicken leg is a rare dish",
	"rice is often served in round bowls", "the juice of lemons makes fine punch",
	"the box was thrown beside the parked truck", "the hogs were fed chopped corn and garbage",
	"four hours of steady work faced us", "a large size in stockings is hard to sell",
}

func testConfig(t *testing.T, out string, jobs, chunk int) Config {
	for _, p := range []string{"espeak-ng", "sox", "flac", "soxi"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed", p)
		}
	}
	return Config{
		Out: out, Sentences: testSentences, TrainCount: 7, TestCount: 2, Seed: 42, Jobs: jobs, Chunk: chunk,
		Voices: []Voice{
			{Espeak, "en-us+m1", "espeak-m1", 1}, {Flite, "slt", "slt", 1}, {Festival, "kal_diphone", "kal", 1},
			{FreeTTS, "kevin16", "kal", 1}, {Espeak, "en-gb+m3", "espeak-m3", 1},
		},
		TestSpeakers:         []string{"espeak-m3"},
		TestSentencePermille: 300,
	}
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[rel] = b
		}
		return nil
	})
	return files
}

func TestGenerate(t *testing.T) {
	ctx := context.Background()
	dirA, dirB := t.TempDir(), t.TempDir()
	cfg := testConfig(t, dirA, 2, 3)
	st, err := Generate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Made != 9 || st.Failed != 0 || st.AudioSeconds <= 0 {
		t.Fatalf("stats %+v", st)
	}

	train, _, err := corpus.ReadManifest(filepath.Join(dirA, "train.tsv"), corpus.Options{Strict: true, CheckFiles: true})
	if err != nil || len(train) != 7 {
		t.Fatalf("train manifest: %d utterances, %v", len(train), err)
	}
	test, _, err := corpus.ReadManifest(filepath.Join(dirA, "test.tsv"), corpus.Options{Strict: true, CheckFiles: true})
	if err != nil || len(test) != 2 {
		t.Fatalf("test manifest: %d utterances, %v", len(test), err)
	}
	trainText := map[string]bool{}
	for _, u := range train {
		trainText[u.Text] = true
		if u.Speaker == "espeak-m3" {
			t.Errorf("held-out speaker in training: %+v", u)
		}
	}
	for _, u := range test {
		if u.Speaker != "espeak-m3" || trainText[u.Text] {
			t.Errorf("test utterance %+v: wrong speaker or a training sentence", u)
		}
	}
	for _, u := range append(train, test...) {
		out, err := exec.Command("soxi", "-D", u.Path).Output()
		if err != nil {
			t.Fatalf("soxi %s: %v", u.Path, err)
		}
		d, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if math.Abs(d-u.Duration) > 1e-5 || d < 1 {
			t.Errorf("%s: manifest says %v s, file has %v s", u.Path, u.Duration, d)
		}
		rate, _ := exec.Command("soxi", "-r", u.Path).Output()
		if strings.TrimSpace(string(rate)) != "16000" {
			t.Errorf("%s: rate %s", u.Path, rate)
		}
	}

	// Determinism: one job and one chunk give the same bytes.
	cfg.Out, cfg.Jobs, cfg.Chunk = dirB, 1, 100
	if _, err := Generate(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	a, b := readAll(t, dirA), readAll(t, dirB)
	if len(a) != len(b) || len(a) != 9+5 { // FLAC files, 2 manifests, 2 plan files, synth.json; no scratch files
		t.Fatalf("%d and %d files", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between runs", name)
		}
	}

	// Resume: a lost file is made again, identical; the rest is kept.
	lost := filepath.Join(dirB, "train", "0000", "train-0000004.flac")
	if err := os.Remove(lost); err != nil {
		t.Fatal(err)
	}
	st, err = Generate(ctx, cfg)
	if err != nil || st.Made != 1 || st.Kept != 8 {
		t.Fatalf("resume: %+v, %v", st, err)
	}
	if got, _ := os.ReadFile(lost); !bytes.Equal(got, a["train/0000/train-0000004.flac"]) {
		t.Error("regenerated file differs")
	}

	// Extending the count adds utterances; other settings are refused.
	cfg.TrainCount = 8
	if st, err = Generate(ctx, cfg); err != nil || st.Made != 1 {
		t.Fatalf("extend: %+v, %v", st, err)
	}
	cfg.Seed = 43
	if _, err := Generate(ctx, cfg); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Fatalf("other seed on the same folder: %v", err)
	}

	// Cancellation stops early without a half-written manifest.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	cfg = testConfig(t, t.TempDir(), 1, 2)
	if _, err := Generate(cancelled, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestSoxRenderNarrowbandInput(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox not installed")
	}
	in := filepath.Join(t.TempDir(), "8k.wav")
	if out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", in, "synth", "0.5", "sine", "300").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	x, err := soxRender(context.Background(), "sox", in, Augment{Speed: 1, EQ: []EQBand{{6000, 1, 6}}, Telephone: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 8000 {
		t.Fatalf("%d samples, want 8000 (0.5 s at 16 kHz)", len(x))
	}
}

// BenchmarkGenerate measures throughput with the default voices, one job: go test -bench Generate ./corpus/synth.
// The target is at least 40 audio-hours per CPU-hour (CPU of this process and every program it runs).
func BenchmarkGenerate(b *testing.B) {
	for _, p := range []string{"espeak-ng", "flite", "sox", "flac"} {
		if _, err := exec.LookPath(p); err != nil {
			b.Skipf("%s not installed", p)
		}
	}
	var audio, cpu float64
	for i := 0; b.Loop(); i++ {
		st, err := Generate(context.Background(), Config{
			Out: b.TempDir(), Sentences: testSentences, TrainCount: 50, Seed: uint64(i), Jobs: 1, Chunk: 50,
			Voices: DefaultVoices(), TestSpeakers: DefaultTestSpeakers,
		})
		if err != nil {
			b.Fatal(err)
		}
		audio += st.AudioSeconds
		cpu += st.CPUSeconds
	}
	b.ReportMetric(audio/cpu, "audio-h/CPU-h")
	b.ReportMetric(audio/float64(b.N), "audio-s/op")
}
