package audio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	goaudio "github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// WAV decoding.
//
// The RIFF chunks are walked here rather than by go-audio/wav, which needs an io.ReadSeeker (standard input is
// not one), seeks backwards when chunks precede "fmt ", allocates whatever size a "fmt " chunk claims, treats
// IEEE-float data as integers and ends silently on a truncated data chunk. Integer PCM samples are still
// converted by go-audio/wav's Decoder.PCMBuffer, fed a canonical 44-byte header followed by the data chunk
// (see goAudioPCM); IEEE-float samples are converted here.

const (
	wavFormatPCM        = 0x0001
	wavFormatFloat      = 0x0003
	wavFormatALaw       = 0x0006
	wavFormatMuLaw      = 0x0007
	wavFormatExtensible = 0xFFFE

	// maxFmtChunk bounds the "fmt " chunk we buffer; WAVE_FORMAT_EXTENSIBLE needs 40 bytes.
	maxFmtChunk = 1024
	// wavBlockBytes is roughly how many data bytes one next call decodes.
	wavBlockBytes = 32 << 10
	// unknownSize is the data size that streaming writers (ffmpeg to a pipe, for example) put in the header
	// when they cannot seek back to fill it in: read to the end of the input.
	unknownSize = 0xFFFFFFFF
	// soxUnknownSize is sox's placeholder data size when it writes a WAV to a pipe (its RIFF size is this + 36);
	// others write 0x7FFFFFFF, or zeros in both sizes. All mean "read to the end".
	soxUnknownSize = 0x7FFFF000
)

// The tail shared by the KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT GUIDs; the first two bytes hold the format tag.
var guidTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

type wavFmt struct {
	tag        int // wavFormatPCM, wavFormatFloat, wavFormatALaw or wavFormatMuLaw after resolving the extensible subformat
	channels   int
	rate       int
	blockAlign int
	bits       int // container bits per sample
}

func openWAV(br *bufio.Reader, name string) (source, Info, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, Info{}, formatErr(name, nil, "truncated RIFF header")
	}
	riffSize := int64(binary.LittleEndian.Uint32(hdr[4:8]))
	pos := int64(12) // bytes consumed so far
	var f *wavFmt
	for {
		var ch [8]byte
		if n, err := io.ReadFull(br, ch[:]); err != nil {
			if n == 0 && err == io.EOF {
				if f == nil {
					return nil, Info{}, formatErr(name, nil, "no fmt chunk")
				}
				return nil, Info{}, formatErr(name, nil, "no data chunk")
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, Info{}, formatErr(name, nil, "truncated chunk header at byte %d", pos)
			}
			return nil, Info{}, nameErr(name, err)
		}
		pos += 8
		id := string(ch[:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if f != nil {
				return nil, Info{}, formatErr(name, nil, "second fmt chunk at byte %d", pos-8)
			}
			if size < 16 || size > maxFmtChunk {
				return nil, Info{}, formatErr(name, nil, "fmt chunk of %d bytes (want 16..%d)", size, maxFmtChunk)
			}
			buf := make([]byte, size+size&1)
			if n, err := io.ReadFull(br, buf); err != nil && !(n == len(buf)-1 && size&1 == 1) {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					return nil, Info{}, nameErr(name, err)
				}
				return nil, Info{}, formatErr(name, nil, "truncated fmt chunk (header says %d bytes, file has %d)", size, n)
			}
			pos += int64(len(buf))
			var err error
			if f, err = parseWAVFmt(buf[:size], name); err != nil {
				return nil, Info{}, err
			}
		case "data":
			if f == nil {
				return nil, Info{}, formatErr(name, nil, "data chunk before fmt chunk")
			}
			room := riffSize + 8 - pos
			riffUnknown := riffSize == 0 || riffSize >= soxUnknownSize
			if riffUnknown {
				room = math.MaxInt64 // a streaming writer's placeholder, not a claim
			}
			if size == soxUnknownSize || size == 0x7FFFFFFF || (size == 0 && riffUnknown) {
				size = unknownSize
			}
			return newWAVSource(br, name, f, size, room)
		default:
			// Skip chunks we do not need (LIST, fact, bext, JUNK, ...) without buffering them.
			skip := size + size&1
			n, err := io.CopyN(io.Discard, br, skip)
			if err != nil {
				if errors.Is(err, io.EOF) {
					if f == nil {
						return nil, Info{}, formatErr(name, nil, "truncated %q chunk before the fmt chunk (header says %d bytes, file has %d)", id, size, n)
					}
					return nil, Info{}, formatErr(name, nil, "truncated %q chunk and no data chunk (header says %d bytes, file has %d)", id, size, n)
				}
				return nil, Info{}, nameErr(name, err)
			}
			pos += skip
		}
	}
}

func parseWAVFmt(b []byte, name string) (*wavFmt, error) {
	tag := int(binary.LittleEndian.Uint16(b[0:]))
	channels := int64(binary.LittleEndian.Uint16(b[2:]))
	rate := int64(binary.LittleEndian.Uint32(b[4:]))
	blockAlign := int(binary.LittleEndian.Uint16(b[12:]))
	bits := int(binary.LittleEndian.Uint16(b[14:]))
	if tag == wavFormatExtensible {
		if len(b) < 40 {
			return nil, formatErr(name, nil, "WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes (want 40)", len(b))
		}
		valid := int(binary.LittleEndian.Uint16(b[18:]))
		if valid > bits {
			return nil, formatErr(name, nil, "extensible header has %d valid bits in %d-bit samples", valid, bits)
		}
		guid := b[24:40]
		if !bytes.Equal(guid[2:], guidTail) {
			return nil, formatErr(name, nil, "unsupported WAVE_FORMAT_EXTENSIBLE subformat % x", guid)
		}
		tag = int(binary.LittleEndian.Uint16(guid))
	}
	if err := checkChannels(name, channels); err != nil {
		return nil, err
	}
	if err := checkRate(name, rate); err != nil {
		return nil, err
	}
	switch {
	case tag == wavFormatPCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32):
	case tag == wavFormatFloat && (bits == 32 || bits == 64):
	case (tag == wavFormatALaw || tag == wavFormatMuLaw) && bits == 8: // G.711 telephone audio
	case tag == wavFormatALaw || tag == wavFormatMuLaw:
		return nil, formatErr(name, nil, "%s WAV with %d-bit samples (want 8)", wavCodecName(tag), bits)
	case tag == wavFormatPCM:
		return nil, formatErr(name, nil, "unsupported PCM sample size of %d bits (want 8, 16, 24 or 32)", bits)
	case tag == wavFormatFloat:
		return nil, formatErr(name, nil, "unsupported float sample size of %d bits (want 32 or 64)", bits)
	default:
		return nil, formatErr(name, nil, "unsupported WAV codec 0x%04x (%s); want PCM, IEEE float, A-law or mu-law", tag, wavCodecName(tag))
	}
	if want := int(channels) * bits / 8; blockAlign != want {
		return nil, formatErr(name, nil, "block align %d does not match %d channels of %d bits (want %d)", blockAlign, channels, bits, want)
	}
	return &wavFmt{tag: tag, channels: int(channels), rate: int(rate), blockAlign: blockAlign, bits: bits}, nil
}

func wavCodecName(tag int) string {
	switch tag {
	case 0x0002:
		return "Microsoft ADPCM"
	case 0x0006:
		return "A-law"
	case 0x0007:
		return "mu-law"
	case 0x0011:
		return "IMA ADPCM"
	case 0x0055:
		return "MP3"
	}
	return "unknown"
}

func (f *wavFmt) codec() string {
	switch {
	case f.tag == wavFormatFloat:
		return fmt.Sprintf("pcm_f%dle", f.bits)
	case f.tag == wavFormatALaw:
		return "pcm_alaw"
	case f.tag == wavFormatMuLaw:
		return "pcm_mulaw"
	case f.bits == 8:
		return "pcm_u8"
	}
	return fmt.Sprintf("pcm_s%dle", f.bits)
}

// wavSource streams the data chunk.
type wavSource struct {
	name     string
	f        *wavFmt
	data     *countingReader // the data chunk, limited to its declared size unless unknown
	declared int64           // data chunk size from the header; -1 when unknown
	room     int64           // bytes the RIFF size leaves for the data chunk
	raw      []byte          // float and G.711 paths: one block of raw bytes
	pcm      *goAudioPCM     // integer path
	done     bool
}

func newWAVSource(br *bufio.Reader, name string, f *wavFmt, size, room int64) (source, Info, error) {
	s := &wavSource{name: name, f: f, declared: size, room: room}
	var r io.Reader = br
	if size == unknownSize {
		s.declared = -1
	} else {
		r = io.LimitReader(br, size)
	}
	s.data = &countingReader{r: r}
	if f.tag == wavFormatPCM {
		s.pcm = newGoAudioPCM(s.data, f)
	}
	info := Info{Format: "wav", Codec: f.codec(), SampleRate: f.rate, Channels: f.channels, Bits: f.bits}
	info.setFrames(-1)
	if s.declared >= 0 {
		info.setFrames(s.declared / int64(f.blockAlign))
	}
	return s, info, nil
}

func (s *wavSource) next(dst []float32) ([]float32, error) {
	if s.done {
		return dst, io.EOF
	}
	frames := max(1, wavBlockBytes/s.f.blockAlign)
	var (
		n   int // whole frames decoded
		err error
	)
	if s.pcm != nil {
		dst, n, err = s.pcm.read(dst, frames)
	} else if s.f.tag == wavFormatFloat {
		dst, n, err = s.readFloat(dst, frames)
	} else {
		dst, n, err = s.readG711(dst, frames)
	}
	if err != nil && err != io.EOF {
		s.done = true
		return dst, nameErr(s.name, err)
	}
	if n == frames && err == nil {
		return dst, nil
	}
	// A short block means the data ran out: either where the header said or early.
	s.done = true
	return dst, s.end()
}

// end tells why the data chunk ended: io.EOF, or a *FormatError when it is shorter than its header says.
func (s *wavSource) end() error {
	if s.declared >= 0 && s.data.n < s.declared {
		if s.declared > s.room {
			return formatErr(s.name, nil, "data chunk larger than the file (header says %d bytes, RIFF size leaves %d, file has %d)", s.declared, s.room, s.data.n)
		}
		return formatErr(s.name, nil, "truncated data chunk (header says %d bytes, file has %d)", s.declared, s.data.n)
	}
	return io.EOF
}

// readFrames reads up to frames whole frames of raw bytes into s.raw: the bytes, the frame count and io.EOF when
// the data ended (a partial last frame is dropped).
func (s *wavSource) readFrames(frames int) ([]byte, int, error) {
	need := frames * s.f.blockAlign
	if cap(s.raw) < need {
		s.raw = make([]byte, need)
	}
	m, err := io.ReadFull(s.data, s.raw[:need])
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	n := m / s.f.blockAlign
	return s.raw[:n*s.f.blockAlign], n, err
}

// readFloat decodes up to frames IEEE-float frames, averaging channels. NaN and ±Inf become 0 and values are clipped to
// [-1, 1], so that a damaged float file cannot poison the features downstream.
func (s *wavSource) readFloat(dst []float32, frames int) ([]float32, int, error) {
	b, n, err := s.readFrames(frames)
	ch := s.f.channels
	scale := 1 / float64(ch)
	for i := 0; i < n; i++ {
		var sum float64
		if s.f.bits == 32 {
			for c := 0; c < ch; c++ {
				sum += finite(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
				b = b[4:]
			}
		} else {
			for c := 0; c < ch; c++ {
				sum += finite(math.Float64frombits(binary.LittleEndian.Uint64(b)))
				b = b[8:]
			}
		}
		dst = append(dst, clip(sum*scale))
	}
	return dst, n, err
}

// readG711 decodes up to frames A-law or mu-law frames (one byte a sample), averaging channels.
func (s *wavSource) readG711(dst []float32, frames int) ([]float32, int, error) {
	b, n, err := s.readFrames(frames)
	decode := muLawSample
	if s.f.tag == wavFormatALaw {
		decode = aLawSample
	}
	ch := s.f.channels
	for i := 0; i < n; i++ {
		var sum float64
		for c := 0; c < ch; c++ {
			sum += float64(decode(b[c]))
		}
		b = b[ch:]
		dst = append(dst, float32(sum/float64(ch)/32768))
	}
	return dst, n, err
}

// muLawSample expands a G.711 mu-law byte to a 16-bit linear value (ITU-T G.711; the range is ±32124).
func muLawSample(u byte) int16 {
	u = ^u
	t := (int(u&0x0F)<<3 + 0x84) << (int(u&0x70) >> 4)
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// aLawSample expands a G.711 A-law byte to a 16-bit linear value (ITU-T G.711; the range is ±32256).
func aLawSample(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	switch seg := int(a&0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// finite turns NaN and ±Inf, which no microphone records, into silence: clipped to full scale, an infinity
// would be a click loud enough to change the words around it.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func clip(v float64) float32 {
	switch {
	case v > 1:
		return 1
	case v < -1:
		return -1
	case v == v:
		return float32(v)
	}
	return 0 // NaN
}

// goAudioPCM converts integer PCM through go-audio/wav. The Decoder is fed a canonical header followed by the
// data bytes, re-created every goAudioSegment bytes because a RIFF data chunk (and so the Decoder's
// LimitReader) cannot describe more than 4 GiB, while a stream of unknown length can be longer.
type goAudioPCM struct {
	data io.Reader
	f    *wavFmt
	dec  *wav.Decoder
	left int64 // bytes left in the current segment
	buf  goaudio.IntBuffer
}

const goAudioSegment = 1 << 30

func newGoAudioPCM(data io.Reader, f *wavFmt) *goAudioPCM {
	return &goAudioPCM{data: data, f: f}
}

func (p *goAudioPCM) segment() error {
	size := int64(goAudioSegment - goAudioSegment%p.f.blockAlign)
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+size))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(h[22:], uint16(p.f.channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(p.f.rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(p.f.rate*p.f.blockAlign))
	binary.LittleEndian.PutUint16(h[32:], uint16(p.f.blockAlign))
	binary.LittleEndian.PutUint16(h[34:], uint16(p.f.bits))
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(size))
	body := fullReader{io.LimitReader(p.data, size)}
	p.dec = wav.NewDecoder(noSeek{io.MultiReader(bytes.NewReader(h[:]), body)})
	if err := p.dec.FwdToPCM(); err != nil {
		return err
	}
	p.left = size
	return nil
}

// read appends up to frames mono samples to dst and reports how many whole frames it decoded; fewer than asked
// means the data ended.
func (p *goAudioPCM) read(dst []float32, frames int) ([]float32, int, error) {
	ch := p.f.channels
	want := frames * ch
	if cap(p.buf.Data) < want {
		p.buf.Data = make([]int, want)
	}
	got := 0
	for got < want {
		if p.left == 0 {
			if err := p.segment(); err != nil {
				return dst, 0, err
			}
		}
		chunk := min(want-got, int(p.left)/(p.f.bits/8))
		p.buf.Data = p.buf.Data[:got+chunk]
		sub := goaudio.IntBuffer{Data: p.buf.Data[got : got+chunk]}
		n, err := p.dec.PCMBuffer(&sub)
		if err != nil {
			return dst, 0, err
		}
		got += n
		p.left -= int64(n * p.f.bits / 8)
		if n < chunk {
			break // end of data: fullReader only returns short at the end
		}
	}
	n := got / ch // an incomplete last frame is dropped
	scale, offset := 1/float64(int64(1)<<(p.f.bits-1))/float64(ch), 0.0
	if p.f.bits == 8 {
		offset = 128 // 8-bit WAV is unsigned
	}
	d := p.buf.Data
	for i := 0; i < n; i++ {
		var sum float64
		for _, v := range d[i*ch : i*ch+ch] {
			sum += float64(v) - offset
		}
		dst = append(dst, float32(sum*scale))
	}
	return dst, n, nil
}

// fullReader makes every Read fill the buffer unless the input ends: go-audio/wav's PCMBuffer drops a sample
// split across two short reads, which pipes produce.
type fullReader struct{ r io.Reader }

func (f fullReader) Read(p []byte) (int, error) {
	n, err := io.ReadFull(f.r, p)
	if err == io.ErrUnexpectedEOF {
		err = nil
	}
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

// noSeek satisfies go-audio/wav's io.ReadSeeker parameter; with a canonical header it never seeks.
type noSeek struct{ io.Reader }

func (noSeek) Seek(int64, int) (int64, error) { return 0, errors.New("hark: seek on a stream") }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
