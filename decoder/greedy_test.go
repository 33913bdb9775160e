package decoder

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// bestPathText is the textbook greedy CTC rule, written independently of GreedyStream: the most probable symbol
// of each frame, repeats merged, blanks dropped, words split at spaces.
func bestPathText(v Vocabulary, lp [][]float32) (string, float64) {
	var b strings.Builder
	prev, acc := -1, 0.0
	for _, row := range lp {
		best := 0
		for i := range row {
			if row[i] > row[best] {
				best = i
			}
		}
		acc += float64(row[best])
		if best != prev && best != v.Blank {
			b.WriteString(v.Symbols[best])
		}
		prev = best
	}
	return strings.Join(strings.Fields(b.String()), " "), acc
}

// TestGreedyStreamMatchesWhole: fed in chunks of any size, the stream's hypothesis after each chunk is what
// Greedy gives for the frames so far, and its text is the best path's.
func TestGreedyStreamMatchesWhole(t *testing.T) {
	v := DefaultVocabulary()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		frames := rng.IntN(120)
		lp := make([][]float32, frames)
		for i := range lp {
			// Mostly blanks and spaces, some letters, with runs of repeats: the cases the merge rule is about.
			lp[i] = make([]float32, len(v.Symbols))
			for j := range lp[i] {
				lp[i][j] = float32(math.Log(rng.Float64() * 0.1))
			}
			top := []int{v.Blank, v.Blank, v.Space, 3 + rng.IntN(3)}[rng.IntN(4)]
			if i > 0 && rng.IntN(3) == 0 {
				top = argmax(lp[i-1])
			}
			lp[i][top] = float32(math.Log(0.5 + 0.5*rng.Float64()))
		}
		g, err := NewGreedyStream(v, 0.03)
		if err != nil {
			t.Fatal(err)
		}
		for done := 0; done < frames; {
			n := min(frames-done, 1+rng.IntN(7))
			if err := g.Accept(lp[done : done+n]); err != nil {
				t.Fatal(err)
			}
			done += n
			got := g.Hypothesis()
			whole, err := Greedy(v, lp[:done], 0.03)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, whole) {
				t.Fatalf("trial %d, %d frames: stream %+v, whole %+v", trial, done, got, whole)
			}
			text, acc := bestPathText(v, lp[:done])
			if got.Text != text || math.Abs(got.Acoustic-acc) > 1e-9 || len(got.Words) != len(strings.Fields(text)) {
				t.Fatalf("trial %d, %d frames: text %q (%v), best path %q (%v)", trial, done, got.Text, got.Acoustic, text, acc)
			}
		}
	}
}

func argmax(row []float32) int {
	best := 0
	for i := range row {
		if row[i] > row[best] {
			best = i
		}
	}
	return best
}

func TestGreedyStreamRejectsBadFrames(t *testing.T) {
	v := DefaultVocabulary()
	if _, err := NewGreedyStream(Vocabulary{}, 0.03); err == nil {
		t.Error("an empty vocabulary was accepted")
	}
	g, err := NewGreedyStream(v, 0.03)
	if err != nil {
		t.Fatal(err)
	}
	good := framesFor(v, "_a_", 0.9)
	if err := g.Accept(good); err != nil {
		t.Fatal(err)
	}
	// A bad frame anywhere in a call rejects the whole call: nothing of it is decoded.
	bad := append(framesFor(v, "b", 0.9), make([]float32, 3))
	if err := g.Accept(bad); err == nil || !strings.Contains(err.Error(), "frame 4 has 3 values, want 29") {
		t.Fatalf("error %v", err)
	}
	if h := g.Hypothesis(); h.Text != "a" {
		t.Errorf("after a rejected call the text is %q, want %q", h.Text, "a")
	}
}

// BenchmarkGreedyPartials is a live stream's greedy decoding of a 20 s utterance (667 frames of 30 ms) with a
// partial result after every 90 ms chunk: "redecode" runs Greedy over every frame so far at each partial (what
// hark.Stream did before GreedyStream), "stream" accepts the new frames and asks for the hypothesis.
//
//	go test -run '^$' -bench GreedyPartials ./decoder
func BenchmarkGreedyPartials(b *testing.B) {
	v := DefaultVocabulary()
	rng := rand.New(rand.NewPCG(3, 4))
	lp := make([][]float32, 667)
	script := []int{v.Blank, v.Blank, v.Blank, v.Space, 3, 4, 5, 6, 7}
	for i := range lp {
		lp[i] = make([]float32, len(v.Symbols))
		for j := range lp[i] {
			lp[i][j] = float32(math.Log(rng.Float64() * 0.05))
		}
		lp[i][script[rng.IntN(len(script))]] = -0.1
	}
	const chunk = 3
	b.Run("redecode", func(b *testing.B) {
		for b.Loop() {
			for end := chunk; end <= len(lp); end += chunk {
				if _, err := Greedy(v, lp[:end], 0.03); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			g, err := NewGreedyStream(v, 0.03)
			if err != nil {
				b.Fatal(err)
			}
			for start := 0; start+chunk <= len(lp); start += chunk {
				if err := g.Accept(lp[start : start+chunk]); err != nil {
					b.Fatal(err)
				}
				g.Hypothesis()
			}
		}
	})
}
