package hark

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// speechRegion returns where a clean recording is loud, by a measure independent of the VAD: the first and
// last 20 ms window (hop 5 ms) whose RMS exceeds −45 dB full scale.
func speechRegion(x []float32) (start, end float64) {
	start = -1
	for i := 0; i+320 <= len(x); i += 80 {
		if 20*math.Log10(rms(x[i:i+320])+1e-12) > -45 {
			if start < 0 {
				start = float64(i) / 16000
			}
			end = float64(i+320) / 16000
		}
	}
	return start, end
}

// detect runs a VAD over x in chunks of the given size (0: all at once).
func detect(t testing.TB, x []float32, cfg VADConfig, chunk int) []Span {
	t.Helper()
	v, err := NewVAD(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if chunk <= 0 {
		chunk = max(len(x), 1)
	}
	var spans []Span
	for i := 0; i < len(x); i += chunk {
		spans = append(spans, v.Accept(x[i:min(i+chunk, len(x))])...)
	}
	return append(spans, v.Flush()...)
}

// checkCovers checks that span s covers [start, end] without reaching far beyond it: at most the padding and a
// word's decay (0.6 s) after, the padding and a soft onset (0.5 s) before.
func checkCovers(t *testing.T, name string, s Span, start, end float64) {
	t.Helper()
	if s.Start > start || s.End < end {
		t.Errorf("%s: span %.3f–%.3f s does not cover the speech at %.3f–%.3f s", name, s.Start, s.End, start, end)
	}
	if s.Start < start-0.5 || s.End > end+0.6 {
		t.Errorf("%s: span %.3f–%.3f s reaches far beyond the speech at %.3f–%.3f s", name, s.Start, s.End, start, end)
	}
}

func TestVADSampleOneSpan(t *testing.T) {
	x := loadSample(t)
	start, end := speechRegion(x)
	spans := detect(t, x, DefaultVADConfig(), 0)
	if len(spans) != 1 {
		t.Fatalf("got spans %v, want one", spans)
	}
	checkCovers(t, "sample.wav", spans[0], start, end)
}

func TestVADTwoSentences(t *testing.T) {
	x := loadSample(t)
	start, end := speechRegion(x)
	gap := make([]float32, 24000) // 1.5 s of digital silence
	// The second sentence is the first one, quieter by 12 dB, after a gap of 1.5 s between the two stretches
	// of speech (the recording's own trailing and leading silence count towards it).
	second := scaleTo(append([]float32(nil), x...), 20*math.Log10(rms(x))-12)
	y := concat(x[:int(end*16000)], gap, second[int(start*16000):])
	offset := end + 1.5 - start
	spans := detect(t, y, DefaultVADConfig(), 0)
	if len(spans) != 2 {
		t.Fatalf("got spans %v, want two", spans)
	}
	checkCovers(t, "first sentence", spans[0], start, end)
	s2, e2 := speechRegion(second)
	checkCovers(t, "second sentence", spans[1], s2+offset, e2+offset)
}

// Noise, hum and silence must give no span at any level: anything the VAD lets through, the recogniser may turn
// into hallucinated text. Each signal is tried from the start of the stream (the noise floors start from it),
// after a second of digital silence (the floors must catch up with a sudden noise), and as a short burst at the
// end of the stream (they have no time to).
func TestVADNoSpeechInNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	gens := map[string]func(n int) []float32{
		"silence": func(n int) []float32 { return make([]float32, n) },
		"white":   func(n int) []float32 { return whiteNoise(rng, n) },
		"pink":    func(n int) []float32 { return pinkNoise(rng, n) },
		"hum 50":  func(n int) []float32 { return hum(rng, n, 50) },
		"hum 60":  func(n int) []float32 { return hum(rng, n, 60) },
		"hum 60 + white": func(n int) []float32 {
			return mix(scaleTo(hum(rng, n, 60), 0), whiteNoise(rng, n), 10)
		},
	}
	for name, gen := range gens {
		for _, level := range []float64{-80, -60, -40, -20, -6, 0} {
			for _, shape := range []string{"from start", "after silence", "burst at end"} {
				var x []float32
				switch shape {
				case "from start":
					x = gen(6 * 16000)
				case "after silence":
					x = concat(make([]float32, 16000), gen(5*16000))
				case "burst at end":
					x = concat(make([]float32, 16000), gen(16000*(3+rng.IntN(10))/10))
				}
				if name != "silence" {
					scaleTo(x, level)
				}
				if spans := detect(t, x, DefaultVADConfig(), 1000); len(spans) > 0 {
					t.Errorf("%s at %v dB, %s: spans %v, want none", name, level, shape, spans)
				}
			}
		}
	}
}

func TestVADSpeechInNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := concat(make([]float32, 16000), loadSample(t))
	start, end := speechRegion(x)
	n := len(x)
	tests := []struct {
		name  string
		noise []float32
		snr   float64
	}{
		{"white 10 dB", whiteNoise(rng, n), 10},
		{"pink 10 dB", pinkNoise(rng, n), 10},
		{"hum 50 Hz 0 dB", hum(rng, n, 50), 0},
		{"hum 60 Hz 0 dB", hum(rng, n, 60), 0},
	}
	for _, tt := range tests {
		y := mix(x, tt.noise, tt.snr)
		spans := detect(t, y, DefaultVADConfig(), 0)
		if len(spans) != 1 {
			t.Errorf("%s: spans %v, want one", tt.name, spans)
			continue
		}
		// The noise buries the softest edges of the sentence: ask for all but 0.25 s at the end.
		checkCovers(t, tt.name, spans[0], start, end-0.25)
	}
}

// Any chunking of the stream gives the same spans, bit for bit.
func TestVADChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	x := loadSample(t)
	y := mix(concat(x, make([]float32, 20000), x), whiteNoise(rng, 2*len(x)+20000), 15)
	want := detect(t, y, DefaultVADConfig(), 0)
	for _, chunk := range []int{1, 159, 160, 161, 1000, 16000} {
		got := detect(t, y, DefaultVADConfig(), chunk)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("chunks of %d: %v, want %v", chunk, got, want)
		}
	}
}

// Speech longer than MaxSpeech is cut at quiet points into pieces that follow each other without a gap, each
// no longer than MaxSpeech, and the VAD's memory stays bounded.
func TestVADMaxSpeech(t *testing.T) {
	x := loadSample(t)
	start, end := speechRegion(x)
	speech := x[int(start*16000):int(end*16000)]
	var long []float32
	for len(long) < 45*16000 {
		long = append(long, speech...)
	}
	y := concat(make([]float32, 8000), long, make([]float32, 16000))
	cfg := DefaultVADConfig()
	cfg.MaxSpeech = 10
	v, err := NewVAD(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var spans []Span
	for i := 0; i < len(y); i += 1600 {
		spans = append(spans, v.Accept(y[i:min(i+1600, len(y))])...)
		if len(v.hist) > v.maxSpeech {
			t.Fatalf("VAD holds %d frames, more than MaxSpeech", len(v.hist))
		}
	}
	spans = append(spans, v.Flush()...)
	if len(spans) < 5 {
		t.Fatalf("got %d spans for %.1f s of speech with MaxSpeech 10 s: %v", len(spans), float64(len(long))/16000, spans)
	}
	for i, s := range spans {
		if s.Duration() > cfg.MaxSpeech+cfg.Padding+1e-9 {
			t.Errorf("span %d lasts %.2f s", i, s.Duration())
		}
		if i > 0 && math.Abs(s.Start-spans[i-1].End) > 1e-9 {
			t.Errorf("gap or overlap between spans %d and %d: %v %v", i-1, i, spans[i-1], s)
		}
	}
	checkCovers(t, "first piece starts", Span{spans[0].Start, spans[len(spans)-1].End}, 0.5, 0.5+float64(len(long))/16000)
}

func TestVADConfigValidate(t *testing.T) {
	if err := DefaultVADConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	mods := map[string]func(*VADConfig){
		"zero threshold":      func(c *VADConfig) { c.Threshold = 0 },
		"NaN level":           func(c *VADConfig) { c.MinLevel = math.NaN() },
		"negative padding":    func(c *VADConfig) { c.Padding = -1 },
		"no max speech":       func(c *VADConfig) { c.MaxSpeech = 0 },
		"max below silence":   func(c *VADConfig) { c.MinSilence, c.MaxSpeech = 5, 6 },
		"zero noise window":   func(c *VADConfig) { c.NoiseWindow = 0 },
		"infinite min speech": func(c *VADConfig) { c.MinSpeech = math.Inf(1) },
	}
	for name, mod := range mods {
		c := DefaultVADConfig()
		mod(&c)
		if _, err := NewVAD(c); err == nil {
			t.Errorf("%s: NewVAD accepted %+v", name, c)
		}
	}
}

func BenchmarkVAD(b *testing.B) {
	x := loadSample(b)
	v, err := NewVAD(DefaultVADConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(4 * len(x)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(x); i += 1600 {
			v.Accept(x[i:min(i+1600, len(x))])
		}
		v.Flush()
	}
	b.ReportMetric(float64(len(x))/16000*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

// Bad samples (NaN, ±Inf, far beyond full scale) must neither panic nor blind the VAD to the speech after them.
func TestVADBadSamples(t *testing.T) {
	x := loadSample(t)
	bad := make([]float32, 8000)
	for i := range bad {
		bad[i] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e30}[i%4]
	}
	y := concat(bad, make([]float32, 32000), x)
	spans := detect(t, y, DefaultVADConfig(), 777)
	start, end := speechRegion(x)
	off := float64(len(bad)+32000) / 16000
	if len(spans) != 1 {
		t.Fatalf("spans %v, want one", spans)
	}
	checkCovers(t, "speech after bad samples", spans[0], start+off, end+off)
}

func TestVADSpeakingAndSilence(t *testing.T) {
	x := loadSample(t)
	start, end := speechRegion(x)
	v, err := NewVAD(DefaultVADConfig())
	if err != nil {
		t.Fatal(err)
	}
	// Feed 10 ms at a time and check the live state where it is unambiguous.
	for i := 0; i+160 <= len(x); i += 160 {
		v.Accept(x[i : i+160])
		now := float64(i+160) / 16000
		switch {
		case now < start-0.05:
			if v.Speaking() || math.Abs(v.Silence()-float64(v.frames)*0.01) > 1e-9 {
				t.Fatalf("%.2f s, before the speech: Speaking %v, Silence %.2f", now, v.Speaking(), v.Silence())
			}
		case now > start+0.3 && now < end-0.1:
			if !v.Speaking() || v.Silence() > 0.5 {
				t.Fatalf("%.2f s, in the speech: Speaking %v, Silence %.2f", now, v.Speaking(), v.Silence())
			}
		case now > end+0.8:
			if v.Speaking() || v.Silence() < now-end-0.4 {
				t.Fatalf("%.2f s, after the speech: Speaking %v, Silence %.2f", now, v.Speaking(), v.Silence())
			}
		}
	}
}

// The level the VAD computes is the mean square in its band, in dB: a full-scale 1 kHz sine is at −3 dB, one
// at amplitude 0.01 at −43 dB.
func TestVADLevelCalibration(t *testing.T) {
	for _, amp := range []float64{1, 0.01} {
		x := make([]float32, 1600)
		for i := range x {
			x[i] = float32(amp * math.Sin(2*math.Pi*1000*float64(i)/16000))
		}
		v, err := NewVAD(DefaultVADConfig())
		if err != nil {
			t.Fatal(err)
		}
		v.Accept(x)
		want := 20*math.Log10(amp) - 3.0103
		if math.Abs(v.lastLevel-want) > 0.3 {
			t.Errorf("sine of amplitude %v: level %.2f dB, want %.2f", amp, v.lastLevel, want)
		}
	}
}
