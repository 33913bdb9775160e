package lm

import (
	"bytes"
	"context"
	"testing"
)

// FuzzReadARPA: arbitrary text must give a model or an error, never a panic, and a model must answer queries.
func FuzzReadARPA(f *testing.F) {
	f.Add(handARPA)
	f.Add("\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n\\end\\\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ReadARPA(context.Background(), bytes.NewReader([]byte(text)), "fuzz.arpa")
		if err != nil {
			return
		}
		s := m.BeginState()
		for id := range m.NumWords() {
			_, s = m.Score(s, int32(id))
		}
		m.EndScore(s)
	})
}

// FuzzReadBinary: arbitrary bytes must give a model or a *FormatError, never a panic.
func FuzzReadBinary(f *testing.F) {
	m, err := ReadARPA(context.Background(), bytes.NewReader([]byte(handARPA)), "seed")
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	m.WriteBinary(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadBinary(bytes.NewReader(data), int64(len(data)), "fuzz.lm")
		if err != nil {
			return
		}
		s := m.BeginState()
		for id := range m.NumWords() {
			_, s = m.Score(s, int32(id))
		}
	})
}
