package hark

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/features"
)

// A Stream recognises live audio as it arrives, in the manner of Vosk's recognizer: Accept the samples as they
// come, read Partial for the text so far (it may still change), and call Final when the utterance is over.
// After Final the Stream starts a new utterance, so one Stream serves a whole session; times in results count
// from the Stream's first sample. To end utterances at pauses, use a Listener (NewListener): it checks the
// endpoint rules after every output frame of the model, where an Endpointer consulted between Accept calls
// would cut wherever the calls happen to fall, and the text would change with the chunk sizes.
//
// Audio flows through the streaming feature extractor, the acoustic model's streaming forward (its recurrent
// state carried, its lookahead buffered) and the incremental beam search, so Final gives, for the same samples,
// exactly what Recognize gives, unless the model normalises its features per utterance (see NewStream).
//
// A Stream is not safe for concurrent use.
type Stream struct {
	r     *Recognizer
	feats *features.Stream
	norm  *runningNorm // nil unless the model's features are normalised per utterance
	ac    *acoustic.Stream
	dec   *decoder.Stream       // nil: greedy decoding
	greed *decoder.GreedyStream // greedy decoding: the utterance so far
	n     int64                 // samples of the current utterance
	vad   *VAD                  // hears speech the decoder has not spelled yet (TrailingSilence)
	start float64               // the current utterance's start, seconds from the Stream's first sample
	err   error                 // sticky: the first error of the utterance
	// pcmOdd is AcceptPCM16's odd byte from the last call: the first half of a sample. It belongs to the
	// byte stream, not to an utterance, so Final keeps it.
	pcmOdd []byte
}

// NewStream starts a streaming recognition. It decodes with the Recognizer's settings, beam width included:
// for live audio, make the Recognizer with WithBeam(DefaultListenBeam), as `hark listen` does, so that partial
// results settle sooner.
//
// A model whose feature config has Normalize set was trained on features scaled by statistics of the whole
// utterance, which a stream does not know until it ends. Such a Stream holds back the first second of
// features and then normalises each frame with the statistics of the utterance so far: the text can differ a
// little from Recognize's at the start of long utterances, and is the same for utterances under a second.
func (r *Recognizer) NewStream() (*Stream, error) {
	// The transcribing VAD's settings: a lower level floor would also hear a quiet talker, but took faint
	// background noise that starts after speech for more speech (bench/listen-latency.sh's gaps) and kept
	// utterances open through pauses. Speech below the floor is endpointed by the decoder alone.
	vad, err := NewVAD(r.vad)
	if err != nil {
		return nil, err
	}
	s := &Stream{r: r, feats: r.ext.NewStream(), vad: vad}
	if err := s.reset(); err != nil {
		return nil, err
	}
	return s, nil
}

// reset starts a new utterance. The acoustic model was checked when the Recognizer was made, so starting its
// stream cannot fail later; if it did, the error is kept for the next Accept.
func (s *Stream) reset() error {
	s.greed, s.dec = nil, nil // nothing of the last utterance may show in the next, even if this fails
	ac, err := s.r.model.NewStream()
	s.ac, s.n, s.err = ac, 0, err
	if err != nil {
		return err
	}
	s.feats.Reset()
	if s.r.dec != nil {
		s.dec = s.r.dec.NewStream()
	} else if s.greed, err = decoder.NewGreedyStream(s.r.vocab, s.r.frame); err != nil {
		s.err = err
		return err
	}
	if s.r.model.Features.Normalize {
		s.norm = newRunningNorm(s.r.model.Features.NumMels, normWarmup)
	}
	return nil
}

// Accept feeds samples (16 kHz mono in [-1, 1]) to the recogniser. Samples far out of that scale (beyond ±16,
// such as 16-bit PCM values passed as floats: see AcceptPCM16) are refused with a *SampleError and nothing of
// them is kept, so the utterance goes on; NaN and infinite samples are taken as silence, as in Recognize. After any other error the utterance is
// lost: Final returns the text recognised before it, with the error in Result.Error, and starts a new one.
func (s *Stream) Accept(samples []float32) error {
	if s.err != nil {
		return s.err
	}
	if err := checkSamples(samples); err != nil {
		return err
	}
	s.vad.Accept(samples)
	return s.acceptHeard(samples)
}

// acceptHeard is Accept for checked samples that the Stream's VAD has already heard.
func (s *Stream) acceptHeard(samples []float32) error {
	if s.err != nil {
		return s.err
	}
	s.n += int64(len(samples))
	f := s.feats.Accept(samples)
	if s.norm != nil {
		f = s.norm.accept(f)
	}
	s.err = s.forward(f)
	return s.err
}

// AcceptPCM16 is Accept for raw audio bytes as Vosk's AcceptWaveform takes them: signed 16-bit little-endian
// mono PCM at 16 kHz (what `arecord -f S16_LE -r 16000 -c 1` and most telephony gateways deliver). A trailing
// odd byte is kept for the next call, so that messages may split a sample anywhere.
func (s *Stream) AcceptPCM16(data []byte) error {
	samples, rest := pcm16Samples(s.pcmOdd, data)
	s.pcmOdd = rest // taken or refused, data is behind us: the next call starts after it
	return s.Accept(samples)
}

// pcm16Samples decodes 16-bit little-endian PCM: odd (zero or one byte left over from the previous call) and
// then data. It returns the samples and the byte left over now, if any.
func pcm16Samples(odd, data []byte) (samples []float32, rest []byte) {
	if len(odd) == 1 && len(data) > 0 {
		data = append([]byte{odd[0]}, data...)
	} else if len(odd) == 1 {
		return nil, odd
	}
	samples = make([]float32, len(data)/2)
	for i := range samples {
		samples[i] = float32(int16(binary.LittleEndian.Uint16(data[2*i:]))) / 32768
	}
	if len(data)%2 == 1 {
		rest = []byte{data[len(data)-1]}
	}
	return samples, rest
}

// forward runs feature frames through the model and the decoder.
func (s *Stream) forward(f *features.Matrix) error {
	if f == nil || f.Rows == 0 {
		return nil
	}
	lp, err := s.ac.Accept(f)
	if err != nil {
		return fmt.Errorf("hark: stream: %w", err)
	}
	return s.toDecoder(lp)
}

func (s *Stream) toDecoder(lp *acoustic.Matrix) error {
	if lp.Rows == 0 {
		return nil
	}
	var err error
	if s.dec == nil {
		err = s.greed.Accept(rows(lp))
	} else {
		err = s.dec.Accept(rows(lp))
	}
	if err != nil {
		return fmt.Errorf("hark: stream: %w", err)
	}
	return nil
}

// Partial returns the text of the current utterance so far: the search's best guess, with a word still being
// spoken shown as its letters so far ("it was not exactly a deporta"). It may change as more audio comes: words
// can be revised until Final.
func (s *Stream) Partial() string {
	return s.PartialResult().Text
}

// PartialResult is Partial with the words and their times (seconds from the Stream's first sample), for
// callers that show or endpoint on them. It does not include the frames still waiting for the model's
// lookahead (150 ms with the default model).
func (s *Stream) PartialResult() Result {
	var out segmentOutput
	if s.dec != nil {
		out = fromHypotheses([]decoder.Hypothesis{s.dec.Partial()}, 1)
	} else if s.greed != nil {
		out = fromHypotheses([]decoder.Hypothesis{s.greed.Hypothesis()}, 1)
	}
	res := Result{Duration: s.Elapsed()}
	addOutput(&res, Span{s.start, s.start + res.Duration}, out)
	return res
}

// skip starts the utterance, which must have no audio yet, n samples later: the listener passes silence after
// a cut to the VAD alone.
func (s *Stream) skip(n int) {
	if s.n != 0 {
		panic("hark: Stream.skip inside an utterance")
	}
	s.start += float64(n) / float64(s.r.model.Features.SampleRate)
}

// Elapsed returns the seconds of audio accepted into the current utterance.
func (s *Stream) Elapsed() float64 {
	return float64(s.n) / float64(s.r.model.Features.SampleRate)
}

// TrailingSilence returns the seconds of silence at the end of the current utterance: what an Endpointer's
// rules measure, in seconds rather than frames. It is the time since the end of the last partial word (all of
// the utterance when there is no word yet) or since the last sound of speech (50 ms or more of it, so that clicks
// in a pause do not count), whichever is shorter: the decoder
// spells a word's first letter 0.1–0.3 s after the word starts, and counting from its last letter alone ended
// utterances just as a new sentence began, cutting its first word in two.
func (s *Stream) TrailingSilence() float64 {
	return s.trailingSilence(s.PartialResult())
}

func (s *Stream) trailingSilence(p Result) float64 {
	decoded := s.Elapsed()
	if len(p.Words) > 0 {
		decoded = max(s.start+decoded-p.Words[len(p.Words)-1].End, 0)
	}
	return min(decoded, s.vad.sustainedSilence())
}

// Final ends the current utterance: it runs the model over the audio still held for its lookahead, returns the
// utterance's transcript (Duration is the utterance's length; times count from the Stream's first sample, with
// one segment spanning the utterance when it has text), and starts a new utterance. If Accept failed during
// the utterance, the result holds what was recognised before the failure.
func (s *Stream) Final() Result {
	if s.err == nil && s.norm != nil {
		s.err = s.forward(s.norm.flush())
	}
	if s.err == nil {
		s.err = s.toDecoder(s.ac.Flush())
	}
	var out segmentOutput
	if s.dec != nil {
		out = fromHypotheses(s.dec.Final().Hypotheses, s.r.nbest)
	} else if s.greed != nil {
		out = fromHypotheses([]decoder.Hypothesis{s.greed.Hypothesis()}, 1)
	}
	res := Result{Duration: s.Elapsed()}
	addOutput(&res, Span{s.start, s.start + res.Duration}, out)
	if s.err != nil {
		res.Error = s.err.Error() // a caller who missed Accept's error still learns that the text stops early
	}
	s.start += res.Duration
	s.reset()
	return res
}

// normWarmup is how many feature frames (10 ms each) a normalising stream holds back before it trusts its
// running statistics.
const normWarmup = 100

// runningNorm normalises each mel band of a stream to mean 0 and variance 1 with the statistics of the frames
// seen so far (after holding back the first warmup frames, which get the statistics of all of them). For an
// utterance of at most warmup frames it gives exactly features.NormalizeInPlace's result.
type runningNorm struct {
	cols, warmup int
	count        int
	sum, sumSq   []float64
	held         []float32 // frames before warm-up
}

func newRunningNorm(cols, warmup int) *runningNorm {
	return &runningNorm{cols: cols, warmup: warmup, sum: make([]float64, cols), sumSq: make([]float64, cols)}
}

func (n *runningNorm) accept(m *features.Matrix) *features.Matrix {
	out := &features.Matrix{Cols: n.cols}
	for r := 0; r < m.Rows; r++ {
		row := m.Row(r)
		n.count++
		for c, v := range row {
			n.sum[c] += float64(v)
			n.sumSq[c] += float64(v) * float64(v)
		}
		if n.held != nil || n.count <= n.warmup {
			n.held = append(n.held, row...)
			if n.count < n.warmup {
				continue
			}
			out.Data = append(out.Data, n.release()...)
			continue
		}
		out.Data = append(out.Data, row...)
		n.scale(out.Data[len(out.Data)-n.cols:])
	}
	out.Rows = len(out.Data) / n.cols
	return out
}

// release normalises and returns the held frames.
func (n *runningNorm) release() []float32 {
	h := n.held
	n.held = nil
	for i := 0; i+n.cols <= len(h); i += n.cols {
		n.scale(h[i : i+n.cols])
	}
	return h
}

// flush ends the utterance, returning the frames still held.
func (n *runningNorm) flush() *features.Matrix {
	d := n.release()
	return &features.Matrix{Rows: len(d) / n.cols, Cols: n.cols, Data: d}
}

func (n *runningNorm) scale(row []float32) {
	k := float64(n.count)
	for c := range row {
		mean := n.sum[c] / k
		v := max(n.sumSq[c]/k-mean*mean, 0)
		row[c] = float32((float64(row[c]) - mean) / math.Sqrt(v+1e-8))
	}
}

// TranscribeStream is Transcribe through the streaming path, as a live input would go: the whole input goes
// through Listen, cut into utterances where the endpoint rules fire (on the trailing silence the decoder and a
// VAD agree on, as in Listen), each piece of each utterance's final (see Event) becoming a segment. It is there to compare streaming with
// file recognition on the same audio (`hark transcribe --stream`): a microphone giving the same samples gives the
// same finals.
// Transcribe is faster and gives no text on noise. name and progress are as in TranscribeReader; an ep without
// rules makes the whole input one utterance.
func (r *Recognizer) TranscribeStream(ctx context.Context, in io.Reader, name string, ep EndpointConfig, progress func(done, total float64)) (Result, error) {
	res := Result{File: name}
	if err := ep.Validate(); err != nil {
		return res, err
	}
	src, err := audio.Open(in, name)
	if err != nil {
		return res, err
	}
	defer src.Close()
	total := max(src.Info().Duration, 0)
	var read int64
	counted := sourceFunc(func(ctx context.Context, p []float32) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := src.Read(p)
		read += int64(n)
		if progress != nil {
			progress(float64(read)/audio.SampleRate, total)
		}
		return n, err
	})
	err = r.Listen(ctx, counted, ListenOptions{Endpoint: ep, NoEndpoints: len(ep.Rules) == 0}, func(ev Event) error {
		if ev.Type != EventFinal {
			return nil
		}
		for _, seg := range ev.Result.Segments {
			res.AddSegment(seg)
		}
		if len(ev.Result.Alternatives) > 0 {
			res.Alternatives = combineAlternatives(res.Alternatives, ev.Result.Alternatives)
		}
		return nil
	})
	res.Duration = float64(read) / audio.SampleRate
	if err != nil {
		var fe *audio.FormatError
		if errors.As(err, &fe) {
			res.Error = fe.Error()
			return res, fe // damaged input: the text before the damage, and the file's own error
		}
		return res, fmt.Errorf("transcribe%s: %w", inputName(name), err)
	}
	if read == 0 {
		return res, noAudio(name)
	}
	return res, nil
}

// sourceFunc is an AudioSource made of a function.
type sourceFunc func(ctx context.Context, p []float32) (int, error)

func (f sourceFunc) Read(ctx context.Context, p []float32) (int, error) { return f(ctx, p) }
