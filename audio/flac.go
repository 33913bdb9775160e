package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// flacSource decodes FLAC frame by frame through mewkiz/flac.
type flacSource struct {
	name     string
	stream   *flac.Stream
	in       *readErrs // what the decoder reads through
	rate     int
	channels int
	bits     int
	total    int64 // samples per channel from STREAMINFO; 0 when unknown
	decoded  int64
	done     bool
}

// readErrs remembers the first error of its reader other than io.EOF. The FLAC library reports every error as
// a decoding failure; this tells a failing disk or pipe (an I/O error) from a damaged file (a *FormatError).
type readErrs struct {
	r   io.Reader
	err error
}

func (r *readErrs) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

func openFLAC(br *bufio.Reader, name string) (source, Info, error) {
	var stream *flac.Stream
	in := &readErrs{r: br}
	err := guard(name, "corrupt FLAC header", func() error {
		var err error
		stream, err = flac.New(in)
		return err
	})
	if in.err != nil {
		return nil, Info{}, nameErr(name, in.err)
	}
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			return nil, Info{}, err
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, Info{}, formatErr(name, nil, "truncated FLAC header")
		}
		return nil, Info{}, formatErr(name, err, "bad FLAC header")
	}
	si := stream.Info
	if err := checkRate(name, int64(si.SampleRate)); err != nil {
		return nil, Info{}, err
	}
	if err := checkChannels(name, int64(si.NChannels)); err != nil {
		return nil, Info{}, err
	}
	switch {
	case si.BitsPerSample == 32:
		// Allowed since FLAC 1.4 (flac 1.4 encodes 32-bit WAVs so); the FLAC decoder used here predates it
		// and would call every frame corrupt.
		return nil, Info{}, formatErr(name, nil, "32-bit FLAC is not supported (convert it to 24-bit: sox IN -b 24 OUT.flac)")
	case si.BitsPerSample < 4 || si.BitsPerSample > 32:
		return nil, Info{}, formatErr(name, nil, "unsupported FLAC sample size of %d bits", si.BitsPerSample)
	}
	s := &flacSource{name: name, stream: stream, in: in, rate: int(si.SampleRate), channels: int(si.NChannels),
		bits: int(si.BitsPerSample), total: int64(si.NSamples)}
	info := Info{Format: "flac", Codec: "flac", SampleRate: s.rate, Channels: s.channels, Bits: s.bits}
	info.setFrames(-1)
	if si.NSamples > 0 && si.NSamples < 1<<62 {
		info.setFrames(int64(si.NSamples))
	}
	return s, info, nil
}

func (s *flacSource) next(dst []float32) ([]float32, error) {
	if s.done {
		return dst, io.EOF
	}
	var f *frame.Frame
	err := guard(s.name, "corrupt FLAC frame", func() error {
		var err error
		f, err = s.stream.ParseNext()
		return err
	})
	if err != nil {
		s.done = true
		var fe *FormatError
		switch {
		case s.in.err != nil:
			return dst, nameErr(s.name, s.in.err)
		case err == io.EOF:
			if s.total > 0 && s.decoded < s.total {
				return dst, formatErr(s.name, nil, "truncated FLAC stream (header says %d samples, file has %d)", s.total, s.decoded)
			}
			return dst, io.EOF
		case errors.As(err, &fe):
			return dst, err
		case errors.Is(err, io.ErrUnexpectedEOF):
			return dst, formatErr(s.name, nil, "truncated FLAC frame after %d samples", s.decoded)
		}
		return dst, formatErr(s.name, err, "corrupt FLAC frame after %d samples", s.decoded)
	}
	if len(f.Subframes) != s.channels {
		s.done = true
		return dst, formatErr(s.name, nil, "FLAC frame with %d channels in a %d-channel stream", len(f.Subframes), s.channels)
	}
	if f.SampleRate != 0 && int(f.SampleRate) != s.rate {
		s.done = true
		return dst, formatErr(s.name, nil, "FLAC frame at %d Hz in a %d Hz stream", f.SampleRate, s.rate)
	}
	bits := s.bits
	if f.BitsPerSample != 0 {
		bits = int(f.BitsPerSample)
	}
	n := int(f.BlockSize)
	for _, sf := range f.Subframes {
		n = min(n, len(sf.Samples))
	}
	scale := 1 / float64(int64(1)<<(bits-1)) / float64(s.channels)
	for i := 0; i < n; i++ {
		var sum int64
		for _, sf := range f.Subframes {
			sum += int64(sf.Samples[i])
		}
		dst = append(dst, clip(float64(sum)*scale))
	}
	s.decoded += int64(n)
	return dst, nil
}

// guard runs a third-party decoder step and turns a panic on corrupt input into a *FormatError.
func guard(name, problem string, step func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = formatErr(name, fmt.Errorf("decoder panic: %v", r), "%s", problem)
		}
	}()
	return step()
}
