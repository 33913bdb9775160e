package hark

import (
	"errors"
	"fmt"
	"math"

	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/features"
)

// VADConfig tunes the voice-activity detector. Times are in seconds, levels in dB.
type VADConfig struct {
	// Threshold is how far, on average over its bands, a frame must rise above the bands' noise floors to
	// count as speech.
	Threshold float64
	// MinLevel is the level (dB of the mean square in the detector's band; a full-scale sine is −3 dB)
	// below which nothing is speech, however quiet the background: it keeps dither and faint hiss out.
	MinLevel float64
	// MinSpeech drops spans with less speech than this, counting only the frames above the threshold (clicks,
	// coughs, door slams, and the odd noise frame that crosses the threshold by chance).
	MinSpeech float64
	// MinSilence is the pause that ends a span; shorter pauses stay inside it. The default, 0.3 s, cuts
	// between sentences read with short pauses: bench/long-audio.sh's pooled WER 56.04 % with 0.5 s, 55.59 %
	// with 0.4 s, 54.76 % with 0.3 s; the dev sets' sentences (hark eval --vad) 52.43, 52.38, 52.43 %.
	MinSilence float64
	// Padding widens each span on both sides (never into its neighbours), so that soft word edges the
	// detector missed still reach the recogniser.
	Padding float64
	// MaxSpeech splits longer speech at its quietest point in the last half (it must be at least twice
	// MinSilence), so that segments stay short enough for the recogniser and memory stays bounded. The
	// default, 5 s, is short because the model recognises short stretches best: bench/long-audio.sh's pooled
	// WER went from 58.15 % with 20 s to 56.04 % (with 0.5 s pauses), the dev sets' utterances unchanged
	// (hark eval --vad: 52.48 → 52.43 %).
	MaxSpeech float64
	// MinModulation drops spans whose level varies less than this between their loud and quiet frames:
	// speech rises and falls with its syllables by 10 dB or more, while hum and steady noise barely move,
	// so a noise that starts suddenly, before the noise floor has caught up with it, is not taken for speech.
	MinModulation float64
	// MinContrast drops spans whose loudest frame is less than this above the noise floors as they stand when
	// the span ends.
	MinContrast float64
	// NoiseWindow is how long the noise floor takes, at most, to rise to a louder background; it falls to a
	// quieter one at once.
	NoiseWindow float64
}

// DefaultVADConfig returns settings for recognising recorded speech.
func DefaultVADConfig() VADConfig {
	return VADConfig{
		Threshold:     5,
		MinLevel:      -60,
		MinSpeech:     0.25,
		MinSilence:    0.3,
		Padding:       0.2,
		MaxSpeech:     5,
		MinModulation: 4,
		MinContrast:   10,
		NoiseWindow:   1.5,
	}
}

// Validate reports settings the detector cannot work with.
func (c VADConfig) Validate() error {
	var errs []error
	check := func(name string, v, lo, hi float64) {
		if !(v >= lo && v <= hi) {
			errs = append(errs, fmt.Errorf("vad: %s = %v, want %v…%v", name, v, lo, hi))
		}
	}
	check("Threshold", c.Threshold, 0.5, 60)
	check("MinLevel", c.MinLevel, -200, 0)
	check("MinSpeech", c.MinSpeech, 0, 60)
	check("MinSilence", c.MinSilence, vadHop, 60)
	check("Padding", c.Padding, 0, 10)
	check("MaxSpeech", c.MaxSpeech, 1, 600)
	check("MinModulation", c.MinModulation, 0, 60)
	check("MinContrast", c.MinContrast, 0, 60)
	check("NoiseWindow", c.NoiseWindow, 0.1, 60)
	if c.MaxSpeech < 2*c.MinSilence {
		errs = append(errs, fmt.Errorf("vad: MaxSpeech %v s is shorter than two MinSilence (%v s)", c.MaxSpeech, c.MinSilence))
	}
	return errors.Join(errs...)
}

// Span is a stretch of speech, in seconds from the start of the stream.
type Span struct {
	Start, End float64
}

// Duration returns End − Start.
func (s Span) Duration() float64 { return s.End - s.Start }

// The detector's front end: 25 ms Hann frames every 10 ms, in 20 mel bands from 125 Hz to 7.5 kHz. Below
// 125 Hz there is little to recognise and much mains hum and rumble; wide bands keep the frame-to-frame
// scatter of noise small, so the floors are tight.
const (
	vadHop       = 0.01
	vadBands     = 20
	vadFMin      = 125
	vadFMax      = 7500
	vadBlock     = 25 // frames per noise-floor block
	vadSmoothA   = 0.5
	vadMaxExcess = 40 // dB: one loud band must not make a frame speech alone
	vadEdge      = 3  // frames at each end of a span left out of its modulation (the window straddles the edge)
)

// toDB converts the natural-log energies of features to decibels.
const toDB = 10 / math.Ln10

// levelOffset turns the dB of a frame's summed band energies into the dB of the signal's mean square in the
// band (a full-scale sine is −3 dB): by Parseval, the one-sided power spectrum of a 512-point FFT of a
// Hann-windowed frame sums to 512/2 · Σw² · mean square, and Σw² = 0.375 · 400; the triangular mel filters
// sum to 1 inside the band. 10·log10(256 · 150):
const levelOffset = 45.84331224367531

// A VAD finds speech in a stream of 16 kHz mono samples, arriving in chunks of any size, in constant memory;
// the spans do not depend on how the stream is chunked.
//
// Each 10 ms frame is split into 20 mel bands, and each band is compared with its own noise floor: the
// minimum of its smoothed level over the last NoiseWindow (minimum statistics), which falls at once and rises
// within NoiseWindow. A frame is speech when its bands stand, on average, Threshold dB above their floors.
// Per-band floors are what make steady noise of any spectrum and level disappear — white, pink, mains hum with
// its harmonics — while speech in the bands the noise leaves free still shows: speech mixed with hum as loud
// as itself is found. (Spectral flatness, the usual companion of energy, separates white noise from voiced speech but
// not hum, which is as tonal as a vowel; per-band floors handle both.)
//
// Speech frames are joined into spans across pauses shorter than MinSilence (the hangover). A span is kept
// only if it holds MinSpeech of speech frames, its level varies by MinModulation (syllables do; steady noise
// does not) and its loudest frame stands MinContrast above the noise floors as they are when it ends: a noise
// that starts suddenly passes for speech until the floors catch up with it, and is then dropped whole.
// Kept spans are padded by Padding, and speech longer than MaxSpeech is cut at its quietest point.
//
// The floors start from the first frame. A stream that begins in the middle of a word learns its floor from
// that word until a quieter frame comes, so a clip of under half a second that is all speech (an isolated
// digit cut tightly) may give no span.
//
// A VAD is not safe for concurrent use.
type VAD struct {
	cfg    VADConfig
	stream *features.Stream

	minSpeech, minSilence, maxSpeech int // in frames
	nBlocks                          int

	// Noise floors per band: minima of completed blocks of vadBlock frames (a ring) and of the block in progress.
	smooth    [vadBands]float64 // smoothed band power
	blockMins [][vadBands]float64
	curMin    [vadBands]float64
	blockLen  int
	frames    int // frames seen

	// The span in progress, in frames: first and last speech frame, level history for modulation and splits.
	inSpeech      bool
	first, last   int
	hist          []frameStat // frames first… of the span in progress; at most maxSpeech of them
	prevEnd       float64     // end of the last emitted span (seconds), so padding never overlaps
	samples       int64       // samples seen
	lastSpeech    int         // the last speech frame, −1 before the first
	run           int         // speech frames in a row up to the last frame
	lastSustained int         // the last frame of a run of sustainedFrames or more, −1 before the first
	lastLevel     float64     // the last frame's level, for tests
	noise         float64     // level of the noise floors (dB)
}

// NewVAD returns a VAD at the start of a stream.
func NewVAD(cfg VADConfig) (*VAD, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fc := features.DefaultConfig()
	fc.NumMels = vadBands
	fc.FMin, fc.FMax = vadFMin, vadFMax
	ex, err := features.New(fc)
	if err != nil {
		return nil, fmt.Errorf("vad: %w", err)
	}
	frames := func(s float64) int { return int(math.Round(s / vadHop)) }
	v := &VAD{
		cfg:        cfg,
		stream:     ex.NewStream(),
		minSpeech:  frames(cfg.MinSpeech),
		minSilence: max(frames(cfg.MinSilence), 1),
		maxSpeech:  frames(cfg.MaxSpeech),
		nBlocks:    max(1, int(math.Ceil(cfg.NoiseWindow/vadHop/vadBlock))),
	}
	v.Reset()
	return v, nil
}

// Reset puts the VAD back at the start of a new stream, forgetting the noise floors.
func (v *VAD) Reset() {
	v.stream.Reset()
	v.blockMins = v.blockMins[:0]
	v.blockLen, v.frames, v.samples = 0, 0, 0
	v.inSpeech, v.lastSpeech, v.run, v.lastSustained = false, -1, 0, -1
	v.hist = v.hist[:0]
	v.prevEnd = 0
}

// Speaking reports whether the stream is inside a stretch of speech: from its first speech frame until
// MinSilence without one (the hangover). The stretch may still be dropped when it ends, as too short or too
// steady to be speech.
func (v *VAD) Speaking() bool { return v.inSpeech }

// sustainedSilence is Silence counted from the last run of at least sustainedFrames speech frames, so that a
// click or a crackle in a pause does not restart it.
func (v *VAD) sustainedSilence() float64 {
	if v.lastSustained < 0 {
		return float64(v.frames) * vadHop
	}
	return float64(v.frames-1-v.lastSustained) * vadHop
}

// sustainedFrames is how many speech frames in a row (50 ms) count as sound of speech for sustainedSilence.
const sustainedFrames = 5

// Silence returns how long ago, in seconds, the last speech frame ended (the whole stream so far when there
// was none), for endpointing a live stream without a decoder's help.
func (v *VAD) Silence() float64 {
	if v.lastSpeech < 0 {
		return float64(v.frames) * vadHop
	}
	return float64(v.frames-1-v.lastSpeech) * vadHop
}

// Accept feeds samples (16 kHz mono) and returns the spans of speech that they complete, in order.
func (v *VAD) Accept(samples []float32) []Span {
	v.samples += int64(len(samples))
	m := v.stream.Accept(samples)
	var out []Span
	for i := 0; i < m.Rows; i++ {
		out = v.frame(m.Row(i), out)
	}
	return out
}

// Flush ends the stream: it returns the span in progress, if it qualifies, and resets the VAD.
func (v *VAD) Flush() []Span {
	var out []Span
	if v.inSpeech {
		out = v.emit(v.first, v.last, true, out)
	}
	v.Reset()
	return out
}

// frame processes one frame of log-mel energies.
func (v *VAD) frame(logmel []float32, out []Span) []Span {
	t := v.frames
	v.frames++
	var total float64
	for b, e := range logmel {
		p := math.Exp(float64(e))
		if !(p < math.Inf(1)) { // NaN or infinite samples: no energy rather than a poisoned noise floor
			p = 0
		}
		total += p
		if t == 0 {
			v.smooth[b] = p
		} else {
			v.smooth[b] = vadSmoothA*v.smooth[b] + (1-vadSmoothA)*p
		}
	}
	level := toDB*math.Log(total+1e-30) - levelOffset

	// Noise floors: the minimum of the smoothed band levels over the last nBlocks blocks.
	var excess, smoothTotal, noiseTotal float64
	for b := range v.smooth {
		smoothTotal += v.smooth[b]
		s := toDB * math.Log(v.smooth[b]+1e-30)
		if v.blockLen == 0 || s < v.curMin[b] {
			v.curMin[b] = s
		}
		floor := v.curMin[b]
		for _, bm := range v.blockMins {
			floor = min(floor, bm[b])
		}
		excess += min(max(s-floor, 0), vadMaxExcess)
		noiseTotal += math.Exp(floor / toDB)
	}
	v.noise = toDB*math.Log(noiseTotal+1e-30) - levelOffset
	smoothLevel := toDB*math.Log(smoothTotal+1e-30) - levelOffset
	excess /= vadBands
	v.blockLen++
	if v.blockLen == vadBlock {
		if len(v.blockMins) == v.nBlocks-1 && len(v.blockMins) > 0 {
			copy(v.blockMins, v.blockMins[1:])
			v.blockMins[len(v.blockMins)-1] = v.curMin
		} else if v.nBlocks > 1 {
			v.blockMins = append(v.blockMins, v.curMin)
		}
		v.blockLen = 0
	}

	active := excess >= v.cfg.Threshold && level >= v.cfg.MinLevel
	v.lastLevel = level
	if active {
		v.lastSpeech = t
		if v.run++; v.run >= sustainedFrames {
			v.lastSustained = t
		}
	} else {
		v.run = 0
	}
	if active && !v.inSpeech {
		v.inSpeech = true
		v.first = t
		v.hist = v.hist[:0]
	}
	if v.inSpeech {
		v.hist = append(v.hist, frameStat{smoothLevel, active})
	}
	switch {
	case active:
		v.last = t
	case v.inSpeech && t-v.last >= v.minSilence:
		out = v.emit(v.first, v.last, true, out)
		v.inSpeech = false
	}
	if v.inSpeech && t-v.first+1 >= v.maxSpeech {
		out = v.split(out)
	}
	return out
}

// split ends the span in progress at its quietest frame in the second half and starts a new one there.
func (v *VAD) split(out []Span) []Span {
	n := len(v.hist)
	at := n / 2
	for i := n / 2; i < n-vadEdge; i++ {
		if v.hist[i].level < v.hist[at].level {
			at = i
		}
	}
	out = v.emit(v.first, v.first+at, false, out)
	v.hist = v.hist[:copy(v.hist, v.hist[at:])]
	v.first += at
	v.last = max(v.last, v.first)
	return out
}

// emit closes the speech frames first…last into a span, unless too short or too steady to be speech. A span
// cut by split gets no padding at its end, so that the next one starts exactly where it ends.
func (v *VAD) emit(first, last int, padEnd bool, out []Span) []Span {
	n := min(last-first+1, len(v.hist))
	speech := 0
	for _, f := range v.hist[:n] {
		if f.active {
			speech++
		}
	}
	if speech < max(v.minSpeech, 1) {
		return out
	}
	inner := v.hist[:n]
	if n > 2*vadEdge+1 {
		inner = inner[vadEdge : n-vadEdge]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range inner {
		lo, hi = min(lo, f.level), max(hi, f.level)
	}
	// Judge the span against the noise floors as they are now, not as they were when it began: a noise that
	// starts suddenly looks like speech until the floors catch up with it, and then it no longer does.
	if hi-lo < v.cfg.MinModulation || hi-v.noise < v.cfg.MinContrast {
		return out
	}
	// Frame t is centred on sample t·hop + 200 and stands for the 10 ms around it.
	start := float64(first)*vadHop + 0.0125 - vadHop/2 - v.cfg.Padding
	end := float64(last)*vadHop + 0.0125 + vadHop/2
	if padEnd {
		end += v.cfg.Padding
	}
	start = max(start, v.prevEnd, 0)
	end = min(end, float64(v.samples)/audio.SampleRate)
	if end <= start {
		return out
	}
	v.prevEnd = end
	return append(out, Span{Start: start, End: end})
}

// frameStat is what a span keeps of each of its frames.
type frameStat struct {
	level  float64 // dB
	active bool    // above the threshold
}

// DetectSpeech returns the spans of speech in a whole signal of 16 kHz mono samples.
func DetectSpeech(samples []float32, cfg VADConfig) ([]Span, error) {
	v, err := NewVAD(cfg)
	if err != nil {
		return nil, err
	}
	return append(v.Accept(samples), v.Flush()...), nil
}
