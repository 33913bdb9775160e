package synth

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// SampleRate of the generated audio.
const SampleRate = 16000

// headroomDB is taken off before the sox chain so that EQ boosts and reverb cannot clip; the level is set in Go
// afterwards.
const headroomDB = "-10"

// soxRender runs the sox effect chain on a synthesised WAV file and returns 16 kHz mono float samples. The input
// is resampled to 16 kHz first so that the effects see the same band for 8 kHz voices (an EQ band at 6 kHz would
// be above their Nyquist frequency).
func soxRender(ctx context.Context, sox, in string, a Augment) ([]float32, error) {
	args := []string{"-R", "-q", in, "-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1", "-r",
		fmt.Sprint(SampleRate), "-", "gain", headroomDB, "rate", fmt.Sprint(SampleRate)}
	args = append(args, a.soxEffects()...)
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, sox, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sox %s: %w: %s", strings.Join(args, " "), err, firstLine(errb.String()))
	}
	b := out.Bytes()
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x, nil
}

// finish pads the speech with silence, adds noise at the planned SNR and scales the peak to the planned level.
// The noise comes from r, so it is part of the utterance's deterministic plan.
func finish(speech []float32, a Augment, r *rand.Rand) []float32 {
	lead := int(a.LeadSilence * SampleRate)
	tail := int(a.TailSilence * SampleRate)
	x := make([]float32, lead+len(speech)+tail)
	copy(x[lead:], speech)
	if a.NoiseColor != "" {
		addNoise(x, power(speech), a.NoiseColor, a.SNR, r)
	}
	setPeak(x, a.LevelDBFS)
	return x
}

// addNoise adds noise of the colour whose mean power is speechPower/10^(snr/10), over all of x, so that the
// leading and trailing silence is noisy too.
func addNoise(x []float32, speechPower float64, color string, snr float64, r *rand.Rand) {
	noise := makeNoise(color, len(x), r)
	np := power(noise)
	if speechPower <= 0 || np <= 0 {
		return
	}
	scale := math.Sqrt(speechPower / np / math.Pow(10, snr/10))
	for i := range x {
		x[i] += float32(scale * float64(noise[i]))
	}
}

// setPeak scales x so that its largest magnitude is dBFS decibels below full scale.
func setPeak(x []float32, dBFS float64) {
	peak := 0.0
	for _, v := range x {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	if peak == 0 {
		return
	}
	g := float32(math.Pow(10, dBFS/20) / peak)
	for i := range x {
		x[i] *= g
	}
}

// power is the mean square of x.
func power(x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	s := 0.0
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s / float64(len(x))
}

// makeNoise returns n samples of white, pink (Paul Kellet's economy filter, −3 dB/octave) or brown (leaky
// integrated white, −6 dB/octave) noise. Only the shape matters: the caller scales it.
func makeNoise(color string, n int, r *rand.Rand) []float32 {
	x := make([]float32, n)
	var b0, b1, b2, brown float64
	for i := range x {
		w := r.NormFloat64()
		switch color {
		case "pink":
			b0 = 0.99765*b0 + w*0.0990460
			b1 = 0.96300*b1 + w*0.2965164
			b2 = 0.57000*b2 + w*1.0526913
			x[i] = float32(b0 + b1 + b2 + w*0.1848)
		case "brown":
			brown = 0.995*brown + w*0.1
			x[i] = float32(brown)
		default:
			x[i] = float32(w)
		}
	}
	return x
}

// writeFLAC encodes samples as 16-bit FLAC with the flac program, through a temporary file and a rename so that a
// FLAC file that exists is complete.
func writeFLAC(ctx context.Context, flac, path string, x []float32) error {
	pcm := make([]byte, 2*len(x))
	for i, v := range x {
		s := math.Round(float64(v) * 32767)
		s = math.Max(-32768, math.Min(32767, s))
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(s)))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	var errb bytes.Buffer
	cmd := exec.CommandContext(ctx, flac, "-s", "-f", "-5", "--force-raw-format", "--endian=little",
		"--sign=signed", "--channels=1", "--bps=16", fmt.Sprintf("--sample-rate=%d", SampleRate), "-o", tmp, "-")
	cmd.Stdin = bytes.NewReader(pcm)
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("flac: %w: %s", err, firstLine(errb.String()))
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
