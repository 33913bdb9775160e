package hark

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// words makes words from "text start end" triples, with a fixed confidence pattern.
func words(spec ...any) []Word {
	var out []Word
	for i := 0; i+2 < len(spec); i += 3 {
		out = append(out, Word{Text: spec[i].(string), Start: spec[i+1].(float64), End: spec[i+2].(float64),
			Confidence: 0.5 + 0.05*float64(len(out)%10)})
	}
	return out
}

// fixtureResult is a transcript that exercises every layout rule: frame times that are not exact in binary
// (0.12000000000000001), a segment too long for one cue that must be split at word times, a segment whose
// text is longer than 7 s of speech, a segment without word times, and an n-best list.
func fixtureResult() Result {
	seg1 := words("hello", 0.12000000000000001, 0.48, "world", 0.52, 0.9)
	seg2 := words(
		"the", 2.0, 2.1, "quick", 2.15, 2.4, "brown", 2.45, 2.7, "fox", 2.75, 2.95, "jumps", 3.0, 3.3,
		"over", 3.35, 3.6, "the", 3.62, 3.7, "lazy", 3.75, 4.05, "dog", 4.1, 4.4, "and", 4.5, 4.6,
		"then", 4.65, 4.9, "runs", 4.95, 5.2, "far", 5.25, 5.5, "away", 5.55, 5.9, "into", 6.0, 6.2,
		"the", 6.25, 6.35, "dark", 6.4, 6.7, "green", 6.75, 7.0, "forest", 7.05, 7.5)
	seg3 := words("slowly", 10.0, 12.5, "very", 13.0, 15.5, "slowly", 16.0, 18.9)
	var all []Word
	all = append(append(append(all, seg1...), seg2...), seg3...)
	join := func(ws []Word) string {
		var t []string
		for _, w := range ws {
			t = append(t, w.Text)
		}
		return strings.Join(t, " ")
	}
	return Result{
		File:     "testdata/talk & notes.wav",
		Duration: 3723.4567,
		Text:     join(all) + " no word times here",
		Words:    all,
		Segments: []Segment{
			{Start: 0.1, End: 0.95, Text: join(seg1), Words: seg1},
			{Start: 1.98, End: 7.52, Text: join(seg2), Words: seg2},
			{Start: 9.9, End: 19.0, Text: join(seg3), Words: seg3},
			{Start: 3700.0, End: 3702.0, Text: "no word times here"},
		},
		Alternatives: []Alternative{{Text: "hello world", Score: -1.234567}, {Text: "hollow world", Score: -3.5}},
	}
}

func secondResult() Result {
	w := words("yes", 0.3, 0.6)
	return Result{File: "yes.wav", Duration: 1, Text: "yes", Words: w,
		Segments: []Segment{{Start: 0.25, End: 0.7, Text: "yes", Words: w}}}
}

// checkGolden compares got with testdata/golden/name, or rewrites the file with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestWriteResultGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteResult(&b, f, fixtureResult()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "fixture"+f.Extension(), b.Bytes())
		})
	}
}

func TestEncoderSeveralGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			e := NewEncoder(&b, f)
			for _, r := range []Result{fixtureResult(), secondResult()} {
				if err := e.Encode(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "several"+f.Extension(), b.Bytes())
		})
	}
}

// With SetInputs the layout follows the inputs: one result of several inputs is still laid out as one of several,
// exactly as the first document of the two-result stream.
func TestEncoderSetInputs(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			encode := func(inputs int, rs ...Result) string {
				var b bytes.Buffer
				e := NewEncoder(&b, f)
				e.SetInputs(inputs)
				for _, r := range rs {
					if err := e.Encode(r); err != nil {
						t.Fatal(err)
					}
				}
				if err := e.Close(); err != nil {
					t.Fatal(err)
				}
				return b.String()
			}
			var single, several bytes.Buffer
			if err := WriteResult(&single, f, fixtureResult()); err != nil {
				t.Fatal(err)
			}
			e := NewEncoder(&several, f)
			for _, r := range []Result{fixtureResult(), secondResult()} {
				if err := e.Encode(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			if got := encode(1, fixtureResult()); got != single.String() {
				t.Errorf("1 input, 1 result: got\n%s\nwant WriteResult's\n%s", got, single.String())
			}
			if got := encode(3, fixtureResult(), secondResult()); got != several.String() {
				t.Errorf("3 inputs, 2 results: got\n%s\nwant\n%s", got, several.String())
			}
			one := encode(2, fixtureResult())
			switch f {
			case FormatJSON:
				var arr []Result
				if err := json.Unmarshal([]byte(one), &arr); err != nil || len(arr) != 1 || arr[0].File != fixtureResult().File {
					t.Errorf("2 inputs, 1 result: not a one-element array (%v):\n%s", err, one)
				}
			case FormatJSONL:
				if one != single.String() {
					t.Errorf("2 inputs, 1 result: got\n%s", one)
				}
			default:
				if !strings.HasPrefix(several.String(), one) || !strings.HasPrefix(one, "==> "+fixtureResult().File+" <==\n") {
					t.Errorf("2 inputs, 1 result: got\n%s\nwant the start of\n%s", one, several.String())
				}
			}
			empty := map[Format][2]string{FormatJSON: {"", "[]\n"}}[f]
			if got := encode(1); got != empty[0] {
				t.Errorf("1 input, no result: got %q, want %q", got, empty[0])
			}
			if got := encode(2); got != empty[1] {
				t.Errorf("2 inputs, no result: got %q, want %q", got, empty[1])
			}
		})
	}
}

func TestEncoderEmptyAndSilence(t *testing.T) {
	silence := Result{File: "silence.wav", Duration: 2}
	tests := []struct {
		f    Format
		rs   []Result
		want string
	}{
		{FormatJSON, nil, "[]\n"},
		{FormatJSONL, nil, ""},
		{FormatText, nil, ""},
		{FormatJSONL, []Result{silence},
			`{"file":"silence.wav","duration":2,"text":"","words":[],"segments":[]}` + "\n"},
		{FormatText, []Result{silence}, "\n"},
		{FormatSRT, []Result{silence}, ""},
		{FormatVTT, []Result{silence}, "WEBVTT\n\n"},
		{FormatTSV, []Result{silence}, "start\tend\ttext\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		e := NewEncoder(&b, tt.f)
		for _, r := range tt.rs {
			if err := e.Encode(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s with %d results: got %q, want %q", tt.f, len(tt.rs), b.String(), tt.want)
		}
		if err := e.Encode(silence); err == nil {
			t.Errorf("%s: Encode after Close succeeded", tt.f)
		}
	}
}

// The jsonl line must be the documented object and nothing else: keys in order, one line, and it must read
// back into the same Result (up to the documented rounding).
func TestJSONLShape(t *testing.T) {
	var b bytes.Buffer
	r := secondResult()
	if err := WriteResult(&b, FormatJSONL, r); err != nil {
		t.Fatal(err)
	}
	want := `{"file":"yes.wav","duration":1,"text":"yes","words":[{"word":"yes","start":0.3,"end":0.6,"confidence":0.5}],` +
		`"segments":[{"start":0.25,"end":0.7,"text":"yes"}]}` + "\n"
	if b.String() != want {
		t.Fatalf("got  %s\nwant %s", b.String(), want)
	}
	var back Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	r.Segments[0].Words = nil // not part of the JSON form
	if fmt.Sprint(back) != fmt.Sprint(r) {
		t.Errorf("round trip: got %+v, want %+v", back, r)
	}
}

func TestResultJSONBadNumbers(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	r := Result{File: "x", Duration: nan, Words: []Word{{Text: "a", Start: nan, End: inf}}}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("NaN or Inf times must not make a result unprintable: %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"txt", FormatText, true}, {"text", FormatText, true}, {"JSON", FormatJSON, true}, {".srt", FormatSRT, true},
		{"jsonl", FormatJSONL, true}, {" vtt ", FormatVTT, true}, {"tsv", FormatTSV, true},
		{"csv", "", false}, {"", "", false}, {"srtx", "", false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if err := WriteResult(&bytes.Buffer{}, Format("doc"), Result{}); err == nil {
		t.Error("WriteResult accepted an unknown format")
	}
}

func TestOutputPath(t *testing.T) {
	tests := []struct{ dir, in, want string }{
		{"out", "talks/a.wav", "out/a.wav.srt"},
		{"out", "-", "out/stdin.srt"},
		{"", "b.mp3", "b.mp3.srt"},
	}
	for _, tt := range tests {
		if got := OutputPath(tt.dir, tt.in, FormatSRT); got != filepath.FromSlash(tt.want) {
			t.Errorf("OutputPath(%q, %q) = %q, want %q", tt.dir, tt.in, got, tt.want)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.wav.vtt")
	if err := WriteFile(path, FormatVTT, fixtureResult()); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := WriteResult(&want, FormatVTT, fixtureResult()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Errorf("file holds %q, %v; want %q", got, err, want.Bytes())
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x.srt"), FormatSRT, Result{}); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("output file mode %v, %v: want readable by group and others", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// specCue is one cue as read back from srt or vtt text.
type specCue struct {
	start, end int64
	lines      []string
}

var (
	srtTime = regexp.MustCompile(`^(\d{2,}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d),(\d{3})$`)
	vttTime = regexp.MustCompile(`^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$`)
)

func parseClock(m []string) (int64, int64) {
	n := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v }
	return n(m[1])*3600000 + n(m[2])*60000 + n(m[3])*1000 + n(m[4]),
		n(m[5])*3600000 + n(m[6])*60000 + n(m[7])*1000 + n(m[8])
}

// checkSubtitleSpec parses srt (SubRip) or vtt (WebVTT) text independently of the writer and checks what
// players rely on: the header (vtt), numbering from 1 without gaps (srt), the time format, start ≤ end,
// cues in time order without overlap, non-empty cue text without blank lines, and the file ending.
func checkSubtitleSpec(text string, f Format) ([]specCue, error) {
	if f == FormatVTT {
		if !strings.HasPrefix(text, "WEBVTT\n\n") {
			return nil, fmt.Errorf("missing WEBVTT header")
		}
		text = strings.TrimPrefix(text, "WEBVTT\n\n")
	}
	if text == "" {
		return nil, nil
	}
	if !strings.HasSuffix(text, "\n\n") {
		return nil, fmt.Errorf("does not end with a blank line")
	}
	var out []specCue
	var prevEnd int64
	for i, block := range strings.Split(strings.TrimSuffix(text, "\n\n"), "\n\n") {
		lines := strings.Split(block, "\n")
		if f == FormatSRT {
			if lines[0] != strconv.Itoa(i+1) {
				return nil, fmt.Errorf("cue %d numbered %q", i+1, lines[0])
			}
			lines = lines[1:]
		}
		re := srtTime
		if f == FormatVTT {
			re = vttTime
		}
		if len(lines) < 2 {
			return nil, fmt.Errorf("cue %d has no text: %q", i+1, block)
		}
		m := re.FindStringSubmatch(lines[0])
		if m == nil {
			return nil, fmt.Errorf("cue %d: bad timing line %q", i+1, lines[0])
		}
		start, end := parseClock(m)
		if start > end {
			return nil, fmt.Errorf("cue %d ends before it starts: %q", i+1, lines[0])
		}
		if start < prevEnd {
			return nil, fmt.Errorf("cue %d starts before the previous cue ends: %q", i+1, lines[0])
		}
		prevEnd = end
		for _, l := range lines[1:] {
			if strings.TrimSpace(l) == "" || strings.Contains(l, "-->") {
				return nil, fmt.Errorf("cue %d: bad text line %q", i+1, l)
			}
		}
		out = append(out, specCue{start, end, lines[1:]})
	}
	return out, nil
}

// Cue text is escaped for WebVTT, where &, < and > are markup, and written as is in SubRip, but for timing
// arrows.
func TestSubtitleEscaping(t *testing.T) {
	r := Result{Duration: 2, Text: "a <b> & c --> d", Segments: []Segment{{Start: 0.5, End: 1.5, Text: "a <b> & c --> d"}}}
	var vtt, srt bytes.Buffer
	if err := WriteResult(&vtt, FormatVTT, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteResult(&srt, FormatSRT, r); err != nil {
		t.Fatal(err)
	}
	if want := "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\na &lt;b&gt; &amp; c --&gt; d\n\n"; vtt.String() != want {
		t.Errorf("vtt %q, want %q", vtt.String(), want)
	}
	if want := "1\n00:00:00,500 --> 00:00:01,500\na <b> & c -> d\n\n"; srt.String() != want {
		t.Errorf("srt %q, want %q", srt.String(), want)
	}
}

// The checker itself must catch what it is there to catch.
func TestSubtitleSpecChecker(t *testing.T) {
	good := "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:02,000 --> 00:00:03,500\nthere\nyou\n\n"
	if _, err := checkSubtitleSpec(good, FormatSRT); err != nil {
		t.Fatalf("good srt rejected: %v", err)
	}
	bad := map[string]string{
		"numbering":  strings.Replace(good, "2\n", "3\n", 1),
		"time":       strings.Replace(good, "00:00:01,000", "00:00:01.000", 1),
		"minutes":    strings.Replace(good, "00:00:01,000", "00:60:01,000", 1),
		"reversed":   strings.Replace(good, "00:00:01,000 --> 00:00:02,000", "00:00:02,500 --> 00:00:02,000", 1),
		"overlap":    strings.Replace(good, "00:00:02,000 --> 00:00:03,500", "00:00:01,500 --> 00:00:03,500", 1),
		"no text":    strings.Replace(good, "hi\n", "", 1),
		"no ending":  strings.TrimSuffix(good, "\n"),
		"arrow text": strings.Replace(good, "hi", "a --> b", 1),
	}
	for name, text := range bad {
		if _, err := checkSubtitleSpec(text, FormatSRT); err == nil {
			t.Errorf("%s: accepted %q", name, text)
		}
	}
	vtt := "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n\n"
	if _, err := checkSubtitleSpec(vtt, FormatVTT); err != nil {
		t.Errorf("good vtt rejected: %v", err)
	}
	if _, err := checkSubtitleSpec(strings.TrimPrefix(vtt, "WEBVTT\n\n"), FormatVTT); err == nil {
		t.Error("vtt without header accepted")
	}
}

// randomResult builds a transcript with random words, gaps, long words and long pauses, and occasionally
// broken times (overlapping segments, words out of order, end before start), as a buggy decoder might give.
func randomResult(rng *rand.Rand) Result {
	var r Result
	t := rng.Float64() * 2
	for s := rng.IntN(6); s > 0; s-- {
		seg := Segment{Start: t}
		for w := 1 + rng.IntN(40); w > 0; w-- {
			n := 1 + rng.IntN(12)
			if rng.IntN(50) == 0 {
				n = 50 + rng.IntN(20) // longer than a line
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = "abcdefghijklmnopqrstuvwxyz'"[rng.IntN(27)]
			}
			start := t + rng.Float64()*0.3
			end := start + 0.05 + rng.Float64()*0.6
			if rng.IntN(100) == 0 {
				end = start + 9 // one word longer than a cue may last
			}
			if rng.IntN(50) == 0 {
				start, end = end, start-0.2 // broken
			}
			t = max(t, end)
			seg.Words = append(seg.Words, Word{Text: string(b), Start: start, End: end, Confidence: rng.Float64()})
		}
		seg.End = t + 0.1
		if rng.IntN(20) == 0 {
			seg.Start, seg.End = seg.End, seg.Start // broken
		}
		var texts []string
		for _, w := range seg.Words {
			texts = append(texts, w.Text)
		}
		seg.Text = strings.Join(texts, " ")
		if rng.IntN(4) == 0 {
			seg.Words = nil // no word times: interpolated
		}
		r.Segments = append(r.Segments, seg)
		r.Words = append(r.Words, seg.Words...)
		t += rng.Float64() * 3
		if rng.IntN(10) == 0 {
			t -= 2 // overlapping segments
		}
	}
	r.Duration = t
	return r
}

func TestSubtitleSpecRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	opt := DefaultSubtitleOptions()
	for iter := 0; iter < 300; iter++ {
		r := randomResult(rng)
		var wantWords []string
		for _, s := range r.Segments {
			wantWords = append(wantWords, strings.Fields(s.Text)...)
		}
		for _, f := range []Format{FormatSRT, FormatVTT} {
			var b bytes.Buffer
			if err := WriteResult(&b, f, r); err != nil {
				t.Fatal(err)
			}
			cs, err := checkSubtitleSpec(b.String(), f)
			if err != nil {
				t.Fatalf("iteration %d, %s: %v\n%s", iter, f, err, b.String())
			}
			// Layout: at most MaxLines lines of at most MaxLineChars, and at most MaxDuration, except where one
			// word alone is too long. Every word appears once. Segments are written in time order, so compare
			// word multisets rather than order.
			var gotWords []string
			for _, c := range cs {
				if len(c.lines) > opt.MaxLines {
					t.Fatalf("iteration %d, %s: %d lines in a cue", iter, f, len(c.lines))
				}
				n := 0
				for _, l := range c.lines {
					ws := strings.Fields(l)
					n += len(ws)
					if len(l) > opt.MaxLineChars && len(ws) > 1 {
						t.Fatalf("iteration %d, %s: line of %d characters: %q", iter, f, len(l), l)
					}
					gotWords = append(gotWords, ws...)
				}
				if float64(c.end-c.start) > opt.MaxDuration*1000+1 && n > 1 {
					t.Fatalf("iteration %d, %s: cue of %d ms with %d words", iter, f, c.end-c.start, n)
				}
			}
			if fmt.Sprint(sortedCopy(gotWords)) != fmt.Sprint(sortedCopy(wantWords)) {
				t.Fatalf("iteration %d, %s: words differ:\n got %v\nwant %v", iter, f, gotWords, wantWords)
			}
		}
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func TestClock(t *testing.T) {
	tests := []struct {
		ms   int64
		want string
	}{
		{0, "00:00:00,000"}, {999, "00:00:00,999"}, {61001, "00:01:01,001"}, {3723456, "01:02:03,456"},
		{360000000, "100:00:00,000"},
	}
	for _, tt := range tests {
		if got := clock(tt.ms, ','); got != tt.want {
			t.Errorf("clock(%d) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}

// A segment's edges stretch its first and last cues, but a cue shows at most 0.3 s before its first word and
// never lasts longer than MaxDuration for that (a hark transcribe audit: "--max-cue-seconds 1" gave 2.25 s cues
// appearing 1.3 s before their words, stretched to voice-activity segment starts).
func TestSubtitleEdges(t *testing.T) {
	seg := Segment{Start: 0, End: 6, Text: "you would not keep",
		Words: []Word{{"you", 1.5, 1.7, 1}, {"would", 1.8, 2.1, 1}, {"not", 2.2, 2.4, 1}, {"keep", 2.5, 2.9, 1}}}
	r := Result{Duration: 6, Segments: []Segment{seg}, Words: seg.Words}
	for _, tt := range []struct {
		maxDur     float64
		start, end int64 // ms of the first cue's start, the last cue's end
	}{
		{1, 1400, 3500}, // two cues of a second: neither may reach further
		{7, 1200, 6000}, // one cue: it stays on to the segment's end
	} {
		opt := DefaultSubtitleOptions()
		opt.MaxDuration = tt.maxDur
		cs := cues(r, opt)
		if len(cs) == 0 || cs[0].start != tt.start || cs[len(cs)-1].end != tt.end {
			t.Errorf("MaxDuration %g: cues %+v, want the first from %d ms and the last to %d ms", tt.maxDur, cs, tt.start, tt.end)
		}
		for _, c := range cs {
			if float64(c.end-c.start) > tt.maxDur*1000 {
				t.Errorf("MaxDuration %g: cue %+v lasts longer", tt.maxDur, c)
			}
		}
	}
}
