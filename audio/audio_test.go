package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// testSignal is the signal every good fixture carries (see testdata/make_fixtures.sh): n = floor(dur·rate)
// samples of a two-tone mix with 10 ms raised-cosine fades at t = 0 and t = dur.
func testSignal(rate int, dur float64) []float64 {
	n := int(dur * float64(rate))
	x := make([]float64, n)
	for i := range x {
		t := float64(i) / float64(rate)
		ramp := 1.0
		switch {
		case t < 0.010:
			ramp = 0.5 - 0.5*math.Cos(math.Pi*t/0.010)
		case t > dur-0.010:
			ramp = 0.5 - 0.5*math.Cos(math.Pi*(dur-t)/0.010)
		}
		x[i] = ramp * (0.4*math.Sin(2*math.Pi*440*t) + 0.3*math.Sin(2*math.Pi*1250*t))
	}
	return x
}

// compare returns the largest absolute difference and the SNR in dB of got against want, over their common
// length.
func compare(got []float32, want []float64) (maxAbs, snr float64) {
	var sig, noise float64
	for i := 0; i < min(len(got), len(want)); i++ {
		d := float64(got[i]) - want[i]
		maxAbs = max(maxAbs, math.Abs(d))
		sig += want[i] * want[i]
		noise += d * d
	}
	return maxAbs, 10 * math.Log10(sig/noise)
}

// fitGain returns the least-squares gain g minimising |got − g·want|².
func fitGain(got []float32, want []float64) float64 {
	var num, den float64
	for i := 0; i < min(len(got), len(want)); i++ {
		num += float64(got[i]) * want[i]
		den += want[i] * want[i]
	}
	return num / den
}

func TestDecodeGood(t *testing.T) {
	tests := []struct {
		file           string
		format, codec  string
		rate, ch, bits int
		dur            float64 // seconds of test signal in the file
		frames         int64   // source frames Info and Probe must report
		maxAbs, minSNR float64 // against testSignal at 16 kHz
	}{
		{"pcm_u8_16k.wav", "wav", "pcm_u8", 16000, 1, 8, 0.3, 4800, 4.0 / 1024, 40},
		{"pcm_s16_16k.wav", "wav", "pcm_s16le", 16000, 1, 16, 0.3, 4800, 1e-4, 80},
		{"pcm_s24_16k.wav", "wav", "pcm_s24le", 16000, 1, 24, 0.3, 4800, 1e-6, 120},
		{"pcm_s32_16k.wav", "wav", "pcm_s32le", 16000, 1, 32, 0.3, 4800, 1e-6, 120},
		{"pcm_f32_16k.wav", "wav", "pcm_f32le", 16000, 1, 32, 0.3, 4800, 1e-6, 120},
		{"pcm_f64_16k.wav", "wav", "pcm_f64le", 16000, 1, 64, 0.3, 4800, 1e-6, 120},
		{"stereo_s16_16k.wav", "wav", "pcm_s16le", 16000, 2, 16, 0.3, 4800, 1e-4, 80},
		// G.711 keeps about 13 bits near zero and 7 at full scale: 30 dB and more.
		{"mulaw_16k.wav", "wav", "pcm_mulaw", 16000, 1, 8, 0.3, 4800, 0.02, 30},
		{"alaw_16k.wav", "wav", "pcm_alaw", 16000, 1, 8, 0.3, 4800, 0.02, 30},
		{"odd_chunks_16k.wav", "wav", "pcm_s16le", 16000, 1, 16, 0.3, 4800, 1e-4, 80},
		{"unknown_size.wav", "wav", "pcm_s16le", 16000, 1, 16, 0.3, 4800, 1e-4, 80},
		{"extensible_f32_16k.wav", "wav", "pcm_f32le", 16000, 1, 32, 0.3, 4800, 1e-6, 120},
		{"extensible_s24_stereo_48k.wav", "wav", "pcm_s24le", 48000, 2, 24, 0.1, 4800, 1e-4, 80},
		{"rate_8k.wav", "wav", "pcm_s16le", 8000, 1, 16, 0.3, 2400, 1e-4, 80},
		{"rate_22k05.wav", "wav", "pcm_s16le", 22050, 1, 16, 0.3, 6615, 1e-4, 80},
		{"rate_44k1.wav", "wav", "pcm_s16le", 44100, 1, 16, 0.3, 13230, 1e-4, 80},
		{"rate_48k.wav", "wav", "pcm_s16le", 48000, 1, 16, 0.3, 14400, 1e-4, 80},
		{"flac_16k.flac", "flac", "flac", 16000, 1, 16, 1, 16000, 1e-4, 80},
		{"flac_44k1_stereo.flac", "flac", "flac", 44100, 2, 16, 1, 44100, 1e-4, 80},
		// MP3 is lossy, and LAME scales its input by 0.95 (libmad's decoding shows the same), so these are
		// compared after a least-squares gain; the SNR bound checks the gapless trimming too, since a one-sample
		// misalignment of the 1250 Hz tone alone costs more than 20 dB.
		{"mp3_16k.mp3", "mp3", "mp3", 16000, 1, 16, 1, 16000, 1e-3, 60},
		{"mp3_16k_id3.mp3", "mp3", "mp3", 16000, 1, 16, 1, 16000, 1e-3, 60},
		{"mp3_16k_crc.mp3", "mp3", "mp3", 16000, 1, 16, 1, 16000, 1e-3, 60},
		{"mp3_44k1_stereo.mp3", "mp3", "mp3", 44100, 2, 16, 1, 44100, 1e-3, 60},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			got, info, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			want := Info{Format: tt.format, Codec: tt.codec, SampleRate: tt.rate, Channels: tt.ch, Bits: tt.bits,
				Frames: tt.frames, Duration: float64(tt.frames) / float64(tt.rate)}
			if tt.file == "unknown_size.wav" {
				want.Frames, want.Duration = -1, -1 // not in the header; Probe counts them
			}
			if info != want {
				t.Errorf("Info = %+v, want %+v", info, want)
			}
			wantLen := int(math.Round(float64(tt.frames) * SampleRate / float64(tt.rate)))
			if len(got) != wantLen {
				t.Errorf("decoded %d samples, want %d", len(got), wantLen)
			}
			ref := testSignal(SampleRate, tt.dur)
			if tt.format == "mp3" {
				g := fitGain(got, ref)
				if g < 0.9 || g > 1.05 {
					t.Errorf("gain %.3f against the source signal, want about 0.95", g)
				}
				for i := range ref {
					ref[i] *= g
				}
			}
			maxAbs, snr := compare(got, ref)
			t.Logf("max abs error %.2g, SNR %.1f dB", maxAbs, snr)
			if maxAbs > tt.maxAbs || snr < tt.minSNR {
				t.Errorf("max abs error %.3g (limit %.3g), SNR %.1f dB (limit %.0f)", maxAbs, tt.maxAbs, snr, tt.minSNR)
			}
			for i, v := range got {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("sample %d = %v outside [-1, 1]", i, v)
				}
			}
			pi, err := Probe(path)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			want.Frames, want.Duration = tt.frames, float64(tt.frames)/float64(tt.rate)
			if pi != want {
				t.Errorf("Probe = %+v, want %+v", pi, want)
			}
		})
	}
}

func TestDecodeEmpty(t *testing.T) {
	got, info, err := Load(filepath.Join("testdata", "zero_length.wav"))
	if err != nil || len(got) != 0 || info.Frames != 0 || info.Duration != 0 {
		t.Errorf("zero_length.wav: %d samples, Info %+v, err %v; want 0 samples, 0 frames, no error", len(got), info, err)
	}
}

func TestDecodeBad(t *testing.T) {
	tests := []struct {
		file    string
		problem string // substring of the error
		samples int    // samples decoded before the damage
	}{
		{"truncated_data.wav", "truncated data chunk (header says 9600 bytes, file has 1200)", 600},
		{"data_larger.wav", "data chunk larger than the file (header says 32000 bytes, RIFF size leaves 1200, file has 1200)", 600},
		{"huge_claim.wav", "truncated data chunk (header says 4294967040 bytes, file has 1200)", 600},
		{"huge_fmt.wav", "fmt chunk of 4294967280 bytes", 0},
		{"channels_65535.wav", "unsupported channel count 65535", 0},
		{"rate_0.wav", "unsupported sample rate 0 Hz", 0},
		{"rate_1e9.wav", "unsupported sample rate 1000000000 Hz", 0},
		{"bits_12.wav", "unsupported PCM sample size of 12 bits", 0},
		{"no_data.wav", "no data chunk", 0},
		{"not_riff.bin", "not a WAV, FLAC or MP3 file (starts with 3c 68 74 6d", 0},
		{"empty.bin", "empty file", 0},
		{"flac_truncated.flac", "truncated FLAC", -1},
		{"flac_s32.flac", "32-bit FLAC is not supported", 0},
		{"mp3_truncated.mp3", "truncated MP3 frame at byte", -1},
		{"mp3_8k_mpeg25.mp3", "MPEG-2.5 audio (8000 Hz) is not supported", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			got, _, err := Load(path)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want a *FormatError", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tt.problem) {
				t.Errorf("error %q does not name %q and %q", msg, path, tt.problem)
			}
			if tt.samples >= 0 && len(got) != tt.samples {
				t.Errorf("got %d samples before the error, want %d", len(got), tt.samples)
			}
			if tt.samples < 0 && len(got) == 0 {
				t.Errorf("got no samples before the error, want the frames before the damage")
			}
			if _, err := Probe(path); !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("Probe error = %v, want one with %q", err, tt.problem)
			}
		})
	}
}

// A 0xFF in junk between the ID3 tag and the first frame that happens to parse as a header of a kind Hark
// refuses (MPEG-2.5 here) must be skipped as junk, not get the file refused.
func TestMP3StraySyncInJunk(t *testing.T) {
	clean, want := cleanMP3(t)
	id3 := []byte{'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0}
	for _, junk := range []string{"\x00\x00junkjunk", "\x00\xFF\xE3\x18\x00junk", "\xFF\xE3\x18\x00junk"} {
		in := append(append(append([]byte{}, id3...), junk...), clean...)
		got, _, err := Decode(bytes.NewReader(in), "junk.mp3")
		if err != nil || len(got) != len(want) {
			t.Errorf("junk %q: %d samples, %v; want %d", junk, len(got), err, len(want))
		}
	}
}

// TestTruncatedPrefix checks that the samples given before a truncation error are exactly the first samples of
// the intact file.
func TestTruncatedPrefix(t *testing.T) {
	for _, tt := range []struct{ bad, good string }{
		{"truncated_data.wav", "pcm_s16_16k.wav"},
		{"flac_truncated.flac", "flac_16k.flac"},
		{"mp3_truncated.mp3", "mp3_16k.mp3"},
	} {
		bad, _, err := Load(filepath.Join("testdata", tt.bad))
		if err == nil {
			t.Fatalf("%s: no error", tt.bad)
		}
		good, _, err := Load(filepath.Join("testdata", tt.good))
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) == 0 || len(bad) > len(good) {
			t.Fatalf("%s: %d samples, intact file has %d", tt.bad, len(bad), len(good))
		}
		for i := range bad {
			if bad[i] != good[i] {
				t.Errorf("%s: sample %d = %v, intact file has %v", tt.bad, i, bad[i], good[i])
				break
			}
		}
	}
}

func TestMP3WithoutGaplessTag(t *testing.T) {
	// Without the LAME tag nothing says how much lead-in and padding there is, so every decoded sample is kept:
	// 30 frames of 576 samples, the signal delayed by the encoder and decoder delays.
	path := filepath.Join("testdata", "mp3_16k_notag.mp3")
	got, info, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != -1 || len(got)%576 != 0 || len(got) < 16000 {
		t.Fatalf("Info.Frames %d, %d samples; want -1 and whole frames covering 16000 samples", info.Frames, len(got))
	}
	pi, err := Probe(path)
	if err != nil || pi.Frames != int64(len(got)) {
		t.Errorf("Probe frames %d, err %v; want %d", pi.Frames, err, len(got))
	}
	// LAME's encoder delay is 576 samples; with the decoder's 529 the signal starts 1105 samples in.
	got = got[576+mp3DecoderDelay:]
	ref := testSignal(SampleRate, 1)
	g := fitGain(got, ref)
	for i := range ref {
		ref[i] *= g
	}
	if _, snr := compare(got, ref); snr < 35 {
		t.Errorf("SNR %.1f dB after removing the codec delays, want ≥ 35", snr)
	}
}

// TestStreaming checks that Read gives the same samples as Decode whatever the read sizes, from a reader that
// returns one byte at a time (like a slow pipe).
func TestStreaming(t *testing.T) {
	files := []string{"pcm_s24_16k.wav", "stereo_s16_16k.wav", "rate_44k1.wav", "pcm_f64_16k.wav",
		"flac_44k1_stereo.flac", "mp3_16k.mp3", "mp3_44k1_stereo.mp3", "truncated_data.wav", "mp3_truncated.mp3"}
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		want, _, wantErr := Decode(bytes.NewReader(data), file)
		for _, size := range []int{1, 7, 160, 4096} {
			r, err := Open(iotest.OneByteReader(bytes.NewReader(data)), file)
			if err != nil {
				t.Fatal(err)
			}
			var got []float32
			buf := make([]float32, size)
			for {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					if err == io.EOF {
						err = nil
					}
					if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
						t.Errorf("%s, reads of %d: err %v, Decode gave %v", file, size, err, wantErr)
					}
					break
				}
			}
			if !equal(got, want) {
				t.Errorf("%s, reads of %d: %d samples differ from Decode's %d", file, size, len(got), len(want))
			}
		}
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSniffIgnoresName decodes each format under a misleading name.
func TestSniffIgnoresName(t *testing.T) {
	for _, file := range []string{"pcm_s16_16k.wav", "flac_16k.flac", "mp3_16k.mp3"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := Load(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := Decode(bytes.NewReader(data), "recording.ogg")
		if err != nil || !equal(got, want) {
			t.Errorf("%s as recording.ogg: err %v, equal %v", file, err, equal(got, want))
		}
	}
}

func TestWriteWAVRoundTrip(t *testing.T) {
	x := testSignal(SampleRate, 0.1)
	in := make([]float32, len(x))
	for i, v := range x {
		in[i] = float32(v)
	}
	in = append(in, 1.5, -1.5) // clipped on write
	var buf bytes.Buffer
	if err := WriteWAV(&buf, in, SampleRate); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 44+2*len(in) {
		t.Errorf("file is %d bytes, want %d", buf.Len(), 44+2*len(in))
	}
	got, info, err := Decode(&buf, "roundtrip.wav")
	if err != nil {
		t.Fatal(err)
	}
	if info.Codec != "pcm_s16le" || info.SampleRate != SampleRate || info.Frames != int64(len(in)) {
		t.Errorf("Info = %+v", info)
	}
	for i := range in {
		w := max(-1, min(float64(in[i]), 32767.0/32768))
		if math.Abs(float64(got[i])-w) > 0.5/32768+1e-9 {
			t.Fatalf("sample %d: wrote %v, read %v", i, in[i], got[i])
		}
	}
}

// TestHugeClaimMemory checks that a header claiming 4 GB is not trusted for allocation.
func TestHugeClaimMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		Load(filepath.Join("testdata", "huge_claim.wav"))
	}
	runtime.ReadMemStats(&after)
	if perCall := (after.TotalAlloc - before.TotalAlloc) / 5; perCall > 4<<20 {
		t.Errorf("decoding huge_claim.wav allocates %d bytes per call", perCall)
	}
}

func TestFormatErrorMessage(t *testing.T) {
	inner := errors.New("boom")
	e := &FormatError{File: "foo.wav", Problem: "truncated data chunk (header says 32000 bytes, file has 1200)", Err: inner}
	if got, want := e.Error(), "foo.wav: truncated data chunk (header says 32000 bytes, file has 1200): boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, inner) {
		t.Error("errors.Is does not see the wrapped error")
	}
}

// ProbeHeader trusts the length in the header where Probe reads the data through: a cut file passes the first and
// fails the second, and both agree on an intact one.
func TestProbeHeader(t *testing.T) {
	tests := []struct {
		file  string
		whole bool
	}{
		{"flac_16k.flac", true},
		{"flac_truncated.flac", false},
		{"truncated_data.wav", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			fast, err := ProbeHeader(path)
			if err != nil {
				t.Fatalf("ProbeHeader: %v", err)
			}
			full, err := Probe(path)
			if tt.whole != (err == nil) {
				t.Fatalf("Probe error %v, want error %v", err, !tt.whole)
			}
			if tt.whole && fast != full {
				t.Errorf("ProbeHeader %+v, Probe %+v", fast, full)
			}
			if fast.Frames <= 0 {
				t.Errorf("ProbeHeader Frames %d, want the header's length", fast.Frames)
			}
		})
	}
}

// failingReader gives the first n bytes of b and then errDisk, as a failing disk or pipe would.
type failingReader struct {
	b []byte
	n int
}

var errDisk = errors.New("disk on fire")

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.b) <= r.n {
		return 0, errDisk
	}
	k := copy(p, r.b[r.n:])
	r.n += k
	return k, nil
}

// A read error is the reader's error, naming the input once, and not a *FormatError: the file is not damaged.
func TestReadErrorIsNotAFormatError(t *testing.T) {
	for _, file := range []string{"pcm_s16_16k.wav", "flac_16k.flac", "mp3_16k.mp3"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{len(b) / 2, 2, 11, 20, 30, 44, 100, 1000} {
			_, _, err := Decode(&failingReader{b: b[:cut]}, "in.x")
			var fe *FormatError
			if !errors.Is(err, errDisk) || errors.As(err, &fe) || strings.Count(err.Error(), "in.x") != 1 {
				t.Errorf("%s cut at %d: %v (FormatError %v); want the read error, naming in.x once", file, cut, err, errors.As(err, &fe))
			}
		}
	}
}

// rawWAV builds a mono 16 kHz WAV with the given header sizes and data bytes (tag 1: 16-bit PCM, 3: 32-bit
// float).
func rawWAV(riffSize, dataSize uint32, tag uint16, data []byte) []byte {
	bits := uint16(16)
	if tag == 3 {
		bits = 32
	}
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, riffSize)
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, tag)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint32(b, 16000)
	b = binary.LittleEndian.AppendUint32(b, 16000*uint32(bits/8))
	b = binary.LittleEndian.AppendUint16(b, bits/8)
	b = binary.LittleEndian.AppendUint16(b, bits)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, dataSize)
	return append(b, data...)
}

// Writers that cannot seek back (sox or arecord to a pipe, or a header zeroed until the end) leave placeholder
// sizes: the data runs to the end of the input, with no "truncated" error.
func TestWAVPlaceholderSizes(t *testing.T) {
	pcm := make([]byte, 2*1600)
	for i := range 1600 {
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(8000*math.Sin(float64(i)/5))))
	}
	n := uint32(len(pcm))
	tests := []struct {
		name               string
		riffSize, dataSize uint32
		samples            int
	}{
		{"sizes filled in", 36 + n, n, 1600},
		{"sox to a pipe", 0x7FFFF024, 0x7FFFF000, 1600},
		{"0x7FFFFFFF", 0x7FFFFFFF, 0x7FFFFFFF, 1600},
		{"0xFFFFFFFF", 0xFFFFFFFF, 0xFFFFFFFF, 1600},
		{"both zero", 0, 0, 1600},
		{"an empty file with junk after it", 36, 0, 0}, // RIFF size says the file ends after the header
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(rawWAV(tt.riffSize, tt.dataSize, 1, pcm)), "x.wav")
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(asByteReader{r})
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(got)/4 != tt.samples {
				t.Errorf("%d samples, want %d", len(got)/4, tt.samples)
			}
		})
	}
}

// A float WAV's NaN and ±Inf are silence, not full-scale clicks.
func TestWAVFloatNonFinite(t *testing.T) {
	vals := []float32{0.5, float32(math.Inf(1)), -0.25, float32(math.NaN()), float32(math.Inf(-1)), 4, -4}
	want := []float32{0.5, 0, -0.25, 0, 0, 1, -1}
	data := make([]byte, 0, 4*len(vals))
	for _, v := range vals {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	r, err := Open(bytes.NewReader(rawWAV(36+uint32(len(data)), uint32(len(data)), 3, data)), "f.wav")
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, 16)
	k, _ := r.Read(got)
	if !slices.Equal(got[:k], want) {
		t.Errorf("decoded %v, want %v", got[:k], want)
	}
}

// asByteReader reads a Reader's samples as 4 bytes each, to count them with io.ReadAll.
type asByteReader struct{ r *Reader }

func (a asByteReader) Read(p []byte) (int, error) {
	buf := make([]float32, len(p)/4)
	n, err := a.r.Read(buf)
	return 4 * n, err
}

// G.711's end points and zeros, from the ITU-T tables.
func TestG711Expansion(t *testing.T) {
	tests := []struct {
		name string
		f    func(byte) int16
		in   byte
		want int16
	}{
		{"mu 0x00", muLawSample, 0x00, -32124},
		{"mu 0x80", muLawSample, 0x80, 32124},
		{"mu 0x7F", muLawSample, 0x7F, 0},
		{"mu 0xFF", muLawSample, 0xFF, 0},
		{"mu 0xFE", muLawSample, 0xFE, 8},
		{"A 0xAA", aLawSample, 0xAA, 32256},
		{"A 0x2A", aLawSample, 0x2A, -32256},
		{"A 0xD5", aLawSample, 0xD5, 8},
		{"A 0x55", aLawSample, 0x55, -8},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// A file that is only an ID3 tag (an MP3 whose audio was cut off, a tag editor's leftover) says so, rather than
// "empty file".
func TestOnlyID3Tag(t *testing.T) {
	tag := []byte("ID3\x04\x00\x00\x00\x00\x00\x0a0123456789") // a 10-byte tag body of padding
	_, _, err := Decode(bytes.NewReader(tag), "tag.mp3")
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "tag.mp3: an ID3 tag and no audio after it") {
		t.Errorf("got %v, want a FormatError saying the file holds only an ID3 tag", err)
	}
}

// cleanMP3 returns the bytes of an intact MP3 fixture and its samples.
func cleanMP3(t *testing.T) ([]byte, []float32) {
	t.Helper()
	clean, err := os.ReadFile(filepath.Join("testdata", "mp3_16k.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := Decode(bytes.NewReader(clean), "clean.mp3")
	if err != nil {
		t.Fatal(err)
	}
	return clean, want
}

// Zero bytes before an MP3's first frame, with no ID3 tag (what a padding tool writes), are skipped; zeros before anything else still get the file refused for what it is.
func TestMP3AfterZeroPadding(t *testing.T) {
	clean, want := cleanMP3(t)
	for _, tt := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"1 zero", append(make([]byte, 1), clean...), true},
		{"417 zeros", append(make([]byte, 417), clean...), true},
		{"8192 zeros", append(make([]byte, 8192), clean...), true},
		{"8193 zeros", append(make([]byte, 8193), clean...), false},
		{"zeros, one frame header, junk", append(make([]byte, 100), append(clean[:4:4], bytes.Repeat([]byte("junk"), 200)...)...), false},
		{"zeros and text", append(make([]byte, 100), "hello world, not audio at all"...), false},
		{"zeros only", make([]byte, 5000), false},
	} {
		got, _, err := Decode(bytes.NewReader(tt.in), "padded.mp3")
		switch {
		case tt.ok && (err != nil || len(got) != len(want)):
			t.Errorf("%s: %d samples, %v; want %d", tt.name, len(got), err, len(want))
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), "padded.mp3: not a WAV, FLAC or MP3 file")):
			t.Errorf("%s: %d samples, %v; want the file refused as not audio", tt.name, len(got), err)
		}
	}
}
