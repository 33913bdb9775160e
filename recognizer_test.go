package hark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/decoder/lm"
	"github.com/harkspeech/hark/features"
	"github.com/harkspeech/hark/models"
)

// No trained model is needed to check the wiring: a small network with random weights gives outputs that are
// meaningless but deterministic, and the output layer is sharpened so that each frame has a clear winner (which
// keeps texts stable across BLAS implementations) and texts are not empty.

// tinyConfig is a network small enough for fast tests, with the default model's time stride of 3.
func tinyConfig() acoustic.Config {
	return acoustic.Config{
		NumMels:   80,
		Conv:      []acoustic.ConvLayer{{Channels: 4, KernelTime: 5, KernelFreq: 3, StrideTime: 3, StrideFreq: 4}},
		GRULayers: 1, GRUUnits: 32, Lookahead: 2, VocabSize: 29,
	}
}

func testModel(t testing.TB, cfg acoustic.Config, feat features.Config, seed int64) *acoustic.Model {
	t.Helper()
	m, err := acoustic.NewModel(cfg, acoustic.EnglishVocabulary(), feat, seed)
	if err != nil {
		t.Fatal(err)
	}
	w := m.Weight("out.w")
	if w == nil {
		t.Fatal("model has no out.w")
	}
	for i := range w {
		w[i] *= 6
	}
	// A little help for the word separator, so that texts have words.
	m.Weight("out.b")[1] += 8
	return m
}

func tinyModel(t testing.TB) *acoustic.Model {
	return testModel(t, tinyConfig(), features.DefaultConfig(), 7)
}

// testLM builds a small trigram model from words the random network might spell.
func testLM(t testing.TB) *lm.Model {
	t.Helper()
	text := "i am sure it must have been some adventure\nit was an adventure\nsome sure words\n"
	m, _, err := lm.Build(context.Background(), strings.NewReader(text), lm.BuildOptions{Order: 3})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustRecognizer(t testing.TB, m *acoustic.Model, opts ...Option) *Recognizer {
	t.Helper()
	r, err := LoadModel(m, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// talk is speech, pauses and speech again: several VAD segments.
func talk(t testing.TB) []float32 {
	x := loadSample(t)
	return concat(make([]float32, 8000), x, make([]float32, 24000), x[:len(x)/2], make([]float32, 20000), x, make([]float32, 8000))
}

func decoderModes(t testing.TB) []struct {
	name string
	opts []Option
} {
	return []struct {
		name string
		opts []Option
	}{
		{"greedy", []Option{WithGreedy()}},
		{"beam", []Option{WithBeam(16)}},
		{"beam+lm", []Option{WithBeam(16), WithLMModel(testLM(t)), WithAlpha(0.8), WithBeta(1.5)}},
	}
}

// The random network must produce text, or every other test here would pass on empty strings.
func TestRecognizeGivesText(t *testing.T) {
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	res, err := r.Recognize(context.Background(), loadSample(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%q", res.Text)
	if len(res.Words) < 3 || res.Text == "" {
		t.Fatalf("test model gives too little text: %q", res.Text)
	}
	if len(res.Segments) != 1 || res.Segments[0].Start != 0 || res.Duration != res.Segments[0].End {
		t.Errorf("segments %+v for %.3f s", res.Segments, res.Duration)
	}
	for i, w := range res.Words {
		if w.Start < 0 || w.End < w.Start || w.End > res.Duration+0.1 || w.Confidence < 0 || w.Confidence > 1 ||
			(i > 0 && w.Start < res.Words[i-1].End) {
			t.Errorf("word %d %+v out of place", i, w)
		}
	}
	if got := strings.Join(wordTexts(res.Words), " "); got != res.Text {
		t.Errorf("words %q do not spell the text %q", got, res.Text)
	}
}

// sameResult compares results exactly but for confidences and scores, which may differ by rounding: the
// acoustic model's streaming forward multiplies matrices of other shapes than the batch one, and BLAS rounds
// differently with the shape.
func sameResult(a, b Result, tol float64) bool {
	if len(a.Words) != len(b.Words) || len(a.Alternatives) != len(b.Alternatives) {
		return false
	}
	for i := range a.Words {
		x, y := a.Words[i], b.Words[i]
		if d := x.Confidence - y.Confidence; d > tol || d < -tol {
			return false
		}
		x.Confidence = y.Confidence
		if x != y {
			return false
		}
	}
	for i := range a.Alternatives {
		x, y := a.Alternatives[i], b.Alternatives[i]
		if d := x.Score - y.Score; x.Text != y.Text || d > tol*100 || d < -tol*100 {
			return false
		}
	}
	c, d := a, b
	c.Words, d.Words, c.Alternatives, d.Alternatives = nil, nil, nil, nil
	c.Segments, d.Segments = stripWords(c.Segments), stripWords(d.Segments)
	return reflect.DeepEqual(c, d)
}

func stripWords(s []Segment) []Segment {
	out := make([]Segment, len(s))
	for i, x := range s {
		x.Words = nil
		out[i] = x
	}
	return out
}

func wordTexts(ws []Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

// Streaming gives exactly the batch result, for any chunking: features, the network's forward and the beam
// search are all exact in streaming form.
func TestStreamEqualsBatch(t *testing.T) {
	x := loadSample(t)
	for _, mode := range decoderModes(t) {
		r := mustRecognizer(t, tinyModel(t), mode.opts...)
		want, err := r.Recognize(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		for _, chunk := range []int{160, 1000, 4801, len(x)} {
			s, err := r.NewStream()
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(x); i += chunk {
				if err := s.Accept(x[i:min(i+chunk, len(x))]); err != nil {
					t.Fatal(err)
				}
				_ = s.Partial()
			}
			got := s.Final()
			if !sameResult(got, want, 1e-5) {
				t.Errorf("%s, chunks of %d: stream\n%+v\nbatch\n%+v", mode.name, chunk, got, want)
			}
		}
	}
}

// After Final a stream starts a new utterance whose times continue from the first.
func TestStreamReuse(t *testing.T) {
	x := loadSample(t)
	r := mustRecognizer(t, tinyModel(t), WithBeam(8))
	s, err := r.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	var finals []Result
	for range 2 {
		for i := 0; i < len(x); i += 3200 {
			if err := s.Accept(x[i:min(i+3200, len(x))]); err != nil {
				t.Fatal(err)
			}
		}
		if p := s.PartialResult(); p.Text == "" || s.Elapsed() != float64(len(x))/16000 {
			t.Errorf("partial %q after %.3f s", p.Text, s.Elapsed())
		}
		finals = append(finals, s.Final())
	}
	if s.Elapsed() != 0 || s.Partial() != "" {
		t.Errorf("after Final: %.3f s, partial %q", s.Elapsed(), s.Partial())
	}
	a, b := finals[0], finals[1]
	if a.Text == "" || a.Text != b.Text || len(a.Words) != len(b.Words) {
		t.Fatalf("utterances differ: %q, %q", a.Text, b.Text)
	}
	for i := range a.Words {
		if d := b.Words[i].Start - a.Words[i].Start - a.Duration; d > 1e-9 || d < -1e-9 {
			t.Errorf("word %d at %.3f then %.3f, want +%.3f", i, a.Words[i].Start, b.Words[i].Start, a.Duration)
		}
	}
	if b.Segments[0].Start != a.Duration {
		t.Errorf("second utterance starts at %.3f, want %.3f", b.Segments[0].Start, a.Duration)
	}
}

// Transcribe recognises each VAD segment as Recognize does the segment's samples, at the segment's time.
func TestTranscribeSegmentsMatchRecognize(t *testing.T) {
	x := talk(t)
	spans, err := DetectSpeech(x, DefaultVADConfig())
	if err != nil || len(spans) != 3 {
		t.Fatalf("VAD: %v %v", spans, err)
	}
	r := mustRecognizer(t, tinyModel(t), WithBeam(16))
	res, err := r.Transcribe(context.Background(), bytes.NewReader(wavBytes(t, x)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Segments) != len(spans) {
		t.Fatalf("%d segments, VAD found %d spans", len(res.Segments), len(spans))
	}
	var words []Word
	for i, sp := range spans {
		want, err := r.Recognize(context.Background(), x[sampleIndex(sp.Start):sampleIndex(sp.End)])
		if err != nil {
			t.Fatal(err)
		}
		seg := res.Segments[i]
		if seg.Start != sp.Start || seg.End != sp.End || seg.Text != want.Text {
			t.Errorf("segment %d: %+v, want %v %q", i, seg, sp, want.Text)
		}
		for _, w := range want.Words {
			w.Start += sp.Start
			w.End += sp.Start
			words = append(words, w)
		}
	}
	if !reflect.DeepEqual(res.Words, words) {
		t.Errorf("words differ from the segments' own")
	}
	if res.Duration != float64(len(x))/16000 {
		t.Errorf("duration %.3f", res.Duration)
	}
}

// Silence, hum and steady noise reach no recogniser: no text, however much the random network would say.
func TestTranscribeNoSpeech(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	heard := 0 // inputs the network makes text of when it hears them
	for _, c := range []struct {
		name string
		x    []float32
	}{
		{"silence 5 s", make([]float32, 80000)},
		{"silence 0.5 s", make([]float32, 8000)}, // no samples at all is an error: TestTranscribeNoAudio
		{"white noise", scaleTo(whiteNoise(rng, 64000), -30)},
		{"pink noise", scaleTo(pinkNoise(rng, 64000), -25)},
		{"hum", scaleTo(hum(rng, 64000, 50), -20)},
	} {
		if all, _ := r.Recognize(context.Background(), c.x); all.Text != "" {
			heard++
		}
		res, err := r.Transcribe(context.Background(), bytes.NewReader(wavBytes(t, c.x)))
		if err != nil {
			t.Fatal(err)
		}
		if res.Text != "" || len(res.Words) != 0 || len(res.Segments) != 0 {
			t.Errorf("%s: text %q, %d segments", c.name, res.Text, len(res.Segments))
		}
	}
	if heard == 0 {
		t.Error("the test model says nothing on any of the inputs even without the VAD: the test proves nothing")
	}
}

// An input under a second is recognised whole: the VAD alone would miss a clip that is speech throughout.
func TestTranscribeShortInput(t *testing.T) {
	x := loadSample(t)
	spans, _ := DetectSpeech(x, DefaultVADConfig())
	mid := sampleIndex((spans[0].Start + spans[0].End) / 2)
	clip := x[mid-6400 : mid+6400] // 0.8 s from the middle of the sentence
	r := mustRecognizer(t, tinyModel(t), WithBeam(8))
	want, err := r.Recognize(context.Background(), clip)
	if err != nil || want.Text == "" {
		t.Fatalf("Recognize: %q %v", want.Text, err)
	}
	got, err := r.Transcribe(context.Background(), bytes.NewReader(wavBytes(t, clip)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Transcribe of 0.8 s\n%+v\nwant Recognize's\n%+v", got, want)
	}
}

// Recognising segments in parallel changes nothing in the result.
func TestTranscribeThreads(t *testing.T) {
	in := wavBytes(t, concat(talk(t), talk(t)))
	for _, mode := range decoderModes(t)[1:] {
		var results []Result
		for _, threads := range []int{1, 3} {
			r := mustRecognizer(t, tinyModel(t), append(mode.opts, WithThreads(threads), WithNBest(3))...)
			res, err := r.Transcribe(context.Background(), bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			results = append(results, res)
		}
		if !reflect.DeepEqual(results[0], results[1]) {
			t.Errorf("%s: 3 threads differ from 1", mode.name)
		}
		if len(results[0].Segments) != 6 {
			t.Errorf("%s: %d segments, want 6", mode.name, len(results[0].Segments))
		}
	}
}

// The n-best list of a multi-segment input holds whole-input transcripts, best first, the first being the
// transcript itself.
func TestTranscribeNBest(t *testing.T) {
	r := mustRecognizer(t, tinyModel(t), WithBeam(16), WithNBest(4))
	res, err := r.Transcribe(context.Background(), bytes.NewReader(wavBytes(t, talk(t))))
	if err != nil {
		t.Fatal(err)
	}
	alts := res.Alternatives
	if len(alts) < 2 || len(alts) > 4 {
		t.Fatalf("%d alternatives", len(alts))
	}
	if alts[0].Text != res.Text {
		t.Errorf("best alternative %q, text %q", alts[0].Text, res.Text)
	}
	seen := map[string]bool{}
	for i, a := range alts {
		if i > 0 && a.Score > alts[i-1].Score {
			t.Errorf("alternatives not sorted: %+v", alts)
		}
		if seen[a.Text] {
			t.Errorf("alternative %q twice", a.Text)
		}
		seen[a.Text] = true
	}
	// Each segment has its own list, headed by its text; the whole input's best is theirs joined.
	if len(res.Segments) < 2 {
		t.Fatalf("%d segments: the test needs several", len(res.Segments))
	}
	var bestSum float64
	for i, seg := range res.Segments {
		if len(seg.Alternatives) < 1 || len(seg.Alternatives) > 4 || seg.Alternatives[0].Text != seg.Text {
			t.Errorf("segment %d %q: alternatives %+v", i, seg.Text, seg.Alternatives)
			continue
		}
		bestSum += seg.Alternatives[0].Score
	}
	if math.Abs(bestSum-alts[0].Score) > 1e-6 {
		t.Errorf("segments' best scores sum to %v, the whole input's best is %v", bestSum, alts[0].Score)
	}
	one := mustRecognizer(t, tinyModel(t), WithBeam(16))
	res1, _ := one.Transcribe(context.Background(), bytes.NewReader(wavBytes(t, talk(t))))
	if len(res1.Alternatives) != 0 || res1.Text != res.Text {
		t.Errorf("without n-best: %d alternatives, text %q", len(res1.Alternatives), res1.Text)
	}
	for _, seg := range res1.Segments {
		if len(seg.Alternatives) != 0 {
			t.Errorf("without n-best, segment %q has alternatives", seg.Text)
		}
	}
}

// Brute force on small lists: every pairing, sorted, duplicates dropped.
func TestCombineAlternatives(t *testing.T) {
	prev := []Alternative{{"a", -1}, {"b", -2}, {"", -2.5}}
	next := []Alternative{{"x", -0.5}, {"", -0.7}, {"b", -3}}
	got := combineAlternatives(prev, next)
	want := []Alternative{{"a x", -1.5}, {"a", -1.7}, {"b x", -2.5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := combineAlternatives(nil, next); !reflect.DeepEqual(got, next) {
		t.Errorf("first segment: %+v", got)
	}
}

// Subtitles of a real transcript meet the srt and vtt specs.
func TestTranscribeSubtitles(t *testing.T) {
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	res, err := r.Transcribe(context.Background(), bytes.NewReader(wavBytes(t, concat(talk(t), talk(t)))))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{FormatSRT, FormatVTT} {
		var b bytes.Buffer
		if err := WriteResult(&b, f, res); err != nil {
			t.Fatal(err)
		}
		cues, err := checkSubtitleSpec(b.String(), f)
		if err != nil {
			t.Errorf("%s: %v\n%s", f, err, b.String())
		}
		if len(cues) < len(res.Segments) {
			t.Errorf("%s: %d cues for %d segments", f, len(cues), len(res.Segments))
		}
	}
}

func TestTranscribeDamagedInput(t *testing.T) {
	in := wavBytes(t, talk(t))
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	res, err := r.Transcribe(context.Background(), bytes.NewReader(in[:len(in)*2/3+1]))
	var fe interface{ Unwrap() error }
	if err == nil || !errors.As(err, &fe) {
		t.Fatalf("truncated input: %v", err)
	}
	if len(res.Segments) == 0 {
		t.Errorf("no segments before the damage")
	}
	if res.Error != err.Error() {
		t.Errorf("Result.Error %q, want the returned error %q", res.Error, err)
	}
	if !strings.Contains(string(mustJSON(t, res)), `"error":`) {
		t.Error("the JSON form does not say the transcript stops early")
	}
	// The streaming path marks it the same way.
	res, err = r.TranscribeStream(context.Background(), bytes.NewReader(in[:len(in)*2/3+1]), "talk.wav", DefaultEndpointConfig(), nil)
	if err == nil || res.Error != err.Error() {
		t.Errorf("streaming, truncated input: Result.Error %q, error %v", res.Error, err)
	}
	if whole, err := r.Transcribe(context.Background(), bytes.NewReader(in)); err != nil || whole.Error != "" ||
		strings.Contains(string(mustJSON(t, whole)), `"error"`) {
		t.Errorf("undamaged input: Result.Error %q, error %v", whole.Error, err)
	}
	if _, err := r.Transcribe(context.Background(), strings.NewReader("not audio at all")); err == nil {
		t.Error("no error for text input")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Transcribe(ctx, bytes.NewReader(in)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// A reader that fails part way: the text so far, marked like a damaged file's; an unnamed input's error is
	// the reader's, with no empty name in front.
	boom := errors.New("boom")
	failing := io.MultiReader(bytes.NewReader(in[:len(in)*2/3]), iotest.ErrReader(boom))
	res, err = r.Transcribe(context.Background(), failing)
	if !errors.Is(err, boom) || strings.HasPrefix(err.Error(), ":") || res.Error != err.Error() || res.Duration == 0 {
		t.Errorf("failing reader: error %q, Result.Error %q after %.2f s; want boom in both", err, res.Error, res.Duration)
	}
	var fe2 *audio.FormatError
	if errors.As(err, &fe2) {
		t.Errorf("a reader's failure %v is not a fault of the input's format", err)
	}
}

// A nil Option (a conditional option left unset) changes nothing.
func TestNilOption(t *testing.T) {
	var hot Option
	r, err := LoadModel(tinyModel(t), WithGreedy(), hot)
	if err != nil || r == nil || r.dec != nil {
		t.Errorf("LoadModel with a nil Option: %v", err)
	}
}

func TestRecognizerOptionErrors(t *testing.T) {
	m := tinyModel(t)
	for _, c := range []struct {
		name string
		opts []Option
	}{
		{"greedy+lm", []Option{WithGreedy(), WithLMModel(testLM(t))}},
		{"greedy+hotword", []Option{WithGreedy(), WithHotWord("adventure", 3)}},
		{"greedy+nbest", []Option{WithGreedy(), WithNBest(3)}},
		{"missing lm", []Option{WithLM("testdata/no-such.lm")}},
		{"bad vad", []Option{WithVAD(VADConfig{Threshold: -1})}},
	} {
		if _, err := LoadModel(m, c.opts...); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if _, err := Load("testdata/no-such-model.hark"); err == nil {
		t.Error("Load of a missing file: no error")
	}
	if _, err := Load("testdata/sample.wav"); !errors.Is(err, acoustic.ErrNotModel) {
		t.Errorf("Load of a WAV file: %v", err)
	}
	if r, err := LoadModel(m, WithHotWord("adventure", 3), WithLMModel(testLM(t)), WithoutLM()); err != nil || r.dec == nil {
		t.Errorf("hot words without LM: %v", err)
	}
	// A vocabulary the decoders cannot use is refused at load, by the greedy decoder too.
	dup := tinyModel(t)
	dup.Vocabulary.Symbols = append([]string(nil), dup.Vocabulary.Symbols...)
	dup.Vocabulary.Symbols[4] = dup.Vocabulary.Symbols[3]
	for _, opts := range [][]Option{nil, {WithGreedy()}} {
		if _, err := LoadModel(dup, opts...); err == nil || !strings.Contains(err.Error(), "repeated") {
			t.Errorf("a repeated symbol, options %d: %v", len(opts), err)
		}
	}
}

func TestDefault(t *testing.T) {
	if _, ok := models.Read(models.Acoustic); ok {
		r, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Recognize(context.Background(), loadSample(t)); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := Default(); !errors.Is(err, ErrNoDefaultModel) {
		t.Errorf("no embedded model: %v", err)
	}
}

// A model trained on per-utterance normalised features: the batch path normalises, and the stream, which
// cannot know the statistics in advance, gives the same text for an utterance under its one-second warm-up and
// something close after.
func TestNormalizedFeatures(t *testing.T) {
	feat := features.DefaultConfig()
	feat.Normalize = true
	r := mustRecognizer(t, testModel(t, tinyConfig(), feat, 7), WithBeam(8))
	x := loadSample(t)
	short := x[40000:55000] // 0.94 s
	for _, c := range []struct {
		name  string
		x     []float32
		exact bool
	}{{"short", short, true}, {"long", x, false}} {
		want, err := r.Recognize(context.Background(), c.x)
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(c.x); i += 1600 {
			if err := s.Accept(c.x[i:min(i+1600, len(c.x))]); err != nil {
				t.Fatal(err)
			}
		}
		got := s.Final()
		if c.exact && (!sameResult(got, want, 1e-5) || got.Text == "") {
			t.Errorf("%s: stream %q, batch %q", c.name, got.Text, want.Text)
		}
		t.Logf("%s: stream %q\n batch %q", c.name, got.Text, want.Text)
	}
}

// The running normaliser gives NormalizeInPlace's values for an utterance within its warm-up, whatever the
// chunking.
func TestRunningNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := features.NewMatrix(60, 5)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64()*3 + 2)
	}
	want := features.NewMatrix(60, 5)
	copy(want.Data, m.Data)
	features.NormalizeInPlace(want)
	n := newRunningNorm(5, 100)
	var got []float32
	for r := 0; r < 60; r += 7 {
		e := min(r+7, 60)
		o := n.accept(&features.Matrix{Rows: e - r, Cols: 5, Data: append([]float32(nil), m.Data[r*5:e*5]...)})
		got = append(got, o.Data...)
	}
	if len(got) != 0 {
		t.Fatalf("%d values before warm-up", len(got))
	}
	got = n.flush().Data
	for i := range got {
		if d := got[i] - want.Data[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("value %d: %g, want %g", i, got[i], want.Data[i])
		}
	}
	// Past the warm-up, frames come out as they arrive.
	n = newRunningNorm(5, 10)
	if o := n.accept(m); o.Rows != 60 {
		t.Errorf("%d rows out of 60 past the warm-up", o.Rows)
	}
}

// The default model's loader: the acoustic model, and the LM in either format unless an option says otherwise.
func TestDefaultFrom(t *testing.T) {
	m := tinyModel(t)
	var model, bin, arpa bytes.Buffer
	if err := m.Save(&model); err != nil {
		t.Fatal(err)
	}
	l := testLM(t)
	if err := l.WriteBinary(&bin); err != nil {
		t.Fatal(err)
	}
	if err := l.WriteARPA(&arpa); err != nil {
		t.Fatal(err)
	}
	x := loadSample(t)
	recognize := func(r *Recognizer) Result {
		res, err := r.Recognize(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	opts := []Option{WithBeam(16), WithAlpha(2), WithBeta(3)}
	withLM := recognize(mustRecognizer(t, m, append(opts, WithLMModel(l))...))
	noLM := recognize(mustRecognizer(t, m, opts...))
	if withLM.Text == noLM.Text {
		t.Fatalf("the LM changes nothing (%q): the test cannot tell whether it was loaded", withLM.Text)
	}
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		opts  []Option
		want  *Result
		err   error
	}{
		{"none", fstest.MapFS{"README.md": {Data: []byte("x")}}, nil, nil, ErrNoDefaultModel},
		{"acoustic only", fstest.MapFS{models.Acoustic: {Data: model.Bytes()}}, opts, &noLM, nil},
		{"binary lm", fstest.MapFS{models.Acoustic: {Data: model.Bytes()}, models.LM: {Data: bin.Bytes()}}, opts, &withLM, nil},
		{"arpa lm", fstest.MapFS{models.Acoustic: {Data: model.Bytes()}, models.LM: {Data: arpa.Bytes()}}, opts, &withLM, nil},
		{"lm refused", fstest.MapFS{models.Acoustic: {Data: model.Bytes()}, models.LM: {Data: bin.Bytes()}}, append(opts, WithoutLM()), &noLM, nil},
		{"greedy", fstest.MapFS{models.Acoustic: {Data: model.Bytes()}, models.LM: {Data: []byte("junk")}}, []Option{WithGreedy()}, nil, nil},
		{"bad lm", fstest.MapFS{models.Acoustic: {Data: model.Bytes()}, models.LM: {Data: []byte("junk")}}, opts, nil, errAny},
		{"bad model", fstest.MapFS{models.Acoustic: {Data: []byte("junk")}}, opts, nil, acoustic.ErrNotModel},
	} {
		r, err := defaultFrom(c.files, c.opts)
		switch {
		case c.err == errAny && err == nil, c.err != nil && c.err != errAny && !errors.Is(err, c.err):
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
		case c.err == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != nil && err == nil:
			if got := recognize(r); !sameResult(got, *c.want, 1e-5) {
				t.Errorf("%s: %q, want %q", c.name, got.Text, c.want.Text)
			}
		}
	}
}

var errAny = errors.New("any error")

// The unknown-word penalty reaches the decoder: with none, the untrained model's babble comes out as words the
// LM has never seen; with a prohibitive one, every word is in the LM's vocabulary.
func TestUnknownPenalty(t *testing.T) {
	m, l, x := tinyModel(t), testLM(t), loadSample(t)
	oov := func(text string) []string {
		var out []string
		for _, w := range strings.Fields(text) {
			if _, ok := l.ID(w); !ok {
				out = append(out, w)
			}
		}
		return out
	}
	for _, tt := range []struct {
		penalty float64
		wantOOV bool
	}{
		{0, true},
		{-1000, false},
	} {
		r := mustRecognizer(t, m, WithBeam(16), WithLMModel(l), WithAlpha(0.5), WithBeta(3), WithUnknownPenalty(tt.penalty))
		res, err := r.Recognize(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		if got := oov(res.Text); (len(got) > 0) != tt.wantOOV {
			t.Errorf("penalty %v: %q has unknown words %q, want some: %v", tt.penalty, res.Text, got, tt.wantOOV)
		}
	}
}

// The blank penalty reaches the beam search: a large one makes the untrained model emit more letters than none
// does, and greedy decoding ignores it.
func TestBlankPenaltyOption(t *testing.T) {
	m, x := tinyModel(t), loadSample(t)
	letters := func(opts ...Option) int {
		r := mustRecognizer(t, m, opts...)
		res, err := r.Recognize(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		return len(strings.ReplaceAll(res.Text, " ", ""))
	}
	none, big := letters(WithBeam(8), WithoutLM()), letters(WithBeam(8), WithoutLM(), WithBlankPenalty(5))
	if big <= none {
		t.Errorf("blank penalty 5: %d letters, no more than the %d without it", big, none)
	}
	if g0, g5 := letters(WithGreedy()), letters(WithGreedy(), WithBlankPenalty(5)); g0 != g5 {
		t.Errorf("greedy: %d letters with the penalty, %d without", g5, g0)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A NaN or infinite sample is silence to every path, not an error in one and an empty text in another.
func TestNonFiniteSamples(t *testing.T) {
	x := loadSample(t)
	bad := append([]float32(nil), x...)
	zeroed := append([]float32(nil), x...)
	for i := 1000; i < len(x); i += 7919 {
		bad[i], zeroed[i] = float32(math.NaN()), 0
	}
	bad[500] = float32(math.Inf(1))
	zeroed[500] = 0
	for _, mode := range decoderModes(t) {
		r := mustRecognizer(t, tinyModel(t), mode.opts...)
		want, err := r.Recognize(context.Background(), zeroed)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Recognize(context.Background(), bad)
		if err != nil || got.Text != want.Text {
			t.Errorf("%s: Recognize %q, %v; want %q", mode.name, got.Text, err, want.Text)
		}
		s, err := r.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Accept(bad); err != nil {
			t.Fatal(err)
		}
		if f := s.Final(); f.Text != want.Text {
			t.Errorf("%s: stream %q, want %q", mode.name, f.Text, want.Text)
		}
	}
}

// LogProbs then Decode is Recognize in two halves, for every decoder; LogProbs is the model's Forward output.
func TestLogProbsThenDecode(t *testing.T) {
	ctx := context.Background()
	x := loadSample(t)
	m := tinyModel(t)
	ext, err := features.New(m.Features)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Forward(ext.Compute(x))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range decoderModes(t) {
		opts := mode.opts
		if mode.name != "greedy" {
			opts = append(opts, WithNBest(3)) // the alternatives must come out the same too
		}
		r := mustRecognizer(t, m, opts...)
		lp, err := r.LogProbs(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(lp, want) {
			t.Fatalf("%s: LogProbs differs from the model's Forward", mode.name)
		}
		got, err := r.Decode(ctx, lp)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := r.Recognize(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		// The same frames through the same decoder: the same words, times and confidences to the bit. Only the
		// duration differs (the frames' against the samples').
		if got.Text == "" || got.Text != whole.Text || !reflect.DeepEqual(got.Words, whole.Words) ||
			!reflect.DeepEqual(got.Alternatives, whole.Alternatives) {
			t.Errorf("%s: Decode(LogProbs) = %q, Recognize = %q", mode.name, got.Text, whole.Text)
		}
		if frames := float64(lp.Rows) * r.FrameDuration(); got.Duration != frames {
			t.Errorf("%s: Duration %v, want the frames' %v", mode.name, got.Duration, frames)
		}
	}

	r := mustRecognizer(t, m, WithGreedy())
	if lp, err := r.LogProbs(ctx, make([]float32, 100)); err != nil || lp.Rows != 0 || lp.Cols != m.Vocabulary.Size() {
		t.Errorf("too short for a frame: %+v, %v", lp, err)
	} else if res, err := r.Decode(ctx, lp); err != nil || res.Text != "" || len(res.Segments) != 0 {
		t.Errorf("no frames decoded to %+v, %v", res, err)
	}
	for _, bad := range []*acoustic.Matrix{nil, {Rows: 1, Cols: 5, Data: make([]float32, 5)}, {Rows: 2, Cols: m.Vocabulary.Size(), Data: make([]float32, 3)}} {
		if _, err := r.Decode(ctx, bad); err == nil {
			t.Errorf("Decode accepted %+v", bad)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.LogProbs(cancelled, x); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled LogProbs: %v", err)
	}
}

func TestDefaultLMFrom(t *testing.T) {
	if _, err := defaultLMFrom(fstest.MapFS{}); !errors.Is(err, ErrNoDefaultLM) {
		t.Errorf("no LM file: %v", err)
	}
	if _, err := defaultLMFrom(fstest.MapFS{models.LM: {Data: []byte("junk")}}); err == nil || errors.Is(err, ErrNoDefaultLM) ||
		!strings.Contains(err.Error(), "embedded "+models.LM) {
		t.Errorf("a junk LM file: %v", err)
	}
	arpa := "\\data\\\nngram 1=3\n\n\\1-grams:\n-1 <s>\n-1 </s>\n-1 adventure\n\n\\end\\\n"
	if m, err := defaultLMFrom(fstest.MapFS{models.LM: {Data: []byte(arpa)}}); err != nil || m.Order() != 1 {
		t.Errorf("an ARPA LM file: %v", err)
	}
}

// Samples on the 16-bit scale instead of [-1, 1] are refused by name, without ending a stream's utterance; raw
// 16-bit PCM bytes go in through AcceptPCM16.
func TestSampleScale(t *testing.T) {
	x := loadSample(t)
	r := mustRecognizer(t, tinyModel(t), WithBeam(8))
	want, err := r.Recognize(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	pcmScale := make([]float32, len(x))
	pcm := make([]byte, 2*len(x))
	for i, v := range x {
		q := int16(math.Round(float64(v) * 32768))
		pcmScale[i] = float32(q)
		pcm[2*i], pcm[2*i+1] = byte(q), byte(uint16(q)>>8)
	}
	var se *SampleError
	if _, err := r.Recognize(context.Background(), pcmScale); !errors.As(err, &se) || se.Value != pcmScale[se.Index] ||
		math.Abs(float64(se.Value)) <= maxSampleMagnitude || !strings.Contains(err.Error(), "AcceptPCM16") {
		t.Errorf("Recognize on the 16-bit scale: %v, want a *SampleError naming the first loud sample", err)
	}

	s, err := r.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	half := len(x) / 2 &^ 1
	if err := s.Accept(x[:half]); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept(pcmScale[half:]); !errors.As(err, &se) {
		t.Fatalf("Accept on the 16-bit scale: %v, want a *SampleError", err)
	}
	if err := s.Accept(x[half:]); err != nil {
		t.Fatalf("Accept after a refused chunk: %v", err)
	}
	if got := s.Final(); !sameResult(got, want, 1e-5) || got.Error != "" {
		t.Errorf("after a refused chunk the stream gives\n%+v\nwant\n%+v", got, want)
	}

	// The same audio as 16-bit bytes, in chunks of odd sample counts: quantisation to 16 bits aside, the same text.
	quantised := make([]float32, len(x))
	for i := range x {
		quantised[i] = float32(int16(uint16(pcm[2*i])|uint16(pcm[2*i+1])<<8)) / 32768
	}
	wantPCM, err := r.Recognize(context.Background(), quantised)
	if err != nil {
		t.Fatal(err)
	}
	// Chunks of odd byte counts too (a websocket message may split a sample): the odd byte waits for the next.
	for _, step := range []int{2 * 1601, 3201, 1, 7} {
		for i := 0; i < len(pcm); i += step {
			if err := s.AcceptPCM16(pcm[i:min(i+step, len(pcm))]); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.Final(); got.Text != wantPCM.Text || got.Text == "" {
			t.Errorf("AcceptPCM16 in chunks of %d bytes: %q, want %q", step, got.Text, wantPCM.Text)
		}
	}
}

// An Accept failure that ends the utterance shows in Final's result, for a caller that did not check Accept.
func TestStreamFinalCarriesError(t *testing.T) {
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	s, err := r.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Accept(loadSample(t)[:16000]); err != nil {
		t.Fatal(err)
	}
	s.err = errors.New("device fell over")
	if got := s.Final(); got.Error != "device fell over" {
		t.Errorf("Final().Error = %q", got.Error)
	}
	if got := s.Final(); got.Error != "" {
		t.Errorf("the next utterance inherits the error: %q", got.Error)
	}
}

// A well-formed file with no samples is an error naming it on both file paths, not an empty transcript that
// would pass for silence.
func TestTranscribeNoAudio(t *testing.T) {
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, nil, audio.SampleRate); err != nil {
		t.Fatal(err)
	}
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	paths := map[string]func() (Result, error){
		"Transcribe": func() (Result, error) {
			return r.TranscribeReader(context.Background(), bytes.NewReader(b.Bytes()), "empty.wav", nil)
		},
		"TranscribeStream": func() (Result, error) {
			return r.TranscribeStream(context.Background(), bytes.NewReader(b.Bytes()), "empty.wav", DefaultEndpointConfig(), nil)
		},
	}
	for name, transcribe := range paths {
		if res, err := transcribe(); !errors.Is(err, ErrNoAudio) || !strings.Contains(err.Error(), "empty.wav") || res.Text != "" {
			t.Errorf("%s of an empty WAV: %+v, %v; want ErrNoAudio naming the file", name, res, err)
		}
	}
	if _, err := r.Recognize(context.Background(), nil); !errors.Is(err, ErrNoAudio) {
		t.Errorf("Recognize of no samples: %v, want ErrNoAudio", err)
	}
	// One sample is audio: no error.
	b.Reset()
	if err := audio.WriteWAV(&b, []float32{0}, audio.SampleRate); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Transcribe(context.Background(), bytes.NewReader(b.Bytes())); err != nil {
		t.Errorf("one sample: %v", err)
	}
}
