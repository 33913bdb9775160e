package synth

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Split names a part of the generated corpus.
type Split string

const (
	Train Split = "train"
	Test  Split = "test"
)

// Plan is everything random about one utterance, drawn from its own seed, so that utterance i of a split is the
// same whatever order, chunking or parallelism produced it.
type Plan struct {
	Split Split
	Index int
	Text  string // normalised transcript, also what the voice reads
	Voice Voice
	Rate  float64 // speaking-rate factor given to the engine (1 = the voice's default)
	Pitch float64 // espeak-ng pitch, 0–99 (other engines: sox pitch shift below)
	Aug   Augment
}

// Augment is the signal chain applied after synthesis.
type Augment struct {
	Speed       float64   // sox speed factor (tempo and pitch together); 1 = none
	PitchCents  float64   // sox pitch shift; 0 = none
	EQ          []EQBand  // peaking filters
	Telephone   bool      // 300–3400 Hz band-pass
	Reverb      []float64 // sox reverb reverberance, HF damping, room scale, pre-delay (ms); nil = none
	NoiseColor  string    // "white", "pink", "brown" or "" for none
	SNR         float64   // dB of speech over noise
	LevelDBFS   float64   // peak level of the result
	LeadSilence float64   // seconds of silence (or noise) before the speech
	TailSilence float64   // and after it
}

// EQBand is one peaking equaliser band.
type EQBand struct{ Freq, Q, GainDB float64 }

// Name is the utterance's file name without extension, e.g. "train-0001234".
func (p Plan) Name() string { return fmt.Sprintf("%s-%07d", p.Split, p.Index) }

// RelPath is where the utterance's audio goes inside the output folder: shards of 1000 files.
func (p Plan) RelPath() string {
	return fmt.Sprintf("%s/%04d/%s.flac", p.Split, p.Index/1000, p.Name())
}

// splitmix64 is a bijective mixer; chaining it derives independent per-utterance seeds from (seed, split, index).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func utteranceRand(seed uint64, split Split, index int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(split))
	s := splitmix64(splitmix64(seed^h.Sum64()) + uint64(index))
	return rand.New(rand.NewPCG(s, splitmix64(s)))
}

// planner draws plans for one split.
type planner struct {
	seed      uint64
	split     Split
	sentences []string
	voices    []Voice
	cum       []float64 // cumulative voice weights
}

func newPlanner(seed uint64, split Split, sentences []string, voices []Voice) (*planner, error) {
	if len(sentences) == 0 {
		return nil, fmt.Errorf("synth: no sentences for the %s split", split)
	}
	if len(voices) == 0 {
		return nil, fmt.Errorf("synth: no voices for the %s split", split)
	}
	p := &planner{seed: seed, split: split, sentences: sentences, voices: voices}
	total := 0.0
	for _, v := range voices {
		total += v.Weight
		p.cum = append(p.cum, total)
	}
	return p, nil
}

func (pl *planner) plan(index int) Plan {
	r := utteranceRand(pl.seed, pl.split, index)
	p := Plan{Split: pl.split, Index: index}
	p.Text = pl.sentences[r.IntN(len(pl.sentences))]
	x := r.Float64() * pl.cum[len(pl.cum)-1]
	vi := 0
	for vi < len(pl.cum)-1 && pl.cum[vi] <= x {
		vi++
	}
	p.Voice = pl.voices[vi]
	p.Rate = uniform(r, 0.8, 1.3)
	p.Pitch = math.Round(uniform(r, 25, 75))

	a := &p.Aug
	a.Speed = 1
	if r.Float64() < 0.5 {
		a.Speed = round3(uniform(r, 0.9, 1.1))
	}
	if r.Float64() < 0.3 {
		a.PitchCents = math.Round(uniform(r, -300, 300))
	}
	if r.Float64() < 0.5 {
		for range 1 + r.IntN(2) {
			a.EQ = append(a.EQ, EQBand{
				Freq:   math.Round(100 * math.Pow(60, r.Float64())), // 100 Hz – 6 kHz, log-uniform
				Q:      round3(uniform(r, 0.5, 2)),
				GainDB: round3(uniform(r, -8, 8)),
			})
		}
	}
	a.Telephone = r.Float64() < 0.1
	if r.Float64() < 0.3 {
		a.Reverb = []float64{math.Round(uniform(r, 10, 70)), math.Round(uniform(r, 20, 80)),
			math.Round(uniform(r, 20, 100)), math.Round(uniform(r, 0, 20))}
	}
	if r.Float64() < 0.7 {
		a.NoiseColor = []string{"white", "pink", "brown"}[r.IntN(3)]
		a.SNR = round3(uniform(r, 5, 30))
	}
	a.LevelDBFS = round3(uniform(r, -25, -1))
	a.LeadSilence = round3(uniform(r, 0, 0.3))
	a.TailSilence = round3(uniform(r, 0, 0.3))
	return p
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// soxEffects returns the sox effect chain for a (without noise, level and padding, which are done in Go).
func (a Augment) soxEffects() []string {
	var e []string
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	if a.Speed != 1 && a.Speed > 0 {
		e = append(e, "speed", f(a.Speed))
	}
	if a.PitchCents != 0 {
		e = append(e, "pitch", f(a.PitchCents))
	}
	for _, b := range a.EQ {
		e = append(e, "equalizer", f(b.Freq), f(b.Q)+"q", f(b.GainDB))
	}
	if a.Telephone {
		e = append(e, "sinc", "300-3400")
	}
	if len(a.Reverb) == 4 {
		e = append(e, "reverb", f(a.Reverb[0]), f(a.Reverb[1]), f(a.Reverb[2]), "100", f(a.Reverb[3]))
	}
	return e
}

// describe is a one-line summary of the augmentation, for logs.
func (a Augment) describe() string {
	var parts []string
	if a.Speed != 1 {
		parts = append(parts, fmt.Sprintf("speed %.3f", a.Speed))
	}
	if a.PitchCents != 0 {
		parts = append(parts, fmt.Sprintf("pitch %+.0f", a.PitchCents))
	}
	if len(a.EQ) > 0 {
		parts = append(parts, fmt.Sprintf("eq×%d", len(a.EQ)))
	}
	if a.Telephone {
		parts = append(parts, "telephone")
	}
	if a.Reverb != nil {
		parts = append(parts, "reverb")
	}
	if a.NoiseColor != "" {
		parts = append(parts, fmt.Sprintf("%s noise %.1f dB", a.NoiseColor, a.SNR))
	}
	parts = append(parts, fmt.Sprintf("level %.1f dBFS", a.LevelDBFS))
	return strings.Join(parts, ", ")
}
