package corpus

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/harkspeech/hark/audio"
)

// wavHeaderBytes and wavBytesPerSecond turn a DeepSpeech wav_filesize into a duration: DeepSpeech requires 16-bit
// mono 16 kHz WAV with the canonical 44-byte header.
const (
	wavHeaderBytes    = 44
	wavBytesPerSecond = 16000 * 2
)

// ParseCSV reads a Mozilla DeepSpeech CSV manifest from r. The first record is the header; it must name the
// wav_filename and transcript columns, in any order, and may name wav_filesize, from which durations are estimated
// (without it, or with a size too small to hold audio, the line is a problem) unless opts.CheckFiles asks for the
// audio files to be probed. name is the manifest's path, for
// problems and to resolve relative file names.
func ParseCSV(r io.Reader, name string, opts Options) ([]Utterance, Report, error) {
	rd := newReader(opts, FormatCSV)
	dir := filepath.Dir(name)
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return rd.result(&FormatError{File: name, Problem: "empty file, want a wav_filename,wav_filesize,transcript header"})
		}
		return rd.result(&FormatError{File: name, Line: 1, Problem: "bad header", Err: err})
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	fileCol, okFile := col["wav_filename"]
	textCol, okText := col["transcript"]
	sizeCol, okSize := col["wav_filesize"]
	if !okFile || !okText {
		return rd.result(&FormatError{File: name, Line: 1, Problem: fmt.Sprintf("header %q lacks wav_filename or transcript", strings.Join(header, ","))})
	}
	need := max(fileCol, textCol) + 1
	if okSize {
		need = max(need, sizeCol+1)
	}

	lastErrLine := -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The csv reader resumes after a malformed record; give up only if it stops making progress.
			if pe.StartLine == lastErrLine {
				return rd.result(&FormatError{File: name, Line: pe.StartLine, Problem: "malformed CSV", Err: err})
			}
			lastErrLine = pe.StartLine
			rd.rep.Lines++
			if err := rd.problem(name, pe.StartLine, pe.Err, "malformed CSV"); err != nil {
				return rd.result(err)
			}
			continue
		}
		if err != nil {
			return rd.result(fmt.Errorf("corpus: reading %s: %w", name, err))
		}
		rd.rep.Lines++
		line, _ := cr.FieldPos(0) // only valid after a successful Read
		if len(rec) != len(header) || len(rec) < need {
			if err := rd.problem(name, line, nil, "%d fields, header has %d", len(rec), len(header)); err != nil {
				return rd.result(err)
			}
			continue
		}
		if err := parseCSVRecord(rd, name, dir, line, rec, fileCol, textCol, sizeCol, okSize); err != nil {
			return rd.result(err)
		}
	}
	return rd.result(nil)
}

func parseCSVRecord(rd *reader, name, dir string, line int, rec []string, fileCol, textCol, sizeCol int, okSize bool) error {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return rd.problem(name, line, nil, "record is not valid UTF-8")
		}
	}
	file := strings.TrimSpace(rec[fileCol])
	if file == "" {
		return rd.problem(name, line, nil, "empty wav_filename")
	}
	path := resolve(dir, file)
	if rd.opts.CheckFiles {
		// The file has to be opened anyway, so take the exact length from its header.
		info, err := audio.ProbeHeader(path)
		if err != nil {
			return rd.problem(name, line, err, "audio file %s", path)
		}
		if !validDuration(info.Duration) {
			return rd.problem(name, line, nil, "audio file %s: length unknown or zero", path)
		}
		return rd.add(name, line, Utterance{Path: path, Duration: info.Duration}, rec[textCol])
	}
	if !okSize {
		return rd.problem(name, line, nil, "no wav_filesize column to estimate the duration from")
	}
	size, err := strconv.ParseInt(strings.TrimSpace(rec[sizeCol]), 10, 64)
	d := float64(size-wavHeaderBytes) / wavBytesPerSecond
	if err != nil || !validDuration(d) {
		return rd.problem(name, line, nil, "bad wav_filesize %q", rec[sizeCol])
	}
	return rd.add(name, line, Utterance{Path: path, Duration: d}, rec[textCol])
}
