package audio

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
)

// source is one container/codec decoder. It yields mono samples at the source rate, one block (a frame, a
// chunk of PCM) at a time, so that memory stays constant in the file length.
type source interface {
	// next appends the next block of mono samples to dst. At the end it returns io.EOF, or a *FormatError
	// when the input turned out to be bad; samples appended in the same call are still valid.
	next(dst []float32) ([]float32, error)
}

// readBufSize is the size of the buffered reader that every decoder reads through; it must hold the largest
// sniffing peek (two MP3 frames).
const readBufSize = 64 << 10

// A Reader streams a sound file as mono float32 samples in [-1, 1] at SampleRate Hz.
//
// When the input is damaged (a truncated data chunk, a truncated MP3 frame, corrupt FLAC), Read first returns
// every sample decoded before the damage and then a *FormatError instead of io.EOF.
type Reader struct {
	name   string
	info   Info
	src    source
	rs     *Resampler // nil when the source is already at SampleRate
	mono   []float32  // source-rate scratch block
	out    []float32  // pending 16 kHz samples
	off    int        // read position in out
	err    error      // terminal error (io.EOF or the decoding error) once src is exhausted
	closer io.Closer
}

// Open sniffs the format of r from its first bytes and returns a Reader for it. The name is only used in error
// messages. Open reads the headers, so a bad file fails here with a *FormatError.
func Open(r io.Reader, name string) (*Reader, error) {
	br := bufio.NewReaderSize(progressReader{r: r}, readBufSize)
	format, err := sniff(br, name)
	if err != nil {
		return nil, err
	}
	var (
		src  source
		info Info
	)
	switch format {
	case "wav":
		src, info, err = openWAV(br, name)
	case "flac":
		src, info, err = openFLAC(br, name)
	case "mp3":
		src, info, err = openMP3(br, name)
	}
	if err != nil {
		return nil, err
	}
	rd := &Reader{name: name, info: info, src: src}
	if info.SampleRate != SampleRate {
		rd.rs = NewResampler(info.SampleRate, SampleRate)
	}
	return rd, nil
}

// OpenFile opens the file at path, or standard input when path is "-", and returns a Reader that the caller
// must Close.
func OpenFile(path string) (*Reader, error) {
	if path == "-" {
		return Open(os.Stdin, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := Open(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// Close closes the file opened by OpenFile; it does nothing for a Reader made by Open (and never closes stdin).
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}

// Info describes the source file.
func (r *Reader) Info() Info { return r.info }

// Read fills p with the next mono 16 kHz samples in [-1, 1]. It returns io.EOF after the last sample, or a
// *FormatError (after the samples decoded before the damage) when the input is bad.
func (r *Reader) Read(p []float32) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for r.off == len(r.out) {
		if r.err != nil {
			return 0, r.err
		}
		r.fill()
	}
	n := copy(p, r.out[r.off:])
	r.off += n
	return n, nil
}

// fill decodes the next source block into r.out, or records the terminal error.
func (r *Reader) fill() {
	r.out, r.off = r.out[:0], 0
	mono, err := r.src.next(r.mono[:0])
	r.mono = mono
	if r.rs != nil {
		r.out = r.rs.Process(r.out, mono)
	} else {
		r.out = append(r.out, mono...)
	}
	if err != nil {
		if r.rs != nil {
			r.out = r.rs.Flush(r.out)
		}
		var fe *FormatError
		// Sources name the file in their own I/O errors; name it here only where they did not.
		if err != io.EOF && !errors.As(err, &fe) && !strings.HasPrefix(err.Error(), r.name+": ") {
			err = nameErr(r.name, err)
		}
		r.err = err
	}
	// The resampler may ring slightly past full scale near clipped input.
	for i, v := range r.out {
		if v > 1 {
			r.out[i] = 1
		} else if v < -1 {
			r.out[i] = -1
		}
	}
}

// Decode reads all of r and returns its samples as mono float32 at SampleRate. For damaged input it returns the
// samples decoded before the damage together with the *FormatError. A valid file with no audio gives zero
// samples and no error.
func Decode(r io.Reader, name string) ([]float32, Info, error) {
	rd, err := Open(r, name)
	if err != nil {
		return nil, Info{}, err
	}
	return readAll(rd)
}

// Load decodes the whole file at path ("-" for standard input) like Decode.
func Load(path string) ([]float32, Info, error) {
	rd, err := OpenFile(path)
	if err != nil {
		return nil, Info{}, err
	}
	defer rd.Close()
	return readAll(rd)
}

func readAll(rd *Reader) ([]float32, Info, error) {
	info := rd.info
	var out []float32
	if info.Frames > 0 {
		// The header's length is trusted only up to a bound: a lying header costs at most this much.
		n := int64(float64(info.Frames)*SampleRate/float64(info.SampleRate)) + 64
		out = make([]float32, 0, min(n, 1<<18))
	}
	buf := make([]float32, 8192)
	for {
		n, err := rd.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, info, nil
		}
		if err != nil {
			return out, info, err
		}
	}
}

// progressReader ends a Read loop on a reader that keeps returning no data and no error: io.ReadFull would spin
// on it for ever (bufio.Reader gives up only when it fills its own buffer, not on the large reads that pass it
// by). It gives up as bufio does, after 100 empty reads in a row, with io.ErrNoProgress.
type progressReader struct{ r io.Reader }

func (p progressReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for i := 0; i < maxEmptyReads; i++ {
		n, err := p.r.Read(b)
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// maxEmptyReads is how many (0, nil) reads in a row progressReader tolerates, as bufio.Reader does.
const maxEmptyReads = 100
