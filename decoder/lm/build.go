package lm

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// Builder limits: n-grams are packed into 128-bit keys of 21 bits per word.
const (
	keyBits       = 21
	maxBuildVocab = 1<<keyBits - 1
	// MaxBuildOrder is the highest order Build accepts.
	MaxBuildOrder = 6
)

// BuildOptions configures Build.
type BuildOptions struct {
	// Order is the n-gram order (default 3).
	Order int
	// Prune holds per-order count thresholds, unigrams first: an n-gram whose count is at or below its order's
	// threshold is dropped (its probability mass goes to the back-off weight). Below the highest order the count is
	// the Kneser–Ney adjusted (continuation) count. Unigrams are never pruned; missing entries repeat the last one.
	// KenLM's "--prune 0 0 1" means the same here.
	Prune []uint64
	// MaxNgrams bounds memory while counting: when more distinct highest-order n-grams than this are held, the
	// rarest are dropped until a fifth of the budget is free (lossy counting). 0 means 40 million.
	MaxNgrams int
	// KeepCase keeps the text's letter case; by default words are lower-cased to match the acoustic vocabulary.
	KeepCase bool
}

// BuildStats reports what Build saw and kept.
type BuildStats struct {
	Sentences, Words int64
	Vocabulary       int
	Counted, Kept    []int // distinct n-grams per order before and after pruning
	Discounts        [][3]float64
	LossyThreshold   uint32 // highest count dropped by the memory bound (0: counting was exact)
}

// gram is an n-gram packed into 128 bits, first word most significant, so that comparing keys of one order compares
// their words lexicographically.
type gram struct{ hi, lo uint64 }

func cmpGram(a, b gram) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// push appends a word id to the right of g.
func (g gram) push(id int32) gram {
	return gram{hi: g.hi<<keyBits | g.lo>>(64-keyBits), lo: g.lo<<keyBits | uint64(id)}
}

// last returns the final word of g.
func (g gram) last() int32 { return int32(g.lo & (1<<keyBits - 1)) }

// prefix drops the final word.
func (g gram) prefix() gram { return gram{hi: g.hi >> keyBits, lo: g.lo>>keyBits | g.hi<<(64-keyBits)} }

// suffix drops the first word of an n-gram of length n.
func (g gram) suffix(n int) gram {
	bits := uint((n - 1) * keyBits)
	if bits >= 64 {
		return gram{hi: g.hi & (1<<(bits-64) - 1), lo: g.lo}
	}
	return gram{lo: g.lo & (1<<bits - 1)}
}

func makeGram(ids []int32) gram {
	var g gram
	for _, id := range ids {
		g = g.push(id)
	}
	return g
}

// counted is one order's n-grams in key order with their (adjusted) counts.
type counted struct {
	keys   []gram
	counts []uint32
}

// OpenFiles returns a reader over the concatenation of the files (gzip-compressed ones decompressed), with a line
// break between files, for Build.
func OpenFiles(paths ...string) (io.ReadCloser, error) {
	mr := &multiFile{paths: paths}
	return mr, nil
}

type multiFile struct {
	paths []string
	f     *os.File
	r     io.Reader
	sep   bool
}

func (m *multiFile) Read(p []byte) (int, error) {
	for {
		if m.r == nil {
			if m.sep {
				m.sep = false
				p[0] = '\n'
				return 1, nil
			}
			if len(m.paths) == 0 {
				return 0, io.EOF
			}
			f, err := os.Open(m.paths[0])
			if err != nil {
				return 0, err
			}
			m.f = f
			br := bufio.NewReaderSize(f, 1<<16)
			m.r = br
			if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
				zr, err := gzip.NewReader(br)
				if err != nil {
					return 0, fmt.Errorf("%s: %w", m.paths[0], err)
				}
				m.r = zr
			}
		}
		n, err := m.r.Read(p)
		if err == io.EOF {
			m.f.Close()
			m.f, m.r = nil, nil
			m.paths = m.paths[1:]
			m.sep = true
			err = nil
		} else if err != nil {
			err = fmt.Errorf("%s: %w", m.paths[0], err)
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

func (m *multiFile) Close() error {
	if m.f != nil {
		return m.f.Close()
	}
	return nil
}

// Build estimates an interpolated modified Kneser–Ney model (Chen & Goodman 1998, as KenLM's lmplz does it) from
// text with one sentence per line and words separated by white space, and returns it in back-off form.
func Build(ctx context.Context, text io.Reader, opts BuildOptions) (*Model, BuildStats, error) {
	var st BuildStats
	N := opts.Order
	if N == 0 {
		N = 3
	}
	if N < 1 || N > MaxBuildOrder {
		return nil, st, fmt.Errorf("lm: order %d out of range 1..%d", N, MaxBuildOrder)
	}
	maxGrams := opts.MaxNgrams
	if maxGrams <= 0 {
		maxGrams = 40_000_000
	}
	// Special words take the first ids.
	words := []string{UNK, BOS, EOS}
	ids := map[string]int32{UNK: 0, BOS: 1, EOS: 2}
	const unk, bos, eos = 0, 1, 2

	top := counted{}
	const chunkSize = 1 << 22
	buf := make([]gram, 0, chunkSize)
	starts := make([]map[gram]uint32, N) // <s>-initial n-grams of orders below N, with raw counts
	for n := 1; n < N; n++ {
		starts[n] = map[gram]uint32{}
	}
	flush := func() {
		top = mergeCounts(top, countSorted(buf))
		buf = buf[:0]
		if len(top.keys) > maxGrams {
			// Free a fifth of the budget so that pruning does not run at every flush.
			for len(top.keys) > maxGrams*4/5 {
				st.LossyThreshold++
				top = dropRare(top, st.LossyThreshold)
			}
		}
	}
	br := bufio.NewReaderSize(text, 1<<20)
	sent := make([]int32, 0, 64)
	for {
		line, rerr := br.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, st, rerr
		}
		fields := strings.Fields(line)
		if len(fields) > 0 {
			if st.Sentences%4096 == 0 && ctx.Err() != nil {
				return nil, st, ctx.Err()
			}
			st.Sentences++
			st.Words += int64(len(fields))
			sent = append(sent[:0], bos)
			for _, w := range fields {
				if !opts.KeepCase {
					w = strings.ToLower(w)
				}
				id, ok := ids[w]
				if !ok {
					if w == BOS || w == EOS || w == UNK {
						return nil, st, fmt.Errorf("lm: text contains the reserved word %s", w)
					}
					if len(words) >= maxBuildVocab {
						return nil, st, fmt.Errorf("lm: vocabulary exceeds %d words", maxBuildVocab)
					}
					id = int32(len(words))
					w = strings.Clone(w)
					ids[w] = id
					words = append(words, w)
				}
				sent = append(sent, id)
			}
			sent = append(sent, eos)
			for i := 0; i+N <= len(sent); i++ {
				buf = append(buf, makeGram(sent[i:i+N]))
				if len(buf) == chunkSize {
					flush()
				}
			}
			for n := 1; n < N && n <= len(sent); n++ {
				starts[n][makeGram(sent[:n])]++
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	flush()
	if st.Sentences == 0 {
		return nil, st, errors.New("lm: no text to build from")
	}
	st.Vocabulary = len(words)

	// Adjusted counts: raw at the highest order and for <s>-initial n-grams, otherwise the number of distinct words
	// seen to the left (the Kneser–Ney continuation count).
	orders := make([]counted, N)
	orders[N-1] = top
	for n := N - 1; n >= 1; n-- {
		higher := orders[n] // order n+1
		suf := make([]gram, len(higher.keys))
		for i, k := range higher.keys {
			suf[i] = k.suffix(n + 1)
		}
		cont := countSorted(suf)
		var ini counted
		for k, c := range starts[n] {
			ini.keys = append(ini.keys, k)
			ini.counts = append(ini.counts, c)
		}
		sortCounted(&ini)
		orders[n-1] = mergeCounts(cont, ini)
	}
	// Every word gets a unigram, even if it only occurs where it earns no continuation count (<s>, <unk>).
	uni := make([]uint32, len(words))
	for i, k := range orders[0].keys {
		uni[k.lo] = orders[0].counts[i]
	}
	uni[bos] = 0

	b := &kn{N: N, words: words, prune: opts.Prune}
	st.Counted = make([]int, N)
	for n := range N {
		st.Counted[n] = len(orders[n].keys)
	}
	st.Counted[0] = len(words)
	m, err := b.estimate(ctx, uni, orders, &st)
	if err != nil {
		return nil, st, err
	}
	return m, st, nil
}

// countSorted sorts keys in place and returns the distinct keys with their multiplicities.
func countSorted(keys []gram) counted {
	slices.SortFunc(keys, cmpGram)
	var c counted
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		c.keys = append(c.keys, keys[i])
		c.counts = append(c.counts, uint32(j-i))
		i = j
	}
	return c
}

func sortCounted(c *counted) {
	idx := make([]int, len(c.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmpGram(c.keys[a], c.keys[b]) })
	keys := make([]gram, len(idx))
	counts := make([]uint32, len(idx))
	for i, j := range idx {
		keys[i], counts[i] = c.keys[j], c.counts[j]
	}
	c.keys, c.counts = keys, counts
}

// mergeCounts merges two sorted count lists, adding the counts of equal keys.
func mergeCounts(a, b counted) counted {
	if len(a.keys) == 0 {
		return b
	}
	if len(b.keys) == 0 {
		return a
	}
	out := counted{keys: make([]gram, 0, len(a.keys)+len(b.keys)), counts: make([]uint32, 0, len(a.keys)+len(b.keys))}
	i, j := 0, 0
	for i < len(a.keys) || j < len(b.keys) {
		switch {
		case j == len(b.keys) || i < len(a.keys) && cmpGram(a.keys[i], b.keys[j]) < 0:
			out.keys, out.counts = append(out.keys, a.keys[i]), append(out.counts, a.counts[i])
			i++
		case i == len(a.keys) || cmpGram(a.keys[i], b.keys[j]) > 0:
			out.keys, out.counts = append(out.keys, b.keys[j]), append(out.counts, b.counts[j])
			j++
		default:
			out.keys, out.counts = append(out.keys, a.keys[i]), append(out.counts, a.counts[i]+b.counts[j])
			i++
			j++
		}
	}
	return out
}

// dropRare removes entries with count ≤ t, compacting in place.
func dropRare(c counted, t uint32) counted {
	k := 0
	for i := range c.keys {
		if c.counts[i] > t {
			c.keys[k], c.counts[k] = c.keys[i], c.counts[i]
			k++
		}
	}
	return counted{keys: slices.Clip(c.keys[:k]), counts: slices.Clip(c.counts[:k])}
}

// kn holds the estimation state: finished orders are kept as sorted keys with their log10 probability and back-off
// so that lower-order probabilities can be looked up while the next order is estimated.
type kn struct {
	N     int
	words []string
	prune []uint64
	keys  [][]gram
	prob  [][]float32
	bow   [][]float32
}

func (b *kn) threshold(n int) uint64 {
	if n == 1 || len(b.prune) == 0 {
		return 0
	}
	if n-1 < len(b.prune) {
		return b.prune[n-1]
	}
	return b.prune[len(b.prune)-1]
}

// discounts computes the modified Kneser–Ney discounts D1, D2, D3+ from the counts of counts. When the counts of
// counts are degenerate (tiny corpora) the formula can fail; then every count gets the absolute discount Y, or 0.5.
func discounts(counts []uint32) [3]float64 {
	var t [5]float64
	for _, c := range counts {
		if c >= 1 && c <= 4 {
			t[c]++
		}
	}
	if t[1] > 0 && t[2] > 0 && t[3] > 0 && t[4] > 0 {
		y := t[1] / (t[1] + 2*t[2])
		d := [3]float64{1 - 2*y*t[2]/t[1], 2 - 3*y*t[3]/t[2], 3 - 4*y*t[4]/t[3]}
		if d[0] > 0 && d[0] < 1 && d[1] > 0 && d[1] < 2 && d[2] > 0 && d[2] < 3 {
			return d
		}
	}
	y := 0.5
	if t[1] > 0 && t[2] > 0 {
		y = t[1] / (t[1] + 2*t[2])
	}
	return [3]float64{y, y, y}
}

func discount(d [3]float64, c uint32) float64 {
	switch c {
	case 0:
		return 0
	case 1:
		return d[0]
	case 2:
		return d[1]
	}
	return d[2]
}

func (b *kn) estimate(ctx context.Context, uni []uint32, orders []counted, st *BuildStats) (*Model, error) {
	N := b.N
	b.keys = make([][]gram, N)
	b.prob = make([][]float32, N)
	b.bow = make([][]float32, N)
	st.Kept = make([]int, N)
	st.Discounts = make([][3]float64, N)

	// Unigrams: interpolated with the uniform distribution over every word but <s>.
	const bos = 1
	d := discounts(uni)
	st.Discounts[0] = d
	var total, gamma float64
	for id, c := range uni {
		if id == bos {
			continue
		}
		total += float64(c)
		gamma += discount(d, c)
	}
	gamma /= total
	uniform := 1 / float64(len(uni)-1)
	b.keys[0] = make([]gram, len(uni))
	b.prob[0] = make([]float32, len(uni))
	b.bow[0] = make([]float32, len(uni))
	for id, c := range uni {
		b.keys[0][id] = gram{lo: uint64(id)}
		if id == bos {
			b.prob[0][id] = -99
			continue
		}
		p := (float64(c)-discount(d, c))/total + gamma*uniform
		b.prob[0][id] = float32(math.Log10(p))
	}
	st.Kept[0] = len(uni)

	for n := 2; n <= N; n++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o := orders[n-1]
		d := discounts(o.counts)
		st.Discounts[n-1] = d
		thr := b.threshold(n)
		var keys []gram
		var probs []float32
		bows := b.bow[n-2]
		for i := 0; i < len(o.keys); {
			h := o.keys[i].prefix()
			j := i
			for j < len(o.keys) && o.keys[j].prefix() == h {
				j++
			}
			hIdx, hKept := b.lookup(n-1, h)
			var sum, num float64
			for k := i; k < j; k++ {
				c := o.counts[k]
				sum += float64(c)
				if hKept && uint64(c) > thr {
					num += discount(d, c)
				} else {
					num += float64(c)
				}
			}
			g := num / sum
			if hKept {
				bows[hIdx] = float32(math.Log10(g))
				for k := i; k < j; k++ {
					c := o.counts[k]
					if uint64(c) <= thr {
						continue
					}
					lower := b.backoffProb(n-1, o.keys[k].suffix(n))
					p := (float64(c)-discount(d, c))/sum + g*lower
					keys = append(keys, o.keys[k])
					probs = append(probs, float32(math.Log10(p)))
				}
			}
			i = j
		}
		b.keys[n-1] = keys
		b.prob[n-1] = probs
		if n < N {
			b.bow[n-1] = make([]float32, len(keys))
		}
		st.Kept[n-1] = len(keys)
		orders[n-1] = counted{} // free the counts as we go
	}
	return b.model()
}

// lookup finds an n-gram among the kept ones of order n.
func (b *kn) lookup(n int, g gram) (int, bool) {
	if n == 1 {
		return int(g.lo), true
	}
	ks := b.keys[n-1]
	i, ok := slices.BinarySearchFunc(ks, g, cmpGram)
	return i, ok
}

// backoffProb returns the model probability (not log) of the n-gram g of order n from the kept entries of orders
// ≤ n, backing off as a query would.
func (b *kn) backoffProb(n int, g gram) float64 {
	var bo float64
	for ; n >= 1; n-- {
		if i, ok := b.lookup(n, g); ok {
			return math.Pow(10, bo+float64(b.prob[n-1][i]))
		}
		if i, ok := b.lookup(n-1, g.prefix()); ok {
			bo += float64(b.bow[n-2][i])
		}
		g = g.suffix(n)
	}
	return math.Pow(10, bo) // unreachable: every word has a unigram
}

// model links the kept n-grams into trie levels.
func (b *kn) model() (*Model, error) {
	m := &Model{order: b.N, words: b.words, levels: make([]level, b.N)}
	if err := m.indexWords(""); err != nil {
		return nil, err
	}
	for k := range b.N {
		lv := &m.levels[k]
		lv.prob = b.prob[k]
		if k > 0 {
			lv.word = make([]int32, len(b.keys[k]))
			for i, g := range b.keys[k] {
				lv.word[i] = g.last()
			}
		}
		if k+1 < b.N {
			lv.bow = b.bow[k]
			lv.child = make([]uint32, len(lv.prob)+1)
			next := b.keys[k+1]
			p := 0
			for _, g := range next {
				h := g.prefix()
				for cmpGram(b.keys[k][p], h) < 0 {
					p++
				}
				lv.child[p+1]++
			}
			for i := 1; i < len(lv.child); i++ {
				lv.child[i] += lv.child[i-1]
			}
		}
	}
	if err := m.validate(""); err != nil {
		return nil, fmt.Errorf("lm: internal error: built model is inconsistent: %w", err)
	}
	return m, nil
}
