package hark

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/features"
)

// peakRSSKB reads the process's peak resident set size (VmHWM) from /proc.
func peakRSSKB() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}

// An hour of speech and pauses, generated as it is read (the WAV would be 115 MB), is transcribed in bounded
// memory: the whole process, run on its own so that other tests do not count, peaks under 300 MB. The test uses
// a small network to stay fast; HARK_HOUR_MODEL=default runs a network of the default size (about a minute of
// CPU):
//
//	HARK_HOUR_MODEL=default go test -run TranscribeHourMemory -v .
func TestTranscribeHourMemory(t *testing.T) {
	if os.Getenv("HARK_HOUR_CHILD") == "1" {
		transcribeHourChild(t)
		return
	}
	if testing.Short() {
		t.Skip("an hour of audio")
	}
	if _, ok := peakRSSKB(); !ok {
		t.Skip("no /proc/self/status")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTranscribeHourMemory$", "-test.v")
	cmd.Env = append(os.Environ(), "HARK_HOUR_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var kb int64 = -1
	for _, line := range strings.Split(string(out), "\n") {
		if i := strings.Index(line, "peak-rss-kb "); i >= 0 {
			f := strings.Fields(line[i:])
			kb, _ = strconv.ParseInt(f[1], 10, 64)
			t.Log(strings.TrimSpace(line[i:]))
		}
	}
	if kb < 0 {
		t.Fatalf("child printed no peak RSS:\n%s", out)
	}
	if kb > 300<<10 {
		t.Errorf("peak RSS %d MB for an hour, want < 300 MB", kb>>10)
	}
}

func transcribeHourChild(t *testing.T) {
	x := loadSample(t)
	pattern := concat(x, make([]float32, 24000))
	in := newLoopWAV(t, pattern, 3600*16000)
	m, tiny := tinyModel(t), true
	if os.Getenv("HARK_HOUR_MODEL") == "default" {
		tiny = false // its random weights say nothing: segments without text are not counted
		m = testModel(t, acoustic.DefaultConfig(), features.DefaultConfig(), 7)
	}
	r := mustRecognizer(t, m, WithBeam(8))
	start := time.Now()
	res, err := r.Transcribe(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := peakRSSKB()
	want := 3600 * 16000 / len(pattern)
	if (tiny && len(res.Segments) < want) || res.Duration != 3600 {
		t.Errorf("%d segments in %.0f s, want %d", len(res.Segments), res.Duration, want)
	}
	fmt.Printf("peak-rss-kb %d (%d segments, %d words, %.1f s wall, %.1f s CPU)\n", kb, len(res.Segments), len(res.Words),
		time.Since(start).Seconds(), cpuSeconds())
}

// BenchmarkTranscribe10Min measures the real-time factor of Transcribe on ten minutes of speech and pauses
// (testdata/sample.wav and 1.5 s of silence, repeated), greedy and with a beam search and language model, with
// the embedded default model and LM — or, in a build without them, a network of the default size with random
// weights (the network's time does not depend on its weights; the beam search's does a little) and a small test
// LM. One goroutine; run with GOMAXPROCS=1 for one core. cpu-RTF is CPU time over audio time, which a busy machine
// does not inflate (it includes the benchmark's own GC and set-up).
//
//	go test -run '^$' -bench Transcribe10Min -benchtime 1x .
func BenchmarkTranscribe10Min(b *testing.B) {
	x := loadSample(b)
	pattern := concat(x, make([]float32, 24000))
	const seconds = 600
	for _, c := range []struct {
		name   string
		withLM bool
		opts   []Option
	}{
		{"greedy", false, []Option{WithGreedy()}},
		{"beam64+lm", true, []Option{WithBeam(64)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := benchRecognizer(b, c.withLM, c.opts...)
			cpu0 := cpuSeconds()
			for b.Loop() {
				in := newLoopWAV(b, pattern, seconds*16000)
				if _, err := r.Transcribe(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			cpu := cpuSeconds() - cpu0
			peak, _ := peakRSSKB()
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/seconds, "RTF")
			if cpu > 0 {
				b.ReportMetric(cpu/float64(b.N)/seconds, "cpu-RTF")
			}
			b.ReportMetric(float64(seconds*b.N)/b.Elapsed().Seconds(), "x-realtime")
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
		})
	}
}

// benchRecognizer is the embedded default recogniser (with the embedded LM unless opts say greedy), or a random-weight
// stand-in of the same size when this build embeds no model.
func benchRecognizer(b *testing.B, withLM bool, opts ...Option) *Recognizer {
	r, err := Default(opts...)
	if err == nil {
		b.Log("embedded default model")
		return r
	}
	if !errors.Is(err, ErrNoDefaultModel) {
		b.Fatal(err)
	}
	b.Log("no embedded model: random weights of the default size and a test LM")
	m, err := acoustic.NewModel(acoustic.DefaultConfig(), acoustic.EnglishVocabulary(), features.DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	if withLM {
		opts = append(opts, WithLMModel(testLM(b)))
	}
	return mustRecognizer(b, m, opts...)
}

// BenchmarkLoadModelSharedLM is the cost of one more Recognizer over a model and LM already in memory (the
// embedded ones), as a service that makes one per request (for its hot words, say) pays it: the search's word
// tree is spelled from the LM's vocabulary each time.
func BenchmarkLoadModelSharedLM(b *testing.B) {
	m, err := DefaultModel()
	if err != nil {
		b.Skip(err)
	}
	l, err := DefaultLM()
	if err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadModel(m, WithLMModel(l), WithHotWord("hark", 3)); err != nil {
			b.Fatal(err)
		}
	}
}
