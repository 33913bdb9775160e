package corpus

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// readLibriSpeech reads a LibriSpeech tree: root/SPEAKER/CHAPTER/SPEAKER-CHAPTER.trans.txt, each line
// "SPEAKER-CHAPTER-NNNN TRANSCRIPT" for the audio file SPEAKER-CHAPTER-NNNN.flac in the same folder. The speaker is
// the first folder's name; durations come from the FLAC headers.
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
			d, err := flacDuration(path)
			if err != nil {
				perr = rd.problem(tf, lr.line, err, "audio file %s", path)
				break
			}
			perr = rd.add(tf, lr.line, Utterance{Path: path, Duration: d, Speaker: speaker}, text)
		}
		if perr != nil {
			return perr
		}
	}
}

// flacDuration reads a FLAC file's length from its STREAMINFO block, which the format requires to come first.
func flacDuration(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var h [4 + 4 + 34]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return 0, errNotFLAC
	}
	if string(h[:4]) != "fLaC" || h[4]&0x7f != 0 || int(h[5])<<16|int(h[6])<<8|int(h[7]) != 34 {
		return 0, errNotFLAC
	}
	// Bytes 10..17 of STREAMINFO: 20-bit sample rate, 3-bit channels-1, 5-bit bits-1, 36-bit total samples.
	v := binary.BigEndian.Uint64(h[8+10 : 8+18])
	rate := v >> 44
	total := v & (1<<36 - 1)
	if rate == 0 {
		return 0, fmt.Errorf("FLAC header has sample rate 0")
	}
	if total == 0 {
		return 0, fmt.Errorf("FLAC header does not give the length")
	}
	return float64(total) / float64(rate), nil
}
