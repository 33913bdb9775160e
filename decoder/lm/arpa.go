package lm

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// gramList collects the n-grams of one order before they are sorted into a trie level.
type gramList struct {
	n    int
	ids  []int32 // n ids per entry
	prob []float32
	bow  []float32
}

func (g *gramList) len() int { return len(g.prob) }

func (g *gramList) key(i int) []int32 { return g.ids[i*g.n : (i+1)*g.n] }

// assemble sorts each order's n-grams and links them into trie levels. Every n-gram's (n-1)-word prefix must itself
// be present, because that is where its context's back-off weight and child range live.
func assemble(name string, words []string, lists []*gramList) (*Model, error) {
	m := &Model{order: len(lists), words: words}
	if err := m.indexWords(name); err != nil {
		return nil, err
	}
	m.levels = make([]level, m.order)
	// Unigrams: one per word, indexed by id.
	uni := lists[0]
	lv0 := &m.levels[0]
	lv0.prob = make([]float32, len(words))
	if m.order > 1 {
		lv0.bow = make([]float32, len(words))
	}
	for i := range uni.len() {
		id := uni.ids[i]
		lv0.prob[id] = uni.prob[i]
		if lv0.bow != nil {
			lv0.bow[id] = uni.bow[i]
		}
	}
	// prevKeys holds the sorted keys of the previous level (stride k) for prefix lookups.
	var prevKeys []int32
	for i := range words {
		prevKeys = append(prevKeys, int32(i))
	}
	for k := 1; k < m.order; k++ {
		gl := lists[k]
		n := k + 1
		perm := make([]int, gl.len())
		for i := range perm {
			perm[i] = i
		}
		slices.SortFunc(perm, func(a, b int) int { return slices.Compare(gl.key(a), gl.key(b)) })
		lv := &m.levels[k]
		lv.word = make([]int32, len(perm))
		lv.prob = make([]float32, len(perm))
		if k+1 < m.order {
			lv.bow = make([]float32, len(perm))
		}
		parent := &m.levels[k-1]
		parent.child = make([]uint32, len(parent.prob)+1)
		keys := make([]int32, 0, len(perm)*n)
		p := 0
		for j, idx := range perm {
			key := gl.key(idx)
			if j > 0 && slices.Equal(key, gl.key(perm[j-1])) {
				return nil, &FormatError{File: name, Problem: fmt.Sprintf("%d-gram %q appears twice", n, m.join(key))}
			}
			prefix := key[:k]
			for p < len(parent.prob) && slices.Compare(prevKeys[p*k:(p+1)*k], prefix) < 0 {
				p++
			}
			if p == len(parent.prob) || !slices.Equal(prevKeys[p*k:(p+1)*k], prefix) {
				return nil, &FormatError{File: name, Problem: fmt.Sprintf("%d-gram %q has no %d-gram for its context %q",
					n, m.join(key), k, m.join(prefix))}
			}
			parent.child[p+1]++
			lv.word[j] = key[k]
			lv.prob[j] = gl.prob[idx]
			if lv.bow != nil {
				lv.bow[j] = gl.bow[idx]
			}
			keys = append(keys, key...)
		}
		for i := 1; i < len(parent.child); i++ {
			parent.child[i] += parent.child[i-1]
		}
		prevKeys = keys
	}
	if err := m.validate(name); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Model) join(ids []int32) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = m.words[id]
	}
	return strings.Join(parts, " ")
}

// ReadARPA parses an ARPA back-off language model. name is used in error messages. Orders above MaxOrder, n-grams
// whose context is missing, unknown words in higher orders and counts that disagree with the \data\ header are
// errors.
func ReadARPA(ctx context.Context, r io.Reader, name string) (*Model, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	bad := func(format string, args ...any) error {
		return &FormatError{File: name, Line: line, Problem: fmt.Sprintf(format, args...)}
	}
	next := func() (string, bool) {
		for sc.Scan() {
			line++
			t := strings.TrimSpace(sc.Text())
			if t != "" {
				return t, true
			}
		}
		return "", false
	}
	// Skip anything before \data\ (some tools write comments there).
	for {
		t, ok := next()
		if !ok {
			if err := sc.Err(); err != nil {
				return nil, &FormatError{File: name, Line: line, Problem: "read failed", Err: err}
			}
			return nil, &FormatError{File: name, Problem: "no \\data\\ section: not an ARPA file"}
		}
		if t == `\data\` {
			break
		}
	}
	var declared []int
	var t string
	for {
		var ok bool
		t, ok = next()
		if !ok {
			return nil, bad("unexpected end of file in \\data\\ section")
		}
		if !strings.HasPrefix(t, "ngram ") {
			break
		}
		nStr, cStr, found := strings.Cut(strings.TrimSpace(t[len("ngram "):]), "=")
		n, err1 := strconv.Atoi(strings.TrimSpace(nStr))
		c, err2 := strconv.Atoi(strings.TrimSpace(cStr))
		if !found || err1 != nil || err2 != nil || c < 0 {
			return nil, bad("malformed count line %q", t)
		}
		if n != len(declared)+1 {
			return nil, bad("ngram %d declared out of order", n)
		}
		if n > MaxOrder {
			return nil, bad("order %d is above the supported maximum %d", n, MaxOrder)
		}
		declared = append(declared, c)
	}
	order := len(declared)
	if order == 0 {
		return nil, bad("\\data\\ section declares no n-grams")
	}
	var words []string
	ids := map[string]int32{}
	lists := make([]*gramList, order)
	for n := 1; n <= order; n++ {
		if t != fmt.Sprintf(`\%d-grams:`, n) {
			return nil, bad("expected \\%d-grams: section, found %q", n, t)
		}
		gl := &gramList{n: n}
		lists[n-1] = gl
		for {
			var ok bool
			t, ok = next()
			if !ok {
				if err := sc.Err(); err != nil {
					return nil, &FormatError{File: name, Line: line, Problem: "read failed", Err: err}
				}
				return nil, bad("unexpected end of file in \\%d-grams: section", n)
			}
			if strings.HasPrefix(t, `\`) {
				break
			}
			if gl.len()%65536 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			f := strings.Fields(t)
			if len(f) != n+1 && !(len(f) == n+2 && n < order) {
				return nil, bad("%d-gram line has %d fields", n, len(f))
			}
			p, err := parseLog10(f[0])
			if err != nil {
				return nil, bad("bad probability %q", f[0])
			}
			var b float32
			if len(f) == n+2 {
				if b, err = parseBackoff(f[n+1]); err != nil {
					return nil, bad("bad back-off weight %q", f[n+1])
				}
			}
			for _, w := range f[1 : n+1] {
				id, known := ids[w]
				if !known {
					if n > 1 {
						return nil, bad("word %q is not among the unigrams", w)
					}
					id = int32(len(words))
					ids[w] = id
					words = append(words, w)
				} else if n == 1 {
					return nil, bad("unigram %q appears twice", w)
				}
				gl.ids = append(gl.ids, id)
			}
			gl.prob = append(gl.prob, p)
			gl.bow = append(gl.bow, b)
		}
		if gl.len() != declared[n-1] {
			return nil, bad("\\data\\ declares %d %d-grams but the section has %d", declared[n-1], n, gl.len())
		}
	}
	if t != `\end\` {
		return nil, bad("expected \\end\\, found %q", t)
	}
	return assemble(name, words, lists)
}

// parseLog10 parses an ARPA log10 value. ARPA files write -99 (or -inf) for "impossible", such as p(<s>); those are
// kept as a large negative finite number so that arithmetic on them stays finite.
func parseLog10(s string) (float32, error) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return 0, err
	case math.IsNaN(v):
		return 0, fmt.Errorf("not a number")
	case v > 1e-4:
		return 0, fmt.Errorf("positive log probability")
	case v > 0:
		v = 0 // rounding noise such as 1e-8
	case v < -99:
		v = -99
	}
	return float32(v), nil
}

// parseBackoff parses a log10 back-off weight, which may be positive.
func parseBackoff(s string) (float32, error) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return 0, err
	case math.IsNaN(v) || math.IsInf(v, 1) || v > 99:
		return 0, fmt.Errorf("not a finite number")
	case v < -99:
		v = -99
	}
	return float32(v), nil
}

// WriteARPA writes the model in ARPA format, n-grams of each order in lexicographic word-id order.
func (m *Model) WriteARPA(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, "\\data\\\n")
	for k, c := range m.Counts() {
		fmt.Fprintf(bw, "ngram %d=%d\n", k+1, c)
	}
	var path [MaxOrder]int32
	for n := 1; n <= m.order; n++ {
		fmt.Fprintf(bw, "\n\\%d-grams:\n", n)
		var walk func(depth, lv, i int)
		walk = func(depth, lv, i int) {
			if depth == n {
				l := &m.levels[lv]
				bw.WriteString(strconv.FormatFloat(float64(l.prob[i]), 'g', 7, 32))
				for _, id := range path[:n] {
					bw.WriteByte('\t')
					bw.WriteString(m.words[id])
				}
				if l.bow != nil && n < m.order {
					bw.WriteByte('\t')
					bw.WriteString(strconv.FormatFloat(float64(l.bow[i]), 'g', 7, 32))
				}
				bw.WriteByte('\n')
				return
			}
			l := &m.levels[lv]
			for j := l.child[i]; j < l.child[i+1]; j++ {
				path[depth] = m.levels[lv+1].word[j]
				walk(depth+1, lv+1, int(j))
			}
		}
		// Unigrams are written in id order.
		for id := range m.words {
			path[0] = int32(id)
			walk(1, 0, id)
		}
	}
	fmt.Fprintf(bw, "\n\\end\\\n")
	return bw.Flush()
}
