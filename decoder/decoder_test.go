package decoder

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/harkspeech/hark/decoder/lm"
)

// tinyVocab is blank, space, a, b: small enough to enumerate every frame-level path.
var tinyVocab = Vocabulary{Symbols: []string{"", " ", "a", "b"}, Blank: 0, Space: 1}

// randomPosteriors returns T frames of log-softmax over V symbols with moderately peaked random logits.
func randomPosteriors(rng *rand.Rand, T, V int, sharp float64) [][]float32 {
	out := make([][]float32, T)
	for t := range out {
		logits := make([]float64, V)
		var z float64
		for v := range logits {
			logits[v] = sharp * rng.NormFloat64()
			z += math.Exp(logits[v])
		}
		row := make([]float32, V)
		for v := range row {
			row[v] = float32(logits[v] - math.Log(z))
		}
		out[t] = row
	}
	return out
}

// collapse maps a frame-level path to its text: merge repeats, drop blanks, then squeeze spaces and trim them.
func collapse(v Vocabulary, path []int) string {
	var b strings.Builder
	prev := -1
	for _, s := range path {
		if s != prev && s != v.Blank {
			b.WriteString(v.Symbols[s])
		}
		prev = s
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// bruteForce sums the probability of every path into its text and adds score(text); it returns all texts' totals
// and acoustic log-probabilities.
func bruteForce(v Vocabulary, lp [][]float32, score func(string) float64) (map[string]float64, map[string]float64) {
	T, V := len(lp), len(v.Symbols)
	acoustic := map[string]float64{}
	path := make([]int, T)
	var rec func(t int, sum float64)
	rec = func(t int, sum float64) {
		if t == T {
			text := collapse(v, path)
			if old, ok := acoustic[text]; ok {
				acoustic[text] = logAdd(old, sum)
			} else {
				acoustic[text] = sum
			}
			return
		}
		for s := range V {
			path[t] = s
			rec(t+1, sum+float64(lp[t][s]))
		}
	}
	rec(0, 0)
	total := map[string]float64{}
	for text, a := range acoustic {
		total[text] = a + score(text)
	}
	return total, acoustic
}

func ranked(total map[string]float64) []string {
	var texts []string
	for t := range total {
		texts = append(texts, t)
	}
	// Highest first; ties by text, as the decoder orders them.
	for i := 1; i < len(texts); i++ {
		for j := i; j > 0 && (total[texts[j]] > total[texts[j-1]] ||
			total[texts[j]] == total[texts[j-1]] && texts[j] < texts[j-1]); j-- {
			texts[j], texts[j-1] = texts[j-1], texts[j]
		}
	}
	return texts
}

const tinyARPA = `\data\
ngram 1=7
ngram 2=6

\1-grams:
-99	<s>	-0.3
-0.8	</s>
-1.5	<unk>
-0.6	a	-0.2
-0.7	b	-0.25
-1.0	ab	-0.1
-1.1	ba	-0.15

\2-grams:
-0.3	<s> a
-0.5	<s> ab
-0.4	a b
-0.2	b a
-0.6	ab </s>
-0.9	ba ba

\end\
`

func tinyLM(t *testing.T) *lm.Model {
	t.Helper()
	m, err := lm.ReadARPA(context.Background(), strings.NewReader(tinyARPA), "tiny.arpa")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hotCount counts whole-word, non-overlapping, left-to-right occurrences of the phrases, adding their boosts.
func hotBonus(words []string, hot []HotWord) float64 {
	var bonus float64
	for i := 0; i < len(words); {
		matched := false
		for _, h := range hot {
			p := strings.Fields(h.Phrase)
			if i+len(p) <= len(words) && reflect.DeepEqual(words[i:i+len(p)], p) {
				bonus += h.Boost
				i += len(p)
				matched = true
				break
			}
		}
		if !matched {
			i++
		}
	}
	return bonus
}

// TestBeamMatchesBruteForce enumerates every path on tiny alphabets and lengths: with a beam wide enough to keep
// every prefix and no symbol pruning, prefix beam search must find exactly the best text, its probability (summed
// over all alignments) and the same n-best order — with and without the LM and hot words.
func TestBeamMatchesBruteForce(t *testing.T) {
	model := tinyLM(t)
	hot := []HotWord{{"ab", 2}, {"b a", 1.5}, {"bb", 0.7}}
	inLM := map[string]bool{"a": true, "b": true, "ab": true, "ba": true}
	inHot := map[string]bool{"ab": true, "b": true, "a": true, "bb": true}
	const alpha, beta, unkPen = 0.7, 0.4, -1.3
	lmScore := func(text string) float64 {
		words := strings.Fields(text)
		s := model.BeginState()
		var sum, pen float64
		for _, w := range words {
			id, known := model.ID(w)
			if !known && !inHot[w] {
				pen += unkPen
			}
			var lp float64
			lp, s = model.Score(s, id)
			sum += lp
		}
		sum += model.EndScore(s)
		return alpha*(sum+pen) + beta*float64(len(words)) // the penalty is in LM units, weighted by α
	}
	hasOOV := func(text string) bool {
		for _, w := range strings.Fields(text) {
			if !inLM[w] && !inHot[w] {
				return true
			}
		}
		return false
	}
	// With MaxUnknownLength 2 a text holding a longer out-of-vocabulary word has probability zero.
	capped := func(score func(string) float64) func(string) float64 {
		return func(text string) float64 {
			for _, w := range strings.Fields(text) {
				if !inLM[w] && !inHot[w] && len(w) > 2 {
					return math.Inf(-1)
				}
			}
			return score(text)
		}
	}
	cases := []struct {
		name  string
		T     int
		sharp float64
		opts  Options
		score func(string) float64
	}{
		{"plain", 6, 1.5, Options{}, func(string) float64 { return 0 }},
		{"plain-sharp", 7, 3, Options{}, func(string) float64 { return 0 }},
		{"lm", 6, 1.5, Options{LM: model, Alpha: alpha, Beta: beta, UnknownPenalty: unkPen, HotWords: hot[2:]},
			func(s string) float64 { return lmScore(s) + hotBonus(strings.Fields(s), hot[2:]) }},
		{"hot", 7, 2, Options{HotWords: hot}, func(s string) float64 { return hotBonus(strings.Fields(s), hot) }},
		{"lm+hot", 6, 2, Options{LM: model, Alpha: alpha, Beta: beta, UnknownPenalty: unkPen, HotWords: hot},
			func(s string) float64 { return lmScore(s) + hotBonus(strings.Fields(s), hot) }},
		// The lookahead only moves LM score earlier within a word: every finished hypothesis scores the same.
		{"lm+lookahead", 6, 1.5, Options{LM: model, Alpha: alpha, Beta: beta, UnknownPenalty: unkPen, HotWords: hot[2:], Lookahead: true},
			func(s string) float64 { return lmScore(s) + hotBonus(strings.Fields(s), hot[2:]) }},
		{"lm+hot+lookahead", 6, 2, Options{LM: model, Alpha: alpha, Beta: beta, UnknownPenalty: unkPen, HotWords: hot, Lookahead: true},
			func(s string) float64 { return lmScore(s) + hotBonus(strings.Fields(s), hot) }},
		{"lm+maxunk", 6, 1.5, Options{LM: model, Alpha: alpha, Beta: beta, UnknownPenalty: unkPen, HotWords: hot[2:], MaxUnknownLength: 2},
			capped(func(s string) float64 { return lmScore(s) + hotBonus(strings.Fields(s), hot[2:]) })},
		{"lm+lookahead+maxunk", 6, 1.5, Options{LM: model, Alpha: alpha, Beta: beta, UnknownPenalty: unkPen, HotWords: hot[2:], Lookahead: true, MaxUnknownLength: 2},
			capped(func(s string) float64 { return lmScore(s) + hotBonus(strings.Fields(s), hot[2:]) })},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const nbest = 12
	for _, c := range cases {
		oovSeen := 0
		for trial := range 4 {
			lp := randomPosteriors(rng, c.T, len(tinyVocab.Symbols), c.sharp)
			total, acoustic := bruteForce(tinyVocab, lp, c.score)
			want := slices.DeleteFunc(ranked(total), func(text string) bool { return math.IsInf(total[text], -1) })
			opts := c.opts
			opts.FrameDuration = 0.03
			opts.BeamWidth = 1 << 20
			opts.CutoffTopN = len(tinyVocab.Symbols)
			opts.CutoffProb = 1
			opts.NBest = nbest
			d, err := New(tinyVocab, opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := d.Decode(context.Background(), lp)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hypotheses) != min(nbest, len(want)) {
				t.Fatalf("%s/%d: %d hypotheses, want %d", c.name, trial, len(res.Hypotheses), min(nbest, len(want)))
			}
			for i, h := range res.Hypotheses {
				if hasOOV(h.Text) {
					oovSeen++
				}
				if h.Text != want[i] || math.Abs(h.Score-total[want[i]]) > 1e-9 || math.Abs(h.Acoustic-acoustic[want[i]]) > 1e-9 {
					t.Errorf("%s/%d: hypothesis %d = %q score %.12f acoustic %.12f, want %q %.12f %.12f",
						c.name, trial, i, h.Text, h.Score, h.Acoustic, want[i], total[want[i]], acoustic[want[i]])
				}
			}
		}
		if c.opts.LM != nil && oovSeen == 0 {
			t.Errorf("%s: no out-of-vocabulary word among the compared hypotheses: the penalty went untested", c.name)
		}
	}
}

// TestLookaheadCharges checks the charge of every prefix in the vocabulary trie against a scan of the LM's words:
// the highest unigram log-probability among the words that start with the prefix.
func TestLookaheadCharges(t *testing.T) {
	model, _, err := lm.Build(context.Background(), strings.NewReader("the cat sat on the mat\nthe dog ate\na cat ate the fish\nthen they sat\n"),
		lm.BuildOptions{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	v := DefaultVocabulary()
	d := mustNew(t, v, Options{FrameDuration: 0.03, LM: model, Alpha: 1, Lookahead: true})
	checked := 0
	for id := range model.NumWords() {
		word := model.Word(int32(id))
		if model.IsSpecial(int32(id)) {
			continue
		}
		syms, _ := d.spell(word)
		n := int32(0)
		for k := range syms {
			n = d.words.child(n, syms[k])
			want := math.Inf(-1)
			for other := range model.NumWords() {
				w := model.Word(int32(other))
				if !model.IsSpecial(int32(other)) && strings.HasPrefix(w, word[:k+1]) {
					lp, _ := model.Score(lm.State{}, int32(other))
					want = max(want, lp)
				}
			}
			if got := d.words.lookahead(n); math.Abs(got-want) > 1e-12 {
				t.Errorf("prefix %q: charge %v, want %v", word[:k+1], got, want)
			}
			checked++
		}
	}
	if checked < 20 || d.words.lookahead(0) != 0 {
		t.Errorf("%d prefixes checked; root charge %v", checked, d.words.lookahead(0))
	}
	if off := mustNew(t, v, Options{FrameDuration: 0.03, LM: model, Alpha: 1}); off.words.lookahead(1) != 0 {
		t.Error("charges without Lookahead")
	}
}

// TestSmallBeamIsConsistent: with a narrow beam the result may differ from the exhaustive one, but its reported
// acoustic score can never exceed the true probability of its text.
func TestSmallBeamIsConsistent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10 {
		lp := randomPosteriors(rng, 7, 4, 2)
		_, acoustic := bruteForce(tinyVocab, lp, func(string) float64 { return 0 })
		d, _ := New(tinyVocab, Options{FrameDuration: 0.02, BeamWidth: 2, CutoffProb: 1})
		res, _ := d.Decode(context.Background(), lp)
		h := res.Best()
		if h.Acoustic > acoustic[h.Text]+1e-9 {
			t.Errorf("%q: acoustic %v above the true %v", h.Text, h.Acoustic, acoustic[h.Text])
		}
	}
}

// TestEarlyPruningChangesNothing decodes the same posteriors with the search's early pruning (search.floor) and
// without it: the n-best lists, scores and word timings must be identical, and the pruning must have spared
// work — fewer prefixes created.
func TestEarlyPruningChangesNothing(t *testing.T) {
	v := DefaultVocabulary()
	var text strings.Builder
	sentences := []string{"the cat sat on the mat", "a dog ate the bone", "the dog sat on a log", "we call it bear",
		"it will be exciting", "the cat ate a fish", "my dog will call the cat"}
	for _, s := range sentences {
		text.WriteString(s + "\n")
	}
	model, _, err := lm.Build(context.Background(), strings.NewReader(text.String()), lm.BuildOptions{Order: 3})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	var inputs [][][]float32
	for _, s := range append(sentences, "a bear sat on my fish", "zebras call exciting mats") {
		inputs = append(inputs, synthPosteriors(v, s, rng))
	}
	for range 3 {
		inputs = append(inputs, randomPosteriors(rng, 60, len(v.Symbols), 1.5)) // flat: many prefixes compete
	}
	// Sentences blurred towards uniform: words of the LM's vocabulary compete closely, so that pruning decisions
	// at word ends (where the lookahead charge is refunded) are close calls.
	for _, s := range sentences[:4] {
		lp := synthPosteriors(v, s, rng)
		for _, row := range lp {
			for k := range row {
				row[k] = float32(math.Log(0.45*math.Exp(float64(row[k])) + 0.55/float64(len(row))))
			}
		}
		inputs = append(inputs, lp)
	}
	tests := []Options{
		{BeamWidth: 4},
		{BeamWidth: 8, LM: model, Alpha: 0.5, Beta: 1.5, UnknownPenalty: -20, NBest: 3},
		{BeamWidth: 16, LM: model, Alpha: 1, Beta: 0, UnknownPenalty: 2, NBest: 5},
		{BeamWidth: 32, LM: model, Alpha: 0.3, Beta: -1, UnknownPenalty: -5, CutoffProb: 1},
		{BeamWidth: 8, LM: model, Alpha: 0.6, Beta: -1.5, UnknownPenalty: -20, NBest: 3, Lookahead: true},
		{BeamWidth: 16, LM: model, Alpha: 1, Beta: 0.5, UnknownPenalty: 2, NBest: 5, Lookahead: true},
		{BeamWidth: 4, LM: model, Alpha: 2.5, Beta: -2, UnknownPenalty: -20, Lookahead: true},
		{BeamWidth: 2, LM: model, Alpha: 4, Beta: 0, UnknownPenalty: -10, Lookahead: true},
	}
	for i, opts := range tests {
		opts.FrameDuration = 0.03
		pruned := mustNew(t, v, opts)
		full := mustNew(t, v, opts)
		full.maxDelta = math.Inf(1)
		var createdPruned, createdFull int64
		for j, lp := range inputs {
			a, _ := pruned.Decode(context.Background(), lp)
			b, _ := full.Decode(context.Background(), lp)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("options %d, input %d: with early pruning %+v, without %+v", i, j, a.Hypotheses, b.Hypotheses)
			}
			createdPruned += prefixesCreated(pruned, lp)
			createdFull += prefixesCreated(full, lp)
		}
		if createdPruned >= createdFull {
			t.Errorf("options %d: early pruning created %d prefixes, no fewer than the %d without it", i, createdPruned, createdFull)
		}
	}
}

func prefixesCreated(d *Decoder, lp [][]float32) int64 {
	s := d.newSearch()
	for _, row := range lp {
		s.step(row)
	}
	return s.nextID
}

// TestBlankPenalty: the penalty is the same as lowering the blank's log-probability in every frame, and it turns
// a narrow win of the blank into an emitted symbol.
func TestBlankPenalty(t *testing.T) {
	one := [][]float32{{float32(math.Log(0.6)), float32(math.Log(1e-9)), float32(math.Log(0.4)), float32(math.Log(1e-9))}}
	tests := []struct {
		penalty float64
		want    string
	}{
		{0, ""},
		{0.3, ""}, // ln 0.6 − 0.3 = −0.81 > ln 0.4 = −0.92
		{0.5, "a"},
		{-1, ""},
	}
	for _, tt := range tests {
		d := mustNew(t, tinyVocab, Options{FrameDuration: 0.02, BeamWidth: 4, BlankPenalty: tt.penalty})
		res, err := d.Decode(context.Background(), one)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Best().Text; got != tt.want {
			t.Errorf("penalty %v: %q, want %q", tt.penalty, got, tt.want)
		}
	}

	v := DefaultVocabulary()
	rng := rand.New(rand.NewPCG(5, 6))
	model := mustARPA(t, "\\data\\\nngram 1=4\n\n\\1-grams:\n-0.5 <s>\n-0.5 </s>\n-0.5 <unk>\n-0.3 cat\n\n\\end\\\n")
	for i := range 4 {
		lp := randomPosteriors(rng, 50, len(v.Symbols), 1.5)
		const pen = 0.7
		lowered := make([][]float32, len(lp))
		for t, row := range lp {
			lowered[t] = slices.Clone(row)
			lowered[t][v.Blank] -= pen
		}
		opts := Options{FrameDuration: 0.03, BeamWidth: 16, LM: model, Alpha: 0.5, Beta: 1, NBest: 3}
		plain := mustNew(t, v, opts)
		opts.BlankPenalty = pen
		penalised := mustNew(t, v, opts)
		orig := slices.Clone(lp[0])
		a, _ := penalised.Decode(context.Background(), lp)
		b, _ := plain.Decode(context.Background(), lowered)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("input %d: penalty %+v, lowered blank %+v", i, a.Hypotheses, b.Hypotheses)
		}
		if !slices.Equal(lp[0], orig) {
			t.Fatal("the penalty changed the caller's log-probabilities")
		}
	}
	if _, err := New(v, Options{FrameDuration: 0.03, BlankPenalty: math.NaN()}); err == nil {
		t.Error("NaN blank penalty accepted")
	}
}
