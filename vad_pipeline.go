package hark

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/harkspeech/hark/audio"
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
	res := Result{File: name}
	if opts.VAD == (VADConfig{}) {
		opts.VAD = DefaultVADConfig()
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = audio.SampleRate
	}
	seg, err := NewSegmenter(opts.VAD)
	if err != nil {
		return res, err
	}
	in, err := audio.Open(r, name)
	if err != nil {
		return res, err
	}
	defer in.Close()
	total := max(in.Info().Duration, 0)

	buf := make([]float32, opts.ChunkSize)
	var read int64
	for {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("transcribe %s: %w", name, err)
		}
		n, rerr := in.Read(buf)
		read += int64(n)
		res.Duration = float64(read) / audio.SampleRate
		segs := seg.Accept(buf[:n])
		if rerr != nil {
			segs = append(segs, seg.Flush()...)
		}
		for _, s := range segs {
			if err := recognizeSegment(ctx, &res, s, recognize); err != nil {
				return res, fmt.Errorf("transcribe %s at %.2f s: %w", name, s.Start, err)
			}
		}
		if opts.Progress != nil {
			opts.Progress(res.Duration, total)
		}
		switch {
		case errors.Is(rerr, io.EOF):
			return res, nil
		case rerr != nil:
			return res, rerr // already a FormatError naming the file
		}
	}
}

// recognizeSegment runs recognize on s and adds its transcript to res, with times moved from the segment's
// start to the input's.
func recognizeSegment(ctx context.Context, res *Result, s SpeechSegment, recognize SegmentFunc) error {
	text, words, err := recognize(ctx, s.Samples)
	if err != nil {
		return err
	}
	moved := make([]Word, len(words))
	for i, w := range words {
		w.Start += s.Start
		w.End += s.Start
		moved[i] = w
	}
	res.AddSegment(Segment{Start: s.Start, End: s.End, Text: text, Words: moved})
	return nil
}
