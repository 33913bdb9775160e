package hark

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The segments' samples are exactly the stream's samples within their spans, for any chunking, and the
// Segmenter's buffer stays bounded on a long stream.
func TestSegmenter(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	x := loadSample(t)
	var clean []float32
	for i := 0; i < 12; i++ { // 12 sentences with 0.7–2.7 s pauses: about a minute
		clean = append(clean, x...)
		clean = append(clean, make([]float32, 11200+rng.IntN(32000))...)
	}
	y := mix(clean, whiteNoise(rng, len(clean)), 20)
	cfg := DefaultVADConfig()
	want := detect(t, y, cfg, 0)
	if len(want) != 12 {
		t.Fatalf("VAD found %d spans in 12 sentences: %v", len(want), want)
	}
	for _, chunk := range []int{160, 1037, 48000} {
		s, err := NewSegmenter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var got []SpeechSegment
		maxBuf := 0
		for i := 0; i < len(y); i += chunk {
			got = append(got, s.Accept(y[i:min(i+chunk, len(y))])...)
			maxBuf = max(maxBuf, len(s.buf))
		}
		got = append(got, s.Flush()...)
		var spans []Span
		for _, g := range got {
			spans = append(spans, g.Span)
			lo, hi := sampleIndex(g.Start), sampleIndex(g.End)
			if !slices.Equal(g.Samples, y[lo:hi]) {
				t.Errorf("chunks of %d: samples of %v are not the stream's samples %d…%d", chunk, g.Span, lo, hi)
			}
		}
		if fmt.Sprint(spans) != fmt.Sprint(want) {
			t.Errorf("chunks of %d: spans %v, want %v", chunk, spans, want)
		}
		// A sentence (4 s) plus the pause that ends it, the padding, the front end's lag and one chunk.
		if limit := 16000*(4+1) + chunk; maxBuf > limit {
			t.Errorf("chunks of %d: buffer grew to %d samples, want at most %d", chunk, maxBuf, limit)
		}
	}
}
