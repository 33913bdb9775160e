// Package lm is Hark's word n-gram language model: it loads ARPA files of any order, reads and writes a compact
// binary format that loads with one sequential read, builds modified Kneser–Ney models from plain text, and answers
// back-off probability queries for the decoder's shallow fusion.
//
// A model is a forward trie stored as flat sorted arrays, one level per order: unigrams are indexed by word id and
// every n-gram entry points at the contiguous, word-id-sorted range of its (n+1)-gram extensions. The same arrays are
// what the binary format stores, so loading is a decode, not a rebuild.
package lm

import (
	"fmt"
	"math"
	"sort"
)

// MaxOrder is the highest n-gram order a Model can hold.
const MaxOrder = 8

// Names of the special words, as in ARPA files.
const (
	BOS = "<s>"
	EOS = "</s>"
	UNK = "<unk>"
)

// missingLog10 is the log10 probability given to an unknown word when the model has no <unk> entry (KenLM does
// the same); it makes out-of-vocabulary words practically impossible, as a closed-vocabulary model intends.
const missingLog10 = -100

const ln10 = math.Ln10

// FormatError reports a malformed language model file: which file and what is wrong with it.
type FormatError struct {
	File    string // file name as given by the caller ("" if unknown)
	Line    int    // 1-based line for text formats, 0 otherwise
	Problem string
	Err     error // underlying error, if any
}

func (e *FormatError) Error() string {
	name := e.File
	if name == "" {
		name = "language model"
	}
	if e.Line > 0 {
		name = fmt.Sprintf("%s:%d", name, e.Line)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", name, e.Problem, e.Err)
	}
	return fmt.Sprintf("%s: %s", name, e.Problem)
}

func (e *FormatError) Unwrap() error { return e.Err }

// level is one order of the trie. Level 0 (unigrams) is indexed by word id and has no word array.
type level struct {
	word  []int32   // last word of each n-gram; sorted within each parent's child range
	prob  []float32 // log10 probability
	bow   []float32 // log10 back-off weight; nil at the highest order
	child []uint32  // child[i]..child[i+1] is the range of extensions in the next level; nil at the highest order
}

// Model is an immutable back-off n-gram model. It is safe for concurrent use.
type Model struct {
	order         int
	words         []string
	ids           map[string]int32
	unk, bos, eos int32 // -1 when absent
	levels        []level
}

// State is the word context of a query: up to Order()-1 previous words, oldest first. The zero State is the empty
// context.
type State struct {
	n int8
	w [MaxOrder - 1]int32
}

// Len reports how many context words the state holds.
func (s State) Len() int { return int(s.n) }

// Order returns the model's n-gram order.
func (m *Model) Order() int { return m.order }

// NumWords returns the vocabulary size, special words included.
func (m *Model) NumWords() int { return len(m.words) }

// Word returns the word with id i.
func (m *Model) Word(i int32) string { return m.words[i] }

// Counts returns the number of stored n-grams of each order, unigrams first.
func (m *Model) Counts() []int {
	c := make([]int, m.order)
	for k := range m.levels {
		c[k] = len(m.levels[k].prob)
	}
	return c
}

// ID returns the id of word and whether the model knows it. Unknown words map to the <unk> id (or -1 if the model
// has none), so the result can always be passed to Score.
func (m *Model) ID(word string) (int32, bool) {
	if id, ok := m.ids[word]; ok {
		return id, true
	}
	return m.unk, false
}

// IsSpecial reports whether id is <s>, </s> or <unk>.
func (m *Model) IsSpecial(id int32) bool { return id == m.unk || id == m.bos || id == m.eos }

// BeginState returns the context at the start of a sentence (after <s>).
func (m *Model) BeginState() State {
	var s State
	if m.bos >= 0 && m.order > 1 {
		s.n = 1
		s.w[0] = m.bos
	}
	return s
}

// Score returns the natural-log probability of word after the context s and the context that follows it. Word ids
// outside the vocabulary (such as -1 from ID on a model without <unk>) get a probability of 10^-100.
func (m *Model) Score(s State, word int32) (float64, State) {
	lp := m.log10(s, word)
	return lp * ln10, m.next(s, word)
}

// EndScore returns the natural-log probability of ending the sentence (</s>) after the context s.
func (m *Model) EndScore(s State) float64 {
	if m.eos < 0 {
		return 0
	}
	return m.log10(s, m.eos) * ln10
}

// Log10Prob returns log10 p(words[len-1] | words[:len-1]) with back-off, as an ARPA tool would report it. Unknown
// words are mapped to <unk>.
func (m *Model) Log10Prob(words ...string) float64 {
	if len(words) == 0 {
		return 0
	}
	var s State
	for _, w := range words[:len(words)-1] {
		id, _ := m.ID(w)
		s = m.next(s, id)
	}
	id, _ := m.ID(words[len(words)-1])
	return m.log10(s, id)
}

// next appends word to the context, keeping the last order-1 words.
func (m *Model) next(s State, word int32) State {
	keep := m.order - 1
	if keep <= 0 {
		return State{}
	}
	if int(s.n) < keep {
		s.w[s.n] = word
		s.n++
		return s
	}
	copy(s.w[:keep-1], s.w[1:keep])
	s.w[keep-1] = word
	return s
}

func (m *Model) log10(s State, word int32) float64 {
	if word < 0 || int(word) >= len(m.words) {
		return missingLog10
	}
	var buf [MaxOrder]int32
	ctx := s.w[:s.n]
	var bo float64
	for j := 0; j <= len(ctx); j++ {
		g := append(append(buf[:0], ctx[j:]...), word)
		if lv, i, ok := m.find(g); ok {
			return bo + float64(m.levels[lv].prob[i])
		}
		if j < len(ctx) {
			if lv, i, ok := m.find(ctx[j:]); ok {
				bo += float64(m.levels[lv].bow[i])
			}
		}
	}
	// Unreachable for a valid model: every word has a unigram.
	return missingLog10
}

// find locates the n-gram g (len ≥ 1) and returns its level and index.
func (m *Model) find(g []int32) (int, int, bool) {
	if len(g) == 0 || len(g) > m.order {
		return 0, 0, false
	}
	i := int(g[0])
	if i < 0 || i >= len(m.words) {
		return 0, 0, false
	}
	for k := 1; k < len(g); k++ {
		lv := &m.levels[k-1]
		lo, hi := int(lv.child[i]), int(lv.child[i+1])
		ws := m.levels[k].word[lo:hi]
		j := sort.Search(len(ws), func(x int) bool { return ws[x] >= g[k] })
		if j == len(ws) || ws[j] != g[k] {
			return 0, 0, false
		}
		i = lo + j
	}
	return len(g) - 1, i, true
}

// validate checks the structural invariants that queries rely on, so that a corrupt but well-framed file cannot make
// a query index out of range.
func (m *Model) validate(name string) error {
	bad := func(format string, args ...any) error {
		return &FormatError{File: name, Problem: fmt.Sprintf(format, args...)}
	}
	if m.order < 1 || m.order > MaxOrder || len(m.levels) != m.order {
		return bad("order %d out of range 1..%d", m.order, MaxOrder)
	}
	if len(m.levels[0].prob) != len(m.words) {
		return bad("%d unigrams for %d words", len(m.levels[0].prob), len(m.words))
	}
	for _, id := range []int32{m.unk, m.bos, m.eos} {
		if id < -1 || int(id) >= len(m.words) {
			return bad("special word id %d out of range", id)
		}
	}
	// Word arrays first: checking level k's child ranges reads level k+1's words.
	for k := 1; k < len(m.levels); k++ {
		if len(m.levels[k].word) != len(m.levels[k].prob) {
			return bad("%d-gram arrays have inconsistent lengths", k+1)
		}
	}
	for k := range m.levels {
		lv := &m.levels[k]
		n := len(lv.prob)
		for _, p := range lv.prob {
			if math.IsNaN(float64(p)) || p > 0 {
				return bad("%d-gram probability %v is not a log10 probability", k+1, p)
			}
		}
		if k+1 < m.order {
			if len(lv.bow) != n || len(lv.child) != n+1 {
				return bad("%d-gram arrays have inconsistent lengths", k+1)
			}
			for _, b := range lv.bow {
				if math.IsNaN(float64(b)) || math.IsInf(float64(b), 0) {
					return bad("%d-gram back-off weight %v is not finite", k+1, b)
				}
			}
			nextN := len(m.levels[k+1].prob)
			if lv.child[0] != 0 || int(lv.child[n]) != nextN {
				return bad("%d-gram child ranges do not cover the %d-grams", k+1, k+2)
			}
			next := m.levels[k+1].word
			for i := 0; i < n; i++ {
				lo, hi := lv.child[i], lv.child[i+1]
				if hi < lo || int(hi) > nextN {
					return bad("%d-gram child ranges are not increasing", k+1)
				}
				for j := lo; j < hi; j++ {
					if next[j] < 0 || int(next[j]) >= len(m.words) {
						return bad("%d-gram word id %d out of range", k+2, next[j])
					}
					if j > lo && next[j] <= next[j-1] {
						return bad("%d-grams are not sorted by word id", k+2)
					}
				}
			}
		} else if lv.bow != nil || lv.child != nil {
			return bad("highest order has back-off data")
		}
	}
	return nil
}

// indexWords builds the word → id map and finds the special words; it fails on duplicate words.
func (m *Model) indexWords(name string) error {
	m.ids = make(map[string]int32, len(m.words))
	m.unk, m.bos, m.eos = -1, -1, -1
	for i, w := range m.words {
		if _, dup := m.ids[w]; dup {
			return &FormatError{File: name, Problem: fmt.Sprintf("word %q appears twice in the vocabulary", w)}
		}
		m.ids[w] = int32(i)
		switch w {
		case UNK:
			m.unk = int32(i)
		case BOS:
			m.bos = int32(i)
		case EOS:
			m.eos = int32(i)
		}
	}
	return nil
}
