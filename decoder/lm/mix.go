package lm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Mix interpolates back-off models linearly into one back-off model: p(w|h) = Σ weights[i]·p_i(w|h), the way
// SRILM's "ngram -mix-lm" does it statically. Its use is domain adaptation: a small model of text like what will be
// spoken, mixed into a large general one, moves the decoder towards that domain without losing the general
// model's coverage, which adding the small text to the large one's counts does not do (it drowns).
//
// Every n-gram stored in any of the models is stored in the mixture with its interpolated probability; back-off
// weights are recomputed so that each context's distribution still sums to one. Probabilities of n-grams that no
// model stores are approximated through the mixture's back-off, as in SRILM. A word that a model does not know has
// probability zero in it (that model's <unk> keeps its own mass), so the mixture is normalised over the union of
// the vocabularies. The order is the highest of the models'.
//
// weights must be non-negative, one per model, and are normalised to sum to one; a model of weight 0 is left out
// entirely.
func Mix(ctx context.Context, models []*Model, weights []float64) (*Model, error) {
	if len(models) == 0 {
		return nil, errors.New("lm.Mix: no models")
	}
	if len(weights) != len(models) {
		return nil, fmt.Errorf("lm.Mix: %d weights for %d models", len(weights), len(models))
	}
	var total float64
	for i, w := range weights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("lm.Mix: weight %d is %v; weights must be finite and non-negative", i+1, w)
		}
		total += w
	}
	if total == 0 {
		return nil, errors.New("lm.Mix: the weights sum to zero")
	}
	// A model without weight contributes nothing, not even its vocabulary: its words would otherwise become known
	// words of probability 10^-99, worse for a decoder than unknown ones.
	var kept []*Model
	var lambda []float64
	for i, w := range weights {
		if w > 0 {
			kept = append(kept, models[i])
			lambda = append(lambda, w/total)
		}
	}
	models = kept

	// The union vocabulary, in the order the models list their words; toModel[i][u] is the id in model i of
	// union word u, or -1.
	var words []string
	index := map[string]int32{}
	order := 0
	for _, m := range models {
		order = max(order, m.order)
		for _, w := range m.words {
			if _, ok := index[w]; !ok {
				index[w] = int32(len(words))
				words = append(words, w)
			}
		}
	}
	toModel := make([][]int32, len(models))
	fromModel := make([][]int32, len(models))
	for i, m := range models {
		toModel[i] = make([]int32, len(words))
		for u, w := range words {
			id, ok := m.ids[w]
			if !ok {
				id = -1
			}
			toModel[i][u] = id
		}
		fromModel[i] = make([]int32, len(m.words))
		for id, w := range m.words {
			fromModel[i][id] = index[w]
		}
	}

	// mixed returns the interpolated probability of key's last word after the rest of it.
	mixed := func(key []int32) float64 {
		var p float64
		w := key[len(key)-1]
		for i, m := range models {
			if toModel[i][w] < 0 {
				continue
			}
			var s State
			for _, c := range key[:len(key)-1] {
				id := toModel[i][c]
				if id < 0 {
					id = m.unk // a context word the model does not know is its <unk>
				}
				s = m.next(s, id)
			}
			p += lambda[i] * math.Pow(10, m.log10(s, toModel[i][w]))
		}
		return p
	}

	lists := make([]*gramList, order)
	for k := range order {
		n := k + 1
		// The union of the models' n-grams, in union ids, sorted and without repeats.
		var keys []int32
		for i, m := range models {
			if n > m.order {
				continue
			}
			m.eachNgram(n, func(ids []int32, _, _ int) {
				for _, id := range ids {
					keys = append(keys, fromModel[i][id])
				}
			})
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		keys = sortedUnique(keys, n)
		gl := &gramList{n: n, ids: keys, prob: make([]float32, len(keys)/n)}
		if n < order {
			gl.bow = make([]float32, len(gl.prob))
		}
		for j := range gl.prob {
			if j%4096 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			gl.prob[j] = float32(log10OrFloor(mixed(gl.key(j))))
		}
		lists[k] = gl
	}
	out, err := assemble("mixture", words, lists)
	if err != nil {
		return nil, fmt.Errorf("lm.Mix: %w", err)
	}
	// Back-off weights, lowest order first: a context's weight needs the mixture's own lower-order distribution,
	// whose back-off weights are then already in place.
	for k := 0; k+1 < order; k++ {
		var err error
		out.eachNgram(k+1, func(h []int32, lv, i int) {
			if err != nil {
				return
			}
			if i%4096 == 0 && ctx.Err() != nil {
				err = ctx.Err()
				return
			}
			out.levels[lv].bow[i] = out.backoffWeight(h, lv, i)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// backoffWeight is the weight that makes the distribution after context h (stored at level lv, index i) sum to one
// given the probabilities stored for its extensions: (1 − Σ p(w|h)) / (1 − Σ p(w|h')) over the stored extensions
// w, where h' is h without its first word.
func (m *Model) backoffWeight(h []int32, lv, i int) float32 {
	lo, hi := m.levels[lv].child[i], m.levels[lv].child[i+1]
	if lo == hi {
		return 0
	}
	var shorter State
	for _, c := range h[1:] {
		shorter = m.next(shorter, c)
	}
	num, den := 1.0, 1.0
	next := &m.levels[lv+1]
	for j := lo; j < hi; j++ {
		num -= math.Pow(10, float64(next.prob[j]))
		den -= math.Pow(10, m.log10(shorter, next.word[j]))
	}
	// Rounding can leave the explicit mass a hair above one; the words left to back off to then get (almost)
	// nothing rather than a negative or infinite weight.
	const tiny = 1e-12
	switch {
	case num < tiny:
		return missingLog10 + 1
	case den < tiny:
		// The shorter context's stored words hold all its mass, so backed-off words get (almost) nothing there
		// whatever the weight; a huge weight could only push probabilities above one.
		return 0
	}
	return float32(math.Log10(num / den))
}

func log10OrFloor(p float64) float64 {
	if p <= 0 {
		return missingLog10 + 1
	}
	return max(math.Log10(p), missingLog10+1)
}

// sortedUnique sorts keys (stride n) and drops repeats.
func sortedUnique(keys []int32, n int) []int32 {
	count := len(keys) / n
	perm := make([]int32, count)
	for i := range perm {
		perm[i] = int32(i)
	}
	key := func(i int32) []int32 { return keys[int(i)*n : (int(i)+1)*n] }
	slices.SortFunc(perm, func(a, b int32) int { return slices.Compare(key(a), key(b)) })
	out := make([]int32, 0, len(keys))
	for j, p := range perm {
		if j > 0 && slices.Equal(key(p), key(perm[j-1])) {
			continue
		}
		out = append(out, key(p)...)
	}
	return out
}

// eachNgram calls f for every stored n-gram of order n with its words and where it is stored (level and index).
// ids is reused between calls.
func (m *Model) eachNgram(n int, f func(ids []int32, lv, i int)) {
	if n < 1 || n > m.order {
		return
	}
	path := make([]int32, n)
	var walk func(depth, lv, i int)
	walk = func(depth, lv, i int) {
		if depth == n {
			f(path, lv, i)
			return
		}
		l := &m.levels[lv]
		for j := l.child[i]; j < l.child[i+1]; j++ {
			path[depth] = m.levels[lv+1].word[j]
			walk(depth+1, lv+1, int(j))
		}
	}
	for id := range m.words {
		path[0] = int32(id)
		walk(1, 0, id)
	}
}
