package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/audio/mic"
	"github.com/harkspeech/hark/audio/mic/mictest"
	"github.com/harkspeech/hark/metrics"
)

const sampleWAV = "../../testdata/sample.wav"

// englishAudio is real speech held out of training (a speechocean762 dev speaker) that the embedded model
// transcribes exactly, in MP3 as the data set ships it (see ../../testdata/README.md); englishText is its
// transcript as hark prints it. nativeAudio and nativeText are the same for a held-out sentence of a native
// speaker, as 16-bit WAV.
const (
	englishAudio = "../../testdata/english.mp3"
	englishText  = "../../testdata/english.txt"
	nativeAudio  = "../../testdata/native.wav"
	nativeText   = "../../testdata/native.txt"
)

// readTranscript returns a transcript file's text as hark prints it.
func readTranscript(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// embeddedModel selects the model built into hark (no -m flag).
func embeddedModel(*testing.T) string { return "" }

func TestListenWithoutMicSupport(t *testing.T) {
	if _, err := mic.Devices(); !errors.Is(err, mic.ErrUnsupported) {
		t.Skip("this build has microphone support")
	}
	for _, args := range [][]string{{"listen", "--list-devices"}, {"listen", "--record", "x.wav"}, {"listen"}} {
		code, _, stderr := runHark(t, nil, args...)
		if code != 1 || !strings.Contains(stderr, "built without microphone support") {
			t.Errorf("hark %q = %d, stderr %q; want 1 and \"built without microphone support\"", args, code, stderr)
		}
	}
}

func TestListenUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		says string // the stderr names what is wrong
	}{
		{[]string{"listen", "extra"}, "usage"},
		{[]string{"listen", "--rate", "-1"}, "--rate"},
		{[]string{"listen", "--channels", "-1"}, "--channels"},
		{[]string{"listen", "--record", "x.wav", "--seconds", "0"}, "--seconds"},
		{[]string{"listen", "--record", "x.wav", "--seconds", "NaN"}, "--seconds"},
		{[]string{"listen", "--buffer", "0s"}, "--buffer"},
		{[]string{"listen", "--buffer", "-1s"}, "--buffer"},
		{[]string{"listen", "--format", "srt"}, "--format"},
		{[]string{"listen", "--endpoint-pause", "-1"}, "--endpoint-pause"},
		{[]string{"listen", "--endpoint-max", "Inf"}, "--endpoint-max"},
		{[]string{"listen", "--endpoint-pause", "0", "--endpoint-idle", "0", "--endpoint-max", "0", "--seconds", "-2"}, "--seconds"},
		{[]string{"listen", "--lm", "x.lm", "--no-lm"}, "contradict"},
		{[]string{"listen", "--beam", "0"}, "--beam"},
		{[]string{"listen", "--format", "txt", "--beam", "0"}, "--beam"}, // txt is accepted as transcribe's name for text
	} {
		if code, _, stderr := runHark(t, nil, tt.args...); code != 2 || !strings.Contains(stderr, tt.says) {
			t.Errorf("hark %q = %d (stderr %q), want 2 and %q", tt.args, code, stderr, tt.says)
		}
	}
}

// TestListenDevices lists and opens devices through PortAudio and ALSA's file plugin.
func TestListenDevices(t *testing.T) {
	mictest.UseRaw(t, "/dev/zero")
	code, stdout, stderr := runHark(t, nil, "listen", "--list-devices")
	if code != 0 || !hasRow(stdout, "*", `"`+mictest.Device+`"`, "ALSA") {
		t.Errorf("--list-devices = %d, stdout %q, stderr %q; want the default device marked *", code, stdout, stderr)
	}
	code, _, stderr = runHark(t, nil, "listen", "--device", "no such mic", "--record", filepath.Join(t.TempDir(), "x.wav"))
	if code != 1 || !strings.Contains(stderr, `no input device named "no such mic"`) || !strings.Contains(stderr, `"default" (ALSA`) {
		t.Errorf("--device with a missing name = %d, stderr %q; want 1 and a list of devices", code, stderr)
	}
}

// hasRow reports whether a line of text starts with the given whitespace-separated fields.
func hasRow(text string, fields ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		if slices.Equal(strings.Fields(line)[:min(len(fields), len(strings.Fields(line)))], fields) {
			return true
		}
	}
	return false
}

// TestListenRecord records from the file-backed device at several device rates and checks the WAV against the
// source passed through audio.Resample and 16-bit quantisation.
func TestListenRecord(t *testing.T) {
	x, _, err := audio.Load(sampleWAV)
	if err != nil {
		t.Fatal(err)
	}
	const seconds = 2
	for _, rate := range []int{16000, 48000} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			dev := audio.Resample(x, audio.SampleRate, rate)
			mictest.Samples(t, dev, rate, 1)
			out := filepath.Join(t.TempDir(), "rec.wav")
			// The file plugin delivers far faster than real time: a buffer longer than the file keeps it whole
			// (the silence it repeats after the file may well be dropped, and reported, on a slow machine).
			code, _, stderr := runHark(t, nil, "listen", "--rate", fmt.Sprint(rate), "--buffer", "30s",
				"--record", out, "--seconds", fmt.Sprint(seconds))
			if code != 0 || !strings.Contains(stderr, "recorded 2.00 s") {
				t.Fatalf("--record = %d, stderr %q", code, stderr)
			}
			got, info, err := audio.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			want := audio.Resample(append(dev, make([]float32, rate)...), rate, audio.SampleRate)[:seconds*audio.SampleRate]
			if info.SampleRate != audio.SampleRate || info.Channels != 1 || len(got) != len(want) {
				t.Fatalf("recorded %d samples, %+v; want %d at 16 kHz mono", len(got), info, len(want))
			}
			for i := range want {
				q := math.Round(math.Max(-32768, math.Min(32767, float64(want[i])*32768))) / 32768
				if float64(got[i]) != q {
					t.Fatalf("sample %d = %g, want %g", i, got[i], q)
				}
			}
		})
	}
}

// fakeSource delivers its samples in reads of at most step, then fails with err.
type fakeSource struct {
	x    []float32
	step int
	err  error
}

func (f *fakeSource) Read(ctx context.Context, p []float32) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(f.x) == 0 {
		return 0, f.err
	}
	n := copy(p[:min(len(p), f.step)], f.x)
	f.x = f.x[n:]
	return n, nil
}

func TestCaptureMic(t *testing.T) {
	x := make([]float32, 5000)
	for i := range x {
		x[i] = float32(i)
	}
	stop := errors.New("consumer stops")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		limit    int
		consumer error // returned by the consumer once it has 3000 samples
		wantN    int
		wantErr  error
	}{
		{"limit", context.Background(), 4321, nil, 4321, nil},
		{"source ends", context.Background(), 0, nil, 5000, mic.ErrStalled},
		{"consumer stops", context.Background(), 0, stop, 3000, stop},
		{"cancelled", cancelled, 100, nil, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{x: x, step: 1000, err: mic.ErrStalled}
			var got []float32
			n, err := captureMic(tt.ctx, src, tt.limit, func(chunk []float32) error {
				if len(chunk) > captureChunk {
					t.Errorf("chunk of %d samples", len(chunk))
				}
				got = append(got, chunk...)
				if tt.consumer != nil && len(got) >= 3000 {
					return tt.consumer
				}
				return nil
			})
			if n != tt.wantN || !errors.Is(err, tt.wantErr) || !slices.Equal(got, x[:tt.wantN]) {
				t.Errorf("captureMic = %d, %v (got %d samples); want %d, %v", n, err, len(got), tt.wantN, tt.wantErr)
			}
		})
	}
}

// fakeStream is a micStream over a fakeSource.
type fakeStream struct {
	fakeSource
	closed int
}

func (f *fakeStream) Close() error       { f.closed++; return nil }
func (f *fakeStream) Stats() mic.Stats   { return mic.Stats{Frames: 48000, Dropped: 4800, Overflows: 2} }
func (f *fakeStream) Device() mic.Device { return mic.Device{Name: "fake", HostAPI: "test"} }
func (f *fakeStream) DeviceRate() int    { return 48000 }
func (f *fakeStream) Channels() int      { return 2 }

// TestRecordFailures checks that a recording cut short by a stream error or by Ctrl-C keeps what was captured.
func TestRecordFailures(t *testing.T) {
	x := make([]float32, 4000)
	for i := range x {
		x[i] = float32(i%200-100) / 128
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		x       []float32
		srcErr  error
		wantErr string // "" for success
		wantN   int    // samples in the file, -1 for no file
	}{
		{"stalls mid-way", context.Background(), x, mic.ErrStalled, "capture stopped after 0.25 s", len(x)},
		{"interrupted mid-way", context.Background(), x, context.Canceled, "", len(x)},
		{"interrupted at once", cancelled, x, nil, "interrupted before any audio", -1},
		{"fails at once", context.Background(), nil, mic.ErrStalled, "no audio from the device", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			e := &env{stdout: io.Discard, stderr: &stderr}
			path := filepath.Join(t.TempDir(), "rec.wav")
			s := &fakeStream{fakeSource: fakeSource{x: tt.x, step: 700, err: tt.srcErr}}
			err := record(tt.ctx, e, s, path, 16000)
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("record = %v, want error %q", err, tt.wantErr)
			}
			if s.closed == 0 {
				t.Error("stream not closed")
			}
			got, _, lerr := audio.Load(path)
			switch {
			case tt.wantN < 0 && lerr == nil:
				t.Errorf("a file was written")
			case tt.wantN >= 0 && lerr != nil:
				t.Errorf("no file: %v", lerr)
			case tt.wantN >= 0 && len(got) != tt.wantN:
				t.Errorf("file has %d samples, want %d", len(got), tt.wantN)
			case tt.wantN >= 0 && !slices.Equal(got, tt.x):
				t.Errorf("file samples differ from the captured ones")
			}
			if tt.wantN >= 0 && !strings.Contains(stderr.String(), "dropped 4800 frames (100ms)") {
				t.Errorf("stderr %q does not report the drops", stderr.String())
			}
		})
	}
}

// pausingModelFile is tinyModelFile taught to output blanks on digital silence, so that the endpoint rules
// fire in pauses (see pausingModel in the root package's listen_test.go, where the probe that found unit 19 is
// described and the model is checked).
func pausingModelFile(t *testing.T) string {
	t.Helper()
	m, err := acoustic.LoadFile(tinyModelFile(t))
	if err != nil {
		t.Fatal(err)
	}
	const unit, gain, threshold = 19, 400, -0.91
	m.Weight("out.w")[unit*m.Config.VocabSize] -= gain
	m.Weight("out.b")[0] -= gain * -threshold
	path := filepath.Join(t.TempDir(), "pausing.hark")
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// jsonEvent is one line of `hark listen --format jsonl`.
type jsonEvent struct {
	Type  string  `json:"type"`
	Text  string  `json:"text"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Words []struct {
		Word string `json:"word"`
	} `json:"words"`
	Dropped int64 `json:"dropped"`
}

func parseEvents(t *testing.T, out string) []jsonEvent {
	t.Helper()
	var evs []jsonEvent
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev jsonEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("bad jsonl line %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func finalTexts(evs []jsonEvent) []string {
	var out []string
	for _, ev := range evs {
		if ev.Type == "final" {
			out = append(out, ev.Text)
		}
	}
	return out
}

// TestListenMic transcribes audio captured through PortAudio (ALSA's file plugin) and compares the finals with
// the streaming path run over the same audio as a file: `hark transcribe --stream` for one sentence, and
// Recognizer.Listen over the file for two sentences with a pause (whose endpoint transcribe --stream places
// at its reads' boundaries, up to 100 ms later).
func TestListenMic(t *testing.T) {
	x, _, err := audio.Load(sampleWAV)
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := audio.Load(englishAudio)
	if err != nil {
		t.Fatal(err)
	}
	z, _, err := audio.Load(nativeAudio)
	if err != nil {
		t.Fatal(err)
	}
	english, native := readTranscript(t, englishText), readTranscript(t, nativeText)
	tests := []struct {
		name   string
		model  func(*testing.T) string // "" for the embedded model
		audio  []float32
		finals int
		want   []string // the finals' reference texts, when the model is trained
		// wordErrors[i] is how many word errors final i may have against want[i]. Live segmentation starts the
		// second utterance with other context than a file would, and the weak model's first word can change with
		// it (native.wav: "he was not exactly a deportation"); the finals must still equal the library's, below.
		wordErrors []int
		flags      []string // more hark listen flags
	}{
		{"one sentence", tinyModelFile, append(slices.Clone(x), make([]float32, 8000)...), 1, nil, nil, nil},
		{"two sentences", pausingModelFile, slices.Concat(x, make([]float32, 24000), x, make([]float32, 4800)), 2, nil, nil, nil},
		{"two sentences, whole utterances", pausingModelFile, slices.Concat(x, make([]float32, 24000), x, make([]float32, 4800)), 2, nil, nil,
			[]string{"--whole-utterances"}},
		{"two sentences, endpoints off", pausingModelFile, slices.Concat(x, make([]float32, 24000), x, make([]float32, 4800)), 1, nil, nil,
			[]string{"--endpoint-pause", "0", "--endpoint-idle", "0", "--endpoint-max", "0"}},
		{"real speech, embedded model", embeddedModel, slices.Concat(make([]float32, 4800), y, make([]float32, 8000)), 1,
			[]string{english}, []int{0}, nil},
		{"two speakers, embedded model", embeddedModel,
			slices.Concat(make([]float32, 4800), y, make([]float32, 24000), z, make([]float32, 8000)), 2,
			[]string{english, native}, []int{0, 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var modelArgs []string
			if model := tt.model(t); model != "" {
				modelArgs = []string{"-m", model}
			}
			mictest.Samples(t, tt.audio, audio.SampleRate, 1)
			seconds := fmt.Sprint(float64(len(tt.audio)) / audio.SampleRate)
			// The file plugin delivers ~100× real time and then repeats its last buffer: a 10-minute buffer
			// (the most mic allows) keeps a slow reader (-race, a busy CI machine) from dropping any of the
			// audio it needs before --seconds ends the run.
			code, stdout, stderr := runHark(t, nil, slices.Concat([]string{"listen"}, modelArgs,
				[]string{"--format", "jsonl", "--seconds", seconds, "--buffer", "10m", "--rate", "16000"}, tt.flags)...)
			if code != 0 {
				t.Fatalf("hark listen = %d, stderr %q", code, stderr)
			}
			evs := parseEvents(t, stdout)
			got := finalTexts(evs)
			if len(got) != tt.finals {
				t.Fatalf("%d finals %q, want %d:\n%s", len(got), got, tt.finals, stdout)
			}
			// Drops are not checked: the ring keeps the oldest audio, so with a 10-minute buffer a drop can only
			// lose the plugin's repeats after the audio the run needs, and a loaded machine (the model loads
			// after the device opens) lets the plugin run that far ahead. Lost audio would show in the finals.
			if last := evs[len(evs)-1]; last.Type != "stats" {
				t.Errorf("last event %+v, want stats", last)
			}
			for i, want := range tt.want {
				if e := metrics.AlignWords(want, got[i]).Counts.Errors(); e > tt.wordErrors[i] {
					t.Errorf("final %d %q has %d word errors against %q, want at most %d", i, got[i], e, want, tt.wordErrors[i])
				}
			}
			if len(tt.flags) > 0 {
				return // transcribe --stream has no endpoint flags to compare with
			}
			wav := writeWAV(t, t.TempDir(), "in.wav", tt.audio)
			if tt.finals == 1 {
				// transcribe's default beam is wider than listen's: give it listen's.
				code, file, stderr := runHark(t, nil, slices.Concat([]string{"transcribe"}, modelArgs,
					[]string{"--beam", fmt.Sprint(hark.DefaultListenBeam), "--stream", wav})...)
				if code != 0 || strings.TrimSpace(file) != got[0] {
					t.Errorf("transcribe --stream = %d %q (%s), listen %q", code, file, stderr, got[0])
				}
				return
			}
			var rec *hark.Recognizer
			if len(modelArgs) == 0 {
				rec, err = hark.Default(hark.WithBeam(hark.DefaultListenBeam))
			} else {
				// As hark listen -m does: a model with the English vocabulary gets the embedded LM.
				opts := []hark.Option{hark.WithBeam(hark.DefaultListenBeam)}
				if embedded, err := hark.DefaultLM(); err == nil {
					opts = append(opts, hark.WithLMModel(embedded))
				}
				rec, err = hark.Load(modelArgs[1], opts...)
			}
			if err != nil {
				t.Fatal(err)
			}
			f, err := audio.OpenFile(wav)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var want []string
			err = rec.Listen(context.Background(), hark.ReaderSource(f), hark.ListenOptions{Endpoint: hark.DefaultEndpointConfig()},
				func(ev hark.Event) error {
					if ev.Type == hark.EventFinal {
						want = append(want, ev.Result.Text)
					}
					return nil
				})
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("mic finals %q, file finals %q (%v)", got, want, err)
			}
		})
	}
}

// cancelWriter calls cancel when something containing trigger is written: Ctrl-C in the middle of speech.
type cancelWriter struct {
	bytes.Buffer
	trigger string
	cancel  context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.trigger) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// Ctrl-C during an utterance ends listening normally, with the utterance printed as a final.
func TestListenInterrupt(t *testing.T) {
	x, _, err := audio.Load(sampleWAV)
	if err != nil {
		t.Fatal(err)
	}
	model := tinyModelFile(t)
	mictest.Samples(t, x, audio.SampleRate, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelWriter{trigger: `"partial"`, cancel: cancel}
	var stderr bytes.Buffer
	code := runMain(ctx, &env{stdin: bytes.NewReader(nil), stdout: out, stderr: &stderr},
		[]string{"listen", "-m", model, "--format", "jsonl", "--buffer", "10m", "--rate", "16000"})
	if code != 0 {
		t.Fatalf("hark listen after Ctrl-C = %d, stderr %q", code, stderr.String())
	}
	evs := parseEvents(t, out.String())
	if f := finalTexts(evs); len(f) != 1 || f[0] == "" || evs[len(evs)-1].Type != "stats" {
		t.Errorf("after Ctrl-C: finals %q; want one, then stats:\n%s", f, out.String())
	}
}

// A device that is not there gives the list of devices; one that dies mid-way ends listening with the text so
// far printed and the drops reported.
func TestListenFaults(t *testing.T) {
	mictest.UseRaw(t, "/dev/zero")
	code, _, stderr := runHark(t, nil, "listen", "-m", tinyModelFile(t), "--device", "no such mic")
	if code != 1 || !strings.Contains(stderr, `no input device named "no such mic"`) || !strings.Contains(stderr, `"default" (ALSA`) {
		t.Errorf("--device with a missing name = %d, stderr %q; want 1 and a list of devices", code, stderr)
	}
}

func TestListenStreamFails(t *testing.T) {
	x, _, err := audio.Load(sampleWAV)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := hark.Load(tinyModelFile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, jsonl := range []bool{false, true} {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr}
		s := &fakeStream{fakeSource: fakeSource{x: x[:32000], step: 700, err: mic.ErrStalled}}
		err := listen(context.Background(), e, rec, s, hark.ListenOptions{}, newListenPrinter(&stdout, jsonl))
		if err == nil || !strings.Contains(err.Error(), "no audio from the device") || !strings.Contains(err.Error(), "after 2.00 s") {
			t.Errorf("listen = %v, want the device's failure and when", err)
		}
		if s.closed == 0 {
			t.Error("stream not closed")
		}
		if !strings.Contains(stderr.String(), "dropped 4800 frames (100ms)") {
			t.Errorf("stderr %q does not report the drops", stderr.String())
		}
		if !jsonl {
			if lines := strings.Split(strings.TrimSpace(stdout.String()), "\n"); len(lines) != 1 || lines[0] == "" {
				t.Errorf("text output %q, want the one utterance", stdout.String())
			}
			continue
		}
		evs := parseEvents(t, stdout.String())
		if f := finalTexts(evs); len(f) != 1 || f[0] == "" || evs[len(evs)-1].Dropped != 4800 {
			t.Errorf("jsonl output lacks the final or the stats:\n%s", stdout.String())
		}
	}
}

// On a terminal a partial is rewritten in place and a final ends its line; elsewhere only finals show.
func TestListenPrinter(t *testing.T) {
	evs := []hark.Event{
		{Type: hark.EventPartial, Result: hark.Result{Text: "hel"}},
		{Type: hark.EventPartial, Result: hark.Result{Text: "hello wor"}},
		{Type: hark.EventFinal, Result: hark.Result{Text: "hello world"}},
		{Type: hark.EventPartial, Result: hark.Result{Text: "a"}},
		{Type: hark.EventFinal, Result: hark.Result{}}, // a partial that came to nothing
		{Type: hark.EventPartial, Result: hark.Result{Text: "a very long partial text"}},
	}
	tests := []struct {
		tty  bool
		want string
	}{
		{true, "\r\x1b[Khel\r\x1b[Khello wor\r\x1b[Khello world\n\r\x1b[Ka\r\x1b[K\r\x1b[K…tial text\r\x1b[K"},
		{false, "hello world\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		p := newListenPrinter(&b, false)
		p.tty, p.width = tt.tty, 11
		for _, ev := range evs {
			if err := p.event(ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.finish(); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("tty %v: %q, want %q", tt.tty, b.String(), tt.want)
		}
	}
}

// A model or LM file that is not there is reported before any device is opened (or found missing).
func TestListenMissingFiles(t *testing.T) {
	for _, flag := range []string{"-m", "--lm"} {
		missing := filepath.Join(t.TempDir(), "missing.bin")
		code, _, stderr := runHark(t, nil, "listen", flag, missing, "--device", "no such mic")
		if code != 1 || !strings.Contains(stderr, missing) {
			t.Errorf("listen %s missing = %d, %q; want the missing file named", flag, code, stderr)
		}
	}
}
