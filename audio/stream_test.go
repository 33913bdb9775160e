package audio

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// toneWAV is an endless-looking WAV stream generated on the fly: a header with unknown sizes (as a streaming
// writer makes) followed by seconds of a 16-bit stereo tone at rate Hz.
type toneWAV struct {
	hdr     []byte
	rate    int
	frames  int64 // total frames to produce
	n       int64 // frames produced
	pending []byte
}

func newToneWAV(rate int, seconds float64) *toneWAV {
	h := make([]byte, 44)
	copy(h, "RIFF\xff\xff\xff\xffWAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 2)
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*4))
	binary.LittleEndian.PutUint16(h[32:], 4)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data\xff\xff\xff\xff")
	return &toneWAV{hdr: h, rate: rate, frames: int64(seconds * float64(rate))}
}

func (g *toneWAV) Read(p []byte) (int, error) {
	if len(g.hdr) > 0 {
		n := copy(p, g.hdr)
		g.hdr = g.hdr[n:]
		return n, nil
	}
	if len(g.pending) == 0 {
		if g.n == g.frames {
			return 0, io.EOF
		}
		k := min(4096, g.frames-g.n)
		buf := g.pending[:0]
		for i := int64(0); i < k; i++ {
			v := int16(8000 * math.Sin(2*math.Pi*440*float64(g.n+i)/float64(g.rate)))
			buf = binary.LittleEndian.AppendUint16(buf, uint16(v))
			buf = binary.LittleEndian.AppendUint16(buf, uint16(v))
		}
		g.pending = buf
		g.n += k
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

// TestStreamingMemory reads three minutes of 48 kHz stereo through a Reader and checks that the live heap does
// not grow with the length.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads three minutes of audio")
	}
	const seconds = 180
	r, err := Open(newToneWAV(48000, seconds), "tone.wav")
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	buf := make([]float32, 4096)
	var total int64
	var first uint64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		if total >= 60*SampleRate && first == 0 {
			first = heap()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	last := heap()
	if total != seconds*SampleRate {
		t.Errorf("read %d samples, want %d", total, seconds*SampleRate)
	}
	t.Logf("live heap after 1 min %d KB, after %d min %d KB", first>>10, seconds/60, last>>10)
	if last > first+1<<20 {
		t.Errorf("live heap grew from %d to %d bytes", first, last)
	}
}

// benchmarkDecode measures Decode (decoding, downmix and resampling to 16 kHz) and reports the speed as a
// multiple of real time ("xRT").
func benchmarkDecode(b *testing.B, data []byte) {
	_, info, err := Decode(newBytesReader(data), "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Decode(newBytesReader(data), "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(info.Duration*float64(b.N)/b.Elapsed().Seconds(), "xRT")
}

func newBytesReader(b []byte) io.Reader { return &bytesReader{b: b} }

// bytesReader is a plain io.Reader (no Seek, no WriteTo), as standard input would be.
type bytesReader struct{ b []byte }

func (r *bytesReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func benchmarkWAV(b *testing.B, rate int) {
	data, err := io.ReadAll(newToneWAV(rate, 10))
	if err != nil {
		b.Fatal(err)
	}
	binary.LittleEndian.PutUint32(data[40:], uint32(len(data)-44))
	benchmarkDecode(b, data)
}

func benchmarkFile(b *testing.B, name string) {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDecode(b, data)
}

func BenchmarkDecodeWAV16kStereo(b *testing.B)  { benchmarkWAV(b, 16000) }
func BenchmarkDecodeWAV44kStereo(b *testing.B)  { benchmarkWAV(b, 44100) }
func BenchmarkDecodeWAV48kStereo(b *testing.B)  { benchmarkWAV(b, 48000) }
func BenchmarkDecodeFLAC16k(b *testing.B)       { benchmarkFile(b, "flac_16k.flac") }
func BenchmarkDecodeFLAC44kStereo(b *testing.B) { benchmarkFile(b, "flac_44k1_stereo.flac") }
func BenchmarkDecodeMP316k(b *testing.B)        { benchmarkFile(b, "mp3_16k.mp3") }
func BenchmarkDecodeMP344kStereo(b *testing.B)  { benchmarkFile(b, "mp3_44k1_stereo.mp3") }

// stallingReader gives the bytes of a file, with a (0, nil) read before each real one, and then io.EOF, or
// (0, nil) for ever: the first is legal and must decode as usual, the second must end in io.ErrNoProgress, not
// a spin.
type stallingReader struct {
	data  []byte
	eof   bool // io.EOF after the data; else (0, nil) for ever
	stall bool // the next read is an empty one
	reads int
}

func (s *stallingReader) Read(p []byte) (int, error) {
	s.reads++
	if len(s.data) == 0 && s.eof {
		return 0, io.EOF
	}
	if s.stall || len(s.data) == 0 {
		s.stall = false
		return 0, nil
	}
	s.stall = true
	n := copy(p, s.data[:min(len(s.data), 1000)])
	s.data = s.data[n:]
	return n, nil
}

func TestReaderGivesUpOnEmptyReads(t *testing.T) {
	want := make([]float32, SampleRate)
	for i := range want {
		want[i] = float32(0.5 * math.Sin(float64(i)*0.05))
	}
	for _, format := range []string{"wav", "truncated"} {
		t.Run(format, func(t *testing.T) {
			var b strings.Builder
			if err := WriteWAV(&b, want, SampleRate); err != nil {
				t.Fatal(err)
			}
			data := []byte(b.String())
			// "wav" ends with EOF after the data, "truncated" stalls for ever in the middle of it.
			stalling := &stallingReader{data: data, eof: true}
			if format == "truncated" {
				stalling = &stallingReader{data: data[:len(data)/2]}
			}
			src := stalling
			done := make(chan error, 1)
			var got []float32
			go func() {
				r, err := Open(src, "test.wav")
				if err != nil {
					done <- err
					return
				}
				buf := make([]float32, 4096)
				for {
					n, err := r.Read(buf)
					got = append(got, buf[:n]...)
					if err != nil {
						done <- err
						return
					}
				}
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("still reading after 20 s (%d reads of the source)", stalling.reads)
			}
			if format == "truncated" {
				if !errors.Is(err, io.ErrNoProgress) {
					t.Errorf("got %v, want io.ErrNoProgress", err)
				}
				return
			}
			if err != io.EOF || len(got) != len(want) {
				t.Errorf("read %d samples, err %v; want %d and io.EOF", len(got), err, len(want))
			}
		})
	}
}
