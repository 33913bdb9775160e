package hark

import (
	"fmt"
	"testing"
)

func TestResultAddSegment(t *testing.T) {
	var r Result
	w1 := []Word{{Text: "hello", Start: 0.1, End: 0.4, Confidence: 0.9}}
	w2 := []Word{{Text: "big", Start: 2, End: 2.2, Confidence: 0.8}, {Text: "world", Start: 2.3, End: 2.7, Confidence: 0.7}}
	r.AddSegment(Segment{Start: 0, End: 0.5, Text: " hello ", Words: w1})
	r.AddSegment(Segment{Start: 1, End: 1.5, Text: "  "}) // silence: nothing
	r.AddSegment(Segment{Start: 1.9, End: 2.8, Text: "big  world", Words: w2})
	if r.Text != "hello big world" {
		t.Errorf("Text = %q", r.Text)
	}
	if len(r.Segments) != 2 || r.Segments[0].Text != "hello" || r.Segments[1].Text != "big world" {
		t.Errorf("Segments = %+v", r.Segments)
	}
	if fmt.Sprint(r.Words) != fmt.Sprint(append(append([]Word(nil), w1...), w2...)) {
		t.Errorf("Words = %+v", r.Words)
	}
}
