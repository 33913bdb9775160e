package decoder

import (
	"fmt"
	"math"
)

// Stream decodes frames as they arrive. Partial gives the best transcript so far at any time; Final gives exactly
// what Decode would return for all the frames accepted, however they were split. A Stream is not safe for
// concurrent use.
type Stream struct {
	d *Decoder
	s *search
}

// NewStream starts a streaming decode.
func (d *Decoder) NewStream() *Stream {
	return &Stream{d: d, s: d.newSearch()}
}

// Accept feeds frames of log-probabilities (each of the vocabulary's width) to the search.
func (st *Stream) Accept(frames [][]float32) error {
	v := len(st.d.vocab.Symbols)
	for i, row := range frames {
		if len(row) != v {
			return fmt.Errorf("decoder: frame %d has %d values, want %d", int(st.s.t)+i, len(row), v)
		}
		for _, x := range row {
			if math.IsNaN(float64(x)) || x > 1e-3 {
				return fmt.Errorf("decoder: frame %d holds %v, which is not a log-probability", int(st.s.t)+i, x)
			}
		}
	}
	for _, row := range frames {
		if st.s.t == math.MaxInt32 {
			return fmt.Errorf("decoder: stream longer than %d frames", math.MaxInt32)
		}
		st.s.step(row)
	}
	return nil
}

// Frames returns the number of frames accepted so far.
func (st *Stream) Frames() int { return int(st.s.t) }

// Partial returns the search's best hypothesis for the frames so far. Unlike Final it does not end the
// utterance: a word still being spoken is shown as the letters spelled so far ("the wonde"), so that a live
// caption keeps up with a long word, and its scores leave out the end of sentence and the last word's LM score.
func (st *Stream) Partial() Hypothesis {
	return st.s.finish(1, true)[0]
}

// Final returns the n-best result for all frames accepted. The stream may still accept more frames afterwards.
func (st *Stream) Final() Result {
	return Result{Hypotheses: st.s.finish(st.d.opts.NBest, false)}
}
