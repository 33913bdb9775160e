package audio

import (
	"bufio"
	"io"
	"os"
)

// Probe describes the file at path ("-" for standard input): WAV and FLAC lengths come from the headers, but the
// data is still read through (a FLAC stream decoded) to catch truncation; an MP3 is scanned frame by frame for its
// exact length. A damaged file gives a *FormatError, with the Info read so far.
func Probe(path string) (Info, error) {
	if path == "-" {
		return ProbeReader(os.Stdin, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	return ProbeReader(f, path)
}

// ProbeReader is Probe for an already open input; name is used in error messages.
func ProbeReader(r io.Reader, name string) (Info, error) {
	return probe(r, name, true)
}

// ProbeHeader is Probe trusting the WAV and FLAC headers: it reads only as far as it must to know the length, so it
// is fast on large corpora (a corpus importer listing hours of FLAC) and blind to a file cut short after its header.
func ProbeHeader(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	return probe(f, path, false)
}

func probe(r io.Reader, name string, verify bool) (Info, error) {
	br := bufio.NewReaderSize(progressReader{r: r}, readBufSize)
	format, err := sniff(br, name)
	if err != nil {
		return Info{}, err
	}
	switch format {
	case "wav":
		return probeWAV(br, name, verify)
	case "flac":
		return probeFLAC(br, name, verify)
	}
	return probeMP3(br, name)
}

func probeWAV(br *bufio.Reader, name string, verify bool) (Info, error) {
	src, info, err := openWAV(br, name)
	if err != nil || (!verify && info.Frames >= 0) {
		return info, err
	}
	s := src.(*wavSource)
	if _, err := io.Copy(io.Discard, s.data); err != nil {
		return info, nameErr(name, err)
	}
	if s.declared < 0 {
		info.setFrames(s.data.n / int64(s.f.blockAlign))
		return info, nil
	}
	if err := s.end(); err != io.EOF {
		return info, err
	}
	return info, nil
}

func probeFLAC(br *bufio.Reader, name string, verify bool) (Info, error) {
	src, info, err := openFLAC(br, name)
	if err != nil || (!verify && info.Frames >= 0) {
		return info, err
	}
	// Decode to the end, as a WAV data chunk is read through: a file cut short at a frame boundary looks whole
	// from its header, and with no length in STREAMINFO the samples must be counted anyway.
	var n int64
	buf := make([]float32, 0, 1<<16)
	for {
		buf, err = src.next(buf[:0])
		n += int64(len(buf))
		if err == io.EOF {
			if info.Frames < 0 {
				info.setFrames(n)
			}
			return info, nil
		}
		if err != nil {
			return info, err
		}
	}
}

func probeMP3(br *bufio.Reader, name string) (Info, error) {
	sc := &mp3Scanner{br: br, name: name}
	first, h, err := sc.next()
	if err != nil {
		return Info{}, err
	}
	info := Info{Format: "mp3", Codec: "mp3", SampleRate: h.rate, Channels: h.channels, Bits: 16}
	tag, isTag := parseMP3Tag(first, h)
	frames := int64(1)
	if isTag {
		frames = 0
	}
	for {
		_, _, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			info.setFrames(frames * int64(h.samples))
			return info, err
		}
		frames++
	}
	n := frames * int64(h.samples)
	if isTag && tag.lame {
		n = max(0, n-int64(tag.encDelay)-int64(tag.encPadding))
	}
	info.setFrames(n)
	if isTag && tag.frames > 0 && frames < tag.frames {
		return info, formatErr(name, nil, "truncated MP3 stream (header says %d frames, file has %d)", tag.frames, frames)
	}
	return info, nil
}
