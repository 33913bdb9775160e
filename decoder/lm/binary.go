package lm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/harkspeech/hark/internal/atomicfile"
)

// The binary format, version 1, all integers little-endian:
//
//	magic      8 bytes  "HARKLM\x00\n"
//	version    uint32   1
//	order      uint32   1..MaxOrder
//	numWords   uint32
//	flags      uint32   0
//	unk, bos, eos int32 ids of the special words, -1 when absent
//	reserved   uint32   0
//	vocabBytes uint64   length of the concatenated spellings
//	counts     order × uint64, n-grams per order (counts[0] == numWords)
//	vocab      (numWords+1) × uint32 offsets into the spellings, then vocabBytes bytes of spellings
//	levels     for each order k (0-based): word ids (k > 0), log10 probs, and below the highest order
//	           log10 back-off weights and (count+1) child offsets, as int32/float32/float32/uint32 arrays
//	crc        uint32   CRC-32C (Castagnoli) of every byte before it
//
// The layout is the in-memory trie, so loading is one sequential read and a decode.
const (
	binaryMagic   = "HARKLM\x00\n"
	binaryVersion = 1
	fixedHeader   = 8 + 4*8 + 8
	maxCount      = 1 << 32 // n-grams per order; child offsets are uint32
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteBinary writes the model in Hark's binary format.
func (m *Model) WriteBinary(w io.Writer) error {
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)
	var vocabBytes uint64
	for _, s := range m.words {
		vocabBytes += uint64(len(s))
	}
	hdr := make([]byte, 0, fixedHeader+8*m.order)
	hdr = append(hdr, binaryMagic...)
	for _, v := range []uint32{binaryVersion, uint32(m.order), uint32(len(m.words)), 0,
		uint32(m.unk), uint32(m.bos), uint32(m.eos), 0} {
		hdr = binary.LittleEndian.AppendUint32(hdr, v)
	}
	hdr = binary.LittleEndian.AppendUint64(hdr, vocabBytes)
	for _, c := range m.Counts() {
		hdr = binary.LittleEndian.AppendUint64(hdr, uint64(c))
	}
	bw.Write(hdr)
	var off uint32
	var b4 [4]byte
	put := func(v uint32) {
		binary.LittleEndian.PutUint32(b4[:], v)
		bw.Write(b4[:])
	}
	put(0)
	for _, s := range m.words {
		off += uint32(len(s))
		put(off)
	}
	for _, s := range m.words {
		bw.WriteString(s)
	}
	for k := range m.levels {
		lv := &m.levels[k]
		if k > 0 {
			for _, v := range lv.word {
				put(uint32(v))
			}
		}
		for _, v := range lv.prob {
			put(math.Float32bits(v))
		}
		if k+1 < m.order {
			for _, v := range lv.bow {
				put(math.Float32bits(v))
			}
			for _, v := range lv.child {
				put(v)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b4[:], crc.Sum32())
	_, err := w.Write(b4[:])
	return err
}

// Save writes the model in binary format to path atomically (a temporary file in the same folder, then rename).
func (m *Model) Save(path string) error {
	return writeAtomic(path, m.WriteBinary)
}

// SaveARPA writes the model in ARPA format to path atomically.
func (m *Model) SaveARPA(path string) error {
	return writeAtomic(path, m.WriteARPA)
}

func writeAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write, 0o644) // names path on error
}

// maxGzipExpansion bounds how much a gzipped binary model may grow when decompressed.
const maxGzipExpansion = 64

// Load reads a language model file, binary or ARPA, either of them optionally gzip-compressed, recognised by its
// content.
func Load(ctx context.Context, path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(len(binaryMagic))
	switch {
	case bytes.Equal(head, []byte(binaryMagic)):
		return ReadBinary(br, st.Size(), path)
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &FormatError{File: path, Problem: "bad gzip stream", Err: err}
		}
		defer zr.Close()
		zbr := bufio.NewReaderSize(zr, 1<<20)
		if inner, _ := zbr.Peek(len(binaryMagic)); !bytes.Equal(inner, []byte(binaryMagic)) {
			return ReadARPA(ctx, zbr, path)
		}
		// ReadBinary bounds its allocations by the data's size, which a gzip stream does not tell: read it
		// whole, refusing an expansion no real model has (binary models compress about 2:1), so that a small
		// crafted file cannot ask for gigabytes.
		limit := maxGzipExpansion*st.Size() + 1<<20
		data, err := io.ReadAll(io.LimitReader(zbr, limit+1))
		if err != nil {
			return nil, &FormatError{File: path, Problem: "bad gzip stream", Err: err}
		}
		if int64(len(data)) > limit {
			return nil, &FormatError{File: path, Problem: fmt.Sprintf("gzip stream expands more than %d times", maxGzipExpansion)}
		}
		return ReadBinary(bytes.NewReader(data), int64(len(data)), path)
	default:
		return ReadARPA(ctx, br, path)
	}
}

// ReadBinary decodes a model in Hark's binary format of size bytes from r. Every header field is checked against
// size before anything is allocated, and the structure is validated after the checksum, so a truncated or corrupt
// file gives a *FormatError naming the file rather than a crash.
func ReadBinary(r io.Reader, size int64, name string) (*Model, error) {
	bad := func(problem string, err error) error {
		return &FormatError{File: name, Problem: problem, Err: err}
	}
	crc := crc32.New(castagnoli)
	d := &decoder{r: io.TeeReader(r, crc), crc: crc}
	hdr := make([]byte, fixedHeader)
	if err := d.full(hdr); err != nil {
		return nil, bad("truncated header", err)
	}
	if string(hdr[:8]) != binaryMagic {
		return nil, bad("not a Hark binary language model (bad magic)", nil)
	}
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(hdr[8+4*i:]) }
	if v := u32(0); v != binaryVersion {
		return nil, bad(fmt.Sprintf("unsupported version %d (this build reads %d)", v, binaryVersion), nil)
	}
	order := int(u32(1))
	numWords := uint64(u32(2))
	if order < 1 || order > MaxOrder {
		return nil, bad(fmt.Sprintf("order %d out of range 1..%d", order, MaxOrder), nil)
	}
	if u32(3) != 0 {
		return nil, bad(fmt.Sprintf("unknown flags %#x", u32(3)), nil)
	}
	vocabBytes := binary.LittleEndian.Uint64(hdr[8+32:])
	cbuf := make([]byte, 8*order)
	if err := d.full(cbuf); err != nil {
		return nil, bad("truncated header", err)
	}
	counts := make([]uint64, order)
	for k := range counts {
		counts[k] = binary.LittleEndian.Uint64(cbuf[8*k:])
		if counts[k] >= maxCount {
			return nil, bad(fmt.Sprintf("%d-gram count %d too large", k+1, counts[k]), nil)
		}
	}
	if counts[0] != numWords {
		return nil, bad(fmt.Sprintf("%d unigrams for %d words", counts[0], numWords), nil)
	}
	if vocabBytes > uint64(size) {
		return nil, bad("vocabulary larger than the file: truncated or corrupt", nil)
	}
	want := uint64(fixedHeader) + 8*uint64(order) + 4*(numWords+1) + vocabBytes + 4
	for k, c := range counts {
		per := uint64(4) // prob
		if k > 0 {
			per += 4 // word
		}
		want += per * c
		if k+1 < order {
			want += 8*c + 4 // bow + child, plus the closing child offset
		}
	}
	if want != uint64(size) {
		return nil, bad(fmt.Sprintf("file is %d bytes but its header describes %d: truncated or corrupt", size, want), nil)
	}
	// Sizes are now bounded by the actual file size, so allocating them is safe.
	m := &Model{order: order, levels: make([]level, order)}
	offs := d.uint32s(int(numWords + 1))
	blob := make([]byte, vocabBytes)
	if d.err == nil {
		d.err = d.full(blob)
	}
	for k := range m.levels {
		lv := &m.levels[k]
		n := int(counts[k])
		if k > 0 {
			lv.word = d.int32s(n)
		}
		lv.prob = d.float32s(n)
		if k+1 < order {
			lv.bow = d.float32s(n)
			lv.child = d.uint32s(n + 1)
		}
	}
	if d.err != nil {
		return nil, bad("truncated data", d.err)
	}
	sum := crc.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(r, tail[:]); err != nil {
		return nil, bad("missing checksum", err)
	}
	if got := binary.LittleEndian.Uint32(tail[:]); got != sum {
		return nil, bad(fmt.Sprintf("checksum mismatch (stored %08x, computed %08x): corrupt file", got, sum), nil)
	}
	if offs[0] != 0 || uint64(offs[numWords]) != vocabBytes {
		return nil, bad("vocabulary offsets do not cover the spellings", nil)
	}
	m.words = make([]string, numWords)
	for i := range m.words {
		lo, hi := offs[i], offs[i+1]
		if hi < lo || uint64(hi) > vocabBytes {
			return nil, bad("vocabulary offsets are not increasing", nil)
		}
		m.words[i] = string(blob[lo:hi])
	}
	if err := m.indexWords(name); err != nil {
		return nil, err
	}
	for i, id := range []int32{m.unk, m.bos, m.eos} {
		if stored := int32(u32(4 + i)); stored != id {
			return nil, bad("special word ids disagree with the vocabulary", nil)
		}
	}
	if err := m.validate(name); err != nil {
		return nil, err
	}
	return m, nil
}

// decoder reads little-endian arrays in chunks, remembering the first error.
type decoder struct {
	r   io.Reader
	crc hash.Hash32
	buf []byte
	err error
}

func (d *decoder) full(p []byte) error {
	_, err := io.ReadFull(d.r, p)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// words reads n 32-bit words and passes each chunk to f.
func (d *decoder) words(n int, f func(chunk []byte, base int)) {
	if d.err != nil {
		return
	}
	if d.buf == nil {
		d.buf = make([]byte, 1<<20)
	}
	for base := 0; base < n; {
		k := min(n-base, len(d.buf)/4)
		chunk := d.buf[:4*k]
		if d.err = d.full(chunk); d.err != nil {
			return
		}
		f(chunk, base)
		base += k
	}
}

func (d *decoder) uint32s(n int) []uint32 {
	out := make([]uint32, n)
	d.words(n, func(c []byte, base int) {
		for i := range len(c) / 4 {
			out[base+i] = binary.LittleEndian.Uint32(c[4*i:])
		}
	})
	return out
}

func (d *decoder) int32s(n int) []int32 {
	out := make([]int32, n)
	d.words(n, func(c []byte, base int) {
		for i := range len(c) / 4 {
			out[base+i] = int32(binary.LittleEndian.Uint32(c[4*i:]))
		}
	})
	return out
}

func (d *decoder) float32s(n int) []float32 {
	out := make([]float32, n)
	d.words(n, func(c []byte, base int) {
		for i := range len(c) / 4 {
			out[base+i] = math.Float32frombits(binary.LittleEndian.Uint32(c[4*i:]))
		}
	})
	return out
}
