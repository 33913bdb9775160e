// Package mic captures live audio from a microphone through PortAudio and delivers it as 16 kHz mono float32
// samples, the format every other Hark package consumes.
//
// It is the only package of Hark besides the optional OpenBLAS binding that needs cgo: it builds against
// PortAudio (Debian: portaudio19-dev at build time, libportaudio2 at run time). Without cgo, or with the build
// tag nomic, the package still compiles, and Devices and Open return ErrUnsupported, so that programs which only
// transcribe files never need a C toolchain.
//
// A Stream captures in PortAudio's callback mode at the device's own rate and channel count. The callback only
// copies the interleaved samples into a bounded buffer; Read drains that buffer, averages the channels and
// resamples to 16 kHz with audio.Resampler. When the reader falls behind and the buffer is full, new audio is
// dropped and counted (Stats.Dropped) rather than blocking the audio thread or growing without bound.
//
// To check a microphone, list what PortAudio sees and record a few seconds:
//
//	hark listen --list-devices
//	hark listen --device default --record check.wav --seconds 5
//
// then play check.wav back (16 kHz mono, 16-bit). An empty list or a silent file usually means that the user
// lacks access to the sound device or that another program holds it exclusively.
package mic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/harkspeech/hark/audio"
)

// ErrUnsupported is returned by Devices and Open in a build without PortAudio (no cgo, or the nomic build tag).
var ErrUnsupported = errors.New("mic: built without microphone support (rebuild with cgo and PortAudio)")

// ErrClosed is returned by Read once the Stream has been closed.
var ErrClosed = errors.New("mic: stream closed")

// ErrStalled is returned by Read, wrapped, when the device delivered nothing for Config.StallTimeout: the stream
// died (device unplugged, server gone) without PortAudio reporting an error.
var ErrStalled = errors.New("mic: no audio from the device")

// A Device is an audio input PortAudio can open.
type Device struct {
	Name        string  // PortAudio's device name; Config.Device selects by this exact name
	HostAPI     string  // the host audio system, e.g. "ALSA", "JACK Audio Connection Kit", "Core Audio"
	MaxChannels int     // most input channels the device offers
	DefaultRate float64 // the device's preferred sample rate in Hz
	Default     bool    // this is the system's default input device
}

func (d Device) String() string {
	def := ""
	if d.Default {
		def = ", default"
	}
	return fmt.Sprintf("%q (%s, %d ch, %g Hz%s)", d.Name, d.HostAPI, d.MaxChannels, d.DefaultRate, def)
}

// NoDeviceError reports that the requested input device (or any input device at all) does not exist. It lists
// the input devices that do, so that the user can pick one.
type NoDeviceError struct {
	Name      string   // the requested name; empty for the default device
	Available []Device // input devices PortAudio found
}

func (e *NoDeviceError) Error() string {
	var b strings.Builder
	if e.Name == "" {
		b.WriteString("mic: no default input device")
	} else {
		fmt.Fprintf(&b, "mic: no input device named %q", e.Name)
	}
	if len(e.Available) == 0 {
		b.WriteString("; PortAudio found no input devices at all")
		return b.String()
	}
	b.WriteString("; input devices:")
	for _, d := range e.Available {
		b.WriteString("\n\t")
		b.WriteString(d.String())
	}
	return b.String()
}

// Config selects and sets up the capture device. The zero value opens the default input device at its default
// rate, in mono if it allows that.
type Config struct {
	// Device is the exact name of the input device, as Devices reports it; empty means the default input.
	// If several host APIs offer a device of that name, the first one PortAudio lists wins.
	Device string
	// Rate is the capture rate in Hz; 0 means the device's default rate. Whatever the rate, Read delivers
	// 16 kHz.
	Rate int
	// Channels is the number of channels to capture; 0 means mono when the device accepts it, else the fewest
	// channels it accepts. Channels are averaged into mono.
	Channels int
	// Latency is the suggested input latency; 0 means the device's default low latency.
	Latency time.Duration
	// Buffer is how much audio the Stream holds for a reader that falls behind before it drops new audio;
	// 0 means 2 seconds, and at most 10 minutes are allowed (the buffer is allocated up front).
	Buffer time.Duration
	// StallTimeout is how long Read waits for audio from a running device before it gives up with ErrStalled;
	// 0 means 5 seconds (some devices, Bluetooth headsets for one, take seconds to start), a negative value
	// waits forever.
	StallTimeout time.Duration
}

const (
	defaultBuffer       = 2 * time.Second
	maxBuffer           = 10 * time.Minute
	defaultStallTimeout = 5 * time.Second
)

// validate rejects settings no device could honour.
func (c Config) validate() error {
	if c.Rate != 0 && (c.Rate < audio.MinSourceRate || c.Rate > audio.MaxSourceRate) {
		return fmt.Errorf("mic: sample rate %d Hz out of range (%d..%d)", c.Rate, audio.MinSourceRate,
			audio.MaxSourceRate)
	}
	if c.Channels < 0 || c.Channels > audio.MaxChannels {
		return fmt.Errorf("mic: %d channels out of range (1..%d)", c.Channels, audio.MaxChannels)
	}
	if c.Buffer < 0 || c.Buffer > maxBuffer {
		return fmt.Errorf("mic: buffer of %v out of range (up to %v)", c.Buffer, maxBuffer)
	}
	return nil
}

// Stats counts what happened to the captured audio.
type Stats struct {
	// Frames is the number of device frames (one sample per channel) PortAudio delivered.
	Frames int64
	// Dropped is the number of delivered device frames discarded because the reader fell behind and the
	// Stream's buffer was full.
	Dropped int64
	// Overflows is the number of callbacks in which PortAudio reported that input was lost before it reached
	// Hark (the audio thread ran late). PortAudio does not say how many frames were lost.
	Overflows int64
}

// A Stream is an open capture stream. Read delivers its audio; Close releases the device. Read and Stats may be
// called while another goroutine calls Close; Read itself must not be called concurrently.
type Stream struct {
	dev      Device
	rate     int // device rate in Hz
	channels int
	stall    time.Duration

	ring *ring

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
	stop      func() error // stops and releases the device; nil in tests that feed the ring directly

	// Reader state, owned by Read.
	rs   *audio.Resampler
	raw  []float32 // interleaved device frames taken from the ring
	mono []float32
	out  []float32 // 16 kHz samples not yet returned: out[pos:]
	pos  int
}

// newStream returns a Stream around a ring for the given device format; the backend starts the device and sets
// stop.
func newStream(dev Device, rate, channels int, cfg Config) *Stream {
	buf := cfg.Buffer
	if buf <= 0 {
		buf = defaultBuffer
	}
	stall := cfg.StallTimeout
	if stall == 0 {
		stall = defaultStallTimeout
	}
	frames := int(max(1, buf.Seconds()*float64(rate)))
	return &Stream{
		dev:      dev,
		rate:     rate,
		channels: channels,
		stall:    stall,
		ring:     newRing(frames, channels),
		closed:   make(chan struct{}),
		rs:       audio.NewResampler(rate, audio.SampleRate),
	}
}

// Device returns the device the Stream captures from.
func (s *Stream) Device() Device { return s.dev }

// DeviceRate returns the rate in Hz at which the device captures (Read always delivers audio.SampleRate).
func (s *Stream) DeviceRate() int { return s.rate }

// Channels returns the number of channels captured from the device.
func (s *Stream) Channels() int { return s.channels }

// Stats returns the counters so far. It is safe to call at any time, also after Close.
func (s *Stream) Stats() Stats { return s.ring.stats() }

// Read blocks until captured audio is available and copies up to len(p) samples of 16 kHz mono audio into p. It
// returns ctx.Err() when ctx ends, ErrClosed after Close, and an error wrapping ErrStalled when the device has
// delivered nothing for the stall timeout. The output trails the capture by the resampler's filter length
// (under 2 ms); audio the Stream dropped is simply missing, so count Stats().Dropped to know of gaps.
func (s *Stream) Read(ctx context.Context, p []float32) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-s.closed:
			return 0, ErrClosed
		default:
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if s.pos < len(s.out) {
			n := copy(p, s.out[s.pos:])
			s.pos += n
			if s.pos == len(s.out) {
				s.out, s.pos = s.out[:0], 0
			}
			return n, nil
		}
		if s.raw = s.ring.take(s.raw[:0]); len(s.raw) > 0 {
			s.mono = downmix(s.mono[:0], s.raw, s.channels)
			s.out = s.rs.Process(s.out, s.mono)
			continue // the resampler may hold back everything from a short input
		}
		var expired <-chan time.Time
		if s.stall > 0 {
			if timer == nil {
				timer = time.NewTimer(s.stall)
			} else {
				timer.Reset(s.stall)
			}
			expired = timer.C
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-s.closed:
			return 0, ErrClosed
		case <-s.ring.ready:
		case <-expired:
			if since := s.ring.sinceLast(); since >= s.stall {
				return 0, fmt.Errorf("%w %q for %v: the stream has stopped", ErrStalled, s.dev.Name,
					since.Round(time.Millisecond))
			}
		}
	}
}

// Close stops the capture and releases the device. It is safe to call more than once and concurrently with
// Read, which then returns ErrClosed.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.stop != nil {
			s.closeErr = s.stop()
		}
	})
	return s.closeErr
}

// downmix appends the average of each interleaved frame of src to dst.
func downmix(dst, src []float32, channels int) []float32 {
	if channels == 1 {
		return append(dst, src...)
	}
	scale := 1 / float32(channels)
	for i := 0; i+channels <= len(src); i += channels {
		var sum float32
		for _, v := range src[i : i+channels] {
			sum += v
		}
		dst = append(dst, sum*scale)
	}
	return dst
}

// A ring is the bounded buffer between the audio callback and Read. The callback side (push) never blocks on
// the reader and never allocates: what does not fit is counted as dropped, so the oldest audio is kept and a
// reader that falls behind sees a gap rather than a delay that grows. The reader always takes everything, so the
// buffer never wraps.
type ring struct {
	channels int
	ready    chan struct{} // holds a token when data arrived since the reader last looked

	mu        sync.Mutex
	buf       []float32 // len = samples held, cap = capacity (a whole number of frames)
	frames    int64
	dropped   int64
	overflows int64
	last      time.Time // when the callback last delivered, or when the ring was made
}

func newRing(frames, channels int) *ring {
	return &ring{
		channels: channels,
		ready:    make(chan struct{}, 1),
		buf:      make([]float32, 0, frames*channels),
		last:     time.Now(),
	}
}

// push stores the whole frames of in that fit and counts the rest as dropped. overflow records that PortAudio
// reported lost input for this buffer.
func (r *ring) push(in []float32, overflow bool) {
	nf := len(in) / r.channels
	r.mu.Lock()
	r.last = time.Now()
	r.frames += int64(nf)
	if overflow {
		r.overflows++
	}
	keep := min(nf, (cap(r.buf)-len(r.buf))/r.channels)
	r.dropped += int64(nf - keep)
	r.buf = append(r.buf, in[:keep*r.channels]...)
	r.mu.Unlock()
	if keep > 0 {
		select {
		case r.ready <- struct{}{}:
		default:
		}
	}
}

// take appends every sample held to dst and empties the ring.
func (r *ring) take(dst []float32) []float32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	dst = append(dst, r.buf...)
	r.buf = r.buf[:0]
	return dst
}

func (r *ring) stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Frames: r.frames, Dropped: r.dropped, Overflows: r.overflows}
}

// sinceLast returns how long ago the callback last delivered audio.
func (r *ring) sinceLast() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Since(r.last)
}
