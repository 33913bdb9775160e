package hark

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/harkspeech/hark/internal/atomicfile"
)

// Format is an output format for transcripts.
type Format string

// The output formats of `hark transcribe -f`.
const (
	// FormatText is the transcript alone, a line per speech segment (as whisper.cpp's txt): one line for a
	// short recording, a line per stretch of speech between pauses for a long one.
	FormatText Format = "txt"
	// FormatJSON is one indented JSON document: the Result object for one input, an array of them for several.
	FormatJSON Format = "json"
	// FormatJSONL is one Result object per input, each on one line (JSON Lines), for programs.
	FormatJSONL Format = "jsonl"
	// FormatSRT is SubRip subtitles: numbered cues timed HH:MM:SS,mmm.
	FormatSRT Format = "srt"
	// FormatVTT is WebVTT subtitles: a WEBVTT header, cues timed HH:MM:SS.mmm.
	FormatVTT Format = "vtt"
	// FormatTSV is whisper.cpp's -otsv table: a "start\tend\ttext" header, then one row per segment with start
	// and end in integer milliseconds.
	FormatTSV Format = "tsv"
)

// Formats lists every output format, in the order help texts show them.
func Formats() []Format {
	return []Format{FormatText, FormatJSON, FormatJSONL, FormatSRT, FormatVTT, FormatTSV}
}

// ParseFormat returns the format named s (case-insensitive, a leading dot allowed, so file extensions work).
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "."))
	if name == "text" {
		name = "txt"
	}
	for _, f := range Formats() {
		if string(f) == name {
			return f, nil
		}
	}
	names := make([]string, 0, 6)
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown output format %q (want one of %s)", s, strings.Join(names, ", "))
}

// Extension returns the file-name extension for the format, with its dot: ".srt".
func (f Format) Extension() string { return "." + string(f) }

func (f Format) valid() bool {
	for _, g := range Formats() {
		if f == g {
			return true
		}
	}
	return false
}

// OutputPath names the output file for input in dir: the input's base name with the format's extension added,
// as whisper.cpp does ("talk.wav" → "DIR/talk.wav.srt"), so that talk.wav and talk.mp3 do not collide. Standard
// input ("-" or "") is called "stdin".
func OutputPath(dir, input string, f Format) string {
	base := filepath.Base(input)
	if input == "" || input == "-" || base == "." || base == string(filepath.Separator) {
		base = "stdin"
	}
	return filepath.Join(dir, base+f.Extension())
}

// WriteResult writes r to w as one document in format f, with the default subtitle layout.
func WriteResult(w io.Writer, f Format, r Result) error {
	e := NewEncoder(w, f)
	if err := e.Encode(r); err != nil {
		return err
	}
	return e.Close()
}

// WriteFile writes r in format f to the file at path atomically: into a temporary file in the same directory,
// renamed over path only once complete, so a crash or a full disk never leaves a half-written transcript.
func WriteFile(path string, f Format, r Result) error {
	if !f.valid() {
		return fmt.Errorf("write %s: unknown output format %q", path, string(f))
	}
	// A transcript is as readable as any file os.Create makes (umask aside).
	return atomicfile.Write(path, func(w io.Writer) error { return WriteResult(w, f, r) }, 0o644) // names path on error
}

// An Encoder writes the results of several inputs to one stream, such as standard output.
//
// One result comes out exactly as WriteResult writes it. With several: jsonl gives one line each; json gives
// one indented array; txt, srt, vtt and tsv give each input's document preceded by a line "==> FILE <==", as
// head(1) does for several files, which is for reading: write one file per input (WriteFile) for subtitles
// that players accept. Since the layout depends on whether a second result comes, the first result of a
// json, txt, srt, vtt or tsv Encoder is held back until the second Encode or Close — unless SetInputs said
// how many inputs the stream is for, which fixes the layout in advance.
//
// An Encoder is not safe for concurrent use; results appear in the order of the Encode calls.
type Encoder struct {
	w      io.Writer
	f      Format
	sub    SubtitleOptions
	n      int     // results encoded so far
	inputs int     // inputs the stream is for, if SetInputs said; 0 if not
	first  *Result // held back until the layout is known
	err    error   // first write error: later calls return it
}

// NewEncoder returns an Encoder writing format f to w with DefaultSubtitleOptions.
func NewEncoder(w io.Writer, f Format) *Encoder {
	return &Encoder{w: w, f: f, sub: DefaultSubtitleOptions()}
}

// SetSubtitleOptions sets how srt and vtt cues are laid out; zero fields take their defaults.
func (e *Encoder) SetSubtitleOptions(o SubtitleOptions) { e.sub = o.withDefaults() }

// SetInputs says that the stream is for n inputs, so that its layout follows the inputs and not the results that
// arrive, which are fewer when some inputs fail: with n > 1 a json stream is an array and txt, srt, vtt and tsv
// documents have their "==> FILE <==" lines even if a single result comes; with n == 1 a json stream with no
// result is empty rather than "[]". Call it before the first Encode.
func (e *Encoder) SetInputs(n int) { e.inputs = n }

// Encode writes r, or holds it back (see Encoder).
func (e *Encoder) Encode(r Result) error {
	if e.err != nil {
		return e.err
	}
	if !e.f.valid() {
		e.err = fmt.Errorf("unknown output format %q", string(e.f))
		return e.err
	}
	e.n++
	var b bytes.Buffer
	switch {
	case e.f == FormatJSONL:
		e.err = marshalTo(&b, r, false, "")
		if e.err == nil {
			_, e.err = e.w.Write(b.Bytes())
		}
		return e.err
	case e.n == 1 && e.inputs <= 1:
		e.first = &r
		return nil
	case e.first != nil:
		e.err = e.multi(&b, *e.first, true)
		e.first = nil
	}
	if e.err == nil {
		e.err = e.multi(&b, r, e.n == 1)
	}
	if e.err == nil {
		_, e.err = e.w.Write(b.Bytes())
	}
	return e.err
}

// Close writes what was held back and ends the document (the closing bracket of a json array). It does not
// close the underlying writer.
func (e *Encoder) Close() error {
	if e.err != nil {
		return e.err
	}
	var b bytes.Buffer
	switch {
	case e.f == FormatJSONL:
	case e.first != nil:
		e.err = e.single(&b, *e.first)
		e.first = nil
	case e.n == 0 && e.f == FormatJSON && e.inputs != 1:
		b.WriteString("[]\n")
	case e.n > 0 && e.f == FormatJSON:
		b.WriteString("\n]\n")
	}
	if e.err == nil {
		_, e.err = e.w.Write(b.Bytes())
	}
	if e.err == nil {
		e.err = errClosed
		return nil
	}
	return e.err
}

var errClosed = errors.New("hark: Encoder used after Close")

// single writes r as the only document of the stream.
func (e *Encoder) single(b *bytes.Buffer, r Result) error {
	switch e.f {
	case FormatText:
		n := 0
		for _, seg := range r.Segments {
			if t := oneLine(seg.Text); t != "" {
				b.WriteString(t)
				b.WriteByte('\n')
				n++
			}
		}
		if n == 0 { // no segments (hand-made results, or silence): the text, or an empty line
			b.WriteString(oneLine(r.Text))
			b.WriteByte('\n')
		}
	case FormatJSON:
		return marshalTo(b, r, true, "")
	case FormatSRT:
		writeSRT(b, cues(r, e.sub))
	case FormatVTT:
		writeVTT(b, cues(r, e.sub))
	case FormatTSV:
		writeTSV(b, r)
	}
	return nil
}

// multi writes r as one of several documents of the stream.
func (e *Encoder) multi(b *bytes.Buffer, r Result, first bool) error {
	if e.f == FormatJSON {
		if first {
			b.WriteString("[\n  ")
		} else {
			b.WriteString(",\n  ")
		}
		if err := marshalTo(b, r, true, "  "); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // the newline: the separator or the closing bracket follows
		return nil
	}
	if !first && (e.f == FormatText || e.f == FormatTSV) {
		b.WriteByte('\n') // srt and vtt documents already end with a blank line
	}
	fmt.Fprintf(b, "==> %s <==\n", oneLine(r.File))
	return e.single(b, r)
}

// marshalTo appends r's JSON and a newline: on one line, or indented by two spaces per level with every line
// after the first starting with prefix. HTML characters are left alone (file names with & stay readable).
func marshalTo(b *bytes.Buffer, r Result, indent bool, prefix string) error {
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode result of %s: %w", r.File, err)
	}
	if !indent {
		b.Write(raw.Bytes())
		return nil
	}
	return json.Indent(b, raw.Bytes(), prefix, "  ") // keeps the trailing newline
}

// oneLine flattens line breaks and tabs so that text cannot break a line-based format.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
