package mic_test

// These tests run the real PortAudio capture path with no sound card, through ALSA's file plugin (see package
// mictest). In a build without PortAudio they skip.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/audio/mic"
	"github.com/harkspeech/hark/audio/mic/mictest"
)

const sampleWAV = "../../testdata/sample.wav"

func readRaw(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(b)/4)
	if err := binary.Read(bytes.NewReader(b), binary.NativeEndian, x); err != nil {
		t.Fatal(err)
	}
	return x
}

// soxRaw converts testdata/sample.wav with sox to raw native float32 mono at rate, with a second of silence
// appended, and returns the file's path. Without sox it skips.
func soxRaw(t *testing.T, rate int) string {
	t.Helper()
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox not installed")
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("sample_%d.raw", rate))
	out, err := exec.Command("sox", sampleWAV, "-r", fmt.Sprint(rate), "-c", "1", "-b", "32", "-e", "floating-point",
		"-t", "raw", path, "pad", "0", "1").CombinedOutput()
	if err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	return path
}

// capture opens cfg and reads n samples of 16 kHz audio. The plugin delivers about a hundred times faster than
// real time, and the reader may well fall behind: the buffer is made longer than each test file with its
// silence, so that the start of the stream, up to n, is kept whole whatever the scheduling.
func capture(t *testing.T, cfg mic.Config, n int) ([]float32, mic.Stats) {
	t.Helper()
	cfg.Buffer = 30 * time.Second
	s, err := mic.Open(cfg)
	if err != nil {
		t.Fatalf("Open(%+v): %v", cfg, err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if s.DeviceRate() != cfg.Rate || s.Channels() != cfg.Channels {
		t.Fatalf("stream at %d Hz, %d channels; want %d, %d", s.DeviceRate(), s.Channels(), cfg.Rate, cfg.Channels)
	}
	return readN(t, s, n, 1024), s.Stats()
}

func firstDiff(got, want []float32, tol float64) int {
	for i := range want {
		if math.Abs(float64(got[i])-float64(want[i])) > tol {
			return i
		}
	}
	return -1
}

// TestCaptureExact captures 16 kHz mono, which needs no conversion: the samples must be those of the file,
// decoded independently by sox (infile) and by package audio (reference).
func TestCaptureExact(t *testing.T) {
	mictest.UseRaw(t, soxRaw(t, 16000))
	want, _, err := audio.Load(sampleWAV)
	if err != nil {
		t.Fatal(err)
	}
	got, st := capture(t, mic.Config{Rate: 16000, Channels: 1}, len(want))
	if i := firstDiff(got, want, 0); i >= 0 {
		t.Fatalf("sample %d = %g, want %g", i, got[i], want[i])
	}
	if st.Overflows != 0 || st.Frames < int64(len(want)) {
		t.Errorf("stats %+v: want at least %d frames, no overflow", st, len(want))
	}
}

// TestCaptureResampled captures at 44.1 and 48 kHz, mono and stereo: the output must equal audio.Resample of
// the device signal (averaged over channels, computed in float64).
func TestCaptureResampled(t *testing.T) {
	tests := []struct {
		rate, channels int
	}{
		{44100, 1},
		{48000, 1},
		{48000, 2},
		{44100, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%dch", tt.rate, tt.channels), func(t *testing.T) {
			x := readRaw(t, soxRaw(t, tt.rate))
			dev, mono := x, x
			if tt.channels == 2 {
				// A right channel that differs from the left, so that a wrong downmix shows, and that is silent
				// at the end of the file like the left one: a delayed, quieter copy.
				dev, mono = make([]float32, 2*len(x)), make([]float32, len(x))
				for i, v := range x {
					var r float32
					if i >= 100 {
						r = 0.5 * x[i-100]
					}
					dev[2*i], dev[2*i+1] = v, r
					mono[i] = float32((float64(v) + float64(r)) / 2)
				}
			}
			mictest.Samples(t, dev, tt.rate, tt.channels)
			// The file ends in silence, and the plugin then repeats silence: the whole one-shot result (of
			// the signal with its second of silence) is what the stream delivers.
			mono = append(mono, make([]float32, tt.rate)...)
			want := audio.Resample(mono, tt.rate, audio.SampleRate)
			tol := 0.0
			if tt.channels > 1 {
				tol = 1e-6 // the stream averages in float32
			}
			got, _ := capture(t, mic.Config{Rate: tt.rate, Channels: tt.channels}, len(want))
			if i := firstDiff(got, want, tol); i >= 0 {
				t.Fatalf("sample %d = %g, want %g", i, got[i], want[i])
			}
		})
	}
}

// TestCaptureOverflow lets the small buffer of a stream fill while nobody reads. The drop must be counted, the
// buffer must hold the start of the file, and reading must go on.
func TestCaptureOverflow(t *testing.T) {
	raw := soxRaw(t, 16000)
	mictest.UseRaw(t, raw)
	x := readRaw(t, raw)
	const held = 1600 // 100 ms at 16 kHz
	s, err := mic.Open(mic.Config{Rate: 16000, Channels: 1, Buffer: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Dropped == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing dropped after 10 s of not reading: %+v", s.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := readN(t, s, held, 4096)
	if i := firstDiff(got, x[:held], 0); i >= 0 {
		t.Fatalf("sample %d = %g, want %g (the buffer should keep the oldest audio)", i, got[i], x[i])
	}
	st := s.Stats()
	if st.Dropped <= 0 || st.Frames < st.Dropped+held {
		t.Errorf("stats %+v: want drops counted, %d frames kept", st, held)
	}
	// The stream keeps going after the gap.
	readN(t, s, 4*held, 4096)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestOpenMissingDevice(t *testing.T) {
	mictest.UseRaw(t, "/dev/zero")
	_, err := mic.Open(mic.Config{Device: "no such microphone", Rate: 16000})
	var nde *mic.NoDeviceError
	if !errors.As(err, &nde) {
		t.Fatalf("Open = %v, want a *NoDeviceError", err)
	}
	if !strings.Contains(err.Error(), `"no such microphone"`) || !strings.Contains(err.Error(), `"default" (ALSA`) {
		t.Errorf("error %q should name the device asked for and list \"default\"", err)
	}
}

func TestOpenByName(t *testing.T) {
	mictest.UseRaw(t, "/dev/zero")
	for _, cfg := range []mic.Config{{Device: mictest.Device, Rate: 8000}, {Rate: 32000, Channels: 2}} {
		s, err := mic.Open(cfg)
		if err != nil {
			t.Fatalf("Open(%+v): %v", cfg, err)
		}
		got := readN(t, s, 800, 800)
		if firstDiff(got, make([]float32, 800), 0) >= 0 {
			t.Errorf("Open(%+v): /dev/zero should give silence", cfg)
		}
		if s.Device().Name != mictest.Device || !s.Device().Default {
			t.Errorf("Open(%+v) opened %v, want the default device", cfg, s.Device())
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// TestQuietStartup lists devices in a child process under the system's ALSA configuration, which probes sound
// cards that this machine lacks (and JACK, when PortAudio has it): without the silencing hooks ALSA and JACK
// print many lines on stderr.
func TestQuietStartup(t *testing.T) {
	if os.Getenv("HARK_MIC_CHILD") == "devices" {
		if _, err := mic.Devices(); err != nil {
			fmt.Println(err)
		}
		return
	}
	if _, err := mic.Devices(); errors.Is(err, mic.ErrUnsupported) {
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestQuietStartup$")
	cmd.Env = append(os.Environ(), "HARK_MIC_CHILD=devices")
	for i, kv := range cmd.Env {
		if strings.HasPrefix(kv, "ALSA_CONFIG_PATH=") {
			cmd.Env[i] = "HARK_MIC_UNSET=1"
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("listing devices printed on stderr:\n%s", stderr.String())
	}
}

// TestOpenClosesConcurrently opens and closes streams from several goroutines: PortAudio's initialisation count
// must stay balanced (a later Devices call still works) and nothing may race.
func TestOpenClosesConcurrently(t *testing.T) {
	mictest.UseRaw(t, "/dev/zero")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			devs, err := mic.Devices()
			if err == nil && len(devs) == 0 {
				err = errors.New("no devices")
			}
			if err != nil {
				errs <- err
				return
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	s, err := mic.Open(mic.Config{Rate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		buf := make([]float32, 256)
		for {
			if _, err := s.Read(ctx, buf); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if err := <-done; !errors.Is(err, mic.ErrClosed) {
		t.Errorf("Read during Close = %v, want ErrClosed", err)
	}
	if _, err := mic.Devices(); err != nil {
		t.Errorf("Devices after Close: %v", err)
	}
}

// readN reads exactly n samples from s in reads of at most size samples.
func readN(t *testing.T, s *mic.Stream, n, size int) []float32 {
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

// TestCapturePaced reads the file-backed device at real-time pace, as tests of wall-clock behaviour do: with a
// buffer longer than the file, the file's audio still arrives whole.
func TestCapturePaced(t *testing.T) {
	x, _, err := audio.Load(sampleWAV)
	if err != nil {
		t.Fatal(err)
	}
	mictest.Samples(t, x, audio.SampleRate, 1)
	s, err := mic.Open(mic.Config{Rate: audio.SampleRate, Channels: 1, Buffer: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = audio.SampleRate / 2
	r := mictest.Paced(s, audio.SampleRate)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	got := make([]float32, 0, n)
	buf := make([]float32, 1600)
	for len(got) < n {
		k, err := r.Read(ctx, buf[:min(len(buf), n-len(got))])
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:k]...)
	}
	if el := time.Since(start); el < 490*time.Millisecond {
		t.Errorf("0.5 s of audio came in %v", el)
	}
	if i := firstDiff(got, x[:n], 0); i >= 0 {
		t.Fatalf("sample %d = %g, want %g", i, got[i], x[i])
	}
	// After the file, the plugin goes on repeating silence at full speed, and the full buffer drops that.
	if st := s.Stats(); st.Frames-st.Dropped < int64(len(x)) {
		t.Errorf("stats %+v: the whole file should have been kept", st)
	}
}
