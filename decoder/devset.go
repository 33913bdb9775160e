package decoder

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A dev set for tuning the decoder is a folder of saved acoustic-model outputs:
//
//	refs.tsv    one utterance per line: ID<TAB>reference transcript (lines starting with # are comments)
//	ID.npy      the utterance's log-probabilities: a NumPy .npy array, little-endian float32 ('<f4'), C order,
//	            shape (frames, symbols)
//	vocab.txt   optional: the model's symbols in output order, one per line, with <blank> and <space> for the
//	            blank and the word separator; without it DefaultVocabulary is assumed
//
// numpy.save(f"{id}.npy", logprobs.astype("<f4")) writes a valid file; WriteNPY does the same from Go.

// DevSet is a loaded dev set.
type DevSet struct {
	Vocab    Vocabulary
	IDs      []string
	Refs     []string
	LogProbs [][][]float32
}

// NPYError reports a malformed .npy file.
type NPYError struct {
	File, Problem string
}

func (e *NPYError) Error() string { return e.File + ": " + e.Problem }

var npyHeaderRe = regexp.MustCompile(`'descr':\s*'([^']*)'.*'fortran_order':\s*(True|False).*'shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)`)

// ReadNPY reads a 2-D little-endian float32 .npy array of size bytes and returns it as rows.
func ReadNPY(r io.Reader, size int64, name string) ([][]float32, error) {
	bad := func(p string) error { return &NPYError{File: name, Problem: p} }
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, bad("truncated header")
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, bad("not a .npy file (bad magic)")
	}
	var hlen, off int64
	switch pre[6] {
	case 1:
		hlen, off = int64(binary.LittleEndian.Uint16(pre[8:])), 10
	case 2, 3:
		var more [2]byte
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return nil, bad("truncated header")
		}
		hlen, off = int64(binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...))), 12
	default:
		return nil, bad(fmt.Sprintf("unsupported .npy version %d", pre[6]))
	}
	if hlen > 1<<16 || off+hlen > size {
		return nil, bad("header length out of range")
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, bad("truncated header")
	}
	m := npyHeaderRe.FindStringSubmatch(string(hdr))
	if m == nil {
		return nil, bad("header is not a 2-D array description")
	}
	if m[1] != "<f4" {
		return nil, bad(fmt.Sprintf("dtype %s, want <f4 (little-endian float32)", m[1]))
	}
	if m[2] != "False" {
		return nil, bad("Fortran order is not supported")
	}
	rows, err1 := strconv.ParseInt(m[3], 10, 64)
	cols, err2 := strconv.ParseInt(m[4], 10, 64)
	data := size - off - hlen
	// An utterance with no frames (empty audio) is a legitimate (0, N) or (0, 0) array with no data.
	empty := err1 == nil && err2 == nil && rows == 0 && data == 0
	if !empty && (err1 != nil || err2 != nil || cols == 0 || cols > data || rows > data/(4*cols) || rows*cols*4 != data) {
		return nil, bad(fmt.Sprintf("shape (%s, %s) does not match the file size", m[3], m[4]))
	}
	out := make([][]float32, rows)
	buf := make([]byte, 4*cols)
	for t := range out {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, bad("truncated data")
		}
		row := make([]float32, cols)
		for i := range row {
			row[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
		out[t] = row
	}
	return out, nil
}

// WriteNPY writes rows (all of equal length) as a 2-D little-endian float32 .npy array.
func WriteNPY(w io.Writer, rows [][]float32) error {
	cols := 0
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", len(rows), cols)
	// Pad so that the data starts on a 64-byte boundary, ending the header with a newline, as NumPy does.
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	if len(hdr) > math.MaxUint16 {
		return errors.New("npy header too long")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("\x93NUMPY\x01\x00")
	binary.Write(bw, binary.LittleEndian, uint16(len(hdr)))
	bw.WriteString(hdr)
	var b [4]byte
	for _, r := range rows {
		if len(r) != cols {
			return errors.New("npy: rows of different lengths")
		}
		for _, x := range r {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			bw.Write(b[:])
		}
	}
	return bw.Flush()
}

// LoadDevSet reads a dev set folder (see the format above).
func LoadDevSet(dir string) (*DevSet, error) {
	ds := &DevSet{Vocab: DefaultVocabulary()}
	if data, err := os.ReadFile(filepath.Join(dir, "vocab.txt")); err == nil {
		v, err := parseVocab(string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "vocab.txt"), err)
		}
		ds.Vocab = v
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	refs := filepath.Join(dir, "refs.tsv")
	f, err := os.Open(refs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		id, ref, ok := strings.Cut(t, "\t")
		if !ok || id == "" || strings.ContainsAny(id, `/\`) {
			return nil, fmt.Errorf("%s:%d: want ID<TAB>transcript", refs, line)
		}
		path := filepath.Join(dir, id+".npy")
		lp, err := readNPYFile(path)
		if err != nil {
			return nil, err
		}
		for t, row := range lp {
			if len(row) != len(ds.Vocab.Symbols) {
				return nil, fmt.Errorf("%s: frame %d has %d symbols, the vocabulary %d", path, t, len(row), len(ds.Vocab.Symbols))
			}
		}
		ds.IDs = append(ds.IDs, id)
		ds.Refs = append(ds.Refs, ref)
		ds.LogProbs = append(ds.LogProbs, lp)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", refs, err)
	}
	if len(ds.IDs) == 0 {
		return nil, fmt.Errorf("%s: no utterances", refs)
	}
	return ds, nil
}

func readNPYFile(path string) ([][]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return ReadNPY(bufio.NewReader(f), st.Size(), path)
}

func parseVocab(text string) (Vocabulary, error) {
	v := Vocabulary{Blank: -1, Space: -1}
	for _, s := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		s = strings.TrimRight(s, "\r")
		switch s {
		case "<blank>":
			v.Blank = len(v.Symbols)
			s = ""
		case "<space>":
			v.Space = len(v.Symbols)
			s = " "
		}
		v.Symbols = append(v.Symbols, s)
	}
	if v.Blank < 0 {
		return v, errors.New("no <blank> line")
	}
	return v, v.Validate()
}
