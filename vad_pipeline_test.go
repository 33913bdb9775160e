package hark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/harkspeech/hark/audio"
)

func wavBytes(t testing.TB, x []float32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, x, audio.SampleRate); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTranscribeSegments(t *testing.T) {
	x := loadSample(t)
	input := wavBytes(t, concat(make([]float32, 8000), x, make([]float32, 24000), x, make([]float32, 16000)))
	decoded, _, err := audio.Decode(bytes.NewReader(input), "two.wav")
	if err != nil {
		t.Fatal(err)
	}
	want, err := DetectSpeech(decoded, DefaultVADConfig())
	if err != nil || len(want) != 2 {
		t.Fatalf("VAD on the input: %v, %v", want, err)
	}
	var calls int
	rec := func(ctx context.Context, samples []float32) (string, []Word, error) {
		s := want[calls]
		if !slices.Equal(samples, decoded[sampleIndex(s.Start):sampleIndex(s.End)]) {
			t.Errorf("segment %d: recogniser got other samples than those of %v", calls, s)
		}
		calls++
		return fmt.Sprintf("segment %d", calls), []Word{
			{Text: "segment", Start: 0.1, End: 0.3, Confidence: 0.9},
			{Text: fmt.Sprint(calls), Start: 0.4, End: 0.5, Confidence: 0.8},
		}, nil
	}
	var progress []float64
	res, err := TranscribeSegments(context.Background(), bytes.NewReader(input), "two.wav", rec,
		SegmentOptions{ChunkSize: 5000, Progress: func(done, total float64) {
			progress = append(progress, done)
			if total != float64(len(decoded))/16000 {
				t.Errorf("progress total %v, want %v", total, float64(len(decoded))/16000)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if res.File != "two.wav" || res.Duration != float64(len(decoded))/16000 || res.Text != "segment 1 segment 2" {
		t.Errorf("result %q, %v s, %q", res.File, res.Duration, res.Text)
	}
	if len(res.Segments) != 2 || len(res.Words) != 4 {
		t.Fatalf("segments %+v, words %+v", res.Segments, res.Words)
	}
	for i, s := range res.Segments {
		if s.Start != want[i].Start || s.End != want[i].End {
			t.Errorf("segment %d at %v–%v, want %v", i, s.Start, s.End, want[i])
		}
		if s.Words[0].Start != want[i].Start+0.1 || res.Words[2*i+1].End != want[i].Start+0.5 {
			t.Errorf("segment %d: word times not moved to the input's clock: %+v", i, s.Words)
		}
	}
	if !slices.IsSorted(progress) || progress[len(progress)-1] != res.Duration {
		t.Errorf("progress %v", progress)
	}
}

func TestTranscribeSegmentsNoSpeech(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for name, x := range map[string][]float32{
		"silence": make([]float32, 3*16000),
		"noise":   scaleTo(pinkNoise(rng, 3*16000), -20),
		"hum":     scaleTo(hum(rng, 3*16000, 50), -10),
	} {
		rec := func(context.Context, []float32) (string, []Word, error) {
			t.Errorf("%s: recogniser called", name)
			return "", nil, nil
		}
		res, err := TranscribeSegments(context.Background(), bytes.NewReader(wavBytes(t, x)), name, rec, SegmentOptions{})
		if err != nil || res.Text != "" || len(res.Segments) != 0 || res.Duration != 3 {
			t.Errorf("%s: %+v, %v", name, res, err)
		}
	}
}

func TestTranscribeSegmentsErrors(t *testing.T) {
	x := loadSample(t)
	ok := func(context.Context, []float32) (string, []Word, error) { return "x", nil, nil }
	input := wavBytes(t, x)

	var fe *audio.FormatError
	if _, err := TranscribeSegments(context.Background(), bytes.NewReader([]byte("not audio at all")), "junk.bin", ok,
		SegmentOptions{}); !errors.As(err, &fe) {
		t.Errorf("junk input: %v, want a *audio.FormatError", err)
	}
	// Truncated mid-way (a byte count that is not a whole sample, after the speech): the speech before the damage
	// is still transcribed, and the error says what happened.
	res, err := TranscribeSegments(context.Background(), bytes.NewReader(input[:len(input)-3001]), "cut.wav", ok, SegmentOptions{})
	if err == nil || res.Text != "x" {
		t.Errorf("truncated input: %q, %v; want the text before the damage and an error", res.Text, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TranscribeSegments(ctx, bytes.NewReader(input), "a.wav", ok, SegmentOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	boom := errors.New("model exploded")
	fail := func(context.Context, []float32) (string, []Word, error) { return "", nil, boom }
	if _, err := TranscribeSegments(context.Background(), bytes.NewReader(input), "a.wav", fail, SegmentOptions{}); !errors.Is(err, boom) {
		t.Errorf("recogniser error: %v", err)
	}
	bad := DefaultVADConfig()
	bad.Threshold = -1
	if _, err := TranscribeSegments(context.Background(), bytes.NewReader(input), "a.wav", ok, SegmentOptions{VAD: bad}); err == nil {
		t.Error("bad VAD config accepted")
	}
}

// loopWAV is a 16-bit mono 16 kHz WAV stream of n samples that repeats pattern, made on the fly so that a long
// input costs no memory in the test itself.
type loopWAV struct {
	header  []byte
	pattern []int16
	n, pos  int64 // samples in all, samples produced
}

func newLoopWAV(t testing.TB, pattern []float32, n int64) *loopWAV {
	hdr := wavBytes(t, nil)[:44]
	put := func(off int, v uint32) {
		hdr[off], hdr[off+1], hdr[off+2], hdr[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	put(4, uint32(36+2*n))
	put(40, uint32(2*n))
	p := make([]int16, len(pattern))
	for i, v := range pattern {
		p[i] = int16(max(-32767, min(32767, v*32767)))
	}
	return &loopWAV{header: hdr, pattern: p, n: n}
}

func (l *loopWAV) Read(b []byte) (int, error) {
	if len(l.header) > 0 {
		k := copy(b, l.header)
		l.header = l.header[k:]
		return k, nil
	}
	k := 0
	for ; k+1 < len(b) && l.pos < l.n; k += 2 {
		v := l.pattern[l.pos%int64(len(l.pattern))]
		b[k], b[k+1] = byte(v), byte(uint16(v)>>8)
		l.pos++
	}
	if k == 0 {
		return 0, io.EOF
	}
	return k, nil
}

// Ten minutes of speech and pauses go through in bounded memory: the heap never holds more than a few
// segments' worth, far less than the 38 MB the decoded input would take.
func TestTranscribeSegmentsLongInputMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("long input")
	}
	x := loadSample(t)
	pattern := concat(x, make([]float32, 24000))
	const minutes = 10
	in := newLoopWAV(t, pattern, minutes*60*16000)
	var segments int
	rec := func(context.Context, []float32) (string, []Word, error) { segments++; return "x", nil, nil }
	var peak uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	calls := 0
	res, err := TranscribeSegments(context.Background(), in, "long.wav", rec, SegmentOptions{Progress: func(done, total float64) {
		if calls++; calls%30 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc-min(base, ms.HeapAlloc))
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantSegs := minutes * 60 * 16000 / len(pattern)
	if segments < wantSegs || segments > wantSegs+1 || res.Duration != minutes*60 {
		t.Errorf("%d segments in %.0f s, want %d", segments, res.Duration, wantSegs)
	}
	if peak > 16<<20 {
		t.Errorf("heap grew by %d MB", peak>>20)
	}
	t.Logf("%d segments, heap growth at most %.1f MB", segments, float64(peak)/(1<<20))
}
