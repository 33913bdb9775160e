package decoder

// hotOnly marks a vocabulary-trie word that the LM does not know but a hot phrase contains: it is scored as <unk>
// without the unknown-word penalty.
const hotOnly = -2

// trie is a symbol trie, built with maps and then flattened into sorted edge arrays for lookups. Node 0 is the root.
// It serves both as the LM vocabulary (word ids at word ends) and as the hot-phrase set (partial credit per node and
// a boost at phrase ends).
type trie struct {
	edges []map[int16]int32 // while building

	first []int32 // node i's edges are first[i]..first[i+1]
	sym   []int16
	to    []int32

	word    []int32   // LM word id ending here, hotOnly, or -1
	part    []float64 // hot: credit for having matched up to here
	boost   []float64 // hot: boost of the phrase ending here
	isEnd   []bool    // hot: a phrase ends here
	partSet []bool
}

func newTrie() *trie {
	t := &trie{}
	t.node()
	return t
}

func (t *trie) node() int32 {
	t.edges = append(t.edges, nil)
	t.word = append(t.word, -1)
	t.part = append(t.part, 0)
	t.boost = append(t.boost, 0)
	t.isEnd = append(t.isEnd, false)
	t.partSet = append(t.partSet, false)
	return int32(len(t.edges) - 1)
}

func (t *trie) walk(syms []int16, visit func(n int32, depth int)) int32 {
	n := int32(0)
	for i, s := range syms {
		if t.edges[n] == nil {
			t.edges[n] = map[int16]int32{}
		}
		next, ok := t.edges[n][s]
		if !ok {
			next = t.node()
			t.edges[n][s] = next
		}
		n = next
		if visit != nil {
			visit(n, i+1)
		}
	}
	return n
}

func (t *trie) addWord(syms []int16, id int32) {
	n := t.walk(syms, nil)
	if t.word[n] < 0 || id >= 0 {
		t.word[n] = id
	}
}

// addPhrase adds a hot phrase. Credit is handed out in proportion to the symbols matched so far, so that a beam
// that has only begun a hot phrase already gains part of its boost and survives pruning.
func (t *trie) addPhrase(syms []int16, boost float64) {
	l := float64(len(syms))
	n := t.walk(syms, func(n int32, depth int) {
		c := boost * float64(depth) / l
		if !t.partSet[n] || c > t.part[n] {
			t.part[n], t.partSet[n] = c, true
		}
	})
	if !t.isEnd[n] || boost > t.boost[n] {
		t.boost[n] = boost
	}
	t.isEnd[n] = true
}

// finish flattens the maps into sorted edge arrays.
func (t *trie) finish() {
	t.first = make([]int32, len(t.edges)+1)
	for i, m := range t.edges {
		t.first[i+1] = t.first[i] + int32(len(m))
	}
	t.sym = make([]int16, t.first[len(t.edges)])
	t.to = make([]int32, len(t.sym))
	for i, m := range t.edges {
		k := t.first[i]
		for s, n := range m {
			t.sym[k], t.to[k] = s, n
			k++
		}
		// Insertion sort: nodes have at most a few dozen edges.
		lo := t.first[i]
		for a := lo + 1; a < k; a++ {
			for b := a; b > lo && t.sym[b] < t.sym[b-1]; b-- {
				t.sym[b], t.sym[b-1] = t.sym[b-1], t.sym[b]
				t.to[b], t.to[b-1] = t.to[b-1], t.to[b]
			}
		}
	}
	t.edges = nil
	t.partSet = nil
}

// child returns the node reached from n by symbol s, or -1.
func (t *trie) child(n int32, s int16) int32 {
	for k := t.first[n]; k < t.first[n+1]; k++ {
		if t.sym[k] == s {
			return t.to[k]
		}
	}
	return -1
}
