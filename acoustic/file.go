package acoustic

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"strings"

	"github.com/harkspeech/hark/internal/atomicfile"

	"github.com/harkspeech/hark/features"
)

// Model file layout (all integers little-endian):
//
//	magic     8 bytes  "HARKAM\r\n"
//	version   uint32   FormatVersion
//	hdrLen    uint32   length of the JSON header (≤ maxHeader)
//	header    JSON     {"config", "vocabulary", "features", "tensors": [{"name", "shape"}]}
//	data      float32  every tensor in header order
//	checksum  32 bytes SHA-256 of everything above
//
// The header's tensor table must be exactly Config.WeightShapes(), so the data size follows from a validated
// configuration; the reader still grows its buffers only as data actually arrives.

// FormatVersion is the model file version this package writes and the newest it reads.
const FormatVersion = 1

const (
	magic     = "HARKAM\r\n"
	maxHeader = 1 << 20
	// maxWeights bounds the total number of weights a file may declare (1 GiB of float32).
	maxWeights = 1 << 28
)

// Sentinel problems, for errors.Is on a *FormatError.
var (
	ErrNotModel  = errors.New("not a Hark acoustic model (bad magic)")
	ErrVersion   = errors.New("model file version is newer than this program")
	ErrTruncated = errors.New("file is truncated")
	ErrChecksum  = errors.New("checksum mismatch (file is corrupt)")
	ErrHeader    = errors.New("bad header")
)

// FormatError reports a model file that cannot be read. Err is one of the sentinel errors above or an I/O error.
type FormatError struct {
	File    string
	Problem string
	Err     error
}

func (e *FormatError) Error() string {
	s := "acoustic: " + e.File + ": "
	if e.Problem != "" {
		s += e.Problem
		if e.Err != nil {
			s += ": "
		}
	}
	if e.Err != nil {
		s += e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

type fileTensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

type fileHeader struct {
	Config     Config          `json:"config"`
	Vocabulary []string        `json:"vocabulary"`
	Features   features.Config `json:"features"`
	Tensors    []fileTensor    `json:"tensors"`
}

// Save writes m in the model file format.
func (m *Model) Save(w io.Writer) error {
	if err := m.Check(); err != nil {
		return err
	}
	h := fileHeader{Config: m.Config, Vocabulary: m.Vocabulary.Symbols, Features: m.Features}
	for _, t := range m.Weights {
		h.Tensors = append(h.Tensors, fileTensor{Name: t.Name, Shape: t.Shape})
	}
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if len(js) > maxHeader {
		return errors.New("acoustic: model header too large")
	}
	sum := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, sum))
	bw.WriteString(magic)
	var b4 [4]byte
	binary.LittleEndian.PutUint32(b4[:], FormatVersion)
	bw.Write(b4[:])
	binary.LittleEndian.PutUint32(b4[:], uint32(len(js)))
	bw.Write(b4[:])
	bw.Write(js)
	for _, t := range m.Weights {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(b4[:], math.Float32bits(v))
			bw.Write(b4[:])
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// SaveFile writes m to path atomically (a temporary file in the same folder, then a rename).
func (m *Model) SaveFile(path string) error {
	if err := atomicfile.Write(path, m.Save, 0o644); err != nil {
		return fmt.Errorf("acoustic: saving model: %w", err)
	}
	return nil
}

// LoadFile reads a model file.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(f, path)
}

type hashReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

// Load reads a model in the file format from r; name (a path, or any label) appears in errors.
func Load(r io.Reader, name string) (*Model, error) {
	fail := func(problem string, err error) (*Model, error) {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = ErrTruncated
		}
		return nil, &FormatError{File: name, Problem: problem, Err: err}
	}
	hr := &hashReader{r: bufio.NewReader(r), h: sha256.New()}
	var pre [16]byte
	if _, err := io.ReadFull(hr, pre[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("", ErrNotModel)
		}
		return fail("reading preamble", err)
	}
	if string(pre[:8]) != magic {
		return fail("", ErrNotModel)
	}
	if v := binary.LittleEndian.Uint32(pre[8:12]); v > FormatVersion || v == 0 {
		return fail(fmt.Sprintf("version %d, this program reads up to %d", v, FormatVersion), ErrVersion)
	}
	n := binary.LittleEndian.Uint32(pre[12:16])
	if n == 0 || n > maxHeader {
		return fail(fmt.Sprintf("header length %d", n), ErrHeader)
	}
	var js bytes.Buffer
	if m, err := io.CopyN(&js, hr, int64(n)); err != nil {
		return fail(fmt.Sprintf("header: read %d of %d bytes", m, n), err)
	}
	var h fileHeader
	dec := json.NewDecoder(&js)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return fail("header: "+err.Error(), ErrHeader)
	}
	if err := h.Config.Validate(); err != nil {
		return fail(err.Error(), ErrHeader)
	}
	if err := h.Features.Validate(); err != nil {
		return fail(err.Error(), ErrHeader) // the message already begins "features:"
	}
	if h.Features.NumMels != h.Config.NumMels {
		return fail(fmt.Sprintf("features have %d mels, network wants %d", h.Features.NumMels, h.Config.NumMels), ErrHeader)
	}
	if len(h.Vocabulary) != h.Config.VocabSize {
		return fail(fmt.Sprintf("vocabulary has %d symbols, config says %d", len(h.Vocabulary), h.Config.VocabSize), ErrHeader)
	}
	want := h.Config.WeightShapes()
	if len(h.Tensors) != len(want) {
		return fail(fmt.Sprintf("%d tensors, configuration needs %d", len(h.Tensors), len(want)), ErrHeader)
	}
	total := 0
	for i, w := range want {
		if h.Tensors[i].Name != w.Name || !sameShape(h.Tensors[i].Shape, w.Shape) {
			return fail(fmt.Sprintf("tensor %d is %s%v, configuration needs %s%v", i, h.Tensors[i].Name, h.Tensors[i].Shape, w.Name, w.Shape), ErrHeader)
		}
		total += Size(w.Shape)
		if total > maxWeights {
			return fail("too many weights", ErrHeader)
		}
	}
	m := &Model{Config: h.Config, Vocabulary: Vocabulary{Symbols: h.Vocabulary}, Features: h.Features}
	buf := make([]byte, 1<<16)
	for _, w := range want {
		size := Size(w.Shape)
		// Grow with the data actually read, not with what the header claims.
		data := make([]float32, 0, min(size, len(buf)/4))
		for len(data) < size {
			k := min(size-len(data), len(buf)/4)
			if _, err := io.ReadFull(hr, buf[:4*k]); err != nil {
				return fail("reading "+w.Name, err)
			}
			for j := 0; j < k; j++ {
				data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:])))
			}
		}
		m.Weights = append(m.Weights, Tensor{Name: w.Name, Shape: append([]int(nil), w.Shape...), Data: data})
	}
	got := hr.h.Sum(nil)
	var sum [32]byte
	if _, err := io.ReadFull(hr.r, sum[:]); err != nil {
		return fail("reading checksum", err)
	}
	if !bytes.Equal(sum[:], got) {
		return fail("", ErrChecksum)
	}
	for _, t := range m.Weights {
		for _, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fail("non-finite weight in "+t.Name, ErrHeader)
			}
		}
	}
	if err := m.Check(); err != nil { // shapes were checked above; this catches impossible values
		return fail(strings.TrimPrefix(err.Error(), "acoustic: "), ErrHeader)
	}
	return m, nil
}
