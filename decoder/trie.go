package decoder

import (
	"math"
	"slices"

	"github.com/harkspeech/hark/decoder/lm"
)

// hotOnly marks a vocabulary-trie word that the LM does not know but a hot phrase contains: it is scored as <unk>
// without the unknown-word penalty.
const hotOnly = -2

// trie is a symbol trie in first-child/next-sibling form (siblings sorted by symbol), kept in flat arrays so that a
// 100k-word vocabulary builds in milliseconds and costs a few bytes per node. Node 0 is the root. It serves both as
// the LM vocabulary (word ids at word ends) and as the hot-phrase set (partial credit per node, boosts at ends).
type trie struct {
	sym   []int16
	first []int32 // first child, -1 if none
	next  []int32 // next sibling, -1 if none

	word  []int32   // LM word id ending here, hotOnly, or -1
	part  []float64 // hot: credit for having matched up to here
	boost []float64 // hot: boost of the phrase ending here
	isEnd []bool    // hot: a phrase ends here
	seen  []bool    // hot: part has been set

	look []float64 // vocabulary: best unigram ln p among the words at or below each node (0 at the root); nil when off
}

func newTrie() *trie {
	t := &trie{}
	t.node(-1)
	return t
}

func (t *trie) node(sym int16) int32 {
	t.sym = append(t.sym, sym)
	t.first = append(t.first, -1)
	t.next = append(t.next, -1)
	t.word = append(t.word, -1)
	return int32(len(t.sym) - 1)
}

// insertChild returns n's child for s, creating it in sorted position.
func (t *trie) insertChild(n int32, s int16) int32 {
	prev := int32(-1)
	c := t.first[n]
	for c >= 0 && t.sym[c] < s {
		prev, c = c, t.next[c]
	}
	if c >= 0 && t.sym[c] == s {
		return c
	}
	k := t.node(s)
	t.next[k] = c
	if prev < 0 {
		t.first[n] = k
	} else {
		t.next[prev] = k
	}
	return k
}

// child returns the node reached from n by symbol s, or -1.
func (t *trie) child(n int32, s int16) int32 {
	for c := t.first[n]; c >= 0; c = t.next[c] {
		if t.sym[c] >= s {
			if t.sym[c] == s {
				return c
			}
			return -1
		}
	}
	return -1
}

func (t *trie) addWord(syms []int16, id int32) {
	n := int32(0)
	for _, s := range syms {
		n = t.insertChild(n, s)
	}
	if t.word[n] < 0 || id >= 0 {
		t.word[n] = id
	}
}

// addPhrase adds a hot phrase. Credit is handed out in proportion to the symbols matched so far, so that a beam
// that has only begun a hot phrase already gains part of its boost and survives pruning.
func (t *trie) addPhrase(syms []int16, boost float64) {
	n := int32(0)
	for i, s := range syms {
		n = t.insertChild(n, s)
		for len(t.part) < len(t.sym) {
			t.part = append(t.part, 0)
			t.boost = append(t.boost, 0)
			t.isEnd = append(t.isEnd, false)
			t.seen = append(t.seen, false)
		}
		c := boost * float64(i+1) / float64(len(syms))
		if !t.seen[n] || c > t.part[n] {
			t.part[n], t.seen[n] = c, true
		}
	}
	if !t.isEnd[n] || boost > t.boost[n] {
		t.boost[n] = boost
	}
	t.isEnd[n] = true
}

// finish completes construction: a hot-phrase trie's arrays cover every node. A vocabulary trie has none, and
// the search never reads them there.
func (t *trie) finish() {
	if t.part != nil {
		for len(t.part) < len(t.sym) {
			t.part = append(t.part, 0)
			t.boost = append(t.boost, 0)
			t.isEnd = append(t.isEnd, false)
		}
	}
	t.seen = nil
}

// reserve makes room for n more nodes, so that building a vocabulary trie does not regrow its arrays.
func (t *trie) reserve(n int) {
	t.sym = slices.Grow(t.sym, n)
	t.first = slices.Grow(t.first, n)
	t.next = slices.Grow(t.next, n)
	t.word = slices.Grow(t.word, n)
}

// smear fills look: for every node, the highest unigram natural-log probability of the words at or below it. A
// word that only hot phrases know is charged as <unk> (or nothing, without one), as wordScore scores it. The root
// gets 0: no word has been started there.
func (t *trie) smear(model *lm.Model) {
	t.look = make([]float64, len(t.sym))
	unk, haveUnk := model.ID(lm.UNK)
	var walk func(n int32) float64
	walk = func(n int32) float64 {
		best := math.Inf(-1)
		switch w := t.word[n]; {
		case w >= 0:
			best, _ = model.Score(lm.State{}, w)
		case w == hotOnly && haveUnk:
			best, _ = model.Score(lm.State{}, unk)
		case w == hotOnly:
			best = 0
		}
		for c := t.first[n]; c >= 0; c = t.next[c] {
			best = max(best, walk(c))
		}
		t.look[n] = best
		return best
	}
	walk(0)
	t.look[0] = 0
}

// lookahead returns the charge already paid for the unfinished word at node n: 0 without smearing or at the root.
func (t *trie) lookahead(n int32) float64 {
	if t.look == nil || n <= 0 {
		return 0
	}
	return t.look[n]
}
