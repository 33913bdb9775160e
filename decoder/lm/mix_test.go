package lm

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// mixParts builds the two models the mixing tests share: a trigram model of testdata/tiny.txt and a bigram model
// of other sentences with words the first does not know ("bird", "fence", "sang").
func mixParts(t *testing.T) (a, b *Model) {
	t.Helper()
	a = buildFile(t, filepath.Join("testdata", "tiny.txt"), BuildOptions{Order: 3})
	b, _, err := Build(context.Background(), strings.NewReader("the bird sat on the fence\na bird ate the fish\nthe bird sang\nthe cat sang\n"),
		BuildOptions{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// componentProb is p(words[last] | words[:last]) in m, or 0 when m does not know the predicted word.
func componentProb(m *Model, words []string) float64 {
	if _, ok := m.ID(words[len(words)-1]); !ok {
		return 0
	}
	return math.Pow(10, m.Log10Prob(words...))
}

var mixContexts = [][]string{{}, {"<s>"}, {"the"}, {"<s>", "the"}, {"the", "cat"}, {"the", "bird"}, {"sat", "on"},
	{"bird", "sang"}, {"zebra", "the"}, {"fish", "</s>"}, {"on", "the"}}

// TestMixStoredNgrams checks every n-gram the mixture stores against the definition, computed from the component
// models' own back-off queries: log10(λ·p_a + (1−λ)·p_b).
func TestMixStoredNgrams(t *testing.T) {
	a, b := mixParts(t)
	m, err := Mix(context.Background(), []*Model{a, b}, []float64{3, 7}) // normalised to 0.3, 0.7
	if err != nil {
		t.Fatal(err)
	}
	if m.Order() != 3 {
		t.Fatalf("order %d, want 3", m.Order())
	}
	for _, w := range []string{"cat", "bird", "fence", "mat", UNK, EOS} {
		if _, ok := m.ID(w); !ok {
			t.Errorf("the mixture does not know %q", w)
		}
	}
	checked := 0
	for n := 1; n <= 3; n++ {
		walkNgrams(m, n, func(ids []int32, p, _ float32) {
			words := make([]string, n)
			for i, id := range ids {
				words[i] = m.Word(id)
			}
			if words[n-1] == BOS {
				return
			}
			want := math.Log10(0.3*componentProb(a, words) + 0.7*componentProb(b, words))
			if math.Abs(float64(p)-want) > 1e-5 {
				t.Errorf("log10 p(%q) = %v, want %v", strings.Join(words, " "), p, want)
			}
			checked++
		})
	}
	if want := len(a.words) + 3; checked < want { // at least every unigram of both
		t.Errorf("only %d n-grams checked", checked)
	}
}

// TestMixNormalised: after any context, seen or not, the mixture's probabilities over the union vocabulary sum to
// one, back-off included.
func TestMixNormalised(t *testing.T) {
	a, b := mixParts(t)
	for _, lambda := range []float64{0.5, 0.9, 0.01} {
		m, err := Mix(context.Background(), []*Model{a, b}, []float64{lambda, 1 - lambda})
		if err != nil {
			t.Fatal(err)
		}
		for _, ctx := range mixContexts {
			var sum float64
			for id := range m.NumWords() {
				w := m.Word(int32(id))
				if w == BOS {
					continue
				}
				sum += math.Pow(10, m.Log10Prob(append(append([]string{}, ctx...), w)...))
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("λ %v: sum over words after %q = %v", lambda, ctx, sum)
			}
		}
	}
}

// TestMixWeightOne: with all the weight on one model, the mixture is that model: same vocabulary (the other's words
// stay unknown), same answer to every query.
func TestMixWeightOne(t *testing.T) {
	a, b := mixParts(t)
	for _, tt := range []struct {
		weights []float64
		want    *Model
	}{{[]float64{1, 0}, a}, {[]float64{0, 2}, b}} {
		m, err := Mix(context.Background(), []*Model{a, b}, tt.weights)
		if err != nil {
			t.Fatal(err)
		}
		if m.NumWords() != tt.want.NumWords() || m.Order() != tt.want.Order() {
			t.Errorf("weights %v: %d words, order %d; want the weighted model's %d, %d", tt.weights, m.NumWords(), m.Order(),
				tt.want.NumWords(), tt.want.Order())
		}
		for _, ctx := range mixContexts {
			for id := range tt.want.NumWords() {
				w := tt.want.Word(int32(id))
				if w == BOS {
					continue
				}
				q := append(append([]string{}, ctx...), w)
				if got, want := m.Log10Prob(q...), tt.want.Log10Prob(q...); math.Abs(got-want) > 1e-5 {
					t.Errorf("weights %v: log10 p(%q) = %v, want %v", tt.weights, strings.Join(q, " "), got, want)
				}
			}
		}
	}
}

func TestMixErrors(t *testing.T) {
	a, b := mixParts(t)
	tests := []struct {
		name    string
		models  []*Model
		weights []float64
	}{
		{"no models", nil, nil},
		{"weights for fewer models", []*Model{a, b}, []float64{1}},
		{"negative weight", []*Model{a, b}, []float64{1.5, -0.5}},
		{"NaN weight", []*Model{a, b}, []float64{math.NaN(), 1}},
		{"zero weights", []*Model{a, b}, []float64{0, 0}},
	}
	for _, tt := range tests {
		if _, err := Mix(context.Background(), tt.models, tt.weights); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Mix(ctx, []*Model{a, b}, []float64{1, 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}
