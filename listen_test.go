package hark

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
)

// chunkSource delivers x in reads of the sizes in steps (cycled), then fails with err (io.EOF if nil). After
// cancelAt samples (if > 0) it calls cancel, as Ctrl-C would.
type chunkSource struct {
	x        []float32
	steps    []int
	err      error
	i, pos   int
	cancelAt int
	cancel   context.CancelFunc
}

func (c *chunkSource) Read(ctx context.Context, p []float32) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if c.cancelAt > 0 && c.pos >= c.cancelAt {
		c.cancel()
		return 0, ctx.Err()
	}
	if c.pos == len(c.x) {
		if c.err == nil {
			return 0, io.EOF
		}
		return 0, c.err
	}
	n := min(len(p), c.steps[c.i%len(c.steps)], len(c.x)-c.pos)
	if c.cancelAt > 0 {
		n = min(n, c.cancelAt-c.pos)
	}
	c.i++
	copy(p, c.x[c.pos:c.pos+n])
	c.pos += n
	return n, nil
}

// pausingModel is tinyModel taught to hear silence: one of its GRU units (19) sits below -0.94 on digital
// silence and above -0.88 on the sample's speech (measured with a linear probe on twoSentences), so a large
// blank weight on it makes the model output blanks in silence, which the endpoint rules need, and letters in
// speech. TestPausingModel checks that it still does.
func pausingModel(t testing.TB) *acoustic.Model {
	m := tinyModel(t)
	const unit, gain, threshold = 19, 400, -0.91
	m.Weight("out.w")[unit*m.Config.VocabSize] -= gain
	m.Weight("out.b")[0] -= gain * -threshold
	return m
}

// The pausing model must give text on speech and nothing on the silence after it (from its zero start state
// it still spells a letter or two on silence: utterances here start with speech).
func TestPausingModel(t *testing.T) {
	x := loadSample(t)
	r := mustRecognizer(t, pausingModel(t), WithGreedy())
	res, err := r.Recognize(context.Background(), concat(x, make([]float32, 32000)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Words) < 2 || res.Words[len(res.Words)-1].End > 4.07 {
		t.Errorf("speech and 2 s of silence give %q, words %+v; want text that ends with the speech", res.Text, res.Words)
	}
}

// twoSentences is the sample sentence twice with 1.5 s of silence between and 0.3 s after: less than the
// endpoint rules' 1.2 s, so the input's end ends the second utterance.
func twoSentences(t testing.TB) []float32 {
	x := loadSample(t)
	return concat(x, make([]float32, 24000), x, make([]float32, 4800))
}

// listenAll runs Listen over a chunkSource and returns the events.
func listenAll(t *testing.T, r *Recognizer, src *chunkSource, opts ListenOptions) ([]Event, error) {
	t.Helper()
	var evs []Event
	err := r.Listen(context.Background(), src, opts, func(ev Event) error {
		evs = append(evs, ev)
		return nil
	})
	return evs, err
}

func finals(evs []Event) []Event {
	var out []Event
	for _, ev := range evs {
		if ev.Type == EventFinal {
			out = append(out, ev)
		}
	}
	return out
}

// eventLog renders events as comparable text: type, span and text (times to the microsecond, since scores and
// confidences may differ in the last bits between chunkings).
func eventLog(evs []Event) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "%s %d %.6f-%.6f %q", ev.Type, ev.Rule, ev.Start, ev.End, ev.Result.Text)
		for _, w := range ev.Result.Words {
			fmt.Fprintf(&b, " %s@%.3f-%.3f", w.Text, w.Start, w.End)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Events depend on the audio only, not on how the source splits it; utterances are cut at the silence, each
// final is what Recognize gives for the utterance's samples (with WholeUtterances: by default the first
// utterance is recognised in a piece that ends 0.3 s into the pause, which the test of pieces checks), and
// partials come in between.
func TestListenUtterances(t *testing.T) {
	x := twoSentences(t)
	for _, mode := range decoderModes(t) {
		t.Run(mode.name, func(t *testing.T) {
			r := mustRecognizer(t, pausingModel(t), mode.opts...)
			// The pausing model spells letters on silence from a fresh start: a piece started inside the pause
			// would restart the endpoint's count of silence.
			byDefault, err := listenAll(t, r, &chunkSource{x: x, steps: []int{1600}}, ListenOptions{})
			if fs := finals(byDefault); err != nil || len(fs) != 2 || fs[0].Rule != 1 || fs[1].Start != fs[0].End {
				t.Errorf("default options: %v, want two finals, the first by the pause rule (1):\n%s", err, eventLog(byDefault))
			}
			opts := ListenOptions{Endpoint: DefaultEndpointConfig(), WholeUtterances: true}
			want, err := listenAll(t, r, &chunkSource{x: x, steps: []int{1600}}, opts)
			if err != nil {
				t.Fatal(err)
			}
			fs := finals(want)
			if len(fs) != 2 {
				t.Fatalf("%d finals, want 2:\n%s", len(fs), eventLog(want))
			}
			if len(want) == len(fs) {
				t.Errorf("no partial events:\n%s", eventLog(want))
			}
			for i, f := range fs {
				if f.Result.Text == "" {
					t.Errorf("final %d is empty", i)
				}
				seg := x[int(f.Start*16000+0.5):int(f.End*16000+0.5)]
				rec, err := r.Recognize(context.Background(), seg)
				if err != nil {
					t.Fatal(err)
				}
				if rec.Text != f.Result.Text {
					t.Errorf("final %d %q, Recognize of its %.2f–%.2f s gives %q", i, f.Result.Text, f.Start, f.End, rec.Text)
				}
			}
			if fs[0].Rule != 1 || fs[1].Rule != -1 || fs[0].End < 4.07 || fs[0].End > 4.07+1.5 || fs[1].Start != fs[0].End {
				t.Errorf("finals cut by rules %d, %d at %.2f s, %.2f s; want the silence rule (1) within the pause, then the end (-1)",
					fs[0].Rule, fs[1].Rule, fs[0].End, fs[1].Start)
			}
			for _, steps := range [][]int{{160}, {1000, 37, 4801}, {16000}} {
				got, err := listenAll(t, r, &chunkSource{x: x, steps: steps}, opts)
				if err != nil {
					t.Fatal(err)
				}
				// Every event, partials too, depends on the audio alone, not on how it was read.
				if g, w := eventLog(got), eventLog(want); g != w {
					t.Errorf("reads of %v: events\n%s\nwant\n%s", steps, g, w)
				}
			}
		})
	}
}

// An utterance is recognised in pieces cut at pauses: the final's segments are the pieces, in order, each
// exactly what Recognize gives for its samples; the model does not hear the pause after a cut, and the next
// piece starts 0.3 s before the VAD hears speech again, or 0.7 s after the cut when it does not within 1 s;
// partials after a cut keep the text before it; the input may end right at a cut; n-best lists join the
// pieces'; and the events still depend on the audio alone. WholeUtterances makes the utterance one piece.
func TestListenPieces(t *testing.T) {
	sample := loadSample(t)
	const sentence = 4.07 // seconds: the sample's length
	modes := append(decoderModes(t), struct {
		name string
		opts []Option
	}{"3-best", append(decoderModes(t)[2].opts, WithNBest(3))})
	for _, pause := range []float64{0.6, 1.5} {
		x := concat(sample, make([]float32, int(pause*16000)), sample, make([]float32, 4800))
		for _, mode := range modes {
			t.Run(fmt.Sprintf("%s, pause %.1f s", mode.name, pause), func(t *testing.T) {
				r := mustRecognizer(t, pausingModel(t), mode.opts...)
				// No endpoint before the input ends: the pause between the sentences is for the pieces alone.
				opts := ListenOptions{Endpoint: EndpointConfig{Rules: []EndpointRule{{MinTrailingSilence: 10}}}}
				evs, err := listenAll(t, r, &chunkSource{x: x, steps: []int{1600}}, opts)
				if err != nil {
					t.Fatal(err)
				}
				fs := finals(evs)
				if len(fs) != 1 || len(fs[0].Result.Segments) < 2 {
					t.Fatalf("want one final of two pieces at least:\n%s", eventLog(evs))
				}
				f := fs[0]
				var texts []string
				end := f.Start
				for i, seg := range f.Result.Segments {
					if seg.Start < end || seg.End <= seg.Start || seg.End > f.End {
						t.Errorf("segment %d spans %.3f–%.3f s after a piece ending at %.3f s, in a final ending at %.3f s",
							i, seg.Start, seg.End, end, f.End)
					}
					end = seg.End
					rec, err := r.Recognize(context.Background(), x[int(seg.Start*16000+0.5):int(seg.End*16000+0.5)])
					if err != nil {
						t.Fatal(err)
					}
					if rec.Text != seg.Text {
						t.Errorf("piece %d %q, Recognize of its %.2f–%.2f s gives %q", i, seg.Text, seg.Start, seg.End, rec.Text)
					}
					if len(seg.Alternatives) != len(rec.Alternatives) || len(seg.Alternatives) > 0 && seg.Alternatives[0].Text != rec.Alternatives[0].Text {
						t.Errorf("piece %d alternatives %+v, Recognize's %+v", i, seg.Alternatives, rec.Alternatives)
					}
					texts = append(texts, seg.Text)
				}
				if f.Result.Text != strings.Join(texts, " ") {
					t.Errorf("final %q, pieces %q", f.Result.Text, texts)
				}
				if alts := f.Result.Alternatives; len(alts) > 0 && alts[0].Text != f.Result.Text {
					t.Errorf("final %q, its best alternative %q", f.Result.Text, alts[0].Text)
				}
				first, second := f.Result.Segments[0], f.Result.Segments[1]
				if last := first.Words[len(first.Words)-1].End; first.End < 3 || first.End > sentence+pause || first.End < last+0.3 {
					t.Errorf("first piece ends at %.2f s, its last word at %.2f s; want a cut after 3 s and 0.3 s of silence, before the second sentence",
						first.End, last)
				}
				// The second piece starts 0.3 s before the VAD hears the second sentence (its first sound comes
				// 0.2 s into it), or after a gap of 1 s.
				lo, hi := sentence+pause-0.3, sentence+pause+0.2
				if pause > 1 {
					lo, hi = first.End+0.7, first.End+0.7+0.03
				}
				if second.Start < lo-1e-9 || second.Start > hi {
					t.Errorf("second piece starts at %.3f s, want %.3f–%.3f s", second.Start, lo, hi)
				}
				for _, ev := range evs {
					if ev.Type == EventPartial && ev.End > first.End && !strings.HasPrefix(ev.Result.Text, first.Text) {
						t.Errorf("partial at %.2f s %q lost the first piece %q", ev.End, ev.Result.Text, first.Text)
					}
				}
				for _, steps := range [][]int{{160}, {1000, 37, 4801}} {
					got, err := listenAll(t, r, &chunkSource{x: x, steps: steps}, opts)
					if err != nil {
						t.Fatal(err)
					}
					if g, w := eventLog(got), eventLog(evs); g != w {
						t.Errorf("reads of %v: events\n%s\nwant\n%s", steps, g, w)
					}
				}

				// The input ends right at the cut: the final is the first piece.
				atCut := opts
				atCut.MaxSamples = int64(math.Round(first.End * 16000))
				short, err := listenAll(t, r, &chunkSource{x: x, steps: []int{1600}}, atCut)
				if fs := finals(short); err != nil || len(fs) != 1 || fs[0].Result.Text != first.Text || fs[0].End != first.End {
					t.Errorf("input ending at the cut (%.3f s): %v\n%s\nwant one final %q", first.End, err, eventLog(short), first.Text)
				}

				opts.WholeUtterances = true
				whole, err := listenAll(t, r, &chunkSource{x: x, steps: []int{1600}}, opts)
				if err != nil {
					t.Fatal(err)
				}
				rec, err := r.Recognize(context.Background(), x)
				if err != nil {
					t.Fatal(err)
				}
				if fs := finals(whole); len(fs) != 1 || len(fs[0].Result.Segments) != 1 || fs[0].Result.Text != rec.Text {
					t.Errorf("WholeUtterances: want one final of one segment, Recognize's %q:\n%s", rec.Text, eventLog(whole))
				}
			})
		}
	}
}

// A Listener, pushed the audio in pieces of any size, emits exactly Listen's events; so does AcceptPCM16 with
// messages that split samples. Checking an Endpointer between a Stream's Accept calls would cut where the calls
// fall instead.
func TestListenerMatchesListen(t *testing.T) {
	x := twoSentences(t)
	r := mustRecognizer(t, pausingModel(t))
	for _, opts := range []ListenOptions{{Endpoint: DefaultEndpointConfig()}, {WholeUtterances: true}} {
		listenerMatchesListen(t, r, x, opts)
	}
}

func listenerMatchesListen(t *testing.T, r *Recognizer, x []float32, opts ListenOptions) {
	t.Helper()
	want, err := listenAll(t, r, &chunkSource{x: x, steps: []int{1600}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(finals(want)) != 2 {
		t.Fatalf("%+v: Listen gave %d finals, want 2", opts, len(finals(want)))
	}
	pcm := make([]byte, 2*len(x))
	quantised := make([]float32, len(x))
	for i, v := range x {
		q := int16(math.Round(float64(v) * 32767))
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(q))
		quantised[i] = float32(q) / 32768
	}
	wantPCM, err := listenAll(t, r, &chunkSource{x: quantised, steps: []int{1600}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []int{1, 999, 4800, len(x)} {
		var got []Event
		l, err := r.NewListener(opts, func(ev Event) error { got = append(got, ev); return nil })
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(x); i += step {
			if err := l.Accept(x[i:min(i+step, len(x))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if g, w := eventLog(got), eventLog(want); g != w {
			t.Errorf("%+v: Accept in pieces of %d samples: events\n%s\nwant\n%s", opts, step, g, w)
		}
		if err := l.Accept(x[:10]); err == nil || l.Close() != nil {
			t.Errorf("after Close: Accept gave %v, want an error; a second Close must do nothing", err)
		}

		got = nil
		l, err = r.NewListener(opts, func(ev Event) error { got = append(got, ev); return nil })
		if err != nil {
			t.Fatal(err)
		}
		bytesStep := 2*step + 1
		for i := 0; i < len(pcm); i += bytesStep {
			if err := l.AcceptPCM16(pcm[i:min(i+bytesStep, len(pcm))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if g, w := eventLog(got), eventLog(wantPCM); g != w {
			t.Errorf("%+v: AcceptPCM16 in messages of %d bytes: events\n%s\nwant\n%s", opts, bytesStep, g, w)
		}
	}
}

// Once emit fails, every Accept returns its error, however small the chunks (a chunk within one model frame
// reaches no check), and the model stops being run.
func TestListenerEmitErrorSticks(t *testing.T) {
	x := twoSentences(t)
	r := mustRecognizer(t, pausingModel(t))
	boom := errors.New("boom")
	calls := 0
	l, err := r.NewListener(ListenOptions{}, func(Event) error { calls++; return boom })
	if err != nil {
		t.Fatal(err)
	}
	failed := false
	for i := 0; i < len(x); i += 100 {
		err := l.Accept(x[i:min(i+100, len(x))])
		switch {
		case err != nil && !errors.Is(err, boom):
			t.Fatalf("Accept at sample %d: %v", i, err)
		case err == nil && failed:
			t.Fatalf("Accept at sample %d returned nil after emit failed", i)
		}
		failed = failed || err != nil
	}
	if !failed || calls != 1 || !errors.Is(l.Close(), boom) {
		t.Errorf("emit called %d times, failed %v; want one call and its error from every later Accept and Close", calls, failed)
	}
}

// Zero ListenOptions mean the default endpoint rules, so that a live input gets finals; NoEndpoints makes the
// input one utterance; asking for both is refused.
func TestListenEndpointDefaults(t *testing.T) {
	x := twoSentences(t)
	r := mustRecognizer(t, pausingModel(t), WithGreedy())
	src := func() *chunkSource { return &chunkSource{x: x, steps: []int{1600}} }
	explicit, err := listenAll(t, r, src(), ListenOptions{Endpoint: DefaultEndpointConfig()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		opts   ListenOptions
		finals int
	}{
		{"zero options", ListenOptions{}, 2},
		{"no endpoints", ListenOptions{NoEndpoints: true}, 1},
	} {
		evs, err := listenAll(t, r, src(), tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if n := len(finals(evs)); n != tt.finals {
			t.Errorf("%s: %d finals, want %d:\n%s", tt.name, n, tt.finals, eventLog(evs))
		}
		if tt.finals == 2 && eventLog(evs) != eventLog(explicit) {
			t.Errorf("%s: events differ from DefaultEndpointConfig()'s:\n%s\nwant\n%s", tt.name, eventLog(evs), eventLog(explicit))
		}
	}
	both := ListenOptions{Endpoint: DefaultEndpointConfig(), NoEndpoints: true}
	if err := r.Listen(context.Background(), src(), both, nil); err == nil || !strings.Contains(err.Error(), "NoEndpoints") {
		t.Errorf("NoEndpoints with rules: %v, want a refusal", err)
	}
}

// The last utterance is flushed whatever ends listening: Ctrl-C, a failing device, MaxSamples.
func TestListenFlush(t *testing.T) {
	x := loadSample(t)
	r := mustRecognizer(t, tinyModel(t), WithBeam(8))
	whole, err := r.Recognize(context.Background(), x[:32000])
	if err != nil || whole.Text == "" {
		t.Fatalf("Recognize = %q, %v", whole.Text, err)
	}
	dead := errors.New("device unplugged")
	tests := []struct {
		name    string
		src     func(cancel context.CancelFunc) *chunkSource
		max     int64
		wantErr error
	}{
		{"ctrl-c", func(c context.CancelFunc) *chunkSource {
			return &chunkSource{x: x, steps: []int{700}, cancelAt: 32000, cancel: c}
		}, 0, context.Canceled},
		{"device fails", func(context.CancelFunc) *chunkSource {
			return &chunkSource{x: x[:32000], steps: []int{700}, err: dead}
		}, 0, dead},
		{"max samples", func(context.CancelFunc) *chunkSource { return &chunkSource{x: x, steps: []int{700}} }, 32000, nil},
		{"end of input", func(context.CancelFunc) *chunkSource { return &chunkSource{x: x[:32000], steps: []int{700}} }, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var evs []Event
			// No endpoint rules: one utterance, ended only by the input.
			err := r.Listen(ctx, tt.src(cancel), ListenOptions{MaxSamples: tt.max}, func(ev Event) error {
				evs = append(evs, ev)
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Listen = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, dead) && !strings.Contains(err.Error(), "after 2.00 s") {
				t.Errorf("error %q does not say when the input failed", err)
			}
			fs := finals(evs)
			if len(fs) != 1 || fs[0].Result.Text != whole.Text || fs[0].Rule != -1 || fs[0].End != 2 {
				t.Errorf("finals\n%swant one of %q ending at 2 s by rule -1", eventLog(fs), whole.Text)
			}
			if len(evs) == 0 || evs[len(evs)-1].Type != EventFinal {
				t.Errorf("the last event is not the final:\n%s", eventLog(evs))
			}
		})
	}
}

// A source giving 16-bit-scale samples stops Listen with a SampleError whose index is into the read that held
// it; what came before is still finished.
func TestListenSampleScale(t *testing.T) {
	x := append([]float32(nil), loadSample(t)...)
	x[16000+123] = 3000
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	var finals int
	err := r.Listen(context.Background(), &chunkSource{x: x, steps: []int{1000}}, ListenOptions{}, func(ev Event) error {
		if ev.Type == EventFinal {
			finals++
		}
		return nil
	})
	var se *SampleError
	if !errors.As(err, &se) || se.Index != 123 || se.Value != 3000 {
		t.Fatalf("Listen = %v, want a SampleError at index 123 of its read", err)
	}
	if finals != 1 {
		t.Errorf("%d finals, want the utterance before the bad read finished", finals)
	}
}

// Partial events come only when the text changes, and an error from emit stops Listen at once.
func TestListenPartials(t *testing.T) {
	x := loadSample(t)
	r := mustRecognizer(t, tinyModel(t), WithGreedy())
	evs, err := listenAll(t, r, &chunkSource{x: x, steps: []int{480}}, ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range evs {
		if ev.Type == EventPartial {
			if len(texts) > 0 && texts[len(texts)-1] == ev.Result.Text {
				t.Errorf("partial %q repeated", ev.Result.Text)
			}
			texts = append(texts, ev.Result.Text)
		}
	}
	if len(texts) < 3 {
		t.Errorf("only %d partials: %q", len(texts), texts)
	}
	stop := errors.New("display closed")
	calls := 0
	err = r.Listen(context.Background(), &chunkSource{x: x, steps: []int{480}}, ListenOptions{}, func(Event) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Listen = %v after %d calls, want %v after 1", err, calls, stop)
	}
	if err := r.Listen(context.Background(), &chunkSource{x: x, steps: []int{480}}, ListenOptions{MaxSamples: -1}, nil); err == nil {
		t.Error("negative MaxSamples accepted")
	}
	bad := ListenOptions{Endpoint: EndpointConfig{Rules: []EndpointRule{{}}}}
	if err := r.Listen(context.Background(), &chunkSource{x: x, steps: []int{480}}, bad, nil); err == nil {
		t.Error("an endpoint rule that always fires was accepted")
	}
}

// twoRealSentences returns two of the cathy speaker's sentences from ../shared/data (skipping the test where
// that is absent, or in -short mode, since the tests using them run the embedded model).
func twoRealSentences(t *testing.T) (a, b []float32) {
	t.Helper()
	if testing.Short() {
		t.Skip("embedded model")
	}
	const dir = "../shared/data/cathy/train/"
	a, _, errA := audio.Load(dir + "arctic_a0001_1592748574.mp3")
	b, _, errB := audio.Load(dir + "arctic_a0002_1592748530.mp3")
	if errA != nil || errB != nil {
		t.Skip("shared data not here:", errA, errB)
	}
	return a, b
}

// A pause shorter than the pause rule (0.8 s against 1.2 s) between two real sentences must not end the
// utterance: the decoder emits a word's first letter 0.1–0.3 s after the word starts, and counting from its last
// letter alone fired just as the second sentence began, cutting "not" in two (a hark transcribe --stream audit:
// "... it cetera n" | "it is pitcher case ...").
func TestListenPauseShorterThanRule(t *testing.T) {
	a, b := twoRealSentences(t)
	for _, beam := range []int{DefaultListenBeam, DefaultBeam} { // hark listen's, transcribe --stream's
		r, err := Default(WithBeam(beam))
		if errors.Is(err, ErrNoDefaultModel) {
			t.Skip(err)
		} else if err != nil {
			t.Fatal(err)
		}
		for _, gain := range []float32{1, 0.1} { // and a talker 20 dB quieter
			x := concat(a, make([]float32, 12800), b)
			for i := range x {
				x[i] *= gain
			}
			evs, err := listenAll(t, r, &chunkSource{x: x, steps: []int{1600}}, ListenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if fs := finals(evs); len(fs) != 1 {
				t.Errorf("beam %d, gain %g: %d finals, want 1 (the pause is shorter than the rule):\n%s", beam, gain, len(fs), eventLog(fs))
			}
		}
		// The same through the Stream API, as its example drives it: TrailingSilence and an Endpointer.
		st, err := r.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		ep, err := NewEndpointer(DefaultEndpointConfig(), r.FrameDuration())
		if err != nil {
			t.Fatal(err)
		}
		x := concat(a, make([]float32, 12800), b)
		for i := 0; i < len(x); i += 1600 {
			if err := st.Accept(x[i:min(i+1600, len(x))]); err != nil {
				t.Fatal(err)
			}
			frames := int(st.Elapsed() / r.FrameDuration())
			silent := int(st.TrailingSilence() / r.FrameDuration())
			if rule, ok := ep.Detect(frames, st.Partial() != "", silent); ok {
				t.Errorf("beam %d: Stream endpoint (rule %d) at %.1f s of %.1f: %q", beam, rule+1,
					float64(i+1600)/16000, float64(len(x))/16000, st.Final().Text)
			}
		}
	}
}

// Clicks in a pause (5 ms every 0.3 s: a crackling cable, a keyboard) do not hold the utterance open: the VAD's
// veto needs 50 ms of speech in a row. Before, every click restarted the silence and the two sentences around a
// 4 s pause came out as one utterance.
func TestListenClicksInPause(t *testing.T) {
	a, b := twoRealSentences(t)
	r, err := Default(WithBeam(DefaultListenBeam))
	if errors.Is(err, ErrNoDefaultModel) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	pause := make([]float32, 4*16000)
	for i := 2400; i+80 <= len(pause); i += 4800 {
		for k := range 80 {
			pause[i+k] = 0.5 * float32(1-2*(k%2))
		}
	}
	evs, err := listenAll(t, r, &chunkSource{x: concat(a, pause, b), steps: []int{1600}}, ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := finals(evs); len(fs) != 2 || fs[0].Rule != 1 {
		t.Errorf("%d finals, want 2, the first by the pause rule:\n%s", len(fs), eventLog(fs))
	}
}
