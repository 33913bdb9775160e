// Package decoder turns per-frame log-probabilities from a CTC acoustic model into text: greedy decoding and CTC
// prefix beam search with shallow fusion of a word n-gram language model (package decoder/lm), hot-word boosting,
// n-best lists, word timestamps and per-word confidences, in batch or streaming form.
//
// The decoder never sees the acoustic model, only its T×V log-probability matrix, the vocabulary (which output is
// the CTC blank, which is the word separator) and the duration of one output frame.
package decoder

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/harkspeech/hark/decoder/lm"
)

// Vocabulary describes the acoustic model's outputs.
type Vocabulary struct {
	Symbols []string // text of each output; Symbols[Blank] is ignored
	Blank   int      // index of the CTC blank
	Space   int      // index of the word separator, or -1 if the model has none
}

// DefaultVocabulary is Hark's 29-symbol vocabulary: blank, space, apostrophe, a–z.
func DefaultVocabulary() Vocabulary {
	s := []string{"", " ", "'"}
	for c := 'a'; c <= 'z'; c++ {
		s = append(s, string(c))
	}
	return Vocabulary{Symbols: s, Blank: 0, Space: 1}
}

// Validate reports a vocabulary the decoders cannot use: too small or large, a blank or space index out of
// range, or a symbol that is empty or repeated (its text would be ambiguous).
func (v Vocabulary) Validate() error {
	n := len(v.Symbols)
	switch {
	case n < 2:
		return errors.New("decoder: vocabulary needs at least a blank and one symbol")
	case n > math.MaxInt16:
		return fmt.Errorf("decoder: vocabulary of %d symbols is too large", n)
	case v.Blank < 0 || v.Blank >= n:
		return fmt.Errorf("decoder: blank index %d out of range", v.Blank)
	case v.Space >= n || v.Space < -1 || v.Space == v.Blank:
		return fmt.Errorf("decoder: space index %d invalid", v.Space)
	}
	seen := map[string]bool{}
	for i, s := range v.Symbols {
		if i == v.Blank {
			continue
		}
		if s == "" || seen[s] {
			return fmt.Errorf("decoder: symbol %d (%q) is empty or repeated", i, s)
		}
		seen[s] = true
	}
	return nil
}

// HotWord is a word or phrase whose recognition is encouraged by adding Boost (natural-log units) to the score of
// every hypothesis that contains it as whole words.
type HotWord struct {
	Phrase string
	Boost  float64
}

// ParseHotWord parses "phrase:boost", e.g. "stella:5" or "new york:3.5".
func ParseHotWord(s string) (HotWord, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return HotWord{}, fmt.Errorf("hot word %q: want phrase:boost", s)
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(s[i+1:]), 64)
	if err != nil || math.IsNaN(b) || math.IsInf(b, 0) {
		return HotWord{}, fmt.Errorf("hot word %q: bad boost", s)
	}
	p := strings.Join(strings.Fields(s[:i]), " ")
	if p == "" {
		return HotWord{}, fmt.Errorf("hot word %q: empty phrase", s)
	}
	return HotWord{Phrase: p, Boost: b}, nil
}

// Options configures a Decoder. Zero values of the integer and cut-off fields select the defaults shown.
type Options struct {
	FrameDuration float64 // seconds per output frame (required), e.g. 0.02–0.04

	BeamWidth  int     // prefixes kept per frame (64)
	CutoffTopN int     // at most this many symbols are tried per frame (40)
	CutoffProb float64 // symbols are tried in order of probability until their sum reaches this (0.999); 1 tries all

	LM    *lm.Model // optional word language model
	Alpha float64   // weight of the language model's natural-log probability
	Beta  float64   // bonus per word
	// UnknownPenalty (normally negative) is added, times Alpha like the LM's own scores, once per word that is not
	// in the LM vocabulary: scaled so, a higher Alpha makes made-up words no cheaper against real ones, which
	// would otherwise let the search glue whole utterances into one unknown word.
	UnknownPenalty float64
	// MaxUnknownLength is the most letters a word outside the LM vocabulary may have (0: 20; negative: no
	// limit; a hot word is never outside the vocabulary). Real words that
	// an LM has not seen are rarely longer, while a weak acoustic model with an LM can otherwise glue a stretch
	// of speech into one 100-letter non-word, which no penalty per word stops and no subtitle line fits.
	MaxUnknownLength int
	// BlankPenalty is subtracted from the blank's log-probability in every frame before the search
	// (sherpa-onnx's blank_penalty): a positive value counters a weak model's habit of dropping letters and
	// words. Acoustic scores then include it.
	BlankPenalty float64
	// Lookahead charges a word's language-model score while it is still being spelled: each prefix of a word
	// pays α times the best unigram log-probability among the words it can still become, and the word's real score
	// replaces that charge when it ends (flashlight's "smearing"). Prefixes inside rare words then no longer crowd
	// out finished words that have paid their score, so the beam holds better candidates. Needs an LM.
	Lookahead bool

	// ClosedVocabulary allows only the LM's words: a prefix that is no word's beginning, or a word that stops
	// inside one, never enters the beam, as in a grammar of commands. Hot words then boost the LM's words
	// only; others are not added to the vocabulary (a negative boost must not let a word in). Needs an LM.
	ClosedVocabulary bool

	HotWords []HotWord
	NBest    int // hypotheses returned (1)
}

// Word is one recognised word.
type Word struct {
	Text       string
	Start, End float64 // seconds from the first frame
	Confidence float64 // in [0,1]: the lowest peak posterior among the word's symbols
}

// Hypothesis is one transcript with its scores.
type Hypothesis struct {
	Text     string
	Words    []Word
	Score    float64 // total: Acoustic + Alpha·LM + Beta·len(Words) + penalties and hot-word boosts
	Acoustic float64 // natural-log CTC probability of the text (summed over the alignments the beam kept)
	LM       float64 // natural-log language-model probability of the text, </s> included (0 without an LM)
}

// Result is the outcome of decoding: the n-best hypotheses, best first (at least one, possibly with empty text).
type Result struct {
	Hypotheses []Hypothesis
}

// Best returns the best hypothesis.
func (r Result) Best() Hypothesis {
	if len(r.Hypotheses) == 0 {
		return Hypothesis{}
	}
	return r.Hypotheses[0]
}

// Decoder holds the prepared vocabulary trie and hot-word trie. It is immutable and safe for concurrent use; each
// Decode or Stream keeps its own search state.
type Decoder struct {
	vocab Vocabulary
	opts  Options
	sym   map[string]int       // symbol text → index
	ascii [utf8.RuneSelf]int16 // sym for one-byte symbols, -1 for none
	words *trie                // LM vocabulary spelled in symbols, nil without an LM
	hot   *trie                // hot phrases, nil without hot words
	// maxDelta bounds the bonus any new prefix can get over its parent (see search.step); +Inf turns the
	// pruning it allows off.
	maxDelta float64
	unkPen   float64 // Alpha·UnknownPenalty (none for a negative Alpha, which would make it a bonus)
}

// New prepares a decoder.
func New(vocab Vocabulary, opts Options) (*Decoder, error) {
	if err := vocab.Validate(); err != nil {
		return nil, err
	}
	if !(opts.FrameDuration > 0) || math.IsInf(opts.FrameDuration, 0) {
		return nil, fmt.Errorf("decoder: frame duration %v must be positive", opts.FrameDuration)
	}
	if opts.BeamWidth == 0 {
		opts.BeamWidth = 64
	}
	if opts.CutoffTopN == 0 {
		opts.CutoffTopN = 40
	}
	if opts.CutoffProb == 0 {
		opts.CutoffProb = 0.999
	}
	if opts.NBest == 0 {
		opts.NBest = 1
	}
	if opts.MaxUnknownLength == 0 {
		opts.MaxUnknownLength = 20
	}
	if opts.BeamWidth < 1 || opts.CutoffTopN < 1 || opts.NBest < 1 || opts.CutoffProb < 0 || opts.CutoffProb > 1 {
		return nil, errors.New("decoder: beam width, cut-offs and n-best must be positive")
	}
	if opts.MaxUnknownLength < 0 {
		opts.MaxUnknownLength = math.MaxInt32
	}
	if opts.ClosedVocabulary && opts.LM == nil {
		return nil, errors.New("decoder: a closed vocabulary needs an LM")
	}
	for _, f := range []float64{opts.Alpha, opts.Beta, opts.UnknownPenalty, opts.BlankPenalty} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("decoder: alpha, beta, unknown-word and blank penalties must be finite")
		}
	}
	d := &Decoder{vocab: vocab, opts: opts, sym: map[string]int{}, maxDelta: math.Inf(1), unkPen: max(opts.Alpha, 0) * opts.UnknownPenalty}
	if opts.Alpha >= 0 && len(opts.HotWords) == 0 {
		// A new prefix's bonus is α·ln p_lm (≤ 0) + β + the unknown-word penalty for a word, the penalty alone for
		// a letter. Hot words can add more; then nothing is pruned early.
		d.maxDelta = max(0, opts.Beta) + max(0, d.unkPen)
	}
	for i := range d.ascii {
		d.ascii[i] = -1
	}
	for i, s := range vocab.Symbols {
		if i != vocab.Blank {
			d.sym[s] = i
			if len(s) == 1 && s[0] < utf8.RuneSelf {
				d.ascii[s[0]] = int16(i)
			}
		}
	}
	if len(opts.HotWords) > 0 {
		d.hot = newTrie()
		for _, h := range opts.HotWords {
			if math.IsNaN(h.Boost) || math.IsInf(h.Boost, 0) {
				return nil, fmt.Errorf("decoder: hot word %q has a non-finite boost", h.Phrase)
			}
			phrase := strings.Join(strings.Fields(h.Phrase), " ")
			syms, ok := d.spell(phrase)
			if !ok || len(syms) == 0 {
				return nil, fmt.Errorf("decoder: hot word %q cannot be spelled with the model's symbols", h.Phrase)
			}
			d.hot.addPhrase(syms, h.Boost)
		}
		d.hot.finish()
	}
	if opts.LM != nil {
		d.words = newTrie()
		// About 2.5 nodes per word for an English vocabulary: words share their prefixes.
		d.words.reserve(3 * opts.LM.NumWords())
		var syms []int16
		for i := range opts.LM.NumWords() {
			id := int32(i)
			if opts.LM.IsSpecial(id) {
				continue
			}
			var ok bool
			if syms, ok = d.spellInto(syms[:0], opts.LM.Word(id)); ok && len(syms) > 0 && !d.hasSpace(syms) {
				d.words.addWord(syms, id)
			}
		}
		// Hot words count as known words even when the LM has never seen them (see lookahead for their charge),
		// unless the vocabulary is closed.
		for _, h := range opts.HotWords {
			if opts.ClosedVocabulary {
				break
			}
			for _, w := range strings.Fields(h.Phrase) {
				if syms, ok := d.spell(w); ok {
					if _, known := opts.LM.ID(w); !known {
						d.words.addWord(syms, hotOnly)
					}
				}
			}
		}
		d.words.finish()
		if opts.Lookahead {
			d.words.smear(opts.LM)
		}
	}
	return d, nil
}

func (d *Decoder) hasSpace(syms []int16) bool {
	for _, s := range syms {
		if int(s) == d.vocab.Space {
			return true
		}
	}
	return false
}

// spell maps text to symbol indices, one rune per symbol, lower-casing letters the vocabulary lacks.
func (d *Decoder) spell(text string) ([]int16, bool) {
	return d.spellInto(nil, text)
}

// spellInto is spell appending to out: spelling a whole LM vocabulary reuses one buffer. One-byte symbols
// (every English letter) are looked up in a table rather than the map.
func (d *Decoder) spellInto(out []int16, text string) ([]int16, bool) {
	start := len(out)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= utf8.RuneSelf {
			return d.spellRunes(out[:start], text)
		}
		sym := d.ascii[c]
		if sym < 0 {
			if 'A' <= c && c <= 'Z' {
				sym = d.ascii[c+'a'-'A']
			}
			if sym < 0 {
				return d.spellRunes(out[:start], text)
			}
		}
		out = append(out, sym)
	}
	return out, true
}

// spellRunes spells text rune by rune through the symbol map, appending to out.
func (d *Decoder) spellRunes(out []int16, text string) ([]int16, bool) {
	for _, r := range text {
		i, ok := d.sym[string(r)]
		if !ok {
			i, ok = d.sym[strings.ToLower(string(r))]
		}
		if !ok {
			return nil, false
		}
		out = append(out, int16(i))
	}
	return out, true
}

// Decode runs the beam search over all frames at once. logProbs[t][v] is the natural-log posterior of symbol v at
// frame t; every row must have len(Vocabulary.Symbols) entries.
func (d *Decoder) Decode(ctx context.Context, logProbs [][]float32) (Result, error) {
	s := d.NewStream()
	const chunk = 256
	for i := 0; i < len(logProbs); i += chunk {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		if err := s.Accept(logProbs[i:min(i+chunk, len(logProbs))]); err != nil {
			return Result{}, err
		}
	}
	return s.Final(), nil
}

// DecodeFlat is Decode for a row-major T×V slice.
func (d *Decoder) DecodeFlat(ctx context.Context, data []float32, frames int) (Result, error) {
	v := len(d.vocab.Symbols)
	if frames < 0 || frames*v != len(data) {
		return Result{}, fmt.Errorf("decoder: %d values are not %d frames of %d symbols", len(data), frames, v)
	}
	rows := make([][]float32, frames)
	for t := range rows {
		rows[t] = data[t*v : (t+1)*v]
	}
	return d.Decode(ctx, rows)
}

// Greedy decodes by taking the most probable symbol of each frame, merging repeats and dropping blanks. The
// hypothesis's Acoustic and Score are the log-probability of that single best path; word confidences are the lowest
// peak posterior of the word's symbols.
func Greedy(vocab Vocabulary, logProbs [][]float32, frameDuration float64) (Hypothesis, error) {
	g, err := NewGreedyStream(vocab, frameDuration)
	if err != nil {
		return Hypothesis{}, err
	}
	if err := g.Accept(logProbs); err != nil {
		return Hypothesis{}, err
	}
	return g.Hypothesis(), nil
}

// GreedyStream is Greedy over frames that arrive in pieces: each frame is looked at once, so a live stream's
// partial results cost only the new frames and the words so far, however long the utterance has run.
type GreedyStream struct {
	vocab   Vocabulary
	frame   float64
	t       int // frames accepted
	words   []Word
	acc     float64 // log-probability of the best path so far
	cur     strings.Builder
	w       Word    // the word being spelled, when cur is not empty
	prev    int     // the previous frame's best symbol (-1 before the first frame)
	peak    float64 // peak posterior of the current symbol
	wordMin float64 // lowest peak of the current word's earlier symbols
}

// NewGreedyStream starts a greedy decoding; frameDuration is the seconds per frame, for word times.
func NewGreedyStream(vocab Vocabulary, frameDuration float64) (*GreedyStream, error) {
	if err := vocab.Validate(); err != nil {
		return nil, err
	}
	return &GreedyStream{vocab: vocab, frame: frameDuration, prev: -1, wordMin: 1}, nil
}

// Accept decodes more frames. A frame of the wrong width is an error and nothing of that call is kept.
func (g *GreedyStream) Accept(logProbs [][]float32) error {
	for i, row := range logProbs {
		if len(row) != len(g.vocab.Symbols) {
			return fmt.Errorf("decoder: frame %d has %d values, want %d", g.t+i, len(row), len(g.vocab.Symbols))
		}
	}
	for _, row := range logProbs {
		g.step(row)
	}
	return nil
}

func (g *GreedyStream) step(row []float32) {
	best := 0
	for v := range row {
		if row[v] > row[best] {
			best = v
		}
	}
	g.acc += float64(row[best])
	p := math.Min(1, math.Exp(float64(row[best])))
	t := g.t
	g.t++
	switch {
	case best == g.vocab.Blank:
	case best == g.vocab.Space:
		if g.cur.Len() > 0 {
			g.words = append(g.words, g.pending())
			g.cur.Reset()
		}
	case best == g.prev:
		g.w.End = float64(t+1) * g.frame
		g.peak = math.Max(g.peak, p)
	default:
		if g.cur.Len() == 0 {
			g.w = Word{Start: float64(t) * g.frame}
			g.wordMin = 1
		} else {
			g.wordMin = math.Min(g.wordMin, g.peak)
		}
		g.peak = p
		g.w.End = float64(t+1) * g.frame
		g.cur.WriteString(g.vocab.Symbols[best])
	}
	g.prev = best
}

// pending is the word being spelled, as it stands now.
func (g *GreedyStream) pending() Word {
	w := g.w
	w.Text = g.cur.String()
	w.Confidence = math.Min(g.wordMin, g.peak)
	return w
}

// Hypothesis returns the text of the frames so far, as if they were all there is (a word being spelled counts
// as ended). The stream goes on accepting frames.
func (g *GreedyStream) Hypothesis() Hypothesis {
	h := Hypothesis{Words: append([]Word(nil), g.words...), Acoustic: g.acc, Score: g.acc}
	if g.cur.Len() > 0 {
		h.Words = append(h.Words, g.pending())
	}
	texts := make([]string, len(h.Words))
	for i, w := range h.Words {
		texts[i] = w.Text
	}
	h.Text = strings.Join(texts, " ")
	return h
}
