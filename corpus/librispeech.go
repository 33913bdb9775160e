package corpus

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/harkspeech/hark/audio"
)

// readLibriSpeech reads a LibriSpeech tree: root/SPEAKER/CHAPTER/SPEAKER-CHAPTER.trans.txt, each line
// "SPEAKER-CHAPTER-NNNN TRANSCRIPT" for the audio file SPEAKER-CHAPTER-NNNN.flac in the same folder. The speaker is
// the first folder's name; durations come from the FLAC headers (audio.ProbeHeader).
func readLibriSpeech(root string, opts Options) ([]Utterance, Report, error) {
	rd := newReader(opts, FormatLibriSpeech)
	files, err := filepath.Glob(filepath.Join(root, "*", "*", "*.trans.txt"))
	if err != nil {
		return rd.result(fmt.Errorf("corpus: %w", err))
	}
	if len(files) == 0 {
		return rd.result(&FormatError{File: root, Problem: "folder has no SPEAKER/CHAPTER/*.trans.txt files (not a LibriSpeech tree)"})
	}
	sort.Strings(files)
	for _, tf := range files {
		if err := readTrans(rd, tf); err != nil {
			return rd.result(err)
		}
	}
	return rd.result(nil)
}

func readTrans(rd *reader, tf string) error {
	f, err := os.Open(tf)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	dir := filepath.Dir(tf)
	speaker := filepath.Base(filepath.Dir(dir))
	lr := lineReader{br: bufio.NewReaderSize(f, 64<<10)}
	for {
		line, tooLong, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corpus: reading %s: %w", tf, err)
		}
		if !tooLong && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rd.rep.Lines++
		var perr error
		switch id, text, ok := strings.Cut(string(line), " "); {
		case tooLong:
			perr = rd.problem(tf, lr.line, nil, "line longer than %d bytes", maxLine)
		case !utf8.Valid(line):
			perr = rd.problem(tf, lr.line, nil, "line is not valid UTF-8")
		case !ok || id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == "..":
			perr = rd.problem(tf, lr.line, nil, "want \"UTTERANCE-ID TRANSCRIPT\"")
		default:
			path := filepath.Join(dir, id+".flac")
			info, err := audio.ProbeHeader(path)
			if err != nil {
				perr = rd.problem(tf, lr.line, err, "audio file %s", path)
				break
			}
			if !validDuration(info.Duration) {
				perr = rd.problem(tf, lr.line, nil, "audio file %s: length unknown or zero", path)
				break
			}
			perr = rd.add(tf, lr.line, Utterance{Path: path, Duration: info.Duration, Speaker: speaker}, text)
		}
		if perr != nil {
			return perr
		}
	}
}
