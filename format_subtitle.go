package hark

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// SubtitleOptions lays out srt and vtt cues, like whisper.cpp's -ml: a segment longer than a cue may hold is
// split between words, using the word times.
type SubtitleOptions struct {
	MaxLineChars int     // characters per line; a longer single word gets a line of its own (default 42)
	MaxLines     int     // lines per cue (default 2)
	MaxDuration  float64 // seconds per cue, unless a single word lasts longer (default 7)
}

// DefaultSubtitleOptions returns the common broadcast layout: two lines of at most 42 characters, at most 7 s.
func DefaultSubtitleOptions() SubtitleOptions {
	return SubtitleOptions{MaxLineChars: 42, MaxLines: 2, MaxDuration: 7}
}

func (o SubtitleOptions) withDefaults() SubtitleOptions {
	d := DefaultSubtitleOptions()
	if o.MaxLineChars <= 0 {
		o.MaxLineChars = d.MaxLineChars
	}
	if o.MaxLines <= 0 {
		o.MaxLines = d.MaxLines
	}
	if !(o.MaxDuration > 0) {
		o.MaxDuration = d.MaxDuration
	}
	return o
}

// cue is one subtitle: times in milliseconds, text already broken into lines.
type cue struct {
	start, end int64
	lines      []string
}

// timedWord is a word with times in milliseconds.
type timedWord struct {
	text       string
	start, end int64
}

// cues lays r out as subtitles. The cue times are made safe for players whatever r holds: in milliseconds, not
// negative, each cue ending after it starts and starting no earlier than the previous one ends.
func cues(r Result, o SubtitleOptions) []cue {
	o = o.withDefaults()
	segs := r.Segments
	if len(segs) == 0 && strings.TrimSpace(r.Text) != "" {
		segs = []Segment{{Start: 0, End: r.Duration, Text: r.Text, Words: r.Words}}
	}
	segs = slices.Clone(segs)
	slices.SortStableFunc(segs, func(a, b Segment) int {
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return 0
	})
	var out []cue
	for _, s := range segs {
		out = append(out, segmentCues(s, o)...)
	}
	// Make the times monotonic and non-overlapping; this only moves times that were wrong to begin with.
	var prevEnd int64
	for i := range out {
		c := &out[i]
		c.start = max(c.start, prevEnd)
		c.end = max(c.end, c.start+1)
		prevEnd = c.end
	}
	return out
}

// segmentCues splits one segment into cues, which change at word boundaries, at the word times; the first and
// last cues reach towards the segment's edges.
func segmentCues(s Segment, o SubtitleOptions) []cue {
	words := segmentWords(s)
	if len(words) == 0 {
		return nil
	}
	maxDur := int64(math.Round(o.MaxDuration * 1000))
	var out []cue
	var cur cue
	var line []string
	lineLen := 0
	flushLine := func() {
		if len(line) > 0 {
			cur.lines = append(cur.lines, strings.Join(line, " "))
			line, lineLen = line[:0], 0
		}
	}
	flushCue := func() {
		flushLine()
		if len(cur.lines) > 0 {
			out = append(out, cur)
		}
		cur = cue{}
	}
	for _, w := range words {
		n := utf8.RuneCountInString(w.text)
		empty := len(cur.lines) == 0 && len(line) == 0
		switch {
		case empty:
		case w.end-cur.start > maxDur:
			flushCue()
		case lineLen+1+n <= o.MaxLineChars:
		case len(cur.lines)+1 < o.MaxLines:
			flushLine()
		default:
			flushCue()
		}
		if len(cur.lines) == 0 && len(line) == 0 {
			cur.start = w.start
		}
		if len(line) > 0 {
			lineLen++
		}
		line = append(line, w.text)
		lineLen += n
		cur.end = w.end
	}
	flushCue()
	// The first cue may start with the segment and the last end with it, so that soft word edges stay under a
	// subtitle, but never beyond the cue length limit, and a cue shows at most subtitleLead before its first
	// word: a voice-activity segment can start a second or more before the speech the recogniser found in it.
	first, last := &out[0], &out[len(out)-1]
	first.start = max(min(first.start, secondsToMS(s.Start)), first.start-subtitleLead, min(first.start, first.end-maxDur))
	last.end = min(max(last.end, secondsToMS(s.End)), max(last.end, last.start+maxDur))
	return out
}

// subtitleLead is how long, in milliseconds, a subtitle may appear before its first word.
const subtitleLead = 300

// segmentWords returns the segment's words in milliseconds. Without word times (a decoder that gives none, or
// hand-made results), the text's words share the segment's time in proportion to their length.
func segmentWords(s Segment) []timedWord {
	var out []timedWord
	for _, w := range s.Words {
		if t := oneLine(w.Text); t != "" {
			out = append(out, timedWord{t, secondsToMS(w.Start), secondsToMS(w.End)})
		}
	}
	if len(out) > 0 {
		return out
	}
	fields := strings.Fields(s.Text)
	total := 0
	for _, f := range fields {
		total += utf8.RuneCountInString(f) + 1
	}
	start, end := secondsToMS(s.Start), secondsToMS(s.End)
	span := max(end-start, 0)
	pos := 0
	for _, f := range fields {
		n := utf8.RuneCountInString(f) + 1
		out = append(out, timedWord{f, start + span*int64(pos)/int64(total), start + span*int64(pos+n-1)/int64(total)})
		pos += n
	}
	return out
}

// secondsToMS converts to whole milliseconds, taking bad times (negative, NaN, beyond 100 000 h) to 0 or the
// limit, so that nothing downstream overflows.
func secondsToMS(s float64) int64 {
	const limit = 100000 * 3600 * 1000
	switch {
	case !(s > 0):
		return 0
	case s*1000 >= limit:
		return limit
	}
	return int64(math.Round(s * 1000))
}

// clock formats milliseconds as HH:MM:SS followed by sep and the milliseconds; hours grow past two digits.
func clock(ms int64, sep byte) string {
	h := ms / 3600000
	m := ms / 60000 % 60
	s := ms / 1000 % 60
	return fmt.Sprintf("%02d:%02d:%02d%c%03d", h, m, s, sep, ms%1000)
}

// writeSRT writes SubRip: cues numbered from 1, "HH:MM:SS,mmm --> HH:MM:SS,mmm", text lines, a blank line after
// each cue.
func writeSRT(b *bytes.Buffer, cs []cue) {
	for i, c := range cs {
		fmt.Fprintf(b, "%d\n%s --> %s\n", i+1, clock(c.start, ','), clock(c.end, ','))
		for _, l := range c.lines {
			// A timing arrow in the text would read as a timing line to some parsers.
			b.WriteString(strings.ReplaceAll(l, "-->", "->"))
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
}

// writeVTT writes WebVTT: the header, then each cue's timing line and text lines followed by a blank line.
func writeVTT(b *bytes.Buffer, cs []cue) {
	// Escape what WebVTT cue text reserves, which also keeps "-->" out of it.
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	b.WriteString("WEBVTT\n\n")
	for _, c := range cs {
		fmt.Fprintf(b, "%s --> %s\n", clock(c.start, '.'), clock(c.end, '.'))
		for _, l := range c.lines {
			b.WriteString(esc.Replace(l))
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
}

// writeTSV writes whisper.cpp's -otsv layout: a header, then start and end in integer milliseconds and the text,
// one row per segment (segments are not split as subtitle cues are). A result with text but no segments is one
// row spanning the input.
func writeTSV(b *bytes.Buffer, r Result) {
	b.WriteString("start\tend\ttext\n")
	segs := r.Segments
	if len(segs) == 0 && strings.TrimSpace(r.Text) != "" {
		segs = []Segment{{Start: 0, End: r.Duration, Text: r.Text}}
	}
	for _, s := range segs {
		t := oneLine(s.Text)
		if t == "" {
			continue
		}
		fmt.Fprintf(b, "%d\t%d\t%s\n", secondsToMS(s.Start), secondsToMS(s.End), t)
	}
}
