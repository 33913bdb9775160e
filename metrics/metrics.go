// Package metrics scores recognised text against reference transcripts: word and character error rates with
// substitution, deletion and insertion counts, pooled over a corpus, and the alignments behind them for reports.
//
// Scores are pooled, not averaged per utterance: the corpus WER is the sum of all edits over the sum of all
// reference words. Normalise both sides with Normalize (AlignWords and AlignChars do it for you) so that case and
// punctuation do not count as errors.
package metrics

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize prepares text for scoring: it lowercases letters, turns every character that is neither a letter nor a
// digit into a word break, except an apostrophe between two letters or digits ("don't", "o'clock" keep theirs;
// quotes like 'word' and trailing possessives like "students'" lose it), and collapses runs of spaces so that the
// result has single spaces and no leading or trailing space. Typographic apostrophes (’ and ‘) count as
// apostrophes. Invalid UTF-8 bytes are word breaks.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	prevWord := false // the last rune written was a letter or digit
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n <= 1 {
			r = ' '
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if pendingSpace && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pendingSpace = false
			b.WriteRune(unicode.ToLower(r))
			prevWord = true
		case isApostrophe(r) && prevWord && !pendingSpace && i < len(s) && nextIsWord(s[i:]):
			b.WriteByte('\'')
			prevWord = false
		default:
			pendingSpace = true
			prevWord = false
		}
	}
	return b.String()
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == '‘' }

func nextIsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// ErrorCounts are the edits that turn a reference into a hypothesis, and the reference length they are measured
// against. Counts from many utterances add up to a pooled corpus score.
type ErrorCounts struct {
	Sub, Del, Ins int // substituted, deleted and inserted tokens
	RefLen        int // tokens in the reference
}

// Add adds o's counts to c.
func (c *ErrorCounts) Add(o ErrorCounts) {
	c.Sub += o.Sub
	c.Del += o.Del
	c.Ins += o.Ins
	c.RefLen += o.RefLen
}

// Errors returns the number of edits, Sub+Del+Ins.
func (c ErrorCounts) Errors() int { return c.Sub + c.Del + c.Ins }

// Rate returns (Sub+Del+Ins)/RefLen, the error rate as a fraction (it can exceed 1 when there are many
// insertions). An empty reference gives 0 with no edits and +Inf with insertions, so that a hypothesis invented
// from silence is never scored as perfect.
func (c ErrorCounts) Rate() float64 {
	if c.RefLen == 0 {
		if c.Errors() == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return float64(c.Errors()) / float64(c.RefLen)
}

// String formats the counts as "12.50% (S=1 D=0 I=0 N=8)".
func (c ErrorCounts) String() string {
	return fmt.Sprintf("%.2f%% (S=%d D=%d I=%d N=%d)", 100*c.Rate(), c.Sub, c.Del, c.Ins, c.RefLen)
}

// Op is one step of an alignment.
type Op byte

const (
	Match Op = iota // reference and hypothesis tokens are equal
	Sub             // the hypothesis has a different token
	Del             // the reference token is missing from the hypothesis
	Ins             // the hypothesis has an extra token
)

func (o Op) String() string {
	switch o {
	case Match:
		return "="
	case Sub:
		return "S"
	case Del:
		return "D"
	case Ins:
		return "I"
	}
	return "?"
}

// Edit is one aligned pair. Ref is empty for an insertion and Hyp is empty for a deletion.
type Edit struct {
	Op       Op
	Ref, Hyp string
}

// Alignment is a minimum-edit alignment of a hypothesis to a reference and the counts it implies.
type Alignment struct {
	Edits  []Edit
	Counts ErrorCounts
}

// AlignWords normalises ref and hyp with Normalize and aligns their words.
func AlignWords(ref, hyp string) Alignment {
	return Align(strings.Fields(Normalize(ref)), strings.Fields(Normalize(hyp)))
}

// AlignChars normalises ref and hyp with Normalize and aligns their characters. The single spaces between words
// count as characters, so a missing word break is a character error, as in most CER tools.
func AlignChars(ref, hyp string) Alignment {
	return Align(chars(Normalize(ref)), chars(Normalize(hyp)))
}

func chars(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// Align computes a minimum-edit (Levenshtein) alignment of hyp to ref, every edit costing 1. Among alignments of
// equal cost it prefers, walking back from the end, a match or substitution, then a deletion, then an insertion,
// so the result is deterministic. Time and memory are proportional to len(ref)·len(hyp).
func Align(ref, hyp []string) Alignment {
	n, m := len(ref), len(hyp)
	// back[i*(m+1)+j] is the step that reached cell (i, j) on a cheapest path; two rows of costs suffice.
	back := make([]Op, (n+1)*(m+1))
	prev := make([]int, m+1)
	cur := make([]int, m+1)
	for j := 1; j <= m; j++ {
		prev[j] = j
		back[j] = Ins
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		back[i*(m+1)] = Del
		for j := 1; j <= m; j++ {
			diag, op := prev[j-1], Match
			if ref[i-1] != hyp[j-1] {
				diag++
				op = Sub
			}
			best := diag
			if d := prev[j] + 1; d < best {
				best, op = d, Del
			}
			if in := cur[j-1] + 1; in < best {
				best, op = in, Ins
			}
			cur[j] = best
			back[i*(m+1)+j] = op
		}
		prev, cur = cur, prev
	}

	var a Alignment
	a.Counts.RefLen = n
	edits := make([]Edit, 0, max(n, m))
	for i, j := n, m; i > 0 || j > 0; {
		op := back[i*(m+1)+j]
		switch op {
		case Match, Sub:
			edits = append(edits, Edit{op, ref[i-1], hyp[j-1]})
			i, j = i-1, j-1
		case Del:
			edits = append(edits, Edit{Del, ref[i-1], ""})
			i--
		case Ins:
			edits = append(edits, Edit{Ins, "", hyp[j-1]})
			j--
		}
		switch op {
		case Sub:
			a.Counts.Sub++
		case Del:
			a.Counts.Del++
		case Ins:
			a.Counts.Ins++
		}
	}
	for l, r := 0, len(edits)-1; l < r; l, r = l+1, r-1 {
		edits[l], edits[r] = edits[r], edits[l]
	}
	a.Edits = edits
	return a
}

// Format writes the alignment as three aligned rows in the style of NIST sclite reports:
//
//	REF:  the cat sat on the mat *****
//	HYP:  the bat sat ** the mat today
//	EVAL:     S       D          I
//
// Missing tokens are shown as asterisks; correct tokens have a blank in the EVAL row.
func (a Alignment) Format() string {
	var ref, hyp, eval strings.Builder
	ref.WriteString("REF: ")
	hyp.WriteString("HYP: ")
	eval.WriteString("EVAL:")
	for _, e := range a.Edits {
		r, h := e.Ref, e.Hyp
		w := max(utf8.RuneCountInString(r), utf8.RuneCountInString(h), 1)
		if e.Op == Ins {
			r = strings.Repeat("*", w)
		}
		if e.Op == Del {
			h = strings.Repeat("*", w)
		}
		mark := ""
		if e.Op != Match {
			mark = e.Op.String()
		}
		pad(&ref, r, w)
		pad(&hyp, h, w)
		pad(&eval, mark, w)
	}
	return strings.TrimRight(ref.String(), " ") + "\n" + strings.TrimRight(hyp.String(), " ") + "\n" +
		strings.TrimRight(eval.String(), " ") + "\n"
}

func pad(b *strings.Builder, s string, w int) {
	b.WriteByte(' ')
	b.WriteString(s)
	for n := utf8.RuneCountInString(s); n < w; n++ {
		b.WriteByte(' ')
	}
}
