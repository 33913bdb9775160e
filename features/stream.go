package features

// A Stream extracts frames incrementally from audio that arrives in pieces, such as a microphone. The frames
// of all its Accept calls, concatenated, are those Compute gives for the whole signal without normalisation:
// a Stream never normalises, since per-utterance statistics are unknown until the utterance ends.
//
// A Stream is not safe for concurrent use; several Streams of one Extractor are independent.
type Stream struct {
	e       *Extractor
	pending []float32 // samples from the start of the next frame on
	skip    int       // samples still to drop before the next frame starts (only when Hop > FrameLength)
	s       *scratch
}

// NewStream returns a Stream at the start of a signal.
func (e *Extractor) NewStream() *Stream {
	return &Stream{e: e, s: e.newScratch()}
}

// Accept appends samples to the signal and returns the frames they complete, possibly none (Rows == 0).
func (st *Stream) Accept(samples []float32) *Matrix {
	cfg := st.e.cfg
	if st.skip > 0 {
		n := min(st.skip, len(samples))
		samples = samples[n:]
		st.skip -= n
	}
	st.pending = append(st.pending, samples...)
	m := NewMatrix(cfg.NumFrames(len(st.pending)), cfg.NumMels)
	for i := 0; i < m.Rows; i++ {
		st.e.frame(m.Row(i), st.pending[i*cfg.Hop:i*cfg.Hop+cfg.FrameLength], st.s)
	}
	// Keep what later frames need: everything from the next frame's start. That start may lie beyond the
	// samples seen so far when Hop > FrameLength; then the gap is skipped as it arrives.
	next := m.Rows * cfg.Hop
	if next >= len(st.pending) {
		st.skip += next - len(st.pending)
		st.pending = st.pending[:0]
	} else {
		st.pending = st.pending[:copy(st.pending, st.pending[next:])]
	}
	return m
}

// Reset puts the Stream back at the start of a new signal.
func (st *Stream) Reset() {
	st.pending = st.pending[:0]
	st.skip = 0
}
