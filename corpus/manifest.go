// Package corpus reads and writes the manifests that list labelled training and test speech, and generates
// synthetic labelled speech with the text-to-speech programs found on the system (see package corpus/synth).
//
// Three manifest formats are read, and ReadManifest tells them apart by themselves:
//
//   - the Hark TSV format, one utterance a line: "relative/path<TAB>duration_seconds<TAB>TRANSCRIPT", with an
//     optional fourth column naming the speaker; paths are relative to the manifest's folder or absolute; a
//     line of two fields (path, transcript), or a duration of "-", takes the duration from the audio file;
//   - Mozilla DeepSpeech CSV files with a "wav_filename,wav_filesize,transcript" header;
//   - a LibriSpeech folder (speaker/chapter/speaker-chapter.trans.txt next to speaker-chapter-NNNN.flac).
//
// Transcripts are normalised to the model alphabet (lowercase a–z, apostrophe, space). Bad lines are reported with
// the file name and line number and then skipped, or end the read when Options.Strict is set.
package corpus

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Utterance is one labelled recording.
type Utterance struct {
	// Path is the audio file, absolute or relative to the current folder: manifest paths are resolved against
	// the manifest's folder when read, so Path can be opened as it is.
	Path string
	// Duration is the length in seconds (for DeepSpeech CSV an estimate from the file size; see ReadManifest).
	Duration float64
	// Text is the transcript normalised to Alphabet.
	Text string
	// Speaker names the speaker when the manifest says; empty otherwise.
	Speaker string
}

// Format is a manifest format.
type Format int

const (
	FormatAuto        Format = iota // detect from the content (ReadManifest only)
	FormatTSV                       // Hark / shared-data TSV
	FormatCSV                       // Mozilla DeepSpeech CSV
	FormatLibriSpeech               // LibriSpeech folder layout
)

func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatTSV:
		return "tsv"
	case FormatCSV:
		return "deepspeech-csv"
	case FormatLibriSpeech:
		return "librispeech"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Options control how a manifest is read. The zero value detects the format, skips bad lines and does not look at
// the audio files.
type Options struct {
	Format Format
	// CheckFiles reports utterances whose audio file does not exist (LibriSpeech folders always need the files,
	// because the durations come from their headers).
	CheckFiles bool
	// Strict makes the first bad line an error instead of a skipped line.
	Strict bool
	// MaxProblems caps Report.Problems (all of them are still counted in Report.Skipped); 0 means 100.
	MaxProblems int
}

// FormatError is a problem with a manifest: it names the file and, where there is one, the line.
type FormatError struct {
	File    string
	Line    int // 1-based; 0 when the problem is not on one line
	Problem string
	Err     error // the underlying error, if any
}

func (e *FormatError) Error() string {
	s := "corpus: " + e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	s += ": " + e.Problem
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// Report says what reading a manifest found.
type Report struct {
	Format     Format
	Lines      int     // data lines (or transcript lines) looked at, blank lines and headers not counted
	Utterances int     // utterances returned
	Skipped    int     // bad lines skipped
	Duration   float64 // total seconds of the utterances returned
	// Problems holds the first Options.MaxProblems bad lines.
	Problems []*FormatError
}

// String summarises the report in one line.
func (r Report) String() string {
	return fmt.Sprintf("%s: %d utterances, %s, %d of %d lines skipped", r.Format, r.Utterances,
		FormatDuration(r.Duration), r.Skipped, r.Lines)
}

// FormatDuration writes an amount of audio in the unit that keeps it readable: a corpus of a few files is
// "9.7 s", not "0.00 h".
func FormatDuration(seconds float64) string {
	switch {
	case seconds < 60:
		return fmt.Sprintf("%.1f s", seconds)
	case seconds < 3600:
		return fmt.Sprintf("%.1f min", seconds/60)
	default:
		return fmt.Sprintf("%.2f h", seconds/3600)
	}
}

// reader holds what the format parsers share: options, the report and the problem policy.
type reader struct {
	opts Options
	rep  Report
	utts []Utterance
}

func newReader(opts Options, f Format) *reader {
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	return &reader{opts: opts, rep: Report{Format: f}}
}

// problem records a bad line; in strict mode it returns the error that ends the read.
func (r *reader) problem(file string, line int, err error, format string, args ...any) error {
	fe := &FormatError{File: file, Line: line, Problem: fmt.Sprintf(format, args...), Err: err}
	if r.opts.Strict {
		return fe
	}
	r.rep.Skipped++
	if len(r.rep.Problems) < r.opts.MaxProblems {
		r.rep.Problems = append(r.rep.Problems, fe)
	}
	return nil
}

// add validates and stores one utterance; a bad one becomes a problem.
func (r *reader) add(file string, line int, u Utterance, rawText string) error {
	text, err := NormalizeTranscript(rawText)
	if err != nil {
		return r.problem(file, line, nil, "%v", err)
	}
	u.Text = text
	if r.opts.CheckFiles {
		if _, err := os.Stat(u.Path); err != nil {
			return r.problem(file, line, nil, "missing audio file %s", u.Path)
		}
	}
	r.utts = append(r.utts, u)
	r.rep.Utterances++
	r.rep.Duration += u.Duration
	return nil
}

func (r *reader) result(err error) ([]Utterance, Report, error) {
	if err != nil {
		return nil, r.rep, err
	}
	return r.utts, r.rep, nil
}

// ReadManifest reads the manifest at path. A folder is read as a LibriSpeech tree; a file whose first line starts
// with "wav_filename," (or whose name ends in .csv) as DeepSpeech CSV; any other file as TSV. opts.Format
// overrides the detection.
//
// DeepSpeech CSV files carry no durations: with CheckFiles they are read from the audio files' headers
// (audio.ProbeHeader), otherwise estimated from wav_filesize as 16-bit mono 16 kHz WAV (the format DeepSpeech requires)
// after a 44-byte header.
//
// The error is non-nil for a file that cannot be read, for a manifest with no usable utterance at all, and in
// strict mode for the first bad line (a *FormatError); skipped lines are listed in the Report.
func ReadManifest(path string, opts Options) ([]Utterance, Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, Report{}, fmt.Errorf("corpus: %w", err)
	}
	if opts.Format == FormatLibriSpeech || (opts.Format == FormatAuto && st.IsDir()) {
		utts, rep, err := readLibriSpeech(path, opts)
		return finish(path, utts, rep, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, Report{}, fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	format := opts.Format
	if format == FormatAuto {
		format = FormatTSV
		head, _ := br.Peek(len(utf8BOM) + len("wav_filename,"))
		head = bytes.TrimPrefix(head, utf8BOM)
		if bytes.HasPrefix(head, []byte("wav_filename,")) || strings.EqualFold(filepath.Ext(path), ".csv") {
			format = FormatCSV
		}
	}
	var utts []Utterance
	var rep Report
	switch format {
	case FormatTSV:
		utts, rep, err = ParseTSV(br, path, opts)
	case FormatCSV:
		utts, rep, err = ParseCSV(br, path, opts)
	default:
		return nil, Report{}, fmt.Errorf("corpus: %s: unknown manifest format %v", path, format)
	}
	return finish(path, utts, rep, err)
}

func finish(path string, utts []Utterance, rep Report, err error) ([]Utterance, Report, error) {
	if err == nil && len(utts) == 0 {
		msg := "no utterances"
		if rep.Skipped > 0 {
			msg = fmt.Sprintf("no usable utterances (%d lines skipped; first: %v)", rep.Skipped, rep.Problems[0])
		}
		err = &FormatError{File: path, Problem: msg}
	}
	return utts, rep, err
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// maxLine bounds one manifest line; longer lines are reported and skipped without being held in memory.
const maxLine = 64 << 10

// lineReader yields lines without their line ending, skipping over-long lines after reporting them.
type lineReader struct {
	br   *bufio.Reader
	line int
}

// next returns the next line; tooLong is set (and the line empty) when the line exceeded maxLine.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxLine {
			tooLong = true
			buf = buf[:0]
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) == 0 && !tooLong && len(chunk) == 0 {
			return nil, false, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, false, err
		}
		lr.line++
		if lr.line == 1 {
			buf = bytes.TrimPrefix(buf, utf8BOM)
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return buf, tooLong, nil
	}
}

// resolve makes a manifest path usable from the current folder.
func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, filepath.FromSlash(p))
}

// validDuration rejects durations that cannot be a recording's length.
func validDuration(d float64) bool {
	return !math.IsNaN(d) && d > 0 && d < 24*3600
}
