// Package mictest feeds known audio through PortAudio's real capture path on machines without a sound card, for
// tests of code that captures with package mic.
//
// It points ALSA's default PCM at ALSA's "file" plugin, whose infile is raw audio. The plugin converts nothing:
// the raw file holds native-endian float32 frames (what mic captures) at exactly the rate and channel count the
// test then opens the stream with; a mismatch gives garbage, not an error. It also delivers far faster than real
// time (about a hundred times here), and at the end of the file it neither errors nor blocks but repeats its
// last buffer, so tests stop after a known number of samples, and Samples appends a second of silence for the
// repeats to be silent. Timing that depends on the wall clock needs pacing in the test: see Paced. While a
// stream is open the plugin keeps delivering (about half a core here, even when the stream's buffer is full and
// drops it), which matters for CPU-bound timings.
//
// The configuration goes into the environment (ALSA_CONFIG_PATH) for the rest of the test, so such tests cannot
// run in parallel. See ../shared/notes/mic-testing.md for how this was worked out.
package mictest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/harkspeech/hark/audio/mic"
)

// Device is the name under which the file-backed input appears in mic.Devices.
const Device = "default"

// UseRaw makes the file at path, raw native float32 frames, the default capture device for the rest of the test.
// It skips the test when PortAudio is unavailable (a build without cgo, or with the nomic tag), when it does not
// list the device, or under -race unless checkptr is off for the binding (see raceEnabled).
func UseRaw(t testing.TB, path string) {
	t.Helper()
	if raceEnabled && os.Getenv("HARK_MIC_CHECKPTR_OFF") == "" {
		t.Skip("the PortAudio binding trips checkptr under -race: set HARK_MIC_CHECKPTR_OFF=1 and " +
			"-gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "asound.conf")
	// The file replaces ALSA's whole configuration, so ALSA probes no cards and has nothing to complain about.
	text := fmt.Sprintf("pcm.!default {\n\ttype file\n\tslave.pcm { type null }\n\tfile \"/dev/null\"\n\tinfile %q\n}\n", abs)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", conf)
	devs, err := mic.Devices()
	if err != nil {
		t.Skipf("no PortAudio: %v", err)
	}
	for _, d := range devs {
		if d.Name == Device && d.HostAPI == "ALSA" {
			return
		}
	}
	t.Skipf("PortAudio lists no ALSA %q input through the file plugin (devices: %v)", Device, devs)
}

// Samples makes interleaved float32 frames of the given channel count, followed by a second of silence at rate
// Hz, the default capture device for the rest of the test; see UseRaw. It returns the path of the raw file.
func Samples(t testing.TB, frames []float32, rate, channels int) string {
	t.Helper()
	var b bytes.Buffer
	if err := binary.Write(&b, binary.NativeEndian, frames); err != nil {
		t.Fatal(err)
	}
	if err := binary.Write(&b, binary.NativeEndian, make([]float32, rate*channels)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "capture.raw")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	UseRaw(t, path)
	return path
}
