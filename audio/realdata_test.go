package audio

import (
	"bufio"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedData is ../shared/data relative to the repository root (CI has it at the same place).
var sharedData = filepath.Join("..", "..", "shared", "data")

// firstEntry returns the audio path and duration of the first line of a manifest.
func firstEntry(t *testing.T, manifest string) (string, float64) {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedData, manifest))
	if err != nil {
		t.Skipf("shared data not available: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		t.Fatalf("%s is empty", manifest)
	}
	fields := strings.Split(sc.Text(), "\t")
	if len(fields) < 2 {
		t.Fatalf("%s: bad line %q", manifest, sc.Text())
	}
	dur, err := strconv.ParseFloat(fields[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(sharedData, filepath.Dir(manifest), fields[0]), dur
}

func TestRealFLAC(t *testing.T) {
	path, want := firstEntry(t, "fsdd/train.tsv")
	got, info, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := float64(len(got)) / SampleRate; math.Abs(d-want) > 0.05 || math.Abs(info.Duration-want) > 0.05 {
		t.Errorf("%s: decoded %.3f s, Info %.3f s, manifest %.3f s", path, d, info.Duration, want)
	}
}

// TestRealMP3 decodes the first speechocean762 file. Its manifest duration counts every MPEG frame, LAME's
// Info frame and the encoder's delay and padding included (soxi's convention); Hark trims those, so the
// expected length is the manifest's minus them, read here from the fixed layout of this file's LAME tag
// (mono MPEG-2: delay and padding at bytes 0x9a..0x9c). When sox is installed, the samples are also checked
// against libmad's decoding, which keeps 576 + delay + 529 samples of lead-in.
func TestRealMP3(t *testing.T) {
	path, manifest := firstEntry(t, "speechocean762/train.tsv")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 0xa0 || string(raw[0x85:0x89]) != "LAME" {
		t.Skipf("%s: no LAME tag at the expected place", path)
	}
	delay := int(raw[0x9a])<<4 | int(raw[0x9b])>>4
	padding := int(raw[0x9b]&0x0f)<<8 | int(raw[0x9c])
	want := manifest - float64(576+delay+padding)/SampleRate

	got, info, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d := float64(len(got)) / SampleRate
	t.Logf("%s: decoded %.4f s, manifest %.3f s, manifest less tag frame, delay %d and padding %d: %.4f s",
		path, d, manifest, delay, padding, want)
	if math.Abs(d-want) > 0.002 || math.Abs(info.Duration-want) > 0.002 {
		t.Errorf("decoded %.4f s, Info %.4f s, want %.4f s", d, info.Duration, want)
	}
	if p, err := Probe(path); err != nil || p.Frames != int64(len(got)) {
		t.Errorf("Probe: %d frames, err %v; want %d", p.Frames, err, len(got))
	}

	if _, err := exec.LookPath("sox"); err != nil {
		t.Log("sox not installed: skipping the comparison with libmad")
		return
	}
	out, err := exec.Command("sox", path, "-t", "f32", "-").Output()
	if err != nil {
		t.Fatalf("sox: %v", err)
	}
	lead := 576 + delay + mp3DecoderDelay
	ref := make([]float64, len(out)/4)
	for i := range ref {
		ref[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:])))
	}
	if len(ref) < lead+len(got) {
		ref = append(ref, make([]float64, lead+len(got)-len(ref))...)
	}
	if _, snr := compare(got, ref[lead:]); snr < 50 {
		t.Errorf("SNR against libmad's decoding %.1f dB, want ≥ 50", snr)
	}
}
