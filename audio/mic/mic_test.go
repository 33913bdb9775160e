package mic

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harkspeech/hark/audio"
)

func TestRingCountsDroppedFrames(t *testing.T) {
	type step struct {
		push     []float32 // push these samples (nil: take instead)
		overflow bool
		take     []float32 // want from a take
	}
	tests := []struct {
		name                    string
		frames, channels        int
		steps                   []step
		wantFrames, wantDropped int64
		wantOverflows           int64
	}{
		{
			name: "fits", frames: 4, channels: 1,
			steps:      []step{{push: []float32{1, 2}}, {push: []float32{3}}, {take: []float32{1, 2, 3}}},
			wantFrames: 3,
		},
		{
			name: "full keeps the oldest", frames: 3, channels: 1,
			steps: []step{
				{push: []float32{1, 2}}, {push: []float32{3, 4, 5}}, {take: []float32{1, 2, 3}},
				{push: []float32{6}}, {take: []float32{6}},
			},
			wantFrames: 6, wantDropped: 2,
		},
		{
			name: "whole stereo frames only", frames: 2, channels: 2,
			steps: []step{
				{push: []float32{1, -1, 2, -2, 3, -3}, overflow: true}, {take: []float32{1, -1, 2, -2}},
				{push: []float32{4, -4}}, {push: []float32{5, -5, 6, -6}}, {take: []float32{4, -4, 5, -5}},
			},
			wantFrames: 6, wantDropped: 2, wantOverflows: 1,
		},
		{
			name: "empty take", frames: 2, channels: 1,
			steps:         []step{{take: []float32{}}, {push: []float32{}, overflow: true}, {take: []float32{}}},
			wantOverflows: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRing(tt.frames, tt.channels)
			for i, s := range tt.steps {
				if s.take != nil {
					if got := r.take(nil); !slices.Equal(got, s.take) && !(len(got) == 0 && len(s.take) == 0) {
						t.Errorf("step %d: take = %v, want %v", i, got, s.take)
					}
					continue
				}
				r.push(s.push, s.overflow)
			}
			want := Stats{Frames: tt.wantFrames, Dropped: tt.wantDropped, Overflows: tt.wantOverflows}
			if got := r.stats(); got != want {
				t.Errorf("stats = %+v, want %+v", got, want)
			}
		})
	}
}

func TestRingPushDoesNotAllocate(t *testing.T) {
	r := newRing(1000, 2)
	in := make([]float32, 256)
	allocs := testing.AllocsPerRun(100, func() {
		r.push(in, false)
		if len(r.buf) > 1500 {
			r.take(nil)
		}
	})
	// take allocates its copy once every few runs; push itself must not.
	if allocs > 0.5 {
		t.Errorf("push allocates %.1f times per call", allocs)
	}
}

// feed pushes x, as device frames, into s's ring in chunks of the given size (in frames).
func feed(s *Stream, x []float32, chunk int) {
	step := chunk * s.channels
	for i := 0; i < len(x); i += step {
		s.ring.push(x[i:min(len(x), i+step)], false)
	}
}

// readN reads exactly n samples from s in reads of at most size samples.
func readN(t *testing.T, s *Stream, n, size int) []float32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := make([]float32, 0, n)
	buf := make([]float32, size)
	for len(out) < n {
		k, err := s.Read(ctx, buf[:min(size, n-len(out))])
		if err != nil {
			t.Fatalf("Read after %d samples: %v", len(out), err)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

// tone returns n frames of a sum of two sines at rate Hz, one channel per phase offset.
func tone(n, rate, channels int) []float32 {
	x := make([]float32, n*channels)
	for i := 0; i < n; i++ {
		tm := float64(i) / float64(rate)
		for c := 0; c < channels; c++ {
			x[i*channels+c] = float32(0.4*math.Sin(2*math.Pi*440*tm+float64(c)) + 0.2*math.Sin(2*math.Pi*3000*tm))
		}
	}
	return x
}

// TestReadConverts checks the conversion in Read against an independent downmix (float64) and audio.Resample of
// the whole signal, for chunkings that do not line up with anything.
func TestReadConverts(t *testing.T) {
	tests := []struct {
		rate, channels, chunk, readSize int
	}{
		{16000, 1, 160, 1000},
		{16000, 2, 77, 33},
		{44100, 1, 441, 512},
		{48000, 2, 1000, 160},
		{22050, 3, 13, 4096},
	}
	for _, tt := range tests {
		frames := tt.rate / 4
		x := tone(frames, tt.rate, tt.channels)
		mono := make([]float32, frames)
		for i := range mono {
			var sum float64
			for c := 0; c < tt.channels; c++ {
				sum += float64(x[i*tt.channels+c])
			}
			mono[i] = float32(sum / float64(tt.channels))
		}
		want := audio.Resample(mono, tt.rate, audio.SampleRate)
		// The stream's output lags by the filter half-length until Flush; compare what a live stream can deliver.
		n := len(want) - 64
		s := newStream(Device{Name: "fake"}, tt.rate, tt.channels, Config{Buffer: time.Second})
		feed(s, x, tt.chunk)
		got := readN(t, s, n, tt.readSize)
		for i := range n {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Errorf("rate %d, %d channels: sample %d = %g, want %g", tt.rate, tt.channels, i, got[i], want[i])
				break
			}
		}
		if st := s.Stats(); st.Frames != int64(frames) || st.Dropped != 0 {
			t.Errorf("rate %d, %d channels: stats %+v, want %d frames, none dropped", tt.rate, tt.channels, st, frames)
		}
	}
}

func TestReadEnds(t *testing.T) {
	newFake := func(stall time.Duration) *Stream {
		return newStream(Device{Name: "fake"}, 16000, 1, Config{StallTimeout: stall})
	}
	buf := make([]float32, 16)

	t.Run("cancelled context", func(t *testing.T) {
		s := newFake(-1)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Read(ctx, buf); !errors.Is(err, context.Canceled) {
			t.Errorf("Read = %v, want context.Canceled", err)
		}
	})

	t.Run("deadline while waiting", func(t *testing.T) {
		s := newFake(-1)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := s.Read(ctx, buf); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Read = %v, want context.DeadlineExceeded", err)
		}
	})

	t.Run("close while waiting", func(t *testing.T) {
		s := newFake(-1)
		stopped := 0
		s.stop = func() error { stopped++; return nil }
		done := make(chan error, 1)
		go func() {
			_, err := s.Read(context.Background(), buf)
			done <- err
		}()
		time.Sleep(10 * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Errorf("Read = %v, want ErrClosed", err)
		}
		if err := s.Close(); err != nil || stopped != 1 {
			t.Errorf("second Close = %v, device stopped %d times; want nil, once", err, stopped)
		}
		s.ring.push([]float32{1, 2, 3}, false)
		if _, err := s.Read(context.Background(), buf); !errors.Is(err, ErrClosed) {
			t.Errorf("Read after Close = %v, want ErrClosed", err)
		}
	})

	t.Run("stalled device", func(t *testing.T) {
		s := newFake(30 * time.Millisecond)
		s.ring.push(make([]float32, 100), false)
		if n, err := s.Read(context.Background(), buf); err != nil || n == 0 {
			t.Fatalf("first Read = %d, %v", n, err)
		}
		var err error
		for err == nil {
			_, err = s.Read(context.Background(), buf)
		}
		if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), `"fake"`) {
			t.Errorf("Read = %v, want ErrStalled naming the device", err)
		}
	})
}

func TestNoDeviceError(t *testing.T) {
	devs := []Device{
		{Name: "default", HostAPI: "ALSA", MaxChannels: 2, DefaultRate: 44100, Default: true},
		{Name: "USB Mic: Audio (hw:1,0)", HostAPI: "ALSA", MaxChannels: 1, DefaultRate: 48000},
	}
	tests := []struct {
		err  *NoDeviceError
		want []string
	}{
		{&NoDeviceError{Name: "nope", Available: devs}, []string{`no input device named "nope"`,
			`"default" (ALSA, 2 ch, 44100 Hz, default)`, `"USB Mic: Audio (hw:1,0)" (ALSA, 1 ch, 48000 Hz)`}},
		{&NoDeviceError{}, []string{"no default input device", "no input devices at all"}},
	}
	for _, tt := range tests {
		msg := tt.err.Error()
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("error %q does not contain %q", msg, w)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string // "" for valid
	}{
		{Config{}, ""},
		{Config{Rate: 44100, Channels: 2, Buffer: time.Minute}, ""},
		{Config{Rate: 999}, "sample rate 999 Hz"},
		{Config{Rate: 400000}, "sample rate 400000 Hz"},
		{Config{Channels: -1}, "-1 channels"},
		{Config{Channels: 257}, "257 channels"},
		{Config{Buffer: -time.Second}, "buffer of -1s"},
		{Config{Buffer: time.Hour}, "buffer of 1h0m0s"},
	}
	for _, tt := range tests {
		err := tt.cfg.validate()
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v.validate() = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

// BenchmarkRead measures the conversion cost in Read: one op is one second of device audio taken from the
// buffer, downmixed and resampled to 16 kHz.
func BenchmarkRead(b *testing.B) {
	for _, tt := range []struct{ rate, channels int }{{16000, 1}, {44100, 1}, {48000, 2}} {
		b.Run(fmt.Sprintf("%d_%dch", tt.rate, tt.channels), func(b *testing.B) {
			x := tone(tt.rate, tt.rate, tt.channels)
			s := newStream(Device{Name: "fake"}, tt.rate, tt.channels, Config{Buffer: 2 * time.Second})
			buf := make([]float32, 1600)
			ctx := context.Background()
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				feed(s, x, 480)
				for got := 0; got < audio.SampleRate-100; {
					n, err := s.Read(ctx, buf)
					if err != nil {
						b.Fatal(err)
					}
					got += n
				}
			}
		})
	}
}
