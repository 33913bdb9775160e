package hark

import (
	"context"
	"io"
)

// SegmentFunc recognises one segment of speech (16 kHz mono samples): its text, and its words with times in
// seconds from the segment's first sample. It is how a recogniser plugs into TranscribeSegments.
type SegmentFunc func(ctx context.Context, samples []float32) (text string, words []Word, err error)

// SegmentOptions tunes TranscribeSegments.
type SegmentOptions struct {
	// VAD cuts the input into segments; the zero value means DefaultVADConfig.
	VAD VADConfig
	// ChunkSize is how many samples are read at a time (default one second).
	ChunkSize int
	// Progress, if set, is called after each chunk with the seconds of audio read so far and the input's
	// duration (0 when the format does not tell it without decoding everything), for progress bars.
	Progress func(done, total float64)
}

// TranscribeSegments transcribes a sound file of any length by voice activity: it decodes r (WAV, FLAC or MP3,
// sniffed from its content; name only labels the result and errors) as a stream, cuts it into speech
// segments, and hands each to recognize as soon as it ends, so memory stays bounded by the longest segment.
// Word and segment times in the result count from the start of the input. Silence, hum and steady noise make
// no segment, so recognize never sees them and the result has empty text.
//
// A damaged file gives the segments decoded before the damage together with the decoder's *audio.FormatError.
func TranscribeSegments(ctx context.Context, r io.Reader, name string, recognize SegmentFunc, opts SegmentOptions) (Result, error) {
	rec := func(ctx context.Context, samples []float32) (segmentOutput, error) {
		text, words, err := recognize(ctx, samples)
		return segmentOutput{text: text, words: words}, err
	}
	return runSegments(ctx, r, name, rec, pipelineOptions{SegmentOptions: opts})
}
