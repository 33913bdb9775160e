package decoder

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/harkspeech/hark/decoder/lm"
)

var negInf = math.Inf(-1)

// logAdd returns log(exp(a) + exp(b)).
func logAdd(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if b == negInf {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// node is one prefix (label sequence after merging repeats and dropping blanks) in the prefix tree that the beam
// search grows. Everything that depends only on the prefix — language-model state, bonuses — is fixed when the node
// is created, and folded into the probability of every path that enters it, so prefixes compare by one number.
type node struct {
	parent   *node
	children []*node
	sym      int16 // -1 at the root
	id       int64 // creation order, for deterministic ties

	pb, pnb         float64 // log mass at the last finished frame: paths ending in blank / in sym
	nb, ncont, next float64 // accumulators for the current frame: blank, repeated sym, newly emitted sym
	score           float64 // logAdd(pb, pnb)
	touchT, snapT   int32   // frame at which the node was last touched / took its timing snapshot
	inBeam          bool
	delta, bonus    float64 // bonus for appending sym; total bonus along the prefix
	lmSum           float64 // natural-log LM probability of the completed words
	nwords          int32
	lmState         lm.State
	vnode, hot      int32   // position in the vocabulary trie (-1: off it) and in the hot-phrase trie (-1: none)
	wlen            int32   // letters since the last space
	hotPend         float64 // hot-phrase credit not yet confirmed by a completed phrase
	start, end      int32   // frames where sym was first and last emitted on the dominant path
	peak            float32 // highest posterior of sym over those frames
	ws, we          int32   // letters: start of the current word; spaces: start and end of the word they close
	wmin            float32 // letters: lowest peak of the earlier letters of this word; spaces: the word's confidence
	cws, cwe        int32   // timing snapshot candidates taken from the parent at the first extension in a frame
	cwmin           float32
}

// search is the state of one prefix beam search.
type search struct {
	d       *Decoder
	root    *node
	beam    []*node
	touched []*node
	dead    []*node
	free    []*node // released nodes, reused to spare the allocator
	order   []int   // symbol order scratch
	cands   []int
	row     []float32 // the frame with the blank penalty applied
	t       int32
	nextID  int64
}

func (d *Decoder) newSearch() *search {
	s := &search{d: d}
	s.root = &node{sym: -1, pb: 0, pnb: negInf, score: 0, nb: negInf, ncont: negInf, next: negInf,
		touchT: -1, snapT: -1, inBeam: true, hot: -1}
	if d.opts.LM != nil {
		s.root.lmState = d.opts.LM.BeginState()
	}
	s.beam = []*node{s.root}
	s.order = make([]int, len(d.vocab.Symbols))
	return s
}

func (s *search) isSpace(sym int16) bool { return int(sym) == s.d.vocab.Space }

// candidates returns the symbols to try at this frame: most probable first, until CutoffTopN of them or until their
// probabilities add up to CutoffProb.
func (s *search) candidates(row []float32) []int {
	o := s.order
	for i := range o {
		o[i] = i
	}
	// Insertion sort by descending probability (V is a few dozen).
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && row[o[j]] > row[o[j-1]]; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
	opts := &s.d.opts
	n := min(opts.CutoffTopN, len(o))
	if opts.CutoffProb < 1 {
		var cum float64
		for i := 0; i < n; i++ {
			cum += math.Exp(float64(row[o[i]]))
			if cum >= opts.CutoffProb {
				n = i + 1
				break
			}
		}
	}
	if opts.ClosedVocabulary {
		// A prefix must be able to wait, on blanks, through sounds it may not spell, or a frame whose likely
		// symbols begin no allowed word would empty the beam.
		if i := slices.Index(o, s.d.vocab.Blank); i >= n {
			o[n], o[i] = o[i], o[n]
			n++
		}
	}
	return o[:n]
}

func (s *search) touch(n *node) {
	if n.touchT != s.t {
		n.touchT = s.t
		n.nb, n.ncont, n.next = negInf, negInf, negInf
		s.touched = append(s.touched, n)
	}
}

// step advances the search by one frame of log-probabilities.
func (s *search) step(row []float32) {
	t := s.t
	blank := s.d.vocab.Blank
	if pen := s.d.opts.BlankPenalty; pen != 0 {
		s.row = append(s.row[:0], row...)
		s.row[blank] -= float32(pen)
		row = s.row
	}
	cands := s.candidates(row)
	s.touched = s.touched[:0]
	floor := s.floor(row, cands)
	for _, p := range s.beam {
		ptotal := logAdd(p.pb, p.pnb)
		for _, c := range cands {
			l := float64(row[c])
			sym := int16(c)
			switch {
			case c == blank:
				s.touch(p)
				p.nb = logAdd(p.nb, ptotal+l)
			case s.isSpace(sym) && (p.sym < 0 || s.isSpace(p.sym)):
				// Leading and repeated spaces change nothing in the text: they stay on this prefix.
				s.touch(p)
				if p.sym < 0 {
					p.nb = logAdd(p.nb, ptotal+l)
				} else {
					p.ncont = logAdd(p.ncont, ptotal+l)
				}
			case sym == p.sym:
				s.touch(p)
				p.ncont = logAdd(p.ncont, p.pnb+l)
				if p.pb > negInf && !s.prunable(p, sym, p.pb+l, floor) {
					s.extend(s.child(p, sym), p, p.pb+l)
				}
			case !s.prunable(p, sym, ptotal+l, floor):
				s.extend(s.child(p, sym), p, ptotal+l)
			}
		}
	}
	for _, n := range s.touched {
		nnb := logAdd(n.ncont, n.next)
		if n.sym >= 0 {
			pk := float32(math.Min(1, math.Exp(float64(row[n.sym]))))
			switch {
			case n.snapT == t && n.next > logAdd(n.ncont, n.nb):
				// A fresh emission at this frame outweighs the paths that emitted sym earlier.
				n.start, n.end, n.peak = t, t, pk
				n.ws, n.we, n.wmin = n.cws, n.cwe, n.cwmin
			case nnb > n.nb:
				n.end = t
				n.peak = max(n.peak, pk)
			}
		}
		n.pb, n.pnb = n.nb, nnb
		n.score = logAdd(n.pb, n.pnb)
	}
	for _, n := range s.beam {
		if n.touchT != t {
			n.pb, n.pnb, n.score, n.inBeam = negInf, negInf, negInf, false
			s.dead = append(s.dead, n)
		}
	}
	selectTop(s.touched, s.d.opts.BeamWidth)
	s.beam = s.beam[:0]
	for i, n := range s.touched {
		if i < s.d.opts.BeamWidth && n.score > negInf {
			n.inBeam = true
			s.beam = append(s.beam, n)
		} else {
			n.pb, n.pnb, n.score, n.inBeam = negInf, negInf, negInf, false
			s.dead = append(s.dead, n)
		}
	}
	for _, n := range s.dead {
		s.release(n)
	}
	s.dead = s.dead[:0]
	s.t++
}

// floor returns a score that at least BeamWidth prefixes will reach or beat at this frame, or -Inf when there is
// no such bound. With a full beam and the blank among the candidates, every prefix in the beam carries its whole
// mass on through a blank, so each ends the frame with at least its total + log p(blank); the lowest of those is
// the bound. A prefix created at this frame gets mass from its parent alone and loses ties to older ones, so one
// whose mass plus the largest possible bonus is below floor would be pruned at the end of the frame anyway:
// skipping it changes nothing but the time taken.
func (s *search) floor(row []float32, cands []int) float64 {
	blank := s.d.vocab.Blank
	if len(s.beam) < s.d.opts.BeamWidth || math.IsInf(s.d.maxDelta, 1) || !slices.Contains(cands, blank) {
		return negInf
	}
	lo := math.Inf(1)
	for _, p := range s.beam {
		lo = math.Min(lo, p.score)
	}
	return lo + float64(row[blank])
}

// prunable reports whether extending p by sym with mass lp would create a prefix that floor rules out. An
// existing child is never skipped: it may be in the beam, and the mass belongs to it.
func (s *search) prunable(p *node, sym int16, lp, floor float64) bool {
	bound := s.d.maxDelta
	if s.d.words != nil && p.vnode > 0 {
		// Ending or leaving a word refunds its lookahead charge (≤ 0), which can make the bonus positive; a letter
		// that stays in the vocabulary only adds charge.
		refund := -s.d.opts.Alpha * s.d.words.lookahead(p.vnode)
		if s.isSpace(sym) {
			bound += refund
		} else {
			bound = max(bound, s.d.unkPen+refund)
		}
	}
	if lp+bound >= floor {
		return false
	}
	for _, c := range p.children {
		if c.sym == sym {
			return false
		}
	}
	return true
}

// better orders nodes by score, then by creation for determinism.
func better(a, b *node) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.id < b.id
}

// selectTop moves the k best nodes to the front of ns, in order; the rest follow in no particular order.
func selectTop(ns []*node, k int) {
	if k < len(ns) {
		// Quickselect so that ns[:k] holds the k best.
		lo, hi := 0, len(ns)-1
		for lo < hi {
			mid := lo + (hi-lo)/2
			pivot := ns[mid]
			ns[mid], ns[hi] = ns[hi], ns[mid]
			store := lo
			for i := lo; i < hi; i++ {
				if better(ns[i], pivot) {
					ns[i], ns[store] = ns[store], ns[i]
					store++
				}
			}
			ns[store], ns[hi] = ns[hi], ns[store]
			switch {
			case store == k:
				lo = hi
			case store < k:
				lo = store + 1
			default:
				hi = store - 1
			}
		}
		ns = ns[:k]
	}
	slices.SortFunc(ns, func(a, b *node) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
}

// release detaches a node that left the beam and has no descendants, and then its parent likewise, so that the
// prefix tree stays proportional to the beam.
func (s *search) release(n *node) {
	for n != nil && n.parent != nil && !n.inBeam && len(n.children) == 0 {
		p := n.parent
		for i, c := range p.children {
			if c == n {
				last := len(p.children) - 1
				p.children[i] = p.children[last]
				p.children[last] = nil
				p.children = p.children[:last]
				break
			}
		}
		n.parent = nil
		s.free = append(s.free, n)
		n = p
	}
}

// extend adds the mass lp of paths that newly emit ch.sym after its parent p.
func (s *search) extend(ch, p *node, lp float64) {
	s.touch(ch)
	if ch.snapT != s.t {
		ch.snapT = s.t
		switch {
		case s.isSpace(ch.sym):
			ch.cws, ch.cwe, ch.cwmin = p.ws, p.end, min(p.wmin, p.peak)
		case p.sym < 0 || s.isSpace(p.sym):
			ch.cws, ch.cwe, ch.cwmin = s.t, 0, 1
		default:
			ch.cws, ch.cwe, ch.cwmin = p.ws, 0, min(p.wmin, p.peak)
		}
	}
	ch.next = logAdd(ch.next, lp+ch.delta)
}

// child returns p's child for sym, creating it with its language-model and hot-word state.
func (s *search) child(p *node, sym int16) *node {
	for _, c := range p.children {
		if c.sym == sym {
			return c
		}
	}
	d := s.d
	s.nextID++
	var ch *node
	if k := len(s.free); k > 0 {
		ch = s.free[k-1]
		s.free = s.free[:k-1]
	} else {
		ch = new(node)
	}
	children := ch.children[:0]
	*ch = node{parent: p, children: children, sym: sym, id: s.nextID, pb: negInf, pnb: negInf, score: negInf,
		touchT: -1, snapT: -1, lmSum: p.lmSum, nwords: p.nwords, lmState: p.lmState, vnode: p.vnode, wlen: p.wlen + 1}
	var delta float64
	if s.isSpace(sym) {
		wd, lnp, next := s.wordScore(p)
		delta += wd
		ch.lmSum += lnp
		ch.lmState = next
		ch.nwords++
		ch.vnode, ch.wlen = 0, 0
	} else if d.words != nil {
		if p.vnode >= 0 {
			ch.vnode = d.words.child(p.vnode, sym)
			if ch.vnode < 0 && d.opts.ClosedVocabulary {
				delta = negInf // no word starts so: the prefix never enters the beam
			} else if ch.vnode < 0 {
				// The word just left the vocabulary: it pays the penalty instead of its lookahead charge.
				delta += d.unkPen - d.opts.Alpha*d.words.lookahead(p.vnode)
			} else {
				delta += d.opts.Alpha * (d.words.lookahead(ch.vnode) - d.words.lookahead(p.vnode))
			}
		}
		if ch.vnode < 0 && int(ch.wlen) > d.opts.MaxUnknownLength {
			delta = negInf // the prefix can never gain mass, so it never enters the beam
		}
	}
	ch.hot, ch.hotPend = -1, 0
	if h := d.hot; h != nil {
		hn, pend := p.hot, p.hotPend
		if s.isSpace(sym) && hn >= 0 && h.isEnd[hn] {
			// A phrase ends at this word boundary: confirm exactly its boost.
			delta += h.boost[hn] - pend
			pend = 0
		}
		if hn >= 0 {
			if nx := h.child(hn, sym); nx >= 0 {
				delta += h.part[nx] - h.part[hn]
				pend += h.part[nx] - h.part[hn]
				hn = nx
			} else {
				delta -= pend
				pend, hn = 0, -1
			}
		}
		if hn < 0 && !s.isSpace(sym) {
			// Not inside a phrase: try to start one at the beginning of the current word.
			if nx := s.matchWord(p, sym); nx >= 0 {
				delta += h.part[nx]
				pend, hn = h.part[nx], nx
			}
		}
		ch.hot, ch.hotPend = hn, pend
	}
	ch.delta = delta
	ch.bonus = p.bonus + delta
	p.children = append(p.children, ch)
	return ch
}

// matchWord walks the hot-phrase trie from its root over the current word's symbols (those after the last space
// in p, then sym) and returns the node reached, or -1.
func (s *search) matchWord(p *node, sym int16) int32 {
	var word []int16
	for m := p; m != nil && m.sym >= 0 && !s.isSpace(m.sym); m = m.parent {
		word = append(word, m.sym)
	}
	h := s.d.hot
	n := int32(0)
	for i := len(word) - 1; i >= 0 && n >= 0; i-- {
		n = h.child(n, word[i])
	}
	if n >= 0 {
		n = h.child(n, sym)
	}
	return n
}

// wordScore scores the word that ends at prefix p: α·ln p_lm + β, plus the unknown-word penalty for a word that
// stopped at a non-final node of the vocabulary trie (one that fell off the trie was penalised when it did).
func (s *search) wordScore(p *node) (delta, lnp float64, next lm.State) {
	d := s.d
	model := d.opts.LM
	if model == nil {
		return d.opts.Beta, 0, p.lmState
	}
	unk, haveUnk := model.ID(lm.UNK)
	id := unk
	var pen float64
	free := false
	if p.vnode >= 0 {
		switch w := d.words.word[p.vnode]; {
		case w >= 0:
			id = w
		case w == hotOnly:
			free = !haveUnk
		case d.opts.ClosedVocabulary:
			return negInf, 0, p.lmState // a word's beginning only: it cannot end here
		default:
			pen = d.unkPen
		}
	}
	lnp, next = model.Score(p.lmState, id)
	if free {
		lnp = 0
	}
	// The word's real score replaces the lookahead charge its letters paid (none once it left the vocabulary).
	return d.opts.Alpha*(lnp-d.words.lookahead(p.vnode)) + d.opts.Beta + pen, lnp, next
}

// final is a finished hypothesis: the beam's prefixes with one text, merged.
type final struct {
	key             *node   // the prefix without a trailing space: every member's text is key's
	best            *node   // the member with the highest total, whose word timings are reported
	bestTotal       float64 // best's total
	total, acoustic float64 // summed over the members
	lm              float64 // the first member's
	text            string  // spelled only when needed (see finish)
	spelled         bool
}

// finish scores the current beam. Without unfinished, as if the utterance ended now: the last word is
// completed, the end of sentence scored, unconfirmed hot-phrase credit withdrawn. Prefixes that differ only by a trailing space are merged.
// It does not change the search, so it serves both partial and final results.
//
// With unfinished set, it ranks the prefixes as the search itself does instead, a word still being spelled
// keeping its letters so far and its lookahead charge: a live caption then grows while a long word is spoken.
// Completing it would call "wonde" an unknown word, and the prefix without it would win until the word was
// whole, freezing the caption for up to a second.
//
// Live recognition calls it every frame, so it must not cost the utterance's length per prefix: prefixes are
// merged by node (a prefix ending in a space has its parent's text, since the search never makes leading or
// repeated spaces and a node has one child per symbol), and only the n best are spelled out.
func (s *search) finish(nbest int, unfinished bool) []Hypothesis {
	d := s.d
	byKey := map[*node]int{}
	var out []*final
	for _, n := range s.beam {
		if n.score == negInf {
			continue
		}
		extra, lmSum := 0.0, n.lmSum
		if !unfinished {
			lastLetter := n.sym >= 0 && !s.isSpace(n.sym)
			state := n.lmState
			if lastLetter {
				wd, lnp, next := s.wordScore(n)
				extra += wd
				lmSum += lnp
				state = next
			}
			if d.opts.LM != nil {
				e := d.opts.LM.EndScore(state)
				extra += d.opts.Alpha * e
				lmSum += e
			}
			if d.hot != nil && n.hot >= 0 {
				if lastLetter && d.hot.isEnd[n.hot] {
					extra += d.hot.boost[n.hot] - n.hotPend
				} else {
					extra -= n.hotPend
				}
			}
		}
		total := n.score + extra
		if total == negInf {
			continue // it cannot end here (a closed vocabulary's unfinished word)
		}
		acoustic := n.score - n.bonus
		key := n
		if n.sym >= 0 && s.isSpace(n.sym) {
			key = n.parent
		}
		if i, ok := byKey[key]; ok {
			f := out[i]
			if total > f.bestTotal {
				f.best, f.bestTotal = n, total
			}
			f.total = logAdd(f.total, total)
			f.acoustic = logAdd(f.acoustic, acoustic)
			continue
		}
		byKey[key] = len(out)
		out = append(out, &final{key: key, best: n, bestTotal: total, total: total, acoustic: acoustic, lm: lmSum})
	}
	spell := func(f *final) string {
		if !f.spelled {
			f.text, f.spelled = s.text(f.key), true
		}
		return f.text
	}
	// Ties in score are broken by text, so that results do not depend on the beam's order; texts are spelled
	// only for ties.
	slices.SortFunc(out, func(a, b *final) int {
		if c := cmp.Compare(b.total, a.total); c != 0 {
			return c
		}
		return strings.Compare(spell(a), spell(b))
	})
	if len(out) > nbest {
		out = out[:nbest]
	}
	hyps := make([]Hypothesis, len(out))
	for i, f := range out {
		text := spell(f)
		hyps[i] = Hypothesis{Text: text, Words: s.words(f.best, text), Score: f.total, Acoustic: f.acoustic, LM: f.lm}
	}
	if len(hyps) == 0 {
		hyps = []Hypothesis{{}}
	}
	return hyps
}

// text spells the prefix, without a trailing space.
func (s *search) text(n *node) string {
	var syms []int16
	for ; n != nil && n.sym >= 0; n = n.parent {
		syms = append(syms, n.sym)
	}
	var b strings.Builder
	for i := len(syms) - 1; i >= 0; i-- {
		if i == 0 && s.isSpace(syms[i]) {
			break
		}
		b.WriteString(s.d.vocab.Symbols[syms[i]])
	}
	return b.String()
}

// words recovers each word's frames and confidence from the timing kept in the prefix's nodes.
func (s *search) words(n *node, text string) []Word {
	texts := strings.Fields(text)
	if len(texts) == 0 {
		return nil
	}
	dur := s.d.opts.FrameDuration
	word := func(start, end int32, conf float32) Word {
		return Word{Start: float64(start) * dur, End: float64(end+1) * dur, Confidence: float64(conf)}
	}
	var rev []Word
	if n.sym >= 0 && !s.isSpace(n.sym) {
		rev = append(rev, word(n.ws, n.end, min(n.wmin, n.peak)))
	}
	for m := n; m != nil && m.sym >= 0; m = m.parent {
		if s.isSpace(m.sym) {
			rev = append(rev, word(m.ws, m.we, m.wmin))
		}
	}
	if len(rev) != len(texts) {
		// Cannot happen for texts made by s.text; keep the words without times rather than misalign them.
		rev = make([]Word, len(texts))
	}
	out := make([]Word, len(texts))
	for i := range out {
		out[i] = rev[len(rev)-1-i]
		out[i].Text = texts[i]
		if i > 0 && out[i].Start < out[i-1].End {
			// The timing is the dominant path's as each node last saw it, and a prefix that became dominant late
			// can keep a word start from an older path: a one-letter word then sits inside the next, or a
			// repeated word shares its twin's frames. Words come in order and take at least a frame each.
			out[i].Start = out[i-1].End
			out[i].End = max(out[i].End, out[i].Start+dur)
		}
	}
	// Pushing words later may have taken the last ones past the input's end: pull them back, a frame each.
	limit := float64(s.t) * dur
	for i := len(out) - 1; i >= 0 && out[i].End > limit; i-- {
		out[i].End = limit
		out[i].Start = max(min(out[i].Start, limit-dur), 0)
		limit = out[i].Start
	}
	return out
}
