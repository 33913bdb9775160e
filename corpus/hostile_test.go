package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestHostileManifestLines puts one bad line between two good ones in each manifest format and checks both
// policies: lenient reads skip exactly that line and report it with its line number, strict reads stop there with
// a *FormatError whose message names the manifest, the line and the problem.
func TestHostileManifestLines(t *testing.T) {
	good, err := filepath.Abs(filepath.Join("testdata", "tsv", "audio", "a.wav"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ext  string
		header     string
		line       func(path, text string) string
		badPath    string
		badText    string
		badLine    int
		wantInText string
	}{
		{"tsv missing file", ".tsv", "", tsvLine, "gone.wav", "HELLO", 2, "missing audio file"},
		{"tsv text not UTF-8", ".tsv", "", tsvLine, good, "BAD \xff\xfe TEXT", 2, "not valid UTF-8"},
		{"tsv path not UTF-8", ".tsv", "", tsvLine, "bad\xff.wav", "HELLO", 2, "line is not valid UTF-8"},
		{"csv missing file", ".csv", "wav_filename,wav_filesize,transcript\n", csvLine, "gone.wav", "hello", 3, "no such file or directory"},
		{"csv text not UTF-8", ".csv", "wav_filename,wav_filesize,transcript\n", csvLine, good, "bad \xc3\x28 text", 3, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			manifest := filepath.Join(t.TempDir(), "m"+tt.ext)
			content := tt.header + tt.line(good, "FIRST") + tt.line(tt.badPath, tt.badText) + tt.line(good, "LAST")
			if err := os.WriteFile(manifest, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}

			utts, rep, err := ReadManifest(manifest, Options{CheckFiles: true})
			if err != nil {
				t.Fatalf("lenient read failed: %v", err)
			}
			if len(utts) != 2 || utts[0].Text != "first" || utts[1].Text != "last" || rep.Skipped != 1 || len(rep.Problems) != 1 {
				t.Fatalf("lenient read: %+v, report %+v; want the two good lines and one problem", utts, rep)
			}
			checkProblem(t, rep.Problems[0], manifest, tt.badLine, tt.wantInText)

			_, _, err = ReadManifest(manifest, Options{CheckFiles: true, Strict: true})
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("strict read: error %v (%T), want a *FormatError", err, err)
			}
			checkProblem(t, fe, manifest, tt.badLine, tt.wantInText)
			t.Log(fe)
		})
	}
}

func tsvLine(path, text string) string { return path + "\t1\t" + text + "\n" }
func csvLine(path, text string) string { return path + ",32044," + text + "\n" }

func checkProblem(t *testing.T, fe *FormatError, file string, line int, problem string) {
	t.Helper()
	msg := fe.Error()
	at := fmt.Sprintf("%s:%d: ", file, line)
	// The problem is looked for after the location: the temporary folder's name holds the test's name.
	_, rest, found := strings.Cut(msg, at)
	if fe.File != file || fe.Line != line || !found || !strings.Contains(rest, problem) {
		t.Errorf("problem %q (file %s, line %d), want %s:%d and %q", msg, fe.File, fe.Line, file, line, problem)
	}
}

// TestManyBadLinesBounded checks that a manifest of nothing but bad lines keeps a bounded problem list: what the
// read retains does not grow with the number of bad lines, while every one is still counted.
func TestManyBadLinesBounded(t *testing.T) {
	retained := func(bad int) uint64 {
		in := strings.Repeat("x.wav\tnot-a-number\tTEXT\n", bad) + "a.wav\t1\tOK\n"
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		utts, rep, err := ParseTSV(strings.NewReader(in), "m.tsv", Options{MaxProblems: 10})
		runtime.GC()
		runtime.ReadMemStats(&after)
		if err != nil || len(utts) != 1 || rep.Skipped != bad || len(rep.Problems) != 10 {
			t.Fatalf("%d utterances, report skipped %d with %d problems (%v); want 1, %d, 10", len(utts), rep.Skipped, len(rep.Problems), err, bad)
		}
		runtime.KeepAlive(utts)
		runtime.KeepAlive(rep)
		return max(after.HeapAlloc, before.HeapAlloc) - before.HeapAlloc
	}
	small, large := retained(1000), retained(50000)
	// 49000 more problems kept would be several MB; allow noise from the runtime itself.
	if large > small+256<<10 {
		t.Errorf("a read retains %d bytes after 50000 bad lines, %d after 1000", large, small)
	}
}
