package lm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"testing"
)

// checkFormatErr insists on the documented error shape: a *FormatError that names the file.
func checkFormatErr(t *testing.T, err error, name string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.File != name {
		t.Fatalf("error %v (%T) is not a *FormatError naming %s", err, err, name)
	}
}

// exercise runs queries over every word and checks that no score is NaN or +Inf (back-off weights may be positive, so a score may be too).
func exercise(t *testing.T, m *Model) {
	t.Helper()
	s := m.BeginState()
	for id := range m.NumWords() {
		var p float64
		p, s = m.Score(s, int32(id))
		if math.IsNaN(p) || math.IsInf(p, 1) {
			t.Fatalf("Score of word %d = %v", id, p)
		}
	}
	if p := m.EndScore(s); math.IsNaN(p) || math.IsInf(p, 1) {
		t.Fatalf("EndScore = %v", p)
	}
}

// FuzzReadARPA: arbitrary text must give a model or a *FormatError, never a panic; a model must answer queries
// and survive a trip through the binary format.
func FuzzReadARPA(f *testing.F) {
	f.Add(handARPA)
	f.Add("\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n\\end\\\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ReadARPA(context.Background(), bytes.NewReader([]byte(text)), "fuzz.arpa")
		if err != nil {
			checkFormatErr(t, err, "fuzz.arpa")
			return
		}
		exercise(t, m)
		var buf bytes.Buffer
		if err := m.WriteBinary(&buf); err != nil {
			t.Fatalf("WriteBinary: %v", err)
		}
		if _, err := ReadBinary(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "again.lm"); err != nil {
			t.Fatalf("a model read from ARPA does not read back from binary: %v", err)
		}
	})
}

// recrc replaces the trailing CRC-32C with the checksum of everything before it, so that mutations reach the
// structural validation that runs after the checksum.
func recrc(data []byte) []byte {
	if len(data) < 4 {
		return data
	}
	out := append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(out[len(out)-4:], crc32.Checksum(out[:len(out)-4], castagnoli))
	return out
}

// FuzzReadBinary: arbitrary bytes must give a model or a *FormatError, never a panic or an allocation sized by
// an unchecked header field.
func FuzzReadBinary(f *testing.F) {
	for _, text := range []string{handARPA, "\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n\\end\\\n"} {
		m, err := ReadARPA(context.Background(), bytes.NewReader([]byte(text)), "seed")
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := m.WriteBinary(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, recrc(data)} {
			m, err := ReadBinary(bytes.NewReader(in), int64(len(in)), "fuzz.lm")
			if err != nil {
				checkFormatErr(t, err, "fuzz.lm")
				continue
			}
			exercise(t, m)
		}
	})
}
