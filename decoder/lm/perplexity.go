package lm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// TextScore is how well a model predicts a text, counted the way SRILM's "ngram -ppl" counts: every line is a
// sentence, each word and each sentence's end (</s>; certain for a model without one) is a scored token, and words the model does not know are
// out-of-vocabulary: not scored (they enter the context as <unk>), since a model's <unk> probability says nothing
// comparable across vocabularies.
type TextScore struct {
	Sentences int64   // non-empty lines
	Words     int64   // words in them
	OOV       int64   // words not scored: unknown to the model (for a mixture, to every component)
	Log10Prob float64 // total log10 probability of the scored tokens
}

// Tokens is the number of scored tokens: the known words plus one </s> per sentence.
func (s TextScore) Tokens() int64 { return s.Words - s.OOV + s.Sentences }

// Perplexity is 10^(−Log10Prob / Tokens); +Inf for a text with nothing to score.
func (s TextScore) Perplexity() float64 {
	if s.Tokens() == 0 {
		return math.Inf(1)
	}
	return math.Pow(10, -s.Log10Prob/float64(s.Tokens()))
}

// ScoreText scores the sentences of text, one per line, lower-cased unless keepCase (as Build reads them).
func (m *Model) ScoreText(ctx context.Context, text io.Reader, keepCase bool) (TextScore, error) {
	var st TextScore
	err := eachSentence(ctx, text, keepCase, func(words []string) {
		st.Sentences++
		st.Words += int64(len(words))
		s := m.BeginState()
		for _, w := range words {
			id, known := m.ID(w)
			if known && id != m.unk {
				st.Log10Prob += m.log10(s, id)
			} else {
				st.OOV++
			}
			s = m.next(s, id)
		}
		if m.eos >= 0 {
			st.Log10Prob += m.log10(s, m.eos)
		}
	})
	return st, err
}

// FitWeights finds the interpolation weights for Mix that maximise the likelihood of text (held-out text in the
// domain the mixture is for, not text the models were built from) by expectation–maximisation, as SRILM's
// compute-best-mix does. It returns the weights and the score of the interpolated probabilities at those weights
// (which Mix's static model approximates). Tokens that no model knows are not scored.
func FitWeights(ctx context.Context, models []*Model, text io.Reader, keepCase bool) ([]float64, TextScore, error) {
	var st TextScore
	if len(models) == 0 {
		return nil, st, errors.New("lm.FitWeights: no models")
	}
	k := len(models)
	// probs holds, token after token, each model's probability of the token (0 where it does not know the word).
	var probs []float64
	row := make([]float64, k)
	states := make([]State, k)
	score := func(ids func(i int) (int32, bool)) bool {
		known := false
		for i, m := range models {
			row[i] = 0
			if id, ok := ids(i); ok {
				row[i] = math.Pow(10, m.log10(states[i], id))
				known = true
			}
		}
		if known {
			probs = append(probs, row...)
		}
		return known
	}
	err := eachSentence(ctx, text, keepCase, func(words []string) {
		st.Sentences++
		st.Words += int64(len(words))
		for i, m := range models {
			states[i] = m.BeginState()
		}
		for _, w := range words {
			if !score(func(i int) (int32, bool) {
				id, ok := models[i].ID(w)
				return id, ok && id != models[i].unk
			}) {
				st.OOV++
			}
			for i, m := range models {
				id, _ := m.ID(w)
				states[i] = m.next(states[i], id)
			}
		}
		score(func(i int) (int32, bool) { return models[i].eos, models[i].eos >= 0 })
	})
	if err != nil {
		return nil, st, err
	}
	n := len(probs) / k
	if n == 0 {
		return nil, st, errors.New("lm.FitWeights: the text has no word any model knows")
	}
	w := make([]float64, k)
	for i := range w {
		w[i] = 1 / float64(k)
	}
	next := make([]float64, k)
	for iter := 0; iter < 1000; iter++ {
		if iter%16 == 0 && ctx.Err() != nil {
			return nil, st, ctx.Err()
		}
		clear(next)
		for t := range n {
			p := probs[t*k : (t+1)*k]
			var mix float64
			for i := range p {
				mix += w[i] * p[i]
			}
			if mix == 0 {
				continue
			}
			for i := range p {
				next[i] += w[i] * p[i] / mix
			}
		}
		var change float64
		for i := range w {
			v := next[i] / float64(n)
			change = max(change, math.Abs(v-w[i]))
			w[i] = v
		}
		if change < 1e-7 {
			break
		}
	}
	for t := range n {
		var mix float64
		for i, p := range probs[t*k : (t+1)*k] {
			mix += w[i] * p
		}
		st.Log10Prob += math.Log10(max(mix, 1e-300))
	}
	return w, st, nil
}

// eachSentence calls f with the words of every non-empty line of text, lower-cased unless keepCase.
func eachSentence(ctx context.Context, text io.Reader, keepCase bool, f func(words []string)) error {
	br := bufio.NewReaderSize(text, 1<<20)
	for line := 0; ; line++ {
		s, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		if line%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if !keepCase {
			s = strings.ToLower(s)
		}
		if words := strings.Fields(s); len(words) > 0 {
			f(words)
		}
		if err == io.EOF {
			return nil
		}
	}
}

// String formats the score as one line.
func (s TextScore) String() string {
	return fmt.Sprintf("%d sentences, %d words, %d OOV; log10 prob %.2f, perplexity %.2f", s.Sentences, s.Words, s.OOV,
		s.Log10Prob, s.Perplexity())
}
