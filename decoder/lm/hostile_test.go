package lm

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestHostileCountClaims: files whose headers claim billions of n-grams or words fail with a *FormatError naming
// the file, having allocated nothing in proportion to the claim.
func TestHostileCountClaims(t *testing.T) {
	m := readARPA(t, handARPA)
	var buf bytes.Buffer
	if err := m.WriteBinary(&buf); err != nil {
		t.Fatal(err)
	}
	manyWords := bytes.Clone(buf.Bytes())
	binary.LittleEndian.PutUint32(manyWords[8+8:], 1<<32-1) // numWords
	binary.LittleEndian.PutUint64(manyWords[fixedHeader:], 1<<32-1)
	manyBigrams := bytes.Clone(buf.Bytes())
	binary.LittleEndian.PutUint64(manyBigrams[fixedHeader+8:], 1<<32-1)
	hugeVocab := bytes.Clone(buf.Bytes())
	binary.LittleEndian.PutUint64(hugeVocab[8+32:], 1<<62)

	eightOrders := "\\data\\\n"
	for k := 1; k <= MaxOrder; k++ {
		eightOrders += fmt.Sprintf("ngram %d=99999999999\n", k)
	}
	eightOrders += "\\1-grams:\n-1 a\n"
	tests := []struct {
		name    string
		arpa    string // an ARPA text, or
		bin     []byte // a binary file
		problem string
	}{
		{name: "arpa unigram count", arpa: "\\data\\\nngram 1=4000000000\n\\1-grams:\n-1 a\n\\end\\\n", problem: "declares 4000000000"},
		{name: "arpa 8 orders of huge counts", arpa: eightOrders, problem: "unexpected end of file"},
		{name: "binary word count", bin: manyWords, problem: "header describes"},
		{name: "binary bigram count", bin: manyBigrams, problem: "header describes"},
		{name: "binary vocabulary bytes", bin: hugeVocab, problem: "vocabulary larger than the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			name := "h.lm"
			if tt.bin == nil {
				name = "h.arpa"
				_, err = ReadARPA(context.Background(), strings.NewReader(tt.arpa), name)
			} else {
				_, err = ReadBinary(bytes.NewReader(tt.bin), int64(len(tt.bin)), name)
			}
			runtime.ReadMemStats(&after)
			checkFormatErr(t, err, name)
			if !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("error %v, want one saying %q", err, tt.problem)
			}
			t.Log(err)
			// The ARPA reader's line buffer starts at 64 KB; a claim-sized allocation would be gigabytes.
			if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
				t.Errorf("allocated %d bytes before failing", a)
			}
		})
	}
}
