package hark

import (
	"math"

	"github.com/harkspeech/hark/audio"
)

// SpeechSegment is one span of speech with its samples (16 kHz mono), owned by the receiver.
type SpeechSegment struct {
	Span
	Samples []float32
}

// A Segmenter cuts a stream into speech segments with their samples, so that long recordings can be recognised
// segment by segment while reading the input once, in memory bounded by the longest segment (VADConfig's
// MaxSpeech plus MinSilence and Padding) whatever the length of the stream.
//
// A Segmenter is not safe for concurrent use.
type Segmenter struct {
	vad      *VAD
	buf      []float32 // samples from sample bufStart on
	bufStart int64
}

// NewSegmenter returns a Segmenter at the start of a stream.
func NewSegmenter(cfg VADConfig) (*Segmenter, error) {
	v, err := NewVAD(cfg)
	if err != nil {
		return nil, err
	}
	return &Segmenter{vad: v}, nil
}

// Accept feeds samples and returns the segments they complete, in order.
func (s *Segmenter) Accept(samples []float32) []SpeechSegment {
	s.buf = append(s.buf, samples...)
	out := s.cut(s.vad.Accept(samples))
	s.trim()
	return out
}

// Flush ends the stream, returning the segment in progress if it qualifies, and resets the Segmenter.
func (s *Segmenter) Flush() []SpeechSegment {
	out := s.cut(s.vad.Flush())
	s.buf, s.bufStart = s.buf[:0], 0
	return out
}

// Speaking reports whether the stream is inside a stretch of speech (see VAD.Speaking).
func (s *Segmenter) Speaking() bool { return s.vad.Speaking() }

func (s *Segmenter) cut(spans []Span) []SpeechSegment {
	var out []SpeechSegment
	for _, sp := range spans {
		lo := max(sampleIndex(sp.Start)-s.bufStart, 0)
		hi := min(sampleIndex(sp.End)-s.bufStart, int64(len(s.buf)))
		if hi <= lo {
			continue
		}
		out = append(out, SpeechSegment{Span: sp, Samples: append([]float32(nil), s.buf[lo:hi]...)})
	}
	return out
}

// trim drops the samples no future segment can reach: those before the earliest start of a span still to
// come, which is the padded start of the span in progress or, outside speech, of the next frame.
func (s *Segmenter) trim() {
	v := s.vad
	first := v.frames
	if v.inSpeech {
		first = v.first
	}
	keep := max(sampleIndex(float64(first)*vadHop+0.0125-vadHop/2-v.cfg.Padding), sampleIndex(v.prevEnd))
	if drop := keep - s.bufStart; drop > 0 {
		drop = min(drop, int64(len(s.buf)))
		s.buf = s.buf[:copy(s.buf, s.buf[drop:])]
		s.bufStart += drop
	}
}

// sampleIndex converts seconds to the nearest sample index, not negative.
func sampleIndex(t float64) int64 {
	return max(int64(math.Round(t*audio.SampleRate)), 0)
}
