package decoder

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harkspeech/hark/metrics"

	"github.com/harkspeech/hark/decoder/lm"
)

// sharedText is the project's shared text corpus, relative to this package (the repository's ../shared).
const sharedText = "../../shared/data/text"

// benchLM builds (once, then caches under the user cache folder) a 3-gram model from all of the shared text.
func benchLM(b *testing.B) *lm.Model {
	b.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedText, "*"))
	if len(files) == 0 {
		b.Skip("shared text corpus not present")
	}
	h := fnv.New64a()
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			b.Skip(err)
		}
		fmt.Fprintf(h, "%s %d %d\n", filepath.Base(f), st.Size(), st.ModTime().UnixNano())
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "hark")
	cache := filepath.Join(dir, fmt.Sprintf("bench-3gram-%x.lm", h.Sum64()))
	if m, err := lm.Load(context.Background(), cache); err == nil {
		return m
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	r, _ := lm.OpenFiles(files...)
	defer r.Close()
	m, _, err := lm.Build(context.Background(), r, lm.BuildOptions{Order: 3})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Save(cache); err != nil {
		b.Fatal(err)
	}
	b.Logf("built the benchmark LM in %v, cached at %s", time.Since(start), cache)
	return m
}

// benchSentences returns a few real sentences from the shared corpus that the default vocabulary can spell.
func benchSentences(b *testing.B, n int) []string {
	f, err := os.Open(filepath.Join(sharedText, "austen.txt"))
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(out) < n {
		s := strings.ToLower(sc.Text())
		if len(strings.Fields(s)) >= 8 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz' ") == "" {
			out = append(out, s)
		}
	}
	return out
}

// BenchmarkBeamLM decodes realistic peaky posteriors of real sentences (30 ms frames) with beam 64 and a 3-gram LM
// built from the shared text, and reports the speed as a multiple of real time on one core.
func BenchmarkBeamLM(b *testing.B) {
	model := benchLM(b)
	v := DefaultVocabulary()
	rng := rand.New(rand.NewPCG(11, 12))
	var utts [][][]float32
	var texts []string
	frames := 0
	for _, s := range benchSentences(b, 40) {
		lp := synthPosteriors(v, s, rng)
		utts = append(utts, lp)
		texts = append(texts, s)
		frames += len(lp)
	}
	const frameDur = 0.03
	start := time.Now()
	d, err := New(v, Options{FrameDuration: frameDur, BeamWidth: 64, LM: model, Alpha: 0.8, Beta: 1.5, UnknownPenalty: -4})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d utterances, %.0f s of audio at %.0f ms/frame; decoder set up in %v", len(utts), float64(frames)*frameDur, frameDur*1000, time.Since(start))
	b.ResetTimer()
	cpu0 := cpuSeconds()
	var wer float64
	for i := 0; i < b.N; i++ {
		var total metrics.ErrorCounts
		for u, lp := range utts {
			res, err := d.Decode(context.Background(), lp)
			if err != nil {
				b.Fatal(err)
			}
			total.Add(metrics.AlignWords(texts[u], res.Best().Text).Counts)
		}
		wer = total.Rate()
	}
	elapsed := b.Elapsed().Seconds() / float64(b.N)
	cpu := (cpuSeconds() - cpu0) / float64(b.N)
	audio := float64(frames) * frameDur
	b.ReportMetric(audio/elapsed, "x_realtime")
	// CPU time is the fairer figure on a shared machine: with GOMAXPROCS=1 it is one core's work.
	b.ReportMetric(audio/cpu, "x_realtime_cpu")
	b.ReportMetric(elapsed/float64(frames)*1e6, "µs/frame")
	b.ReportMetric(100*wer, "WER%")
}

// BenchmarkBeamLMReal decodes real acoustic-model output (testdata/posteriors: 60 dev utterances as the default
// recipe's model at step 12000 scored them, far less peaky than synthPosteriors) with the shared-text 3-gram, at
// the default beam and at twice it. Early pruning (search.floor) matters most here: before it, beam 64 took
// about twice as long.
func BenchmarkBeamLMReal(b *testing.B) {
	model := benchLM(b)
	dev, err := LoadDevSet(filepath.Join("testdata", "posteriors"))
	if err != nil {
		b.Fatal(err)
	}
	frames := 0
	for _, lp := range dev.LogProbs {
		frames += len(lp)
	}
	const frameDur = 0.03
	for _, beam := range []int{64, 128} {
		b.Run(fmt.Sprintf("beam%d", beam), func(b *testing.B) {
			d, err := New(dev.Vocab, Options{FrameDuration: frameDur, BeamWidth: beam, LM: model, Alpha: 0.4, Beta: 0.5, UnknownPenalty: -20})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu0 := cpuSeconds()
			var wer float64
			for i := 0; i < b.N; i++ {
				var total metrics.ErrorCounts
				for u, lp := range dev.LogProbs {
					res, err := d.Decode(context.Background(), lp)
					if err != nil {
						b.Fatal(err)
					}
					total.Add(metrics.AlignWords(dev.Refs[u], res.Best().Text).Counts)
				}
				wer = total.Rate()
			}
			audio := float64(frames) * frameDur
			b.ReportMetric(audio/(b.Elapsed().Seconds()/float64(b.N)), "x_realtime")
			b.ReportMetric(audio/((cpuSeconds()-cpu0)/float64(b.N)), "x_realtime_cpu")
			b.ReportMetric(100*wer, "WER%")
		})
	}
}

// BenchmarkPartialEveryFrame is live recognition's load on the decoder: 60 real utterances (188 s) run as one
// unbroken utterance, as when no endpoint rule ends it, with a partial result after every frame. finish used to
// spell every prefix of the beam, which made the cost grow with the square of the utterance's length.
func BenchmarkPartialEveryFrame(b *testing.B) {
	model := benchLM(b)
	dev, err := LoadDevSet(filepath.Join("testdata", "posteriors"))
	if err != nil {
		b.Fatal(err)
	}
	var frames [][]float32
	for _, lp := range dev.LogProbs {
		frames = append(frames, lp...)
	}
	const frameDur = 0.03
	d, err := New(dev.Vocab, Options{FrameDuration: frameDur, BeamWidth: 64, LM: model, Alpha: 0.6, Beta: 0.5, UnknownPenalty: -20})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var words int
	for i := 0; i < b.N; i++ {
		s := d.NewStream()
		for t := range frames {
			if err := s.Accept(frames[t : t+1]); err != nil {
				b.Fatal(err)
			}
			words = len(s.Partial().Words)
		}
	}
	b.ReportMetric(float64(len(frames))*frameDur/(b.Elapsed().Seconds()/float64(b.N)), "x_realtime")
	b.ReportMetric(float64(words), "words")
}
