package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Hello, World!", "hello world"},
		{"  many   spaces\tand\nlines ", "many spaces and lines"},
		{"Don't stop", "don't stop"},
		{"It’s o'clock", "it's o'clock"},
		{"'quoted' words", "quoted words"},
		{"the students' books", "the students books"},
		{"rock'n'roll", "rock'n'roll"},
		{"well-known e-mail", "well known e mail"},
		{"a''b", "a b"},
		{"Ünïcödé ÉTÉ", "ünïcödé été"},
		{"route 66.", "route 66"},
		{"bad\xffbyte", "bad byte"},
		{"...", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAlignWordsHandComputed(t *testing.T) {
	tests := []struct {
		ref, hyp string
		want     ErrorCounts
	}{
		{"", "", ErrorCounts{}},
		{"the cat sat", "the cat sat", ErrorCounts{RefLen: 3}},
		{"the cat sat", "The cat, sat.", ErrorCounts{RefLen: 3}},
		{"the cat sat", "the bat sat", ErrorCounts{Sub: 1, RefLen: 3}},
		{"the cat sat", "the sat", ErrorCounts{Del: 1, RefLen: 3}},
		{"the cat sat", "the cat sat down", ErrorCounts{Ins: 1, RefLen: 3}},
		{"the cat sat", "", ErrorCounts{Del: 3, RefLen: 3}},
		{"", "hello there", ErrorCounts{Ins: 2}},
		// One deletion and one insertion (cost 2) beats three substitutions (cost 3).
		{"a b c d", "b c d e", ErrorCounts{Del: 1, Ins: 1, RefLen: 4}},
		{"one two three four five", "one too three five", ErrorCounts{Sub: 1, Del: 1, RefLen: 5}},
	}
	for _, tt := range tests {
		a := AlignWords(tt.ref, tt.hyp)
		if a.Counts != tt.want {
			t.Errorf("AlignWords(%q, %q) counts = %+v, want %+v", tt.ref, tt.hyp, a.Counts, tt.want)
		}
		checkConsistent(t, strings.Fields(Normalize(tt.ref)), strings.Fields(Normalize(tt.hyp)), a)
	}
}

func TestAlignCharsHandComputed(t *testing.T) {
	tests := []struct {
		ref, hyp string
		want     ErrorCounts
	}{
		{"kitten", "sitting", ErrorCounts{Sub: 2, Ins: 1, RefLen: 6}},
		{"ab cd", "abcd", ErrorCounts{Del: 1, RefLen: 5}},
		{"Été", "ete", ErrorCounts{Sub: 2, RefLen: 3}},
	}
	for _, tt := range tests {
		a := AlignChars(tt.ref, tt.hyp)
		if a.Counts != tt.want {
			t.Errorf("AlignChars(%q, %q) counts = %+v, want %+v", tt.ref, tt.hyp, a.Counts, tt.want)
		}
	}
}

// bruteDistance enumerates every alignment of two short sequences recursively: the independent reference for the
// dynamic programme.
func bruteDistance(ref, hyp []string) int {
	if len(ref) == 0 {
		return len(hyp)
	}
	if len(hyp) == 0 {
		return len(ref)
	}
	cost := 1
	if ref[0] == hyp[0] {
		cost = 0
	}
	return min(bruteDistance(ref[1:], hyp[1:])+cost, bruteDistance(ref[1:], hyp)+1, bruteDistance(ref, hyp[1:])+1)
}

// checkConsistent checks that the edits rebuild both sequences, agree with the counts and label ops correctly.
func checkConsistent(t *testing.T, ref, hyp []string, a Alignment) {
	t.Helper()
	var r, h []string
	var c ErrorCounts
	for _, e := range a.Edits {
		switch e.Op {
		case Match:
			if e.Ref != e.Hyp {
				t.Fatalf("match of different tokens %q %q", e.Ref, e.Hyp)
			}
			r, h = append(r, e.Ref), append(h, e.Hyp)
		case Sub:
			if e.Ref == e.Hyp {
				t.Fatalf("substitution of equal tokens %q", e.Ref)
			}
			r, h = append(r, e.Ref), append(h, e.Hyp)
			c.Sub++
		case Del:
			r = append(r, e.Ref)
			c.Del++
		case Ins:
			h = append(h, e.Hyp)
			c.Ins++
		}
	}
	c.RefLen = len(ref)
	if strings.Join(r, "\x00") != strings.Join(ref, "\x00") || strings.Join(h, "\x00") != strings.Join(hyp, "\x00") {
		t.Fatalf("edits rebuild %q / %q, want %q / %q", r, h, ref, hyp)
	}
	if c != a.Counts {
		t.Fatalf("edits count %+v, Counts says %+v", c, a.Counts)
	}
}

func TestAlignAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "c"}
	seq := func() []string {
		s := make([]string, rng.IntN(7))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return s
	}
	for range 2000 {
		ref, hyp := seq(), seq()
		a := Align(ref, hyp)
		if got, want := a.Counts.Errors(), bruteDistance(ref, hyp); got != want {
			t.Fatalf("Align(%q, %q) has %d edits, brute force finds %d", ref, hyp, got, want)
		}
		checkConsistent(t, ref, hyp, a)
	}
}

func TestPooledRate(t *testing.T) {
	var total ErrorCounts
	for _, p := range [][2]string{{"a b c d", "a x c d"}, {"e f", "e f g h"}, {"i j k l", ""}} {
		total.Add(AlignWords(p[0], p[1]).Counts)
	}
	want := ErrorCounts{Sub: 1, Del: 4, Ins: 2, RefLen: 10}
	if total != want {
		t.Fatalf("pooled counts %+v, want %+v", total, want)
	}
	// Pooled: 7/10, not the mean of the per-utterance rates (0.25, 1, 1).
	if r := total.Rate(); math.Abs(r-0.7) > 1e-12 {
		t.Fatalf("Rate = %v, want 0.7", r)
	}
	if got := total.String(); got != "70.00% (S=1 D=4 I=2 N=10)" {
		t.Fatalf("String = %q", got)
	}
	if r := (ErrorCounts{}).Rate(); r != 0 {
		t.Fatalf("empty Rate = %v", r)
	}
	if r := (ErrorCounts{Ins: 1}).Rate(); !math.IsInf(r, 1) {
		t.Fatalf("insertions against an empty reference: Rate = %v, want +Inf", r)
	}
}

func TestFormat(t *testing.T) {
	got := AlignWords("the cat sat on the mat", "the bat sat the mat today").Format()
	want := "REF:  the cat sat on the mat *****\n" +
		"HYP:  the bat sat ** the mat today\n" +
		"EVAL:     S       D          I\n"
	if got != want {
		t.Fatalf("Format:\n%s\nwant\n%s", got, want)
	}
	got = Align([]string{"a", "bb"}, []string{"a"}).Format()
	if want := "REF:  a bb\nHYP:  a **\nEVAL:   D\n"; got != want {
		t.Fatalf("Format:\n%q\nwant\n%q", got, want)
	}
}

func BenchmarkAlignWords(b *testing.B) {
	ref := strings.Repeat("the quick brown fox jumps over the lazy dog ", 5)
	hyp := strings.Repeat("the quick brown fax jumped over a lazy dog ", 5)
	for b.Loop() {
		AlignWords(ref, hyp)
	}
}
