package decoder

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/harkspeech/hark/decoder/lm"
)

// framesFor turns a frame script into peaky posteriors: each character of script is one frame's most likely symbol
// ('_' is the blank), holding probability peak; the rest of the mass is spread evenly.
func framesFor(v Vocabulary, script string, peak float64) [][]float32 {
	idx := map[rune]int{'_': v.Blank}
	for i, s := range v.Symbols {
		if i != v.Blank {
			idx[[]rune(s)[0]] = i
		}
	}
	var out [][]float32
	for _, r := range script {
		row := make([]float32, len(v.Symbols))
		rest := math.Log((1 - peak) / float64(len(row)-1))
		for i := range row {
			row[i] = float32(rest)
		}
		row[idx[r]] = float32(math.Log(peak))
		out = append(out, row)
	}
	return out
}

// synthPosteriors makes peaky posteriors for text the way a trained CTC model outputs them: each symbol lasts 1–3
// frames followed by 0–3 blanks, words are separated by blanks and a space frame; every frame's top symbol has
// probability 0.55–0.999, one or two competitors (the blank or a random symbol) share most of the rest, and a floor
// of about 1e-4 is spread over everything else.
func synthPosteriors(v Vocabulary, text string, rng *rand.Rand) [][]float32 {
	idx := map[rune]int{}
	for i, s := range v.Symbols {
		if i != v.Blank {
			idx[[]rune(s)[0]] = i
		}
	}
	var script []int
	blanks := func(n int) {
		for range n {
			script = append(script, v.Blank)
		}
	}
	blanks(3)
	for i, w := range strings.Fields(text) {
		if i > 0 {
			blanks(rng.IntN(2))
			script = append(script, v.Space)
			blanks(1 + rng.IntN(2))
		}
		prev := -1
		for _, r := range w {
			s := idx[r]
			if s == prev {
				blanks(1)
			}
			for range 1 + rng.IntN(3) {
				script = append(script, s)
			}
			blanks(rng.IntN(4))
			prev = s
		}
	}
	blanks(4)
	out := make([][]float32, len(script))
	V := len(v.Symbols)
	for t, s := range script {
		p := make([]float64, V)
		const floor = 1e-4
		for i := range p {
			p[i] = floor / float64(V) * rng.ExpFloat64()
		}
		peak := 0.999 - 0.45*math.Pow(rng.Float64(), 3)
		p[s] += peak
		rest := 1 - peak - floor
		c1 := v.Blank
		if s == v.Blank || rng.Float64() < 0.4 {
			c1 = rng.IntN(V)
		}
		share := rng.Float64()
		p[c1] += rest * share
		p[rng.IntN(V)] += rest * (1 - share)
		var z float64
		for _, x := range p {
			z += x
		}
		row := make([]float32, V)
		for i := range row {
			row[i] = float32(math.Log(p[i] / z))
		}
		out[t] = row
	}
	return out
}

func mustARPA(t testing.TB, text string) *lm.Model {
	t.Helper()
	m, err := lm.ReadARPA(context.Background(), strings.NewReader(text), "test.arpa")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustNew(t testing.TB, v Vocabulary, opts Options) *Decoder {
	t.Helper()
	d, err := New(v, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestTimestamps checks word start and end times within one output frame on constructed posteriors, for the beam
// search (with and without an LM) and for greedy decoding.
func TestTimestamps(t *testing.T) {
	v := DefaultVocabulary()
	const dur = 0.03
	script := "____hh_ee_l_ll__oo____ ___ww_o_rrr_l__dd______"
	want := []Word{{Text: "hello", Start: 4 * dur, End: 19 * dur}, {Text: "world", Start: 26 * dur, End: 41 * dur}}
	lp := framesFor(v, script, 0.9)
	model, err := lm.ReadARPA(context.Background(), strings.NewReader("\\data\\\nngram 1=5\n\n\\1-grams:\n-99 <s>\n-1 </s>\n-2 <unk>\n-1 hello\n-1 world\n\n\\end\\\n"), "hw.arpa")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got []Word) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: words %+v", name, got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Text != w.Text || math.Abs(g.Start-w.Start) > dur+1e-9 || math.Abs(g.End-w.End) > dur+1e-9 {
				t.Errorf("%s: word %d = %+v, want %+v within %v s", name, i, g, w, dur)
			}
			if g.Confidence < 0.85 || g.Confidence > 1 {
				t.Errorf("%s: confidence %v, want about 0.9", name, g.Confidence)
			}
		}
	}
	for _, opts := range []Options{{}, {LM: model, Alpha: 0.5, Beta: 1}} {
		opts.FrameDuration = dur
		res, err := mustNew(t, v, opts).Decode(context.Background(), lp)
		if err != nil {
			t.Fatal(err)
		}
		check("beam", res.Best().Words)
	}
	g, err := Greedy(v, lp, dur)
	if err != nil {
		t.Fatal(err)
	}
	check("greedy", g.Words)
	if g.Text != "hello world" {
		t.Errorf("greedy text %q", g.Text)
	}
}

// TestConfidenceReflectsPosteriors: a word with one doubtful letter gets that letter's posterior as confidence.
func TestConfidenceReflectsPosteriors(t *testing.T) {
	v := DefaultVocabulary()
	lp := framesFor(v, "__cc_a_t__", 0.95)
	// Make the 'a' frame doubtful: 0.55 for a, 0.35 for e.
	row := lp[5]
	for i := range row {
		row[i] = float32(math.Log(0.1 / 26))
	}
	row[3+0] = float32(math.Log(0.55))
	row[3+4] = float32(math.Log(0.35))
	res, err := mustNew(t, v, Options{FrameDuration: 0.02}).Decode(context.Background(), lp)
	if err != nil {
		t.Fatal(err)
	}
	w := res.Best().Words
	if len(w) != 1 || w[0].Text != "cat" || math.Abs(w[0].Confidence-0.55) > 1e-6 {
		t.Errorf("words %+v, want cat with confidence 0.55", w)
	}
}

// nearTie builds "cat" vs "cap": the last letter is t with 0.46 and p with 0.44.
func nearTie(v Vocabulary) [][]float32 {
	lp := framesFor(v, "__c_a__t__", 0.95)
	row := lp[7]
	for i := range row {
		row[i] = float32(math.Log(0.1 / 26))
	}
	row[3+('t'-'a')] = float32(math.Log(0.46))
	row[3+('p'-'a')] = float32(math.Log(0.44))
	return lp
}

// TestHotWordFlipsNearTie: "cat" narrowly beats "cap"; boosting "cap" flips the result, with and without an LM,
// and the boost shows up exactly in the score.
func TestHotWordFlipsNearTie(t *testing.T) {
	v := DefaultVocabulary()
	lp := nearTie(v)
	model, err := lm.ReadARPA(context.Background(), strings.NewReader("\\data\\\nngram 1=5\n\n\\1-grams:\n-99 <s>\n-0.5 </s>\n-3 <unk>\n-1.0 cat\n-1.1 cap\n\n\\end\\\n"), "cc.arpa")
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []Options{{}, {LM: model, Alpha: 0.8, Beta: 0.5, UnknownPenalty: -2}} {
		base.FrameDuration = 0.02
		base.NBest = 4
		base.CutoffProb = 1 // try every symbol, so that the boost alone changes the scores (up to pruned dust)
		base.BeamWidth = 1000
		plain, _ := mustNew(t, v, base).Decode(context.Background(), lp)
		if plain.Best().Text != "cat" {
			t.Fatalf("without hot words best = %q, want cat", plain.Best().Text)
		}
		hot := base
		hot.HotWords = []HotWord{{"cap", 1.5}}
		boosted, _ := mustNew(t, v, hot).Decode(context.Background(), lp)
		if boosted.Best().Text != "cap" {
			t.Fatalf("with hot word best = %q, want cap", boosted.Best().Text)
		}
		find := func(r Result, text string) float64 {
			for _, h := range r.Hypotheses {
				if h.Text == text {
					return h.Score
				}
			}
			t.Fatalf("%q not in n-best %+v", text, r.Hypotheses)
			return 0
		}
		if d := find(boosted, "cap") - find(plain, "cap"); math.Abs(d-1.5) > 1e-3 {
			t.Errorf("boost changed the score by %v, want 1.5", d)
		}
		if d := find(boosted, "cat") - find(plain, "cat"); math.Abs(d) > 1e-3 {
			t.Errorf("boost changed another word's score by %v", d)
		}
	}
}

// TestHotPhrase: a two-word phrase is boosted only as a whole.
func TestHotPhrase(t *testing.T) {
	v := DefaultVocabulary()
	lp := framesFor(v, "__n_e_w__ __y_o_r_k__", 0.9)
	o := Options{FrameDuration: 0.02, CutoffProb: 1, BeamWidth: 1000}
	d0 := mustNew(t, v, o)
	o.HotWords = []HotWord{{"new york", 4}}
	d1 := mustNew(t, v, o)
	o.HotWords = []HotWord{{"new yolk", 4}}
	d2 := mustNew(t, v, o)
	r0, _ := d0.Decode(context.Background(), lp)
	r1, _ := d1.Decode(context.Background(), lp)
	r2, _ := d2.Decode(context.Background(), lp)
	if r1.Best().Text != "new york" || math.Abs(r1.Best().Score-r0.Best().Score-4) > 1e-3 {
		t.Errorf("phrase boost: %+v vs %+v", r1.Best(), r0.Best())
	}
	if r2.Best().Text != "new york" || math.Abs(r2.Best().Score-r0.Best().Score) > 1e-3 {
		t.Errorf("partial phrase match kept credit: %+v vs %+v", r2.Best(), r0.Best())
	}
}

func TestParseHotWord(t *testing.T) {
	tests := []struct {
		in   string
		want HotWord
		ok   bool
	}{
		{"stella:5", HotWord{"stella", 5}, true},
		{" new   york :2.5", HotWord{"new york", 2.5}, true},
		{"x:-1", HotWord{"x", -1}, true},
		{"stella", HotWord{}, false},
		{":3", HotWord{}, false},
		{"a:b", HotWord{}, false},
		{"a:NaN", HotWord{}, false},
	}
	for _, tt := range tests {
		got, err := ParseHotWord(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseHotWord(%q) = %+v, %v", tt.in, got, err)
		}
	}
}

// TestPartialGrowsThroughLongWord: while a long word is spelled, Partial shows its letters so far, even with an
// LM and an unknown-word penalty that make any unfinished word lose once it is completed as the utterance's
// end; Final still ends the utterance. The letters' posteriors are soft (blank close behind) as a real model's
// are, so that dropping the word's letters is cheap next to the penalty.
func TestPartialGrowsThroughLongWord(t *testing.T) {
	v := DefaultVocabulary()
	model, err := lm.ReadARPA(context.Background(), strings.NewReader("\\data\\\nngram 1=6\n\n\\1-grams:\n-99 <s>\n-1 </s>\n-2 <unk>\n-1 the\n-2 wonderful\n-1.5 cat\n\n\\end\\\n"), "s.arpa")
	if err != nil {
		t.Fatal(err)
	}
	const text = "the wonderful cat"
	rng := rand.New(rand.NewPCG(7, 8))
	lp := synthPosteriors(v, text, rng)
	for _, row := range lp {
		if row[v.Space] > -0.7 {
			continue // the word boundaries stay clear
		}
		for i, x := range row {
			p := 0.6 * math.Exp(float64(x))
			if i == v.Blank {
				p += 0.4
			}
			row[i] = float32(math.Log(p))
		}
	}
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"LM", Options{LM: model, Alpha: 0.8, UnknownPenalty: -30}},
		{"LM with lookahead", Options{LM: model, Alpha: 0.8, UnknownPenalty: -30, Lookahead: true}},
		{"hot word", Options{LM: model, Alpha: 0.8, UnknownPenalty: -30, Lookahead: true,
			HotWords: []HotWord{{"wonderful", 3}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.BeamWidth, tt.opts.FrameDuration = 16, 0.03
			st := mustNew(t, v, tt.opts).NewStream()
			var shown []string // the unfinished second word in each partial, in order, without repeats
			for i := range lp {
				if err := st.Accept(lp[i : i+1]); err != nil {
					t.Fatal(err)
				}
				p := st.Partial()
				w := strings.Fields(p.Text)
				if len(p.Words) != len(w) {
					t.Fatalf("partial %q has %d word times", p.Text, len(p.Words))
				}
				if len(w) == 2 && w[1] != "wonderful" && (len(shown) == 0 || shown[len(shown)-1] != w[1]) {
					shown = append(shown, w[1])
				}
			}
			// The first letter or two may wait for the word's lookahead charge to be outweighed; from the fourth
			// on, every letter must show.
			var want []string
			for k := 4; k < len("wonderful"); k++ {
				want = append(want, "wonderful"[:k])
			}
			if len(shown) < len(want) || !reflect.DeepEqual(shown[len(shown)-len(want):], want) {
				t.Errorf("unfinished words shown: %q, want them to end with %q", shown, want)
			}
			for i := 1; i < len(shown); i++ {
				if !strings.HasPrefix(shown[i], shown[i-1]) {
					t.Errorf("unfinished words shown: %q: %q does not grow from %q", shown, shown[i], shown[i-1])
				}
			}
			if got := st.Final().Best().Text; got != text {
				t.Errorf("final %q, want %q", got, text)
			}
		})
	}
}

// TestStreamingEqualsBatch feeds frames in random chunks, asking for partial results in between, and requires the
// final result to equal the batch result exactly.
func TestStreamingEqualsBatch(t *testing.T) {
	v := DefaultVocabulary()
	rng := rand.New(rand.NewPCG(5, 6))
	model, err := lm.ReadARPA(context.Background(), strings.NewReader("\\data\\\nngram 1=7\n\n\\1-grams:\n-99 <s>\n-1 </s>\n-2 <unk>\n-1 the\n-1.5 cat\n-1.5 sat\n-1.2 mat\n\n\\end\\\n"), "s.arpa")
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{
		{BeamWidth: 8},
		{LM: model, Alpha: 0.6, Beta: 1, UnknownPenalty: -3, HotWords: []HotWord{{"cat sat", 2}}, NBest: 5},
	} {
		opts.FrameDuration = 0.03
		d := mustNew(t, v, opts)
		lp := synthPosteriors(v, "the cat sat on the mat", rng)
		batch, err := d.Decode(context.Background(), lp)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			st := d.NewStream()
			var partials []string
			for i := 0; i < len(lp); {
				n := rng.IntN(7)
				if err := st.Accept(lp[i:min(i+n, len(lp))]); err != nil {
					t.Fatal(err)
				}
				i += n
				partials = append(partials, st.Partial().Text)
			}
			if got := st.Final(); !reflect.DeepEqual(got, batch) {
				t.Fatalf("stream %+v\nbatch  %+v", got, batch)
			}
			if st.Partial().Text != batch.Best().Text || st.Frames() != len(lp) {
				t.Errorf("final partial %q, batch %q", st.Partial().Text, batch.Best().Text)
			}
			if len(partials) < 2 {
				t.Errorf("no partial results")
			}
		}
		if batch.Best().Text != "the cat sat on the mat" {
			t.Errorf("decoded %q", batch.Best().Text)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	v := DefaultVocabulary()
	if _, err := New(v, Options{}); err == nil {
		t.Error("zero frame duration accepted")
	}
	if _, err := New(Vocabulary{Symbols: []string{"", "a", "a"}, Space: -1}, Options{FrameDuration: 1}); err == nil {
		t.Error("repeated symbol accepted")
	}
	if _, err := New(v, Options{FrameDuration: 1, HotWords: []HotWord{{"héllo", 1}}}); err == nil {
		t.Error("unspellable hot word accepted")
	}
	d := mustNew(t, v, Options{FrameDuration: 0.02})
	if _, err := d.Decode(context.Background(), [][]float32{make([]float32, 5)}); err == nil {
		t.Error("short frame accepted")
	}
	bad := make([]float32, 29)
	bad[3] = float32(math.NaN())
	if _, err := d.Decode(context.Background(), [][]float32{bad}); err == nil {
		t.Error("NaN accepted")
	}
	if _, err := d.DecodeFlat(context.Background(), make([]float32, 30), 1); err == nil {
		t.Error("ragged flat input accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Decode(ctx, [][]float32{make([]float32, 29)}); err == nil {
		t.Error("cancelled context ignored")
	}
	// No frames: one empty hypothesis.
	res, err := d.Decode(context.Background(), nil)
	if err != nil || len(res.Hypotheses) != 1 || res.Best().Text != "" {
		t.Errorf("empty input: %+v, %v", res, err)
	}
}

func TestDecodeFlatMatchesRows(t *testing.T) {
	v := DefaultVocabulary()
	rng := rand.New(rand.NewPCG(7, 8))
	lp := synthPosteriors(v, "hello there", rng)
	var flat []float32
	for _, r := range lp {
		flat = append(flat, r...)
	}
	d := mustNew(t, v, Options{FrameDuration: 0.02})
	a, _ := d.Decode(context.Background(), lp)
	b, err := d.DecodeFlat(context.Background(), flat, len(lp))
	if err != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("flat %+v, rows %+v (%v)", b, a, err)
	}
}

// Word times of every hypothesis come in order, without overlaps and within the input, whatever the posteriors: noisy posteriors
// make prefixes change dominant paths often, which once left a one-letter word inside the next word and a
// repeated word on its twin's frames.
func TestWordTimesInOrder(t *testing.T) {
	v := tinyVocab
	model := tinyLM(t)
	rng := rand.New(rand.NewPCG(3, 5))
	bad := 0
	for trial := range 600 {
		lp := randomPosteriors(rng, 10+rng.IntN(30), len(v.Symbols), 1+rng.Float64()*2)
		for _, opts := range []Options{{}, {LM: model, Alpha: 0.7, Beta: 0.4, UnknownPenalty: -1, Lookahead: true}} {
			opts.FrameDuration, opts.BeamWidth, opts.NBest = 0.03, 16, 4
			res, err := mustNew(t, v, opts).Decode(context.Background(), lp)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hypotheses {
				for i, w := range h.Words {
					if w.End <= w.Start || (i > 0 && w.Start < h.Words[i-1].End-1e-9) || w.End > float64(len(lp))*0.03+1e-9 {
						if bad++; bad <= 3 {
							t.Errorf("trial %d: %q: word %d %+v after %+v", trial, h.Text, i, w, h.Words[max(i-1, 0)])
						}
					}
				}
			}
		}
	}
}

// A closed vocabulary allows only the LM's words, whatever the hot words: speech spelling another word comes out
// as a known word or nothing, never as the unknown word, in the best hypothesis, the n-best list and the
// partials.
func TestClosedVocabulary(t *testing.T) {
	v := DefaultVocabulary()
	model, err := lm.ReadARPA(context.Background(), strings.NewReader("\\data\\\nngram 1=6\n\n\\1-grams:\n-99 <s>\n-1 </s>\n-2 <unk>\n-1 the\n-1.5 cat\n-1.2 mat\n\n\\end\\\n"), "s.arpa")
	if err != nil {
		t.Fatal(err)
	}
	lp := synthPosteriors(v, "the cat sat on the mat", rand.New(rand.NewPCG(9, 10)))
	for _, tt := range []struct {
		name    string
		opts    Options
		allowed string // the words that may be recognised; "" for any
		want    string // what the best transcript must hold, if anything
	}{
		{"open", Options{LM: model, Alpha: 0.8, UnknownPenalty: -3}, "", "sat"},
		{"closed", Options{LM: model, Alpha: 0.8, UnknownPenalty: -3, ClosedVocabulary: true}, "the cat mat", ""},
		{"closed, hot words", Options{LM: model, Alpha: 0.8, UnknownPenalty: -3, ClosedVocabulary: true,
			HotWords: []HotWord{{"sat", 5}, {"on", -5}, {"mat", 2}}}, "the cat mat", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.FrameDuration, tt.opts.NBest = 0.03, 5
			d := mustNew(t, v, tt.opts)
			res, err := d.Decode(context.Background(), lp)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && !strings.Contains(res.Best().Text, tt.want) {
				t.Errorf("decoded %q, want it to hold %q", res.Best().Text, tt.want)
			}
			if tt.allowed == "" {
				return
			}
			ok := map[string]bool{}
			for _, w := range strings.Fields(tt.allowed) {
				ok[w] = true
			}
			check := func(what, text string) {
				for _, w := range strings.Fields(text) {
					if !ok[w] {
						t.Errorf("%s %q holds %q, not in %q", what, text, w, tt.allowed)
					}
				}
			}
			if len(res.Hypotheses) < 2 || res.Best().Text == "" {
				t.Errorf("n-best %+v: want several non-empty hypotheses", res.Hypotheses)
			}
			for _, h := range res.Hypotheses {
				check("hypothesis", h.Text)
			}
			st := d.NewStream()
			for i := range lp {
				if err := st.Accept(lp[i : i+1]); err != nil {
					t.Fatal(err)
				}
				// A partial shows an unfinished word as letters, which must still begin an allowed word.
				p := strings.Fields(st.Partial().Text)
				for j, w := range p {
					prefix := false
					for a := range ok {
						prefix = prefix || a == w || j == len(p)-1 && strings.HasPrefix(a, w)
					}
					if !prefix {
						t.Errorf("partial %q holds %q", st.Partial().Text, w)
					}
				}
			}
		})
	}
	if _, err := New(v, Options{FrameDuration: 0.03, ClosedVocabulary: true}); err == nil {
		t.Error("a closed vocabulary without an LM was accepted")
	}
}
