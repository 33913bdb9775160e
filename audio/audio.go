// Package audio turns sound files into what the rest of Hark consumes: mono float32 samples in [-1, 1] at
// 16 kHz.
//
// It detects the container from the bytes (RIFF/WAVE, FLAC, MP3), never from the file name, decodes it frame by
// frame, averages the channels to mono and resamples with a band-limited filter, so that a Reader works in
// constant memory on hour-long recordings and on standard input. Bad input never panics: it yields a
// *FormatError that names the file and the problem.
package audio

import (
	"fmt"
)

// SampleRate is the rate, in Hz, of every sample this package hands out.
const SampleRate = 16000

// Limits on what a header may claim. Anything outside is rejected before any buffer is sized from it.
const (
	// MinSourceRate and MaxSourceRate bound the source sample rate in Hz.
	MinSourceRate = 1000
	MaxSourceRate = 384000
	// MaxChannels bounds the channel count; real recordings have at most a few dozen.
	MaxChannels = 256
)

// Info describes the source file as stored, before downmixing and resampling.
type Info struct {
	Format     string  // container: "wav", "flac" or "mp3"
	Codec      string  // "pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le", "flac" or "mp3"
	SampleRate int     // source rate in Hz
	Channels   int     // source channel count
	Bits       int     // bits per stored sample; 16 for MP3, whose decoder outputs 16-bit samples
	Frames     int64   // samples per channel at the source rate; -1 when unknown without decoding everything
	Duration   float64 // seconds, Frames/SampleRate; -1 when Frames is unknown
}

func (i *Info) setFrames(n int64) {
	i.Frames = n
	if n < 0 || i.SampleRate <= 0 {
		i.Duration = -1
		return
	}
	i.Duration = float64(n) / float64(i.SampleRate)
}

// A FormatError reports input that is not a well-formed, supported audio file. Decoders return it together
// with the samples they could decode before the problem (see Reader).
type FormatError struct {
	File    string // the name given to Open, or the path; may be empty
	Problem string // what is wrong, e.g. "truncated data chunk (header says 32000 bytes, file has 1200)"
	Err     error  // the underlying decoder error, if any
}

func (e *FormatError) Error() string {
	s := e.Problem
	if e.File != "" {
		s = e.File + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a FormatError for file name from a printf-style problem description.
func formatErr(name string, err error, format string, args ...any) *FormatError {
	return &FormatError{File: name, Problem: fmt.Sprintf(format, args...), Err: err}
}

// checkRate rejects sample rates outside [MinSourceRate, MaxSourceRate].
func checkRate(name string, rate int64) error {
	if rate < MinSourceRate || rate > MaxSourceRate {
		return formatErr(name, nil, "unsupported sample rate %d Hz (want %d..%d)", rate, MinSourceRate, MaxSourceRate)
	}
	return nil
}

// checkChannels rejects channel counts outside [1, MaxChannels].
func checkChannels(name string, n int64) error {
	if n < 1 || n > MaxChannels {
		return formatErr(name, nil, "unsupported channel count %d (want 1..%d)", n, MaxChannels)
	}
	return nil
}

// nameErr prefixes err with the input's name, as FormatError does; an unnamed input's error is err itself, not
// ": err".
func nameErr(name string, err error) error {
	if name == "" {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
