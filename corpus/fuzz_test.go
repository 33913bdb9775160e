package corpus

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// checkParsed holds for every parser: the counts add up and every utterance is usable.
func checkParsed(t *testing.T, utts []Utterance, rep Report) {
	t.Helper()
	if rep.Utterances != len(utts) || rep.Utterances+rep.Skipped != rep.Lines {
		t.Fatalf("report %+v does not add up with %d utterances", rep, len(utts))
	}
	for _, u := range utts {
		if !inAlphabet(u.Text) || !validDuration(u.Duration) || math.IsInf(u.Duration, 0) || u.Path == "" {
			t.Fatalf("bad utterance %+v", u)
		}
	}
}

func FuzzParseTSV(f *testing.F) {
	f.Add([]byte("a.wav\t1.5\tHELLO THERE\nsub/b.flac\t2\tIT'S ME\tspk\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		utts, rep, err := ParseTSV(bytes.NewReader(data), "m.tsv", Options{})
		if err != nil {
			t.Fatalf("non-strict parse of an in-memory manifest failed: %v", err)
		}
		checkParsed(t, utts, rep)

		// What was read can be written and read back unchanged.
		var buf bytes.Buffer
		if err := WriteTSV(&buf, ".", utts); err != nil {
			t.Fatalf("WriteTSV: %v", err)
		}
		back, rep2, err := ParseTSV(&buf, "m.tsv", Options{Strict: true})
		if err != nil || len(back) != len(utts) || rep2.Skipped != 0 {
			t.Fatalf("read back %d of %d utterances: %v\n%s", len(back), len(utts), err, buf.String())
		}
		for i := range utts {
			a, b := utts[i], back[i]
			a.Path, _ = filepath.Abs(a.Path)
			b.Path, _ = filepath.Abs(b.Path)
			if a != b {
				t.Fatalf("utterance %d: wrote %+v, read back %+v", i, a, b)
			}
		}

		// Strict mode fails exactly when lenient mode skipped something.
		_, _, err = ParseTSV(bytes.NewReader(data), "m.tsv", Options{Strict: true})
		if (err != nil) != (rep.Skipped > 0) {
			t.Fatalf("strict error %v with %d lines skipped", err, rep.Skipped)
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("wav_filename,wav_filesize,transcript\nclips/a.wav,32044,hello world\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		utts, rep, err := ParseCSV(bytes.NewReader(data), "m.csv", Options{})
		if err != nil {
			// Only a missing or unusable header (or a reader stuck on one malformed record) ends a lenient read.
			if !strings.Contains(err.Error(), "header") && !strings.Contains(err.Error(), "empty file") &&
				!strings.Contains(err.Error(), "malformed CSV") {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		checkParsed(t, utts, rep)
		_, _, err = ParseCSV(bytes.NewReader(data), "m.csv", Options{Strict: true})
		if (err != nil) != (rep.Skipped > 0) {
			t.Fatalf("strict error %v with %d lines skipped", err, rep.Skipped)
		}
	})
}
