package hark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/decoder/lm"
	"github.com/harkspeech/hark/features"
)

// Decoding defaults: the beam width, language-model weight, word bonus, unknown-word penalty, blank penalty and
// lookahead tuned for the embedded model and LM with `hark lm tune` on 779 utterances of the four dev sets (the
// shipped en-v1-ft, LMs with every dev transcript left out). Pooled WER at beam 64: 57.96 % at the first defaults
// (α 0.4, β 0.5, no blank penalty) → 55.54 % with α 0.6 and blank penalty 1 → 54.54 % with the mixed LM →
// 52.02 % with the lookahead and β −1.5 (a word now pays its LM score early, so the bonus that offset that
// turned into a penalty) → 50.57 % with α 0.8 and unknown-word penalty −30 (beyond −25 nothing changes: no
// out-of-vocabulary word survives). At the default beam 128: 53.09 % (no lookahead, α 0.6, β 0.5, −20) → 49.45 %;
// on 610 synthetic test utterances used only to check each choice, 54.54 % → 50.49 %, at the same speed (CPU RTF
// ~0.008, `hark eval -t 1`). Tune them for another model or LM.
const (
	DefaultBeam = 128
	// DefaultListenBeam is `hark listen`'s beam: live partials settle sooner with a narrower beam (p90 lag from a
	// word's end to the first partial that shows it: 164 ms at 64, 300 ms at 128; bench/listen-latency.sh with
	// the embedded model and LM, BENCHMARKS.md).
	DefaultListenBeam = 64
	DefaultAlpha      = 0.8
	DefaultBeta       = -1.5
	// DefaultUnknownPenalty (natural-log LM units, weighted by α like LM scores, once per word outside the LM's
	// vocabulary) keeps a weak acoustic model from spelling out run-together non-words that the LM's <unk>
	// probability alone lets through. At DefaultAlpha it costs 30 (tuned as such, before the weighting by α).
	DefaultUnknownPenalty = -37.5
	// DefaultBlankPenalty is subtracted from the blank's log-probability in every frame of the beam search: the
	// model drops more letters and words than it adds (deletions outnumber insertions on every dev set).
	DefaultBlankPenalty = 1.0
	// DefaultLookahead charges each word's unigram LM score while it is being spelled (decoder.Options.Lookahead).
	DefaultLookahead = true
	// DefaultPhraseAlpha and DefaultPhraseBeta replace DefaultAlpha and DefaultBeta with WithPhrases, unless
	// WithAlpha or WithBeta says otherwise: the phrases' LM is small and sure of itself, and a stronger weight
	// with a word bonus kept closer to the phrases. `hark eval --phrases P --alpha A --beta B`, P a dev set's own
	// prompts or the digit words: cathy dev 17.92 % WER at 0.8 / −1.5, 10.69 % at 1.5 / 1; speechocean762 dev
	// 46.69 → 40.83 %; FSDD 4.00 % either way.
	DefaultPhraseAlpha = 1.5
	DefaultPhraseBeta  = 1.0
	// DefaultPhraseBoost is the hot-word boost WithPhrases gives each phrase of two words or more, so that whole
	// phrases beat words of several mixed: cathy dev with its prompts 10.69 % → 8.24 % WER, speechocean762 dev
	// 40.83 → 32.14 %. Tried first as a --hotword per prompt: boost 12 gave 8.09 and 29.53 %; 20, 6.65 and
	// 32.14 %; 40, 3.61 and 94.79 % (the search added whole phrases for their boost). Boosts count per
	// occurrence, hence the margin.
	DefaultPhraseBoost = 8.0
)

// wholeBelow is the input length, in seconds, under which Transcribe recognises an input whole rather than
// through the VAD (which misses clips that are all speech).
const wholeBelow = 1.0

// A Recognizer turns speech into text with one acoustic model and one decoder configuration. It is immutable
// after Load and safe for concurrent use: Transcribe may run on many inputs at once, and each Stream keeps its
// own state. Make one with Default, Load or LoadModel; the zero Recognizer is not usable.
type Recognizer struct {
	model   *acoustic.Model
	ext     *features.Extractor
	vocab   decoder.Vocabulary
	dec     *decoder.Decoder // nil: greedy decoding
	frame   float64          // seconds per output frame
	nbest   int
	threads int
	vad     VADConfig
}

// settings collects the Options before the Recognizer is built.
type settings struct {
	lmPath  string
	lm      *lm.Model
	lmSet   bool // an LM option was given: the default model's own LM is not loaded
	noLM    bool
	phrases []string // WithPhrases: the LM is built from these, the vocabulary closed
	beam    int
	alpha   float64
	beta    float64
	// alphaSet and betaSet say that WithAlpha and WithBeta were given: otherwise WithPhrases brings its own.
	alphaSet, betaSet bool
	unk               float64
	blank             float64
	look              bool
	maxUnk            int
	hot               []decoder.HotWord
	nbest             int
	threads           int
	greedy            bool
	vad               VADConfig
}

// An Option configures a Recognizer.
type Option func(*settings)

// WithLM decodes with the word language model in the file at path (Hark's binary format or ARPA, plain or
// gzip).
func WithLM(path string) Option {
	return func(s *settings) { s.lmPath, s.lm, s.noLM, s.lmSet, s.phrases = path, nil, false, true, nil }
}

// WithLMModel decodes with an already loaded language model.
func WithLMModel(m *lm.Model) Option {
	return func(s *settings) { s.lm, s.lmPath, s.noLM, s.lmSet, s.phrases = m, "", m == nil, true, nil }
}

// WithoutLM decodes without a language model, even the default model's.
func WithoutLM() Option {
	return func(s *settings) { s.lm, s.lmPath, s.noLM, s.lmSet, s.phrases = nil, "", true, true, nil }
}

// WithPhrases restricts recognition to the words of phrases and favours the phrases themselves, as Vosk's
// grammar does for commands, digits and other small domains: the language model becomes a 6-gram model of
// the phrases (each one a sentence) and no other word can be recognised. α and β default to
// DefaultPhraseAlpha and DefaultPhraseBeta. The empty transcript stays possible
// (for noise, or speech that fits nothing). A phrase is words of the model's alphabet separated by spaces,
// letter case aside (normalise punctuation first, as `hark transcribe --phrases` does). Words of different
// phrases may still follow each other, and hot words boost phrase words only. It replaces any other language
// model option; the last one given wins.
func WithPhrases(phrases ...string) Option {
	return func(s *settings) {
		s.phrases, s.lm, s.lmPath, s.noLM, s.lmSet = slices.Clone(phrases), nil, "", false, true
		if s.phrases == nil {
			s.phrases = []string{}
		}
	}
}

// WithUnknownPenalty sets the score (natural-log LM units, normally negative) added, times α, once per recognised
// word that the language model does not know (DefaultUnknownPenalty); 0 leaves such words to the LM's <unk>
// probability. Weighting it by α keeps a higher α from making made-up words cheaper than real ones.
func WithUnknownPenalty(p float64) Option { return func(s *settings) { s.unk = p } }

// WithBlankPenalty sets the amount (natural log) subtracted from the blank's log-probability in every frame of
// the beam search (DefaultBlankPenalty): more makes the search drop fewer letters and words. Greedy decoding
// ignores it.
func WithBlankPenalty(p float64) Option { return func(s *settings) { s.blank = p } }

// defaultSettings holds the decoding defaults that options change.
func defaultSettings() settings {
	return settings{alpha: DefaultAlpha, beta: DefaultBeta, unk: DefaultUnknownPenalty, blank: DefaultBlankPenalty,
		look: DefaultLookahead}
}

// WithLookahead turns the language-model lookahead of the beam search on or off (DefaultLookahead): with it, a word
// pays the best unigram score it can still reach while it is being spelled, and its real score when it ends, so
// the beam keeps fewer prefixes of unlikely words. It changes the best β (see DefaultBeta).
func WithLookahead(on bool) Option { return func(s *settings) { s.look = on } }

// WithMaxUnknownLength sets the most letters a recognised word outside the language model's vocabulary may have
// (0: the decoder's 20; negative: no limit). Raise it for long technical words the LM lacks, or make them hot
// words, which are never outside the vocabulary.
func WithMaxUnknownLength(n int) Option { return func(s *settings) { s.maxUnk = n } }

// WithBeam sets the beam width of the search (DefaultBeam when n ≤ 0).
func WithBeam(n int) Option { return func(s *settings) { s.beam = n } }

// WithAlpha sets the weight of the language model's log-probability (DefaultAlpha; DefaultPhraseAlpha with
// WithPhrases).
func WithAlpha(a float64) Option { return func(s *settings) { s.alpha, s.alphaSet = a, true } }

// WithBeta sets the bonus per word (DefaultBeta; DefaultPhraseBeta with WithPhrases), which balances the
// language model's bias towards fewer words.
func WithBeta(b float64) Option { return func(s *settings) { s.beta, s.betaSet = b, true } }

// WithHotWord encourages phrase (one or more words) by adding boost, in natural-log units, to every
// hypothesis that contains it. It may be given several times.
func WithHotWord(phrase string, boost float64) Option {
	return func(s *settings) { s.hot = append(s.hot, decoder.HotWord{Phrase: phrase, Boost: boost}) }
}

// WithNBest asks for the n best whole-input transcripts in Result.Alternatives, and each segment's own n best in
// Segment.Alternatives (n ≤ 1: none).
func WithNBest(n int) Option { return func(s *settings) { s.nbest = n } }

// WithThreads lets Transcribe recognise up to n speech segments of one input at once (default 1). Results do
// not depend on n.
func WithThreads(n int) Option { return func(s *settings) { s.threads = n } }

// WithGreedy decodes by taking the most probable symbol of each frame: several times faster than the beam
// search, a little less accurate, and without language model, hot words or n-best lists.
func WithGreedy() Option { return func(s *settings) { s.greedy = true } }

// WithVAD sets how Transcribe cuts long inputs into speech segments (DefaultVADConfig), and how a Stream (so
// Listen and TranscribeStream) hears speech that the decoder has not spelled yet when it measures silence.
func WithVAD(cfg VADConfig) Option { return func(s *settings) { s.vad = cfg } }

// Load returns a Recognizer for the acoustic model file at path.
func Load(path string, opts ...Option) (*Recognizer, error) {
	m, err := acoustic.LoadFile(path)
	if err != nil {
		return nil, err
	}
	return LoadModel(m, opts...)
}

// LoadModel returns a Recognizer for an acoustic model already in memory. The model must not change while the
// Recognizer is in use.
func LoadModel(m *acoustic.Model, opts ...Option) (*Recognizer, error) {
	s := defaultSettings()
	for _, o := range opts {
		if o != nil { // a nil Option (an unset variable, a conditional option) changes nothing
			o(&s)
		}
	}
	return newRecognizer(m, s)
}

func newRecognizer(m *acoustic.Model, s settings) (*Recognizer, error) {
	if m == nil {
		return nil, errors.New("hark: nil acoustic model")
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("hark: %w", err)
	}
	ext, err := features.New(m.Features)
	if err != nil {
		return nil, fmt.Errorf("hark: model's feature config: %w", err)
	}
	if m.Features.SampleRate != audio.SampleRate {
		return nil, fmt.Errorf("hark: model wants %d Hz audio; Hark feeds it %d Hz", m.Features.SampleRate, audio.SampleRate)
	}
	if m.Features.NumMels != m.Config.NumMels {
		return nil, fmt.Errorf("hark: model wants %d mels, its feature config gives %d", m.Config.NumMels, m.Features.NumMels)
	}
	if s.vad == (VADConfig{}) {
		s.vad = DefaultVADConfig()
	}
	if err := s.vad.Validate(); err != nil {
		return nil, fmt.Errorf("hark: %w", err)
	}
	r := &Recognizer{model: m, ext: ext, vocab: vocabulary(m.Vocabulary), frame: m.FrameSeconds(),
		nbest: max(s.nbest, 1), threads: max(s.threads, 1), vad: s.vad}
	if s.lmPath != "" {
		if s.lm, err = lm.Load(context.Background(), s.lmPath); err != nil {
			return nil, err
		}
	}
	closed := s.phrases != nil
	if closed {
		if s.greedy {
			return nil, errors.New("hark: greedy decoding cannot keep to phrases")
		}
		var lines []string
		if s.lm, lines, err = phraseLM(r.vocab, s.phrases); err != nil {
			return nil, err
		}
		var whole []decoder.HotWord
		for _, p := range lines {
			if strings.Contains(p, " ") {
				whole = append(whole, decoder.HotWord{Phrase: p, Boost: DefaultPhraseBoost})
			}
		}
		s.hot = append(whole, s.hot...)
		if !s.alphaSet {
			s.alpha = DefaultPhraseAlpha
		}
		if !s.betaSet {
			s.beta = DefaultPhraseBeta
		}
	}
	// Checked here for both decoders: the greedy one would otherwise fail on every call instead of at load.
	if err := r.vocab.Validate(); err != nil {
		return nil, fmt.Errorf("hark: %w", err)
	}
	if s.greedy {
		switch {
		case s.lm != nil:
			return nil, errors.New("hark: greedy decoding cannot use a language model")
		case len(s.hot) > 0:
			return nil, errors.New("hark: greedy decoding cannot boost hot words")
		case s.nbest > 1:
			return nil, errors.New("hark: greedy decoding gives no n-best list")
		}
		return r, nil
	}
	opts := decoder.Options{FrameDuration: r.frame, BeamWidth: s.beam, HotWords: s.hot, NBest: r.nbest, BlankPenalty: s.blank}
	if opts.BeamWidth <= 0 {
		opts.BeamWidth = DefaultBeam
	}
	if s.lm != nil {
		opts.LM, opts.Alpha, opts.Beta, opts.UnknownPenalty, opts.Lookahead = s.lm, s.alpha, s.beta, s.unk, s.look
		opts.MaxUnknownLength = s.maxUnk
		opts.ClosedVocabulary = closed
	}
	if r.dec, err = decoder.New(r.vocab, opts); err != nil {
		return nil, fmt.Errorf("hark: %w", err)
	}
	return r, nil
}

// phraseLM builds WithPhrases' language model, after checking that the model can spell every phrase, and
// returns it with the phrases normalised (lower case, single spaces).
func phraseLM(v decoder.Vocabulary, phrases []string) (*lm.Model, []string, error) {
	if len(phrases) == 0 {
		return nil, nil, errors.New("hark: no phrases to keep to")
	}
	spellable := map[rune]bool{}
	for i, sym := range v.Symbols {
		if r := []rune(sym); i != v.Blank && i != v.Space && len(r) == 1 {
			spellable[r[0]] = true
		}
	}
	lines := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(strings.ToLower(p))
		if len(words) == 0 {
			return nil, nil, fmt.Errorf("hark: phrase %d is empty", i+1)
		}
		for _, w := range words {
			for _, r := range w {
				if !spellable[r] {
					return nil, nil, fmt.Errorf("hark: phrase %d %q: the model cannot spell %q in %q", i+1, p, r, w)
				}
			}
		}
		lines[i] = strings.Join(words, " ")
	}
	m, _, err := lm.Build(context.Background(), strings.NewReader(strings.Join(lines, "\n")), lm.BuildOptions{Order: lm.MaxBuildOrder})
	if err != nil {
		return nil, nil, fmt.Errorf("hark: phrases: %w", err)
	}
	return m, lines, nil
}

// vocabulary describes the model's outputs to the decoder.
func vocabulary(v acoustic.Vocabulary) decoder.Vocabulary {
	out := decoder.Vocabulary{Symbols: v.Symbols, Blank: acoustic.Blank, Space: -1}
	for i, s := range v.Symbols {
		if s == " " {
			out.Space = i
			break
		}
	}
	return out
}

// Model returns the Recognizer's acoustic model, which must not be changed.
func (r *Recognizer) Model() *acoustic.Model { return r.model }

// FrameDuration is the time, in seconds, of one output frame of the acoustic model: the resolution of word
// times, and the unit of an Endpointer's frames.
func (r *Recognizer) FrameDuration() float64 { return r.frame }

// Transcribe recognises a sound file (WAV, FLAC or MP3, told apart by content) read from in. Long inputs are
// cut into speech segments by voice activity and recognised segment by segment while reading, so memory stays
// bounded whatever the length; silence, hum and steady noise give no text. Inputs under a second are
// recognised whole.
//
// A damaged file gives what was recognised before the damage together with the *audio.FormatError; a
// well-formed file with no samples gives ErrNoAudio. A failing reader or the end of ctx gives the text so far
// and the error, wrapped (errors.Is(err, context.Canceled) holds after a cancel); Result.Error then says so too,
// once any audio was read.
// Errors that are the input's fault — a *audio.FormatError (errors.As), ErrNoAudio (errors.Is) — are what an
// HTTP service answers with a 4xx status. A Read that blocks is not interrupted by ctx: give a reader that
// returns when the request ends (an http.Request's Body does).
func (r *Recognizer) Transcribe(ctx context.Context, in io.Reader) (Result, error) {
	return r.transcribe(ctx, in, "", nil)
}

// TranscribeFile is Transcribe of the file at path; the result's File is path. ("-" is a file of that name:
// to read standard input, pass os.Stdin to TranscribeReader.)
func (r *Recognizer) TranscribeFile(ctx context.Context, path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{File: path}, err
	}
	defer f.Close()
	return r.transcribe(ctx, f, path, nil)
}

// TranscribeReader is Transcribe with name as the result's File (and in errors). progress, if not nil, is
// called as the input is read with the seconds read so far and the input's duration (0 when the format does not
// tell it in advance), for progress bars.
func (r *Recognizer) TranscribeReader(ctx context.Context, in io.Reader, name string, progress func(done, total float64)) (Result, error) {
	return r.transcribe(ctx, in, name, progress)
}

func (r *Recognizer) transcribe(ctx context.Context, in io.Reader, name string, progress func(done, total float64)) (Result, error) {
	opts := pipelineOptions{SegmentOptions: SegmentOptions{VAD: r.vad, Progress: progress}, workers: r.threads,
		wholeBelow: wholeBelow}
	res, err := runSegments(ctx, in, name, r.recognizeSegment, opts)
	if err != nil && res.Error == "" && res.Duration > 0 {
		res.Error = err.Error() // the reader failed or ctx ended: the text stops early, as for a damaged file
	}
	return res, err
}

// Recognize transcribes samples (16 kHz mono in [-1, 1], as audio.Decode gives them) as one utterance, without
// voice activity detection: every sample reaches the model. Word times count from the first sample. Samples far
// out of that scale (beyond ±16, such as 16-bit PCM values passed as floats) are refused with a *SampleError;
// NaN and infinite samples are taken as silence. No samples at all give ErrNoAudio.
//
// For the same audio, Recognize and a Stream's Final give the same text; Transcribe can differ a little on
// inputs over a second, because it recognises the speech segments the voice-activity detector cuts out (each
// with a little padding) rather than the whole input, so the model sees different edges. Recognize is for
// utterances: over minutes of speech the model and the search drop words (bench/long-audio.sh's recordings:
// 65.20 % WER whole, 54.76 % through Transcribe's segments), so give recordings to Transcribe, or samples
// in hand to DetectSpeech and Recognize each span.
func (r *Recognizer) Recognize(ctx context.Context, samples []float32) (Result, error) {
	if len(samples) == 0 {
		return Result{}, ErrNoAudio // as for a file that holds no samples: an empty text would pass for silence
	}
	res := Result{Duration: float64(len(samples)) / float64(r.model.Features.SampleRate)}
	if err := checkSamples(samples); err != nil {
		return res, err
	}
	out, err := r.recognizeSegment(ctx, samples)
	if err != nil {
		return res, err
	}
	addOutput(&res, Span{0, res.Duration}, out)
	return res, nil
}

// LogProbs is the first half of Recognize: the acoustic model's output for samples (16 kHz mono), one row per
// output frame (FrameDuration seconds), natural-log posteriors over Model().Vocabulary. Decode is the second half.
// Together they let a caller keep, inspect or combine the model's output (hark eval --dump saves it) without
// running the network twice. Audio shorter than one feature frame gives a matrix of no rows.
func (r *Recognizer) LogProbs(ctx context.Context, samples []float32) (*acoustic.Matrix, error) {
	feats := r.ext.Compute(samples)
	if feats.Rows == 0 {
		return &acoustic.Matrix{Cols: r.model.Vocabulary.Size()}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.model.ForwardContext(ctx, feats)
}

// Decode turns LogProbs' output into text with this Recognizer's decoder (greedy, or beam search with its LM,
// hot words and n-best), exactly as Recognize does. Word times count from the first frame; Duration is the
// frames' length.
func (r *Recognizer) Decode(ctx context.Context, lp *acoustic.Matrix) (Result, error) {
	if lp == nil {
		return Result{}, errors.New("hark: Decode: no matrix")
	}
	if v := r.model.Vocabulary.Size(); lp.Cols != v || lp.Rows < 0 || len(lp.Data) != lp.Rows*lp.Cols {
		return Result{}, fmt.Errorf("hark: Decode: a %d×%d matrix with %d values is not this model's output (%d symbols per frame)",
			lp.Rows, lp.Cols, len(lp.Data), v)
	}
	res := Result{Duration: float64(lp.Rows) * r.frame}
	out, err := r.decodeFrames(ctx, lp)
	if err != nil {
		return res, err
	}
	addOutput(&res, Span{0, res.Duration}, out)
	return res, nil
}

// recognizeSegment is the batch path: features (normalised per utterance if the model's feature config says
// so), the whole forward, and the decoder.
func (r *Recognizer) recognizeSegment(ctx context.Context, samples []float32) (segmentOutput, error) {
	lp, err := r.LogProbs(ctx, samples)
	if err != nil {
		return segmentOutput{}, err
	}
	return r.decodeFrames(ctx, lp)
}

// decodeFrames is decode that gives no text for no frames.
func (r *Recognizer) decodeFrames(ctx context.Context, lp *acoustic.Matrix) (segmentOutput, error) {
	if lp.Rows == 0 {
		return segmentOutput{}, nil
	}
	return r.decode(ctx, lp)
}

// decode turns the acoustic model's log-probabilities into text.
func (r *Recognizer) decode(ctx context.Context, lp *acoustic.Matrix) (segmentOutput, error) {
	if r.dec == nil {
		h, err := decoder.Greedy(r.vocab, rows(lp), r.frame)
		if err != nil {
			return segmentOutput{}, err
		}
		return fromHypotheses([]decoder.Hypothesis{h}, 1), nil
	}
	res, err := r.dec.DecodeFlat(ctx, lp.Data, lp.Rows)
	if err != nil {
		return segmentOutput{}, err
	}
	return fromHypotheses(res.Hypotheses, r.nbest), nil
}

// rows views a matrix as a slice of rows, sharing its storage.
func rows(m *acoustic.Matrix) [][]float32 {
	out := make([][]float32, m.Rows)
	for i := range out {
		out[i] = m.Row(i)
	}
	return out
}

// fromHypotheses converts the decoder's n-best list; alternatives are kept only when more than one was asked
// for.
func fromHypotheses(hs []decoder.Hypothesis, nbest int) segmentOutput {
	if len(hs) == 0 {
		return segmentOutput{}
	}
	out := segmentOutput{text: hs[0].Text, words: fromDecoderWords(hs[0].Words)}
	if nbest > 1 {
		for _, h := range hs {
			out.alts = append(out.alts, Alternative{Text: h.Text, Score: h.Score})
		}
	}
	return out
}

func fromDecoderWords(ws []decoder.Word) []Word {
	out := make([]Word, len(ws))
	for i, w := range ws {
		out[i] = Word{Text: w.Text, Start: w.Start, End: w.End, Confidence: w.Confidence}
	}
	return out
}

// maxSampleMagnitude bounds what can be audio scaled to [-1, 1]: float files may overshoot full scale a little,
// but 16-bit PCM values passed as floats (the commonest mistake) are in the hundreds or thousands.
const maxSampleMagnitude = 16

// A SampleError reports samples far outside the [-1, 1] scale that Recognize and Stream.Accept take.
type SampleError struct {
	Index int     // position of the first bad sample in the slice given
	Value float32 // its value
}

func (e *SampleError) Error() string {
	return fmt.Sprintf("hark: sample %d is %g: samples are floats in [-1, 1] (16-bit PCM must be divided by 32768; Stream.AcceptPCM16 takes raw bytes)", e.Index, e.Value)
}

// checkSamples returns a *SampleError for the first finite sample beyond ±maxSampleMagnitude. NaN and infinite
// samples pass: every path takes them as silence (a float file with a few of them is still speech).
func checkSamples(samples []float32) error {
	for i, v := range samples {
		if (v > maxSampleMagnitude || v < -maxSampleMagnitude) && !math.IsInf(float64(v), 0) {
			return &SampleError{Index: i, Value: v}
		}
	}
	return nil
}
