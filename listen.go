package hark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// An AudioSource delivers live audio: 16 kHz mono float32 samples in [-1, 1], blocking until some are there.
// Read returns ctx.Err() when ctx ends and io.EOF when the input is over. A *mic.Stream is one; see
// ReaderSource for files.
type AudioSource interface {
	Read(ctx context.Context, p []float32) (int, error)
}

// A SampleReader has io.Reader's contract over samples; *audio.Reader is one.
type SampleReader interface {
	Read(p []float32) (int, error)
}

// ReaderSource makes an AudioSource of a SampleReader, so that a file can take the live path (Listen) and be
// compared with a microphone.
func ReaderSource(r SampleReader) AudioSource {
	return readerSource{r}
}

type readerSource struct{ r SampleReader }

func (s readerSource) Read(ctx context.Context, p []float32) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.r.Read(p)
}

// EventType says what an Event reports.
type EventType int

const (
	// EventPartial: the text of the current utterance so far changed; it may still change.
	EventPartial EventType = iota + 1
	// EventFinal: the utterance is over and this is its transcript.
	EventFinal
)

// String returns "partial" or "final", the names the jsonl output of `hark listen` uses.
func (t EventType) String() string {
	switch t {
	case EventPartial:
		return "partial"
	case EventFinal:
		return "final"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// An Event is one update from Listen.
type Event struct {
	Type EventType
	// Result holds the utterance's text and words (times in seconds from the first sample). Its segments are
	// the pieces the utterance was recognised in, in order, not overlapping: a piece with text ends at the
	// first pause of 0.3 s after it has lasted 3 s, and the next starts 0.3 s before the VAD hears speech again
	// (or 0.7 s after the cut, if it has heard none within 1 s); the model and the search start afresh, as they
	// do for each speech segment of a file. A short utterance is one segment; pieces without text have none.
	Result Result
	// Start and End delimit the utterance so far, in seconds from the first sample.
	Start, End float64
	// Rule is, for a final, the index of the endpoint rule that ended the utterance, or -1 when the input did
	// (end of input, MaxSamples, a cancelled context or a failing source).
	Rule int
}

// ListenOptions configure Listen.
type ListenOptions struct {
	// Endpoint decides where utterances end. Without rules (the zero value) DefaultEndpointConfig() applies,
	// since a live input needs some for any final to come out before it ends.
	Endpoint EndpointConfig
	// NoEndpoints makes the whole input one utterance, with a single final at its end (Endpoint must then have
	// no rules).
	NoEndpoints bool
	// MaxSamples stops listening after this many samples, as if the input ended there (0: no limit).
	MaxSamples int64
	// WholeUtterances decodes each utterance in one piece, exactly as Recognize would decode its samples
	// (unless the model normalises its features: see NewStream).
	// By default an utterance is cut, invisibly, into pieces at short pauses (see Event), which recognises
	// long utterances better.
	WholeUtterances bool
}

// Listen recognises live audio from src, utterance by utterance, until the input ends, ctx ends or src fails,
// and calls emit for each change of the partial text and for each finished utterance. The last utterance is
// always finished (its final emitted) before Listen returns, whatever stopped it, so that nothing said is lost
// to Ctrl-C or a dead device.
//
// A final is emitted for every utterance that had text, even briefly (so that a display can clear a partial
// that came to nothing); utterances of silence end without an event. Endpoints are checked after every
// output frame of the model (FrameDuration), and so are partials, counted in samples, not in wall-clock time:
// the events are a function of the audio alone, whatever sizes src's reads have and however fast it delivers.
//
// Listen returns nil when the input ended (io.EOF or MaxSamples), ctx.Err() when ctx ended, and src's error,
// wrapped, when it failed; an error from emit stops Listen and is returned as is, and so does a *SampleError
// when src gives samples far outside [-1, 1] (16-bit PCM values as floats, say). A nil emit discards the events.
func (r *Recognizer) Listen(ctx context.Context, src AudioSource, opts ListenOptions, emit func(Event) error) error {
	l, err := r.newListener(opts, emit)
	if err != nil {
		return err
	}
	buf := make([]float32, audioChunk)
	var total int64
	for {
		want := len(buf)
		if opts.MaxSamples > 0 {
			want = int(min(int64(want), opts.MaxSamples-total))
		}
		var (
			n    int
			rerr error
		)
		if want == 0 {
			rerr = io.EOF
		} else {
			n, rerr = src.Read(ctx, buf[:want])
		}
		total += int64(n)
		if err := l.accept(buf[:n]); err != nil {
			return l.finish(err)
		}
		if rerr == nil && ctx.Err() != nil {
			rerr = ctx.Err()
		}
		if rerr != nil {
			switch {
			case errors.Is(rerr, io.EOF):
				rerr = nil
			case errors.Is(rerr, context.Canceled), errors.Is(rerr, context.DeadlineExceeded):
			default:
				rerr = fmt.Errorf("audio input failed after %.2f s: %w",
					float64(total)/float64(r.model.Features.SampleRate), rerr)
			}
			return l.finish(rerr)
		}
	}
}

// A Listener is Listen for audio that is pushed rather than read: a websocket's messages, an audio callback.
// Accept the samples as they come; the Listener emits the same events Listen would for the same audio, however
// it is cut into Accept calls (endpoints and partials are checked after every output frame of the model, not
// once per call). Close ends the last utterance. Vosk's AcceptWaveform / PartialResult / FinalResult map onto
// Accept and the partial and final events.
//
// A Listener is not safe for concurrent use.
type Listener struct {
	l      *listener
	closed bool
}

// NewListener starts a Listener. opts and emit are as for Listen, except that MaxSamples is ignored (the caller
// decides how much to Accept). A nil emit discards the events.
func (r *Recognizer) NewListener(opts ListenOptions, emit func(Event) error) (*Listener, error) {
	opts.MaxSamples = 0
	l, err := r.newListener(opts, emit)
	if err != nil {
		return nil, err
	}
	return &Listener{l: l}, nil
}

// Accept recognises the next samples of the input (16 kHz mono, in [-1, 1]) and emits the events they cause.
// It returns a *SampleError, taking none of the samples, when they are far outside [-1, 1], and emit's error as
// is; after an error from emit, every call returns it.
func (ls *Listener) Accept(samples []float32) error {
	if ls.closed {
		return errListenerClosed
	}
	return ls.l.accept(samples)
}

// AcceptPCM16 is Accept for 16-bit little-endian PCM bytes (what a websocket client or a WAV body sends).
// A trailing odd byte is kept for the next call, so messages may split samples anywhere.
func (ls *Listener) AcceptPCM16(data []byte) error {
	if ls.closed {
		return errListenerClosed
	}
	samples, rest := pcm16Samples(ls.l.pcmOdd, data)
	ls.l.pcmOdd = rest // taken or refused, data is behind us: the next call starts after it
	return ls.l.accept(samples)
}

// Close ends the input: the last utterance is finished (its final emitted, if it had text). It returns emit's
// error, if any. Later calls to Accept fail; Close again does nothing.
func (ls *Listener) Close() error {
	if ls.closed {
		return nil
	}
	ls.closed = true
	return ls.l.finish(nil)
}

var errListenerClosed = errors.New("hark: listener: Accept after Close")

// audioChunk is how many samples Listen reads at most at once: 100 ms, so that partials come often.
const audioChunk = 1600

// newListener checks opts and starts a listener.
func (r *Recognizer) newListener(opts ListenOptions, emit func(Event) error) (*listener, error) {
	ep := opts.Endpoint
	switch {
	case opts.NoEndpoints && len(ep.Rules) > 0:
		return nil, fmt.Errorf("hark: listen: NoEndpoints with %d endpoint rules: set one or the other", len(ep.Rules))
	case !opts.NoEndpoints && len(ep.Rules) == 0:
		ep = DefaultEndpointConfig()
	}
	end, err := NewEndpointer(ep, r.frame)
	if err != nil {
		return nil, err
	}
	if opts.MaxSamples < 0 {
		return nil, fmt.Errorf("hark: listen: MaxSamples %d is negative", opts.MaxSamples)
	}
	if emit == nil {
		emit = func(Event) error { return nil }
	}
	s, err := r.NewStream()
	if err != nil {
		return nil, err
	}
	l := &listener{r: r, s: s, end: end, emit: emit,
		step: max(1, int(math.Round(r.frame*float64(r.model.Features.SampleRate))))}
	if !opts.WholeUtterances {
		if l.cut, err = NewEndpointer(pieceRules(), r.frame); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// pieceRules says where a live utterance is cut into pieces that are recognised separately, as a VAD cuts a
// file: at a pause of 0.3 s once the piece has lasted 3 s. The cuts are invisible (one final still ends the
// utterance, with a segment for each piece), but the model and the search start afresh at each: over long
// stretches both lose words (the recurrent state drifts from what training showed it, the beam fills with
// variants of old words, and sentences run into each other in the LM's context). Measured in BENCHMARKS.md
// (long recordings): the pieces took streaming WER from 60.35 % to 55.49 %.
func pieceRules() EndpointConfig {
	return EndpointConfig{Rules: []EndpointRule{{MustContainText: true, MinUtteranceLength: 3, MinTrailingSilence: 0.3}}}
}

// After a cut the model is not run on the pause: a model started afresh on silence may spell a letter or two
// there, which would restart the endpoint's count of silence. The audio goes to the VAD alone until it hears
// speech (or gapMax has passed, so that speech below its level floor is not lost), and the next piece starts
// with pieceLead of the pause before it, as a VAD's segment of a file is padded.
const (
	pieceLead = 0.3 // seconds
	gapMax    = 1.0 // seconds
)

// listener is the state of Listen and of a Listener for one input.
type listener struct {
	r           *Recognizer
	s           *Stream
	end         *Endpointer
	emit        func(Event) error
	cut         *Endpointer // where the utterance is cut into pieces (pieceRules); nil: never
	step        int         // samples per model output frame: endpoints are checked at these boundaries
	inStep      int         // samples of the current step accepted so far
	frames      int         // whole steps in the current utterance
	pieceFrames int         // whole steps in the current piece
	start       float64     // the utterance's start, seconds from the first sample
	done        Result      // the utterance's pieces before the current one (times from the first sample)
	gapping     bool        // between a cut and the next piece: the audio goes to the VAD alone
	gap         []float32   // the end of the pause since the cut, at most pieceLead: the next piece's lead
	gapLen      int         // samples since the cut
	partial     string      // the last partial text emitted in this utterance
	spoke       bool        // a partial with text was emitted in this utterance
	emitErr     error       // emit failed: stop at once, no more events
	pcmOdd      []byte      // AcceptPCM16: the odd byte of the last call, the first half of a sample
}

// accept feeds x to the stream; at every step boundary it checks for an endpoint and emits a partial if the
// text changed.
func (l *listener) accept(x []float32) error {
	if l.emitErr != nil {
		return l.emitErr
	}
	// Checked whole, before any step of it reaches the stream, so that a SampleError's index is into what the
	// source gave and none of a bad read is half taken.
	if err := checkSamples(x); err != nil {
		return err
	}
	for len(x) > 0 {
		k := min(len(x), l.step-l.inStep)
		if l.gapping {
			l.s.vad.Accept(x[:k])
			l.gap = append(l.gap, x[:k]...)
			l.gapLen += k
		} else if err := l.s.Accept(x[:k]); err != nil {
			return err
		}
		x, l.inStep = x[k:], l.inStep+k
		if l.inStep < l.step {
			break
		}
		l.inStep = 0
		l.frames++
		if err := l.atStep(); err != nil {
			return err
		}
	}
	return nil
}

// atStep runs at every step boundary: it ends the utterance at an endpoint, cuts it into pieces, and emits
// partials.
func (l *listener) atStep() error {
	if l.gapping && !l.resume() {
		u := l.utterance(Result{})
		rule, ok := l.end.Detect(l.frames, u.Text != "", l.inFrames(l.silenceAfter(u)))
		if ok {
			return l.final(rule)
		}
		if lead := l.samples(pieceLead); len(l.gap) > lead {
			// Keep the buffer short: what is older than the lead will not be heard.
			l.s.skip(len(l.gap) - lead)
			l.gap = append(l.gap[:0], l.gap[len(l.gap)-lead:]...)
		}
		return nil
	}
	if l.gapping {
		// Speech again: the next piece starts with the lead.
		lead := l.gap[max(len(l.gap)-l.samples(pieceLead), 0):]
		l.s.skip(len(l.gap) - len(lead))
		l.gapping, l.gap = false, l.gap[:0]
		l.pieceFrames = len(lead) / l.step
		if err := l.s.acceptHeard(lead); err != nil {
			return err
		}
	}
	l.pieceFrames++
	piece := l.s.PartialResult()
	u := l.utterance(piece)
	rule, ok := l.end.Detect(l.frames, u.Text != "", l.inFrames(l.silenceAfter(u)))
	switch {
	case ok:
		return l.final(rule)
	case l.cut != nil && l.cutHere(piece):
		l.addPiece(l.s.Final())
		l.gapping, l.gapLen, l.pieceFrames = true, 0, 0
		return l.sendPartial(l.utterance(Result{}))
	}
	return l.sendPartial(u)
}

// resume reports whether the gap after a cut is over: the VAD heard speech in the last step, or the gap has
// lasted gapMax.
func (l *listener) resume() bool {
	return l.s.vad.sustainedSilence() < l.r.frame || l.gapLen >= l.samples(gapMax)
}

func (l *listener) samples(seconds float64) int {
	return int(math.Round(seconds * float64(l.r.model.Features.SampleRate)))
}

func (l *listener) inFrames(seconds float64) int { return int(math.Floor(seconds/l.r.frame + 1e-6)) }

// now returns the time of the audio accepted so far, seconds from the first sample.
func (l *listener) now() float64 {
	return l.s.start + l.s.Elapsed() + float64(len(l.gap))/float64(l.r.model.Features.SampleRate)
}

// silenceAfter returns the utterance's trailing silence, u being the utterance so far: Stream.TrailingSilence
// over all its pieces and the gap.
func (l *listener) silenceAfter(u Result) float64 {
	decoded := l.now() - l.start
	if len(u.Words) > 0 {
		decoded = max(l.now()-u.Words[len(u.Words)-1].End, 0)
	}
	return min(decoded, l.s.vad.sustainedSilence())
}

// cutHere reports whether the current piece, whose partial result is piece, ends here.
func (l *listener) cutHere(piece Result) bool {
	_, ok := l.cut.Detect(l.pieceFrames, piece.Text != "", l.inFrames(l.s.trailingSilence(piece)))
	return ok
}

// addPiece appends a piece's final result to the utterance's. The first error is kept: the pieces after it
// are recognised, but the audio where it happened was not.
func (l *listener) addPiece(res Result) {
	for _, seg := range res.Segments {
		l.done.AddSegment(seg)
	}
	if len(res.Alternatives) > 0 {
		l.done.Alternatives = combineAlternatives(l.done.Alternatives, res.Alternatives)
	}
	if l.done.Error == "" {
		l.done.Error = res.Error
	}
}

// utterance returns the utterance so far: its finished pieces followed by piece, the current one (nothing
// between pieces), all of it copied, since the events hand it to the caller. Partials have no alternatives:
// the current piece's n-best list is only made at its end.
func (l *listener) utterance(piece Result) Result {
	u := Result{Duration: l.now() - l.start, Error: l.done.Error}
	for _, seg := range slices.Concat(l.done.Segments, piece.Segments) {
		seg.Words = slices.Clone(seg.Words)
		seg.Alternatives = slices.Clone(seg.Alternatives)
		u.AddSegment(seg)
	}
	if len(piece.Alternatives) > 0 {
		u.Alternatives = combineAlternatives(l.done.Alternatives, piece.Alternatives)
	}
	if u.Error == "" {
		u.Error = piece.Error
	}
	return u
}

// sendPartial emits p, the current partial, if its text differs from the last one emitted. It runs at step
// boundaries, like the endpoint checks, so that the partials too depend on the audio and not on how it was
// read.
func (l *listener) sendPartial(p Result) error {
	if p.Text == l.partial {
		return nil
	}
	l.partial = p.Text
	l.spoke = l.spoke || p.Text != ""
	return l.send(Event{Type: EventPartial, Result: p, Start: l.start, End: l.start + p.Duration, Rule: -1})
}

// final ends the utterance, emitting its transcript if it had any text.
func (l *listener) final(rule int) error {
	if l.gapping {
		l.s.skip(len(l.gap))
		l.gapping, l.gap = false, l.gap[:0]
	}
	start := l.start
	res := l.utterance(l.s.Final())
	spoke := l.spoke || res.Text != ""
	l.frames, l.pieceFrames, l.partial, l.spoke = 0, 0, "", false
	l.done, l.start = Result{}, l.s.start
	if !spoke {
		return nil
	}
	return l.send(Event{Type: EventFinal, Result: res, Start: start, End: start + res.Duration, Rule: rule})
}

func (l *listener) send(ev Event) error {
	if l.emitErr != nil {
		return l.emitErr
	}
	l.emitErr = l.emit(ev)
	return l.emitErr
}

// finish flushes the last utterance and returns the error that ended listening (the first of cause and the
// flush's own).
func (l *listener) finish(cause error) error {
	if l.emitErr != nil {
		return l.emitErr
	}
	if l.now() > l.start {
		if err := l.final(-1); err != nil && cause == nil {
			cause = err
		}
	}
	return cause
}

// MarshalJSON writes an event as one `hark listen --format jsonl` line: {"type":"partial"|"final","text",
// "start","end","words":[{"word","start","end","confidence"}]}, times rounded as in Result's JSON.
func (e Event) MarshalJSON() ([]byte, error) {
	r, err := json.Marshal(e.Result) // rounds the words
	if err != nil {
		return nil, err
	}
	var words struct {
		Words json.RawMessage `json:"words"`
	}
	if err := json.Unmarshal(r, &words); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err = enc.Encode(struct {
		Type  string          `json:"type"`
		Text  string          `json:"text"`
		Start float64         `json:"start"`
		End   float64         `json:"end"`
		Words json.RawMessage `json:"words"`
	}{e.Type.String(), e.Result.Text, roundTo(e.Start, 1e3), roundTo(e.End, 1e3), words.Words})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}
