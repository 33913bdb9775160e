package audio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

// MP3 decoding.
//
// Frames are found here, not by go-mp3: go-mp3 buffers a whole ID3v2 tag of whatever size the tag claims, scans a
// seekable input end to end in NewDecoder (keeping every frame offset), ends silently on a truncated frame and
// decodes the Xing/Info frame as a frame of silence. So this file splits the stream into whole frames, skips the
// tag frame, reports truncation, and feeds go-mp3 only whole audio frames to decode. go-mp3 always outputs
// 16-bit stereo, which is averaged back to mono.
//
// Gapless length: an encoder adds encDelay samples of lead-in and encPadding samples at the end, and a Layer III
// decoder adds mp3DecoderDelay more. When the first frame carries a LAME tag (LAME, ffmpeg), those are trimmed so
// the output has exactly the encoded signal's length and alignment, as ffmpeg and mpg123 do. Without the tag
// every decoded sample is kept.

const (
	// mp3DecoderDelay is the delay of the Layer III synthesis filterbank, in samples.
	mp3DecoderDelay = 529
	// maxMP3Junk bounds the bytes searched for the next frame header before giving up.
	maxMP3Junk = 64 << 10
	// maxMP3Frame is the largest Layer I-III frame (MPEG-1 layer II/III at 384 kb/s, 32 kHz, padded: 1729;
	// layer I at 448 kb/s, 32 kHz: 672), with room.
	maxMP3Frame = 4096
)

type mp3Header struct {
	version  int // 1, 2, or 25 for MPEG-2.5
	layer    int // 1, 2 or 3
	bitrate  int // bits per second; 0 for free format
	rate     int
	channels int
	crc      bool
	size     int // frame size in bytes; 0 for free format
	samples  int // samples per channel in the frame
}

var mp3Bitrates = [2][3][15]int{ // [MPEG-1, MPEG-2/2.5][layer-1] in kb/s
	{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	},
	{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	},
}

var mp3Rates = [3][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}

// parseMP3Header decodes a 4-byte MPEG audio frame header; ok is false when b is not one.
func parseMP3Header(b []byte) (h mp3Header, ok bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return h, false
	}
	v, l := (b[1]>>3)&3, (b[1]>>1)&3
	bi, ri := b[2]>>4, (b[2]>>2)&3
	if v == 1 || l == 0 || bi == 15 || ri == 3 || b[3]&3 == 2 {
		return h, false
	}
	lsf := 1 // low sampling frequencies: MPEG-2 and 2.5
	switch v {
	case 3:
		h.version, lsf = 1, 0
		h.rate = mp3Rates[0][ri]
	case 2:
		h.version = 2
		h.rate = mp3Rates[1][ri]
	case 0:
		h.version = 25
		h.rate = mp3Rates[2][ri]
	}
	h.layer = 4 - int(l)
	h.bitrate = mp3Bitrates[lsf][h.layer-1][bi] * 1000
	h.crc = b[1]&1 == 0
	h.channels = 2
	if b[3]>>6 == 3 {
		h.channels = 1
	}
	pad := int(b[2]>>1) & 1
	switch {
	case h.layer == 1:
		h.samples = 384
		h.size = (12*h.bitrate/h.rate + pad) * 4
	case h.layer == 2 || lsf == 0:
		h.samples = 1152
		h.size = 144*h.bitrate/h.rate + pad
	default:
		h.samples = 576
		h.size = 72*h.bitrate/h.rate + pad
	}
	return h, true
}

// sameStream reports whether h can follow first in one stream: a match on a random 0xFFE sync needs this.
func (h mp3Header) sameStream(first mp3Header) bool {
	return h.version == first.version && h.layer == first.layer && h.rate == first.rate && h.bitrate != 0
}

// mp3Scanner splits an MPEG audio stream into whole frames.
type mp3Scanner struct {
	br     *bufio.Reader
	name   string
	first  mp3Header // the first frame's header, once found
	found  bool
	pos    int64 // bytes consumed since the end of the leading ID3 tags
	frame  []byte
	frames int64 // frames returned
}

// next returns the next whole frame (valid until the following call), io.EOF at the end of the audio, or a
// *FormatError for a truncated or unsupported stream.
func (s *mp3Scanner) next() ([]byte, mp3Header, error) {
	junk := 0
	for {
		head, err := s.br.Peek(4)
		if err != nil && err != io.EOF {
			return nil, mp3Header{}, nameErr(s.name, err)
		}
		if len(head) < 4 {
			if s.found && len(head) > 0 && head[0] == 0xFF {
				return nil, mp3Header{}, formatErr(s.name, nil, "truncated MP3 frame header at byte %d", s.pos)
			}
			if !s.found {
				return nil, mp3Header{}, s.noFrames(junk)
			}
			return nil, mp3Header{}, io.EOF
		}
		if s.found && (bytes.HasPrefix(head, []byte("TAG")) || bytes.HasPrefix(head, []byte("APET")) ||
			bytes.HasPrefix(head, []byte("LYRI"))) {
			return nil, mp3Header{}, io.EOF // trailing ID3v1, APE or Lyrics3 tag: the audio is over
		}
		if bytes.HasPrefix(head, []byte("ID3")) {
			if err := skipID3v2(s.br, s.name); err != nil {
				return nil, mp3Header{}, err
			}
			continue
		}
		h, ok := parseMP3Header(head)
		if ok && !s.found {
			// A header at the very start is believed if it is one we decode; anything else (after junk, or one we
			// would refuse) must be followed by a matching header, so that a stray 0xFF in junk before the audio
			// neither starts the stream nor gets the file refused.
			unsupported := s.checkFirst(h)
			ok = (junk == 0 && unsupported == nil) || s.confirmed(h)
			if ok && unsupported != nil {
				return nil, mp3Header{}, unsupported
			}
		} else if ok {
			ok = h.sameStream(s.first) && (junk == 0 || s.confirmed(h))
		}
		if ok {
			b, err := s.br.Peek(h.size)
			if len(b) < h.size {
				if err != nil && err != io.EOF {
					return nil, mp3Header{}, nameErr(s.name, err)
				}
				return nil, mp3Header{}, formatErr(s.name, nil, "truncated MP3 frame at byte %d (frame needs %d bytes, file has %d)", s.pos, h.size, len(b))
			}
			s.frame = append(s.frame[:0], b...)
			s.br.Discard(h.size)
			s.pos += int64(h.size)
			if !s.found {
				s.first, s.found = h, true
			}
			s.frames++
			return s.frame, h, nil
		}
		// Not a frame here: search for the next 0xFF.
		if junk >= maxMP3Junk {
			if !s.found {
				return nil, mp3Header{}, s.noFrames(junk)
			}
			return nil, mp3Header{}, formatErr(s.name, nil, "no MP3 frame in %d bytes after byte %d", junk, s.pos)
		}
		buf, _ := s.br.Peek(min(s.br.Buffered(), maxMP3Junk))
		skip := 1
		if i := bytes.IndexByte(buf[1:], 0xFF); i >= 0 {
			skip = i + 1
		} else if len(buf) > 1 {
			skip = len(buf)
		}
		s.br.Discard(skip)
		s.pos += int64(skip)
		junk += skip
	}
}

func (s *mp3Scanner) noFrames(junk int) error {
	if junk > 0 {
		return formatErr(s.name, nil, "no MP3 frame found in the first %d bytes", junk)
	}
	return formatErr(s.name, nil, "no MP3 audio frames")
}

// confirmed checks that a candidate header found after junk is followed by another frame of the same stream
// (or by the end of the input).
func (s *mp3Scanner) confirmed(h mp3Header) bool {
	b, _ := s.br.Peek(h.size + 4)
	if len(b) <= h.size {
		return true
	}
	if len(b) < h.size+4 {
		return false
	}
	n, ok := parseMP3Header(b[h.size:])
	return ok && n.version == h.version && n.layer == h.layer && n.rate == h.rate
}

func (s *mp3Scanner) checkFirst(h mp3Header) error {
	switch {
	case h.version == 25:
		return formatErr(s.name, nil, "MPEG-2.5 audio (%d Hz) is not supported; want MPEG-1 or MPEG-2 layer III", h.rate)
	case h.layer != 3:
		return formatErr(s.name, nil, "MPEG-%d layer %s audio is not supported; want layer III", h.version, [4]string{"", "I", "II"}[h.layer])
	case h.bitrate == 0:
		return formatErr(s.name, nil, "free-format MP3 is not supported")
	case h.size > maxMP3Frame:
		return formatErr(s.name, nil, "MP3 frame of %d bytes", h.size)
	}
	return nil
}

// mp3Tag is what a Xing/Info (or VBRI) frame tells about the stream.
type mp3Tag struct {
	frames     int64 // audio frames, not counting the tag frame; -1 when absent
	lame       bool  // encDelay and encPadding are known
	encDelay   int
	encPadding int
}

// parseMP3Tag reads the Xing/Info/VBRI header of a first frame; ok is false when the frame is audio.
func parseMP3Tag(frame []byte, h mp3Header) (t mp3Tag, ok bool) {
	t.frames = -1
	side := 32 // side information bytes
	switch {
	case h.version == 1 && h.channels == 1:
		side = 17
	case h.version != 1 && h.channels == 2:
		side = 17
	case h.version != 1:
		side = 9
	}
	if len(frame) >= 36+26 && string(frame[36:40]) == "VBRI" {
		t.frames = int64(binary.BigEndian.Uint32(frame[36+14:]))
		return t, true
	}
	isTag := func(off int) bool {
		return len(frame) >= off+8 && (string(frame[off:off+4]) == "Xing" || string(frame[off:off+4]) == "Info")
	}
	// LAME (with -p) and ffmpeg put the tag right after the side information even in a frame with a CRC, where
	// the side information itself starts 2 bytes later; other writers may count the CRC. Try both.
	off := 4 + side
	if !isTag(off) {
		if !h.crc || !isTag(off+2) {
			return t, false
		}
		off += 2
	}
	flags := binary.BigEndian.Uint32(frame[off+4:])
	p := off + 8
	if flags&1 != 0 && len(frame) >= p+4 {
		t.frames = int64(binary.BigEndian.Uint32(frame[p:]))
		p += 4
	}
	if flags&2 != 0 {
		p += 4
	}
	if flags&4 != 0 {
		p += 100
	}
	if flags&8 != 0 {
		p += 4
	}
	// LAME extension: 9-byte encoder string, then 12 bytes of settings, then 12 bits of delay and 12 of padding.
	if len(frame) >= p+24 {
		enc := string(frame[p : p+4])
		if enc == "LAME" || enc == "Lavf" || enc == "Lavc" || enc == "L3.9" {
			d := frame[p+21:]
			t.encDelay = int(d[0])<<4 | int(d[1])>>4
			t.encPadding = int(d[1]&0x0F)<<8 | int(d[2])
			t.lame = true
		}
	}
	return t, true
}

// mp3Source decodes the frames from an mp3Scanner with go-mp3.
type mp3Source struct {
	name    string
	dec     *mp3.Decoder
	feed    *mp3Feed
	tag     mp3Tag
	pcm     []byte    // go-mp3 output: 16-bit stereo
	spf     int       // samples per frame
	skip    int       // samples still to drop at the start
	hold    int       // samples to hold back for the end padding
	held    []float32 // the last hold samples decoded so far
	emitted int64
	done    bool
}

// mp3Feed is the io.Reader go-mp3 decodes from: the audio frames of the scanner, back to back.
type mp3Feed struct {
	sc     *mp3Scanner
	buf    []byte
	pend   []byte // first audio frame, read while looking for a tag frame
	err    error  // why the frames ended: io.EOF or a *FormatError
	frames int64  // audio frames handed out
}

func (f *mp3Feed) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		if f.pend != nil {
			f.buf, f.pend = f.pend, nil
			f.frames++
			continue
		}
		if f.err != nil {
			return 0, io.EOF
		}
		fr, _, err := f.sc.next()
		if err != nil {
			f.err = err
			return 0, io.EOF
		}
		f.buf = fr
		f.frames++
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

func openMP3(br *bufio.Reader, name string) (source, Info, error) {
	sc := &mp3Scanner{br: br, name: name}
	first, h, err := sc.next()
	if err != nil {
		return nil, Info{}, err
	}
	feed := &mp3Feed{sc: sc}
	tag, isTag := parseMP3Tag(first, h)
	if !isTag {
		tag = mp3Tag{frames: -1}
		feed.pend = append([]byte(nil), first...)
	}
	s := &mp3Source{name: name, feed: feed, tag: tag, spf: h.samples}
	info := Info{Format: "mp3", Codec: "mp3", SampleRate: h.rate, Channels: h.channels, Bits: 16}
	info.setFrames(-1)
	if tag.lame {
		s.skip = tag.encDelay + mp3DecoderDelay
		s.hold = max(0, tag.encPadding-mp3DecoderDelay)
	}
	if tag.frames >= 0 {
		n := tag.frames * int64(h.samples)
		if tag.lame {
			n = max(0, n-int64(tag.encDelay)-int64(tag.encPadding))
		}
		info.setFrames(n)
	}
	err = guard(name, "corrupt MP3 frame", func() error {
		var err error
		s.dec, err = mp3.NewDecoder(feed)
		return err
	})
	if err != nil {
		if feed.err != nil && feed.err != io.EOF {
			return nil, Info{}, feed.err
		}
		if errors.Is(err, io.EOF) && feed.frames == 0 {
			// A valid stream with a tag frame and no audio: zero samples, like an empty WAV.
			s.done = true
			return s, info, nil
		}
		var fe *FormatError
		if errors.As(err, &fe) {
			return nil, Info{}, err
		}
		return nil, Info{}, formatErr(name, err, "corrupt MP3 frame")
	}
	return s, info, nil
}

func (s *mp3Source) next(dst []float32) ([]float32, error) {
	if s.done {
		return dst, s.end()
	}
	if cap(s.pcm) < 1152*4 {
		s.pcm = make([]byte, 1152*4)
	}
	var n int
	err := guard(s.name, "corrupt MP3 frame", func() error {
		var err error
		n, err = s.dec.Read(s.pcm[:1152*4])
		return err
	})
	start := len(dst)
	for i := 0; i+4 <= n; i += 4 {
		l := int16(binary.LittleEndian.Uint16(s.pcm[i:]))
		r := int16(binary.LittleEndian.Uint16(s.pcm[i+2:]))
		dst = append(dst, float32(int32(l)+int32(r))/65536)
	}
	dst = s.trim(dst, start)
	if err == nil {
		return dst, nil
	}
	s.done = true
	if err != io.EOF {
		var fe *FormatError
		if errors.As(err, &fe) {
			return dst, err
		}
		return dst, formatErr(s.name, err, "corrupt MP3 frame %d", s.feed.frames)
	}
	// With less end padding than the decoder delay, the tail of the signal is still in the synthesis filter;
	// stand in silence for it so that the length is frames·spf − delay − padding, as Probe says.
	if s.tag.lame {
		for want := s.feed.frames*int64(s.spf) - int64(s.tag.encDelay+s.tag.encPadding); s.emitted < want; s.emitted++ {
			dst = append(dst, 0)
		}
	}
	return dst, s.end()
}

// end gives the reason the stream ended.
func (s *mp3Source) end() error {
	if s.feed.err != nil && s.feed.err != io.EOF {
		return s.feed.err
	}
	if s.tag.frames > 0 && s.feed.frames < s.tag.frames {
		return formatErr(s.name, nil, "truncated MP3 stream (header says %d frames, file has %d)", s.tag.frames, s.feed.frames)
	}
	return io.EOF
}

// trim applies the gapless start and end trimming to the samples appended to dst from index start on. The end
// is found by holding back the padding, not from the tag's frame count, which editing tools leave stale.
func (s *mp3Source) trim(dst []float32, start int) []float32 {
	if s.skip > 0 {
		k := min(s.skip, len(dst)-start)
		dst = append(dst[:start], dst[start+k:]...)
		s.skip -= k
	}
	if s.hold > 0 {
		// Emit held samples first, keep the newest hold samples back.
		all := append(s.held, dst[start:]...)
		emit := max(0, len(all)-s.hold)
		dst = append(dst[:start], all[:emit]...)
		s.held = append(s.held[:0], all[emit:]...)
	}
	s.emitted += int64(len(dst) - start)
	return dst
}
