package decoder

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// bestPathWords is the textbook greedy CTC rule, written independently of GreedyStream: cut the best path (the
// most probable symbol of each frame) into runs of one symbol; blank runs are dropped and space runs end words. A
// word starts at its first run's first frame and ends after its last run's last frame; its confidence is the
// lowest, over its runs, of the run's highest posterior.
func bestPathWords(v Vocabulary, lp [][]float32, dur float64) ([]Word, float64) {
	type run struct {
		sym, start, end int
		peak            float64
	}
	var runs []run
	acc := 0.0
	for t, row := range lp {
		best := argmax(row)
		acc += float64(row[best])
		p := math.Min(1, math.Exp(float64(row[best])))
		if n := len(runs); n > 0 && runs[n-1].sym == best {
			runs[n-1].end, runs[n-1].peak = t+1, math.Max(runs[n-1].peak, p)
			continue
		}
		runs = append(runs, run{best, t, t + 1, p})
	}
	var words []Word
	var cur []run
	flush := func() {
		if len(cur) == 0 {
			return
		}
		w := Word{Start: float64(cur[0].start) * dur, End: float64(cur[len(cur)-1].end) * dur, Confidence: 1}
		for _, r := range cur {
			w.Text += v.Symbols[r.sym]
			w.Confidence = math.Min(w.Confidence, r.peak)
		}
		words = append(words, w)
		cur = nil
	}
	for _, r := range runs {
		switch r.sym {
		case v.Blank:
		case v.Space:
			flush()
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words, acc
}

// TestGreedyStreamMatchesWhole: fed in chunks of any size, the stream's hypothesis after each chunk is what
// Greedy gives for the frames so far, and its words, times and confidences are the best path's.
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
			words, acc := bestPathWords(v, lp[:done], 0.03)
			if math.Abs(got.Acoustic-acc) > 1e-9 || len(got.Words) != len(words) {
				t.Fatalf("trial %d, %d frames: %+v (%v), best path %+v (%v)", trial, done, got.Words, got.Acoustic, words, acc)
			}
			for i, w := range words {
				g := got.Words[i]
				if g.Text != w.Text || math.Abs(g.Start-w.Start) > 1e-9 || math.Abs(g.End-w.End) > 1e-9 || math.Abs(g.Confidence-w.Confidence) > 1e-9 {
					t.Fatalf("trial %d, %d frames: word %d = %+v, best path %+v", trial, done, i, g, w)
				}
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
