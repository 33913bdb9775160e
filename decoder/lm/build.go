package lm

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"container/heap"
	"context"
	"encoding/binary"
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
	// MaxNgrams bounds memory while counting: at most this many distinct highest-order n-grams are held in memory;
	// beyond that they are written to sorted temporary files and merged at the end, streaming, so that only the
	// n-grams that survive Prune are held again. 0 means 10 million (about 200 MB).
	MaxNgrams int
	// TempDir is where spilled counts go ("" means os.TempDir()).
	TempDir string
	// KeepCase keeps the text's letter case; by default words are lower-cased to match the acoustic vocabulary.
	KeepCase bool
	// Exclude lists sentences to leave out of the counts, typically the transcripts of dev and test sets, so that
	// a model scored on them has not read them. A line of text is left out when its words, joined by single
	// spaces (and lower-cased unless KeepCase), equal a key.
	Exclude map[string]bool
}

// BuildStats reports what Build saw and kept.
type BuildStats struct {
	Sentences, Words int64
	Excluded         int64 // sentences left out because Exclude lists them
	Vocabulary       int
	Counted, Kept    []int // distinct n-grams per order before and after pruning
	Discounts        [][3]float64
	Spills           int // sorted runs of counts written to temporary files (0: counting fitted in memory)
}

// SentenceKey is how BuildOptions.Exclude names a sentence: its words joined by single spaces, lower-cased
// unless keepCase.
func SentenceKey(text string, keepCase bool) string {
	return sentenceKey(strings.Fields(text), keepCase)
}

func sentenceKey(words []string, keepCase bool) string {
	k := strings.Join(words, " ")
	if !keepCase {
		k = strings.ToLower(k)
	}
	return k
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
// break between files, for Build. A file holding NUL bytes (audio, a model, anything but text) is an error that
// names it, rather than a vocabulary of garbage.
func OpenFiles(paths ...string) (io.ReadCloser, error) {
	return OpenInputs(nil, paths...)
}

// OpenInputs is OpenFiles where the path "-" stands for stdin (read once, and not closed), when stdin is not nil.
func OpenInputs(stdin io.Reader, paths ...string) (io.ReadCloser, error) {
	dashes := 0
	for _, p := range paths {
		if p == "-" && stdin != nil {
			if dashes++; dashes > 1 {
				return nil, errors.New("lm: standard input (-) can be read only once")
			}
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, err
		}
	}
	return &multiFile{paths: paths, stdin: stdin}, nil
}

type multiFile struct {
	paths []string
	stdin io.Reader
	f     *os.File
	r     io.Reader
	sep   bool
	off   int64 // bytes of the current file read so far (decompressed)
	err   error // a NUL byte was found: every later Read returns this
}

func (m *multiFile) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if len(p) == 0 {
		return 0, nil
	}
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
			var src io.Reader
			if m.paths[0] == "-" && m.stdin != nil {
				src, m.off = m.stdin, 0
			} else {
				f, err := os.Open(m.paths[0])
				if err != nil {
					return 0, err
				}
				src, m.f, m.off = f, f, 0
			}
			br := bufio.NewReaderSize(src, 1<<16)
			m.r = br
			if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
				zr, err := gzip.NewReader(br)
				if err != nil {
					return 0, fmt.Errorf("%s: %w", m.name(), err)
				}
				m.r = zr
			}
		}
		n, err := m.r.Read(p)
		if i := bytes.IndexByte(p[:n], 0); i >= 0 {
			// Sticky, so that a caller reading on cannot get the rest of the file as if nothing were wrong. The
			// offset counts decompressed bytes for a .gz file.
			m.err = fmt.Errorf("%s: NUL byte at offset %d: not a text file", m.name(), m.off+int64(i))
			return 0, m.err
		}
		m.off += int64(n)
		if err == io.EOF {
			if m.f != nil {
				m.f.Close()
			}
			m.f, m.r = nil, nil
			m.paths = m.paths[1:]
			m.sep = true
			err = nil
		} else if err != nil {
			err = fmt.Errorf("%s: %w", m.name(), err)
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// name is how errors name the current input.
func (m *multiFile) name() string {
	if m.paths[0] == "-" && m.stdin != nil {
		return "stdin"
	}
	return m.paths[0]
}

func (m *multiFile) Close() error {
	if m.f != nil {
		return m.f.Close()
	}
	return nil
}

// Build estimates an interpolated modified Kneser–Ney model (Chen & Goodman 1998, as KenLM's lmplz does it) from
// text with one sentence per line and words separated by white space, and returns it in back-off form.
//
// Memory: the vocabulary, at most MaxNgrams highest-order n-grams while counting (the rest spill to disk), the
// distinct lower-order n-grams, and the highest-order n-grams that survive pruning.
func Build(ctx context.Context, text io.Reader, opts BuildOptions) (*Model, BuildStats, error) {
	var st BuildStats
	N := opts.Order
	if N == 0 {
		N = 3
	}
	if N < 1 || N > MaxBuildOrder {
		return nil, st, fmt.Errorf("lm: order %d out of range 1..%d", N, MaxBuildOrder)
	}
	if len(opts.Prune) > N {
		// More thresholds than orders is a mistake about the order (KenLM refuses it too), not extra precision.
		return nil, st, fmt.Errorf("lm: %d prune thresholds for an order-%d model: give at most one per order", len(opts.Prune), N)
	}
	maxGrams := opts.MaxNgrams
	if maxGrams <= 0 {
		maxGrams = 10_000_000
	}
	// Special words take the first ids.
	words := []string{UNK, BOS, EOS}
	ids := map[string]int32{UNK: 0, BOS: 1, EOS: 2}
	const bos, eos = 1, 2

	sp := &spiller{dir: opts.TempDir}
	defer sp.cleanup()
	top := counted{}
	chunkSize := min(1<<21, maxGrams)
	buf := make([]gram, 0, chunkSize)
	starts := make([]map[gram]uint32, N) // <s>-initial n-grams of orders below N, with raw counts
	for n := 1; n < N; n++ {
		starts[n] = map[gram]uint32{}
	}
	flush := func() error {
		top = mergeCounts(top, countSorted(buf))
		buf = buf[:0]
		if len(top.keys) > maxGrams {
			if err := sp.spill(top); err != nil {
				return err
			}
			top = counted{}
		}
		return nil
	}
	br := bufio.NewReaderSize(text, 1<<20)
	sent := make([]int32, 0, 64)
	for {
		line, rerr := br.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, st, rerr
		}
		fields := strings.Fields(line)
		if len(fields) > 0 && len(opts.Exclude) > 0 && opts.Exclude[sentenceKey(fields, opts.KeepCase)] {
			st.Excluded++
			fields = nil
		}
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
				if id == bos || id == eos {
					// Sentence markers come from line ends; one inside a line would corrupt the counts (KenLM
					// refuses them too). <unk> may appear: it counts as the unknown word.
					return nil, st, fmt.Errorf("lm: sentence %d contains the reserved word %s", st.Sentences, w)
				}
				if !ok {
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
					if err := flush(); err != nil {
						return nil, st, err
					}
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
	if err := flush(); err != nil {
		return nil, st, err
	}
	if st.Sentences == 0 {
		return nil, st, errors.New("lm: no text to build from")
	}
	st.Vocabulary = len(words)
	st.Spills = len(sp.files)
	st.Counted = make([]int, N)
	st.Kept = make([]int, N)
	st.Discounts = make([][3]float64, N)
	b := &kn{N: N, words: words, prune: opts.Prune}

	// Stream the highest order in key order (merging spilled runs): take its counts of counts, keep what survives
	// pruning with its context's totals, and count the distinct left extensions of every suffix on the way.
	orders := make([]counted, N)
	groups := make([][]group, N)
	var suffixes counted
	sufBuf := make([]gram, 0, chunkSize)
	var coc [5]float64
	thr := b.threshold(N)
	var kept counted
	if len(sp.files) == 0 {
		// Everything is in top, which the merge reads in order: compact the survivors into it in place (each write
		// lands at or before the entry being read).
		kept = counted{keys: top.keys[:0], counts: top.counts[:0]}
	}
	var g *group
	err := sp.merge(top, func(k gram, c uint32) error {
		st.Counted[N-1]++
		if c <= 4 {
			coc[c]++
		}
		if N > 1 {
			sufBuf = append(sufBuf, k.suffix(N))
			if len(sufBuf) == chunkSize {
				suffixes = mergeCounts(suffixes, countSorted(sufBuf))
				sufBuf = sufBuf[:0]
			}
			if h := k.prefix(); g == nil || g.h != h {
				if g != nil && !g.used {
					groups[N-1] = groups[N-1][:len(groups[N-1])-1] // all pruned: nothing will look it up
				}
				groups[N-1] = append(groups[N-1], group{h: h})
				g = &groups[N-1][len(groups[N-1])-1]
			}
			g.sum += float64(c)
		}
		if uint64(c) > thr {
			kept.keys = append(kept.keys, k)
			kept.counts = append(kept.counts, c)
			if g != nil {
				g.used = true
			}
		} else if g != nil {
			g.pruned += float64(c)
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	top = counted{}
	sp.cleanup()
	orders[N-1] = kept
	st.Discounts[N-1] = discountsFrom(coc)
	if N > 1 {
		suffixes = mergeCounts(suffixes, countSorted(sufBuf))
		sufBuf = nil
	}

	// Lower orders: adjusted counts are the continuation counts of the suffixes, plus raw counts for <s>-initial
	// n-grams; the next order down takes the suffixes of all of them.
	for n := N - 1; n >= 1; n-- {
		var ini counted
		for k, c := range starts[n] {
			ini.keys = append(ini.keys, k)
			ini.counts = append(ini.counts, c)
		}
		starts[n] = nil
		sortCounted(&ini)
		all := mergeCounts(suffixes, ini)
		st.Counted[n-1] = len(all.keys)
		st.Discounts[n-1] = discounts(all.counts)
		if n > 1 {
			suf := make([]gram, len(all.keys))
			for i, k := range all.keys {
				suf[i] = k.suffix(n)
			}
			suffixes = countSorted(suf)
			orders[n-1], groups[n-1] = pruneOrder(all, b.threshold(n))
		} else {
			orders[0] = all
		}
	}
	// Every word gets a unigram, even if it only occurs where it earns no continuation count (<s>, <unk>).
	uni := make([]uint32, len(words))
	for i, k := range orders[0].keys {
		uni[k.lo] = orders[0].counts[i]
	}
	uni[bos] = 0
	st.Counted[0] = len(words)
	m, err := b.estimate(ctx, uni, orders, groups, &st)
	if err != nil {
		return nil, st, err
	}
	return m, st, nil
}

// group is the total count of one context's extensions and the part of it that pruning removed.
type group struct {
	h           gram
	sum, pruned float64
	used        bool // some extension survived pruning
}

// pruneOrder splits an order's adjusted counts into the kept n-grams and their contexts' totals.
func pruneOrder(all counted, thr uint64) (counted, []group) {
	var kept counted
	var groups []group
	for i, k := range all.keys {
		c := all.counts[i]
		h := k.prefix()
		if len(groups) == 0 || groups[len(groups)-1].h != h {
			groups = append(groups, group{h: h})
		}
		g := &groups[len(groups)-1]
		g.sum += float64(c)
		if uint64(c) > thr {
			kept.keys = append(kept.keys, k)
			kept.counts = append(kept.counts, c)
			g.used = true
		} else {
			g.pruned += float64(c)
		}
	}
	return kept, groups
}

// spiller writes sorted runs of counts to temporary files and merges them back.
type spiller struct {
	dir   string
	files []string
}

const runRecord = 20 // hi, lo uint64 and count uint32, little-endian

func (sp *spiller) spill(c counted) error {
	f, err := os.CreateTemp(sp.dir, "hark-lm-counts-*.run")
	if err != nil {
		return fmt.Errorf("lm: spilling counts: %w", err)
	}
	sp.files = append(sp.files, f.Name())
	bw := bufio.NewWriterSize(f, 1<<20)
	var rec [runRecord]byte
	for i, k := range c.keys {
		binary.LittleEndian.PutUint64(rec[0:], k.hi)
		binary.LittleEndian.PutUint64(rec[8:], k.lo)
		binary.LittleEndian.PutUint32(rec[16:], c.counts[i])
		bw.Write(rec[:])
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("lm: spilling counts: %w", err)
	}
	return f.Close()
}

func (sp *spiller) cleanup() {
	for _, name := range sp.files {
		os.Remove(name)
	}
	sp.files = nil
}

// runReader is one sorted source in the merge: a spilled file or the in-memory remainder.
type runReader struct {
	r     *bufio.Reader
	f     *os.File
	mem   counted
	i     int
	key   gram
	count uint32
}

func (rr *runReader) next() (bool, error) {
	if rr.r == nil {
		if rr.i >= len(rr.mem.keys) {
			return false, nil
		}
		rr.key, rr.count = rr.mem.keys[rr.i], rr.mem.counts[rr.i]
		rr.i++
		return true, nil
	}
	var rec [runRecord]byte
	if _, err := io.ReadFull(rr.r, rec[:]); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, fmt.Errorf("lm: reading spilled counts: %w", err)
	}
	rr.key = gram{hi: binary.LittleEndian.Uint64(rec[0:]), lo: binary.LittleEndian.Uint64(rec[8:])}
	rr.count = binary.LittleEndian.Uint32(rec[16:])
	return true, nil
}

// merge calls f for every distinct key of the spilled runs and mem, in key order, with the summed count.
func (sp *spiller) merge(mem counted, f func(gram, uint32) error) error {
	var rs []*runReader
	defer func() {
		for _, r := range rs {
			if r.f != nil {
				r.f.Close()
			}
		}
	}()
	for _, name := range sp.files {
		fh, err := os.Open(name)
		if err != nil {
			return err
		}
		rs = append(rs, &runReader{r: bufio.NewReaderSize(fh, 1<<16), f: fh})
	}
	rs = append(rs, &runReader{mem: mem})
	h := &runHeap{}
	for _, r := range rs {
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			h.rs = append(h.rs, r)
		}
	}
	heap.Init(h)
	for len(h.rs) > 0 {
		k := h.rs[0].key
		var c uint32
		for len(h.rs) > 0 && h.rs[0].key == k {
			r := h.rs[0]
			c += r.count
			ok, err := r.next()
			if err != nil {
				return err
			}
			if ok {
				heap.Fix(h, 0)
			} else {
				heap.Pop(h)
			}
		}
		if err := f(k, c); err != nil {
			return err
		}
	}
	return nil
}

type runHeap struct{ rs []*runReader }

func (h *runHeap) Len() int           { return len(h.rs) }
func (h *runHeap) Less(i, j int) bool { return cmpGram(h.rs[i].key, h.rs[j].key) < 0 }
func (h *runHeap) Swap(i, j int)      { h.rs[i], h.rs[j] = h.rs[j], h.rs[i] }
func (h *runHeap) Push(x any)         { h.rs = append(h.rs, x.(*runReader)) }
func (h *runHeap) Pop() any {
	x := h.rs[len(h.rs)-1]
	h.rs = h.rs[:len(h.rs)-1]
	return x
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
	return discountsFrom(t)
}

// discountsFrom computes the discounts from t[k] = number of n-grams with count k, k = 1..4.
func discountsFrom(t [5]float64) [3]float64 {
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

func (b *kn) estimate(ctx context.Context, uni []uint32, orders []counted, groups [][]group, st *BuildStats) (*Model, error) {
	N := b.N
	b.keys = make([][]gram, N)
	b.prob = make([][]float32, N)
	b.bow = make([][]float32, N)

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
		o := orders[n-1] // the n-grams that survived count pruning, in key order
		d := st.Discounts[n-1]
		keys := o.keys[:0] // compacted in place: writes never overtake reads
		var probs []float32
		bows := b.bow[n-2]
		i := 0
		for _, g := range groups[n-1] {
			j := i
			for j < len(o.keys) && o.keys[j].prefix() == g.h {
				j++
			}
			if j == i {
				continue // every extension pruned: the back-off weight stays 1
			}
			hIdx, hKept := b.lookup(n-1, g.h)
			if hKept {
				num := g.pruned
				for k := i; k < j; k++ {
					num += discount(d, o.counts[k])
				}
				gam := num / g.sum
				bows[hIdx] = float32(math.Log10(gam))
				for k := i; k < j; k++ {
					c := o.counts[k]
					lower := b.backoffProb(n-1, o.keys[k].suffix(n))
					p := (float64(c)-discount(d, c))/g.sum + gam*lower
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
		orders[n-1], groups[n-1] = counted{}, nil // free the counts as we go
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
