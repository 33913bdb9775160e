package lm

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestScoreTextHand checks ScoreText against values worked out by hand from handARPA.
func TestScoreTextHand(t *testing.T) {
	m := readARPA(t, handARPA)
	st, err := m.ScoreText(context.Background(), strings.NewReader("a b\n\n  A zebra\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	// "a b": p(a|<s>) -0.2, p(b|<s> a) -0.1, p(</s>|a b) = bow(a b) -0.25 + p(</s>|b) -0.3.
	// "a zebra": p(a|<s>) -0.2; zebra is not scored; p(</s>|a <unk>) backs off to the unigram -1.2 (no stored
	// context "a <unk>" or "<unk>", so no back-off weights).
	want := TextScore{Sentences: 2, Words: 4, OOV: 1, Log10Prob: -0.85 - 0.2 - 1.2}
	if st.Sentences != want.Sentences || st.Words != want.Words || st.OOV != want.OOV || math.Abs(st.Log10Prob-want.Log10Prob) > 1e-6 {
		t.Fatalf("score %+v, want %+v", st, want)
	}
	if got, want := st.Perplexity(), math.Pow(10, 2.25/5); math.Abs(got-want) > 1e-6 {
		t.Errorf("perplexity %v, want %v", got, want)
	}
	if p := (TextScore{}).Perplexity(); !math.IsInf(p, 1) {
		t.Errorf("empty text: perplexity %v", p)
	}
}

// TestFitWeights compares the EM weights with a brute-force search over a fine grid of the same likelihood,
// computed token by token from the component models' own queries.
func TestFitWeights(t *testing.T) {
	a, b := mixParts(t)
	text := "the bird sat on the mat\nthe cat sang\na dog ate the fish\nthe bird ate a bone\nzebra\n"
	w, st, err := FitWeights(context.Background(), []*Model{a, b}, strings.NewReader(text), false)
	if err != nil {
		t.Fatal(err)
	}
	// The tokens and each model's probability of them.
	var pa, pb []float64
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		words := append(append([]string{BOS}, strings.Fields(line)...), EOS)
		for j := 1; j < len(words); j++ {
			x, y := componentProb(a, words[:j+1]), componentProb(b, words[:j+1])
			if x == 0 && y == 0 {
				continue // unknown to both: not scored
			}
			pa, pb = append(pa, x), append(pb, y)
		}
	}
	best, bestL := 0.0, math.Inf(-1)
	for i := 0; i <= 10000; i++ {
		lambda := float64(i) / 10000
		var l float64
		for j := range pa {
			l += math.Log10(lambda*pa[j] + (1-lambda)*pb[j])
		}
		if l > bestL {
			best, bestL = lambda, l
		}
	}
	if math.Abs(w[0]-best) > 2e-3 || math.Abs(w[0]+w[1]-1) > 1e-9 {
		t.Errorf("weights %v, brute force %v", w, best)
	}
	if math.Abs(st.Log10Prob-bestL) > 1e-4 {
		t.Errorf("log10 prob %v, brute force %v", st.Log10Prob, bestL)
	}
	if st.Sentences != 5 || st.Words != 20 || st.OOV != 1 || st.Tokens() != int64(len(pa)) {
		t.Errorf("score %+v (%d tokens), want 5 sentences, 20 words, 1 OOV, %d tokens", st, st.Tokens(), len(pa))
	}
	if best <= 0.05 || best >= 0.95 {
		t.Errorf("the test text should need both models: best weight %v", best)
	}
}

func TestFitWeightsErrors(t *testing.T) {
	a, b := mixParts(t)
	if _, _, err := FitWeights(context.Background(), nil, strings.NewReader("the cat\n"), false); err == nil {
		t.Error("no models: no error")
	}
	if _, _, err := FitWeights(context.Background(), []*Model{a, b}, strings.NewReader("\n\n"), false); err == nil {
		t.Error("empty text: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := FitWeights(ctx, []*Model{a, b}, strings.NewReader("the cat\n"), false); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
