package corpus

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/internal/atomicfile"
)

// ParseTSV reads a TSV manifest from r. name is the manifest's path: it names the file in problems, and relative
// audio paths are resolved against its folder. Lines have three tab-separated fields — path, duration in seconds,
// transcript — and an optional fourth, the speaker. Blank lines are ignored.
//
// A line of two fields (path, transcript), or one whose duration is "-", has its duration read from the audio
// file's header (audio.ProbeHeader), so that a list of files and their transcripts is a manifest as it stands.
func ParseTSV(r io.Reader, name string, opts Options) ([]Utterance, Report, error) {
	rd := newReader(opts, FormatTSV)
	dir := filepath.Dir(name)
	lr := lineReader{br: bufio.NewReaderSize(r, 64<<10)}
	for {
		line, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rd.result(fmt.Errorf("corpus: reading %s: %w", name, err))
		}
		if !tooLong && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rd.rep.Lines++
		if err := parseTSVLine(rd, name, dir, lr.line, line, tooLong); err != nil {
			return rd.result(err)
		}
	}
	return rd.result(nil)
}

func parseTSVLine(rd *reader, name, dir string, n int, line []byte, tooLong bool) error {
	if tooLong {
		return rd.problem(name, n, nil, "line longer than %d bytes", maxLine)
	}
	if !utf8.Valid(line) {
		return rd.problem(name, n, nil, "line is not valid UTF-8")
	}
	f := strings.Split(string(line), "\t")
	if len(f) == 2 { // path and transcript: the duration comes from the file
		if _, err := strconv.ParseFloat(strings.TrimSpace(f[1]), 64); err == nil {
			return rd.problem(name, n, nil, "a path and a duration but no transcript")
		}
		f = []string{f[0], "-", f[1]}
	}
	if len(f) != 3 && len(f) != 4 {
		return rd.problem(name, n, nil, "%d tab-separated fields, want 3 (path, duration, transcript), 4 (+ speaker) or 2 (path, transcript)", len(f))
	}
	if f[0] == "" {
		return rd.problem(name, n, nil, "empty audio path")
	}
	if hasControl(f[0]) || (len(f) == 4 && hasControl(f[3])) {
		return rd.problem(name, n, nil, "control characters in the path or speaker")
	}
	path := resolve(dir, f[0])
	var d float64
	if strings.TrimSpace(f[1]) == "-" {
		info, err := audio.ProbeHeader(path)
		if err != nil {
			return rd.problem(name, n, err, "cannot read the duration") // err names the file
		}
		if d = info.Duration; !validDuration(d) {
			return rd.problem(name, n, nil, "audio file %s: length unknown or zero", path)
		}
	} else {
		var err error
		d, err = strconv.ParseFloat(strings.TrimSpace(f[1]), 64)
		if err != nil || !validDuration(d) {
			return rd.problem(name, n, nil, "bad duration %q (seconds, or - to read it from the file)", f[1])
		}
	}
	u := Utterance{Path: path, Duration: d}
	if len(f) == 4 {
		u.Speaker = strings.TrimSpace(f[3])
	}
	return rd.add(name, n, u, f[2])
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// WriteTSV writes utterances as a TSV manifest that lives in folder dir: paths inside dir are written relative to
// it with forward slashes, others absolute. Transcripts are written in uppercase, as in the shared data sets, and
// the speaker column only for utterances that have a speaker. It fails on an utterance that ParseTSV would not
// read back unchanged.
func WriteTSV(w io.Writer, dir string, utts []Utterance) error {
	bw := bufio.NewWriter(w)
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	for i, u := range utts {
		p, err := manifestPath(absDir, u.Path)
		if err != nil {
			return fmt.Errorf("corpus: utterance %d: %w", i, err)
		}
		if hasControl(p) || p == "" || !utf8.ValidString(p) {
			return fmt.Errorf("corpus: utterance %d: path %q cannot be written to a TSV manifest", i, u.Path)
		}
		if !inAlphabet(u.Text) {
			return fmt.Errorf("corpus: utterance %d (%s): transcript %q is not normalised", i, u.Path, u.Text)
		}
		if !validDuration(u.Duration) {
			return fmt.Errorf("corpus: utterance %d (%s): bad duration %v", i, u.Path, u.Duration)
		}
		if hasControl(u.Speaker) || u.Speaker != strings.TrimSpace(u.Speaker) ||
			!utf8.ValidString(u.Speaker) {
			return fmt.Errorf("corpus: utterance %d (%s): speaker %q cannot be written", i, u.Path, u.Speaker)
		}
		bw.WriteString(p)
		bw.WriteByte('\t')
		bw.WriteString(strconv.FormatFloat(u.Duration, 'f', -1, 64))
		bw.WriteByte('\t')
		bw.WriteString(strings.ToUpper(u.Text))
		if u.Speaker != "" {
			bw.WriteByte('\t')
			bw.WriteString(u.Speaker)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func manifestPath(absDir, p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return abs, nil
	}
	return filepath.ToSlash(rel), nil
}

// WriteTSVFile writes a TSV manifest to path atomically (a temporary file in the same folder, then a rename), so a
// reader never sees a partly written manifest and a failed write leaves the old one in place.
func WriteTSVFile(path string, utts []Utterance) error {
	var buf bytes.Buffer
	if err := WriteTSV(&buf, filepath.Dir(path), utts); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// WriteFileAtomic writes data to path through a synced temporary file in the same folder and a rename.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data, 0o644); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	return nil
}
