package corpus

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/harkspeech/hark/audio"
)

func TestNormalizeTranscript(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"HELLO WORLD", "hello world", false},
		{"  It’s   a  well-known fact, isn't it?  ", "it's a well known fact isn't it", false},
		{"the students' books", "the students' books", false},
		{"' quoted '", "quoted", false},
		{"TAB\tSEPARATED", "tab separated", false},
		{"ROOM 101", "", true},
		{"fish & chips", "", true},
		{"50% off", "", true},
		{"a/b", "", true},
		{"café", "", true},
		{"...", "", true},
		{"", "", true},
		{"bad \xff byte", "", true},
	}
	for _, tt := range tests {
		got, err := NormalizeTranscript(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("NormalizeTranscript(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.bad)
		}
		if err == nil && !inAlphabet(got) {
			t.Errorf("NormalizeTranscript(%q) = %q is not in the alphabet", tt.in, got)
		}
	}
}

func TestParseTSV(t *testing.T) {
	in := "a.wav\t1.5\tHELLO THERE\n" +
		"\n" +
		"sub/b.flac\t2\tGOOD MORNING\tspk1\r\n" +
		"/abs/c.mp3\t0.25\tIT'S ME\n" +
		"too\tmany\tfields\tin\tline\n" +
		"d.wav\tabc\tBAD DURATION\n" +
		"e.wav\t-1\tNEGATIVE\n" +
		"f.wav\tNaN\tNAN\n" +
		"g.wav\t1\tROOM 101\n" +
		"h.wav\t1\tbad \xff utf8\n" +
		"\t1\tEMPTY PATH\n" +
		"only two\t1\n" +
		"last.wav\t3\tNO NEWLINE AT END"
	utts, rep, err := ParseTSV(strings.NewReader(in), filepath.Join("data", "m.tsv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Utterance{
		{Path: filepath.Join("data", "a.wav"), Duration: 1.5, Text: "hello there"},
		{Path: filepath.Join("data", "sub", "b.flac"), Duration: 2, Text: "good morning", Speaker: "spk1"},
		{Path: "/abs/c.mp3", Duration: 0.25, Text: "it's me"},
		{Path: filepath.Join("data", "last.wav"), Duration: 3, Text: "no newline at end"},
	}
	if !reflect.DeepEqual(utts, want) {
		t.Fatalf("utterances:\n%+v\nwant\n%+v", utts, want)
	}
	if rep.Lines != 12 || rep.Utterances != 4 || rep.Skipped != 8 || rep.Duration != 6.75 {
		t.Fatalf("report %+v", rep)
	}
	wantLines := []int{5, 6, 7, 8, 9, 10, 11, 12}
	for i, p := range rep.Problems {
		if p.Line != wantLines[i] || p.File != filepath.Join("data", "m.tsv") {
			t.Errorf("problem %d at %s:%d (%v), want line %d", i, p.File, p.Line, p, wantLines[i])
		}
	}
	if !strings.Contains(rep.Problems[4].Error(), `outside the alphabet: "10"`) {
		t.Errorf("problem message %q does not name the characters", rep.Problems[4])
	}

	// Strict mode stops at the first problem with a FormatError naming the line.
	_, _, err = ParseTSV(strings.NewReader(in), "m.tsv", Options{Strict: true})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Line != 5 || fe.File != "m.tsv" {
		t.Fatalf("strict error %v, want a FormatError at m.tsv:5", err)
	}
	if got := fe.Error(); got != "corpus: m.tsv:5: 5 tab-separated fields, want 3 (path, duration, transcript), 4 (+ speaker) or 2 (path, transcript)" {
		t.Fatalf("Error() = %q", got)
	}
}

// A line without a duration (two fields, or "-") takes it from the audio file's header.
func TestParseTSVDurationFromFile(t *testing.T) {
	info, err := audio.Probe(filepath.Join("testdata", "tsv", "audio", "a.wav"))
	if err != nil {
		t.Fatal(err)
	}
	in := "audio/a.wav\tHELLO\n" +
		"audio/a.wav\t-\tAGAIN\tspk\n" +
		"audio/gone.wav\tMISSING\n" +
		"audio/a.wav\t\tEMPTY DURATION\n" +
		"audio/a.wav\t1.5\n"
	name := filepath.Join("testdata", "tsv", "m.tsv")
	utts, rep, err := ParseTSV(strings.NewReader(in), name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join("testdata", "tsv", "audio", "a.wav")
	want := []Utterance{{Path: a, Duration: info.Duration, Text: "hello"}, {Path: a, Duration: info.Duration, Text: "again", Speaker: "spk"}}
	if !reflect.DeepEqual(utts, want) || info.Duration <= 0 {
		t.Fatalf("utterances:\n%+v\nwant\n%+v", utts, want)
	}
	if rep.Skipped != 3 || len(rep.Problems) != 3 ||
		!strings.Contains(rep.Problems[0].Error(), "m.tsv:3: cannot read the duration: open "+filepath.Join("testdata", "tsv", "audio", "gone.wav")) ||
		!strings.Contains(rep.Problems[1].Error(), `m.tsv:4: bad duration ""`) ||
		!strings.Contains(rep.Problems[2].Error(), "m.tsv:5: a path and a duration but no transcript") {
		t.Errorf("report %+v, problems %v", rep, rep.Problems)
	}
}

func TestParseTSVLongLine(t *testing.T) {
	in := "a.wav\t1\tOK\n" + "b.wav\t1\t" + strings.Repeat("A", 2*maxLine) + "\nc.wav\t1\tALSO OK\n"
	utts, rep, err := ParseTSV(strings.NewReader(in), "m.tsv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(utts) != 2 || rep.Skipped != 1 || rep.Problems[0].Line != 2 || utts[1].Text != "also ok" {
		t.Fatalf("utts %+v, report %+v", utts, rep)
	}
}

func TestParseTSVMaxProblems(t *testing.T) {
	in := strings.Repeat("x\n", 10) + "a.wav\t1\tOK\n"
	utts, rep, err := ParseTSV(strings.NewReader(in), "m.tsv", Options{MaxProblems: 3})
	if err != nil || len(utts) != 1 || rep.Skipped != 10 || len(rep.Problems) != 3 {
		t.Fatalf("err %v, utts %d, report %+v", err, len(utts), rep)
	}
}

func TestParseCSV(t *testing.T) {
	in := "wav_filename,wav_filesize,transcript\n" +
		"clips/a.wav,32044,hello world\n" +
		"/abs/b.wav,16044,\"quoted, with comma\"\n" +
		"c.wav,notanumber,bad size\n" +
		"d.wav,44,empty audio\n" +
		"e.wav,32044\n" +
		"f.wav,32044,\"unterminated\n"
	utts, rep, err := ParseCSV(strings.NewReader(in), filepath.Join("ds", "train.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Utterance{
		{Path: filepath.Join("ds", "clips", "a.wav"), Duration: 1, Text: "hello world"},
		{Path: "/abs/b.wav", Duration: 0.5, Text: "quoted with comma"},
	}
	if !reflect.DeepEqual(utts, want) {
		t.Fatalf("utterances:\n%+v\nwant\n%+v", utts, want)
	}
	if rep.Utterances != 2 || rep.Skipped != 4 {
		t.Fatalf("report %+v", rep)
	}
	for i, line := range []int{4, 5, 6, 7} {
		if rep.Problems[i].Line != line {
			t.Errorf("problem %d at line %d (%v), want %d", i, rep.Problems[i].Line, rep.Problems[i], line)
		}
	}

	// Columns may come in any order.
	utts, _, err = ParseCSV(strings.NewReader("transcript,wav_filename,wav_filesize\nHI,x.wav,64044\n"), "m.csv", Options{})
	if err != nil || len(utts) != 1 || utts[0].Duration != 2 || utts[0].Text != "hi" {
		t.Fatalf("reordered columns: %+v, %v", utts, err)
	}

	for _, bad := range []string{"", "path,size,text\na,1,b\n"} {
		if _, _, err := ParseCSV(strings.NewReader(bad), "m.csv", Options{}); !errors.As(err, new(*FormatError)) {
			t.Errorf("header %q: error %v, want a FormatError", bad, err)
		}
	}
}

func TestReadManifestDetectsFormat(t *testing.T) {
	dir := t.TempDir()
	tsv := filepath.Join(dir, "m.tsv")
	csvPath := filepath.Join(dir, "m.txt") // detected by content, not by name
	os.WriteFile(tsv, []byte("a.wav\t1\tONE\n"), 0o644)
	os.WriteFile(csvPath, []byte("\uFEFFwav_filename,wav_filesize,transcript\na.wav,32044,one\n"), 0o644)
	for _, tt := range []struct {
		path string
		f    Format
	}{{tsv, FormatTSV}, {csvPath, FormatCSV}, {"testdata/libri", FormatLibriSpeech}} {
		_, rep, err := ReadManifest(tt.path, Options{})
		if err != nil || rep.Format != tt.f {
			t.Errorf("%s: format %v, err %v; want %v", tt.path, rep.Format, err, tt.f)
		}
	}
	empty := filepath.Join(dir, "empty.tsv")
	os.WriteFile(empty, []byte("bad line\n"), 0o644)
	if _, _, err := ReadManifest(empty, Options{}); err == nil || !strings.Contains(err.Error(), "no usable utterances") {
		t.Errorf("manifest with no usable lines: err %v", err)
	}
	if _, _, err := ReadManifest(filepath.Join(dir, "nope.tsv"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing manifest: err %v", err)
	}
}

func TestReadManifestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m.tsv")
	abs, _ := filepath.Abs("testdata/tsv/audio/a.wav")
	os.WriteFile(m, []byte(abs+"\t0.1\tPRESENT\nmissing.wav\t1\tABSENT\n"), 0o644)
	utts, rep, err := ReadManifest(m, Options{CheckFiles: true})
	if err != nil || len(utts) != 1 || rep.Skipped != 1 || !strings.Contains(rep.Problems[0].Problem, "missing audio file") {
		t.Fatalf("utts %+v, report %+v, err %v", utts, rep, err)
	}
	utts, _, _ = ReadManifest(m, Options{})
	if len(utts) != 2 {
		t.Fatalf("without CheckFiles: %d utterances, want 2", len(utts))
	}

	// DeepSpeech CSV: CheckFiles replaces the size estimate with the length in the file's header.
	c := filepath.Join(dir, "m.csv")
	os.WriteFile(c, []byte("wav_filename,wav_filesize,transcript\n"+abs+",999999,present\n"), 0o644)
	utts, _, err = ReadManifest(c, Options{CheckFiles: true, Strict: true})
	if err != nil || len(utts) != 1 || utts[0].Duration != 0.1 {
		t.Fatalf("CSV with CheckFiles: %+v, %v", utts, err)
	}
}

func TestReadLibriSpeech(t *testing.T) {
	utts, rep, err := ReadManifest("testdata/libri", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Utterance{
		{Path: filepath.Join("testdata/libri/19/198/19-198-0001.flac"), Duration: 0.5, Text: "northanger abbey", Speaker: "19"},
		{Path: filepath.Join("testdata/libri/19/198/19-198-0002.flac"), Duration: 1.25, Text: "this little work was finished in the year eighteen o three", Speaker: "19"},
		{Path: filepath.Join("testdata/libri/26/495/26-495-0000.flac"), Duration: 0.75, Text: "it's a fine day", Speaker: "26"},
	}
	if !reflect.DeepEqual(utts, want) {
		t.Fatalf("utterances:\n%+v\nwant\n%+v", utts, want)
	}
	if rep.Skipped != 2 || rep.Problems[0].Line != 2 || rep.Problems[1].Line != 3 ||
		!strings.HasSuffix(rep.Problems[0].File, "26-495.trans.txt") {
		t.Fatalf("report %+v", rep)
	}
	if !errors.Is(rep.Problems[0], os.ErrNotExist) || !errors.As(rep.Problems[1], new(*audio.FormatError)) {
		t.Fatalf("problems %v, %v: want a missing file and an audio format error", rep.Problems[0], rep.Problems[1])
	}
	if _, _, err := ReadManifest("testdata/libri", Options{Strict: true}); !errors.As(err, new(*FormatError)) {
		t.Fatalf("strict: %v", err)
	}
	if _, _, err := ReadManifest(t.TempDir(), Options{}); err == nil {
		t.Fatal("empty folder read as LibriSpeech without error")
	}
}

func TestWriteTSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	utts := []Utterance{
		{Path: filepath.Join(dir, "train", "000", "1.flac"), Duration: 1.234, Text: "hello there", Speaker: "kal"},
		{Path: "/elsewhere/x.wav", Duration: 2, Text: "it's fine"},
	}
	m := filepath.Join(dir, "train.tsv")
	if err := WriteTSVFile(m, utts); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(m)
	if want := "train/000/1.flac\t1.234\tHELLO THERE\tkal\n/elsewhere/x.wav\t2\tIT'S FINE\n"; string(data) != want {
		t.Fatalf("written:\n%q\nwant\n%q", data, want)
	}
	got, _, err := ReadManifest(m, Options{Strict: true})
	if err != nil || !reflect.DeepEqual(got, utts) {
		t.Fatalf("read back %+v (%v), want %+v", got, err, utts)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	for _, bad := range []Utterance{
		{Path: "a\tb.wav", Duration: 1, Text: "x"},
		{Path: "a.wav", Duration: 1, Text: "Not Normalised"},
		{Path: "a.wav", Duration: 0, Text: "x"},
		{Path: "a.wav", Duration: 1, Text: "x", Speaker: "a\tb"},
	} {
		if err := WriteTSV(&bytes.Buffer{}, dir, []Utterance{bad}); err == nil {
			t.Errorf("WriteTSV(%+v) succeeded", bad)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		seconds float64
		want    string
	}{
		{0, "0.0 s"},
		{9.71, "9.7 s"},
		{59.94, "59.9 s"},
		{60, "1.0 min"},
		{582, "9.7 min"},
		{3599, "60.0 min"},
		{3600, "1.00 h"},
		{9396, "2.61 h"},
	} {
		if got := FormatDuration(tc.seconds); got != tc.want {
			t.Errorf("FormatDuration(%g) = %q, want %q", tc.seconds, got, tc.want)
		}
	}
}

func TestNormalizeText(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      []string
	}{
		{"Hello World.\r\n", "hello world", nil},
		{"\ufeffHello", "hello", nil}, // a byte-order mark, as Notepad writes it
		{"The price is 42 dollars and 3.5 cents.", "the price is <unk> dollars and <unk> cents", []string{"42", "3.5"}},
		{"“It’s café time,” she said — naïve!", "it's <unk> time she said <unk>", []string{"café", "naïve!"}},
		{"well-known U.S. rock'n'roll", "well known u s rock'n'roll", nil},
		{"'tis the dogs' ' bone", "'tis the dogs' bone", nil},
		{"salt & pepper 10:30", "salt <unk> pepper <unk>", []string{"&", "10:30"}},
		{"caf\xe9 au lait", "<unk> au lait", []string{"caf\ufffd"}}, // Latin-1, not UTF-8
		{"  ... -- !!", "", nil},
		{"", "", nil},
		{"an <unk> word", "an <unk> word", nil}, // normalised before
	} {
		got, bad := NormalizeText(tc.in, "<unk>")
		if got != tc.want || !slices.Equal(bad, tc.bad) {
			t.Errorf("NormalizeText(%q) = %q, %q; want %q, %q", tc.in, got, bad, tc.want, tc.bad)
		}
		// Text already normalised comes back unchanged, so normalising twice is harmless.
		if again, _ := NormalizeText(got, "<unk>"); strings.ReplaceAll(again, "<unk>", "") != strings.ReplaceAll(got, "<unk>", "") {
			t.Errorf("NormalizeText(%q) = %q, not a fixed point", got, again)
		}
	}
}
