package hark

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
)

// Word is one recognised word with its time span and the recogniser's confidence in it.
type Word struct {
	Text       string  `json:"word"`
	Start      float64 `json:"start"`      // seconds from the start of the input
	End        float64 `json:"end"`        // seconds from the start of the input
	Confidence float64 `json:"confidence"` // in [0, 1]
}

// Segment is a stretch of speech, usually one voice-activity span, with its text. Words, when set, are the words
// of Text with their times; they are not part of the JSON form, where the result's top-level words carry them.
type Segment struct {
	Start float64 `json:"start"` // seconds
	End   float64 `json:"end"`   // seconds
	Text  string  `json:"text"`
	Words []Word  `json:"-"`
	// Alternatives is the segment's own n-best list, best first, when one was asked for (WithNBest): on a long
	// input, where the whole-input alternatives differ by a word or two, these are the ones to offer.
	Alternatives []Alternative `json:"alternatives,omitempty"`
}

// Alternative is one entry of an n-best list: a whole-input transcript and its score (a log-probability, higher
// is better).
type Alternative struct {
	Text  string  `json:"text"`
	Score float64 `json:"score"`
}

// Result is the transcript of one input.
//
// Its JSON form is the one `hark transcribe -f jsonl` prints, one object per input:
//
//	{"file":…,"duration":…,"text":…,"words":[{"word":…,"start":…,"end":…,"confidence":…}],"segments":[{"start":…,"end":…,"text":…}]}
//
// Times are in seconds, rounded to the millisecond, confidences to three decimals; words and segments are
// empty arrays, never null, when nothing was said. "alternatives" appears only when an n-best list was asked
// for, for the whole input and for each segment; "error" only when the input was damaged or cut short.
type Result struct {
	File         string        `json:"file"`
	Duration     float64       `json:"duration"` // seconds of audio
	Text         string        `json:"text"`
	Words        []Word        `json:"words"`
	Segments     []Segment     `json:"segments"`
	Alternatives []Alternative `json:"alternatives,omitempty"`
	// Error, when not empty, says why the transcript stops early: the input is damaged, or its reader failed,
	// or the call was cancelled, after Duration seconds, and the text is what was recognised before that. The
	// transcribing call returns the same error.
	Error string `json:"error,omitempty"`
}

// roundScores returns a copy of alts with scores rounded for JSON, nil for none.
func roundScores(alts []Alternative) []Alternative {
	if len(alts) == 0 {
		return nil
	}
	out := make([]Alternative, len(alts))
	for i, a := range alts {
		out[i] = Alternative{Text: a.Text, Score: roundTo(a.Score, 1e4)}
	}
	return out
}

// MarshalJSON writes the documented form: rounded times and confidences, and [] rather than null for no words.
// Rounding keeps outputs readable (frame times like 0.12000000000000001 become 0.12) and stable across
// platforms; a millisecond is far below the model's 10 ms frame.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result // no methods: stops the recursion
	out := plain(r)
	out.Duration = roundTo(r.Duration, 1e3)
	out.Words = make([]Word, len(r.Words))
	for i, w := range r.Words {
		out.Words[i] = Word{Text: w.Text, Start: roundTo(w.Start, 1e3), End: roundTo(w.End, 1e3),
			Confidence: roundTo(w.Confidence, 1e3)}
	}
	out.Segments = make([]Segment, len(r.Segments))
	for i, s := range r.Segments {
		out.Segments[i] = Segment{Start: roundTo(s.Start, 1e3), End: roundTo(s.End, 1e3), Text: s.Text,
			Alternatives: roundScores(s.Alternatives)}
	}
	out.Alternatives = roundScores(r.Alternatives)
	// Not json.Marshal: it would escape HTML characters before the caller's Encoder could decide.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// roundTo rounds x to the nearest multiple of 1/scale; NaN and infinities become 0 because JSON cannot carry
// them and a bad time must not make the whole result unprintable.
func roundTo(x, scale float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*scale) / scale
}

// AddSegment appends a recognised segment to r: to Segments, its words to Words, its text to Text (with a
// space between segments). Segments with no text are left out, so silence adds nothing.
func (r *Result) AddSegment(s Segment) {
	s.Text = strings.Join(strings.Fields(s.Text), " ")
	if s.Text == "" {
		return
	}
	r.Segments = append(r.Segments, s)
	r.Words = append(r.Words, s.Words...)
	if r.Text != "" {
		r.Text += " "
	}
	r.Text += s.Text
}
