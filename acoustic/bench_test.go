package acoustic

import (
	"math/rand"
	"testing"
	"time"

	"github.com/harkspeech/hark/features"
)

// benchModel is the reference configuration with random weights.
func benchModel(b *testing.B) *Model {
	m, err := NewModel(DefaultConfig(), EnglishVocabulary(), features.DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkForward10s is batch inference over 10 s of audio (1000 frames); "x-realtime" is audio seconds per
// second of computation.
func BenchmarkForward10s(b *testing.B) {
	m := benchModel(b)
	feats := randomFeats(rand.New(rand.NewSource(1)), 1000, 80)
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := m.Forward(feats); err != nil {
			b.Fatal(err)
		}
	}
	reportRealtime(b, c0)
}

// BenchmarkStream10s feeds the same 10 s in 100 ms chunks (10 frames), as a live microphone would.
func BenchmarkStream10s(b *testing.B) {
	m := benchModel(b)
	feats := randomFeats(rand.New(rand.NewSource(1)), 1000, 80)
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s, err := m.NewStream()
		if err != nil {
			b.Fatal(err)
		}
		for r := 0; r < 1000; r += 10 {
			if _, err := s.Accept(&features.Matrix{Rows: 10, Cols: 80, Data: feats.Data[r*80 : (r+10)*80]}); err != nil {
				b.Fatal(err)
			}
		}
		s.Flush()
	}
	reportRealtime(b, c0)
}

// reportRealtime reports audio seconds (10 per iteration) per wall-clock second and per CPU second.
func reportRealtime(b *testing.B, c0 time.Duration) {
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
	if c := (cpuTime() - c0).Seconds(); c > 0 {
		b.ReportMetric(10*float64(b.N)/c, "x-realtime-cpu")
	}
}
