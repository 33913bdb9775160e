package synth

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPlanDeterministic(t *testing.T) {
	sent := []string{"one two three", "four five six", "seven eight nine ten"}
	a, _ := newPlanner(7, Train, sent, DefaultVoices())
	b, _ := newPlanner(7, Train, sent, DefaultVoices())
	c, _ := newPlanner(8, Train, sent, DefaultVoices())
	d, _ := newPlanner(7, Test, sent, DefaultVoices())
	same, diffSeed, diffSplit := 0, 0, 0
	for i := 99; i >= 0; i-- { // order must not matter
		pa, pb := a.plan(i), b.plan(i)
		if !reflect.DeepEqual(pa, pb) {
			t.Fatalf("plan %d differs between two planners with the same seed:\n%+v\n%+v", i, pa, pb)
		}
		if reflect.DeepEqual(pa.Aug, a.plan(i+1).Aug) {
			same++
		}
		if reflect.DeepEqual(pa.Aug, c.plan(i).Aug) {
			diffSeed++
		}
		if reflect.DeepEqual(pa.Aug, d.plan(i).Aug) {
			diffSplit++
		}
	}
	if same+diffSeed+diffSplit > 0 {
		t.Fatalf("plans repeat: %d neighbours, %d across seeds, %d across splits", same, diffSeed, diffSplit)
	}
}

func TestPlanDistribution(t *testing.T) {
	voices := DefaultVoices()
	pl, _ := newPlanner(1, Train, []string{"a b c"}, voices)
	const n = 20000
	byEngine := map[string]int{}
	noisy, tel := 0, 0
	for i := range n {
		p := pl.plan(i)
		byEngine[p.Voice.Engine]++
		a := p.Aug
		if a.NoiseColor != "" {
			noisy++
			if a.SNR < 5 || a.SNR > 30 {
				t.Fatalf("SNR %v out of range", a.SNR)
			}
		}
		if a.Telephone {
			tel++
		}
		if a.LevelDBFS < -25 || a.LevelDBFS > -1 || p.Rate < 0.8 || p.Rate > 1.3 || math.Abs(a.PitchCents) > 300 ||
			(a.Speed != 1 && (a.Speed < 0.9 || a.Speed > 1.1)) {
			t.Fatalf("plan out of range: %+v", p)
		}
	}
	total := 0.0
	want := map[string]float64{}
	for _, v := range voices {
		total += v.Weight
		want[v.Engine] += v.Weight
	}
	for e, w := range want {
		got := float64(byEngine[e]) / n
		if math.Abs(got-w/total) > 0.02 {
			t.Errorf("%s picked %.3f of the time, weight says %.3f", e, got, w/total)
		}
	}
	if f := float64(noisy) / n; math.Abs(f-0.7) > 0.02 {
		t.Errorf("noise in %.3f of utterances, want 0.7", f)
	}
	if f := float64(tel) / n; math.Abs(f-0.1) > 0.01 {
		t.Errorf("telephone band in %.3f of utterances, want 0.1", f)
	}
}

func TestSplitVoicesHoldsOutSpeakers(t *testing.T) {
	train, test, err := splitVoices(DefaultVoices(), DefaultTestSpeakers)
	if err != nil {
		t.Fatal(err)
	}
	trainSpk := map[string]bool{}
	for _, v := range train {
		trainSpk[v.Speaker] = true
	}
	for _, v := range test {
		if trainSpk[v.Speaker] {
			t.Errorf("speaker %s (%v) is in both splits", v.Speaker, v)
		}
	}
	// Every voice of a held-out speaker is held out, whatever the engine or accent.
	var ked, m7 int
	for _, v := range test {
		switch v.Speaker {
		case "ked":
			ked++
		case "espeak-m7":
			m7++
		}
	}
	if ked != 1 || m7 != len(espeakAccents) {
		t.Errorf("held out %d ked and %d espeak-m7 voices, want 1 and %d", ked, m7, len(espeakAccents))
	}
	if !trainSpk["kal"] || !trainSpk["slt"] {
		t.Error("kal or slt missing from training")
	}
}

func TestSplitSentences(t *testing.T) {
	var all []string
	for i := range 5000 {
		all = append(all, strings.Repeat("word ", i%7+3)+string(rune('a'+i%26))+strings.Repeat("x", i/26))
	}
	train, test := splitSentences(all, 20)
	if len(train)+len(test) != len(all) || len(test) < 60 || len(test) > 140 {
		t.Fatalf("%d train, %d test of %d", len(train), len(test), len(all))
	}
	inTest := map[string]bool{}
	for _, s := range test {
		inTest[s] = true
	}
	// A sentence's split does not depend on the others.
	_, test2 := splitSentences(all[:2500], 20)
	for _, s := range test2 {
		if !inTest[s] {
			t.Fatalf("%q changed split when half the sentences were dropped", s)
		}
	}
}

func TestReadSentences(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.txt")
	os.WriteFile(p, []byte("THE CAT SAT ON THE MAT\nTOO SHORT\nROOM 101 IS HERE\nthe cat sat on the mat\n"+
		"IT'S A FINE DAY, ISN'T IT?\n"+strings.Repeat("WORD ", 31)+"\n"), 0o644)
	got, err := ReadSentences([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"the cat sat on the mat", "it's a fine day isn't it"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestAddNoiseSNR(t *testing.T) {
	for _, color := range []string{"white", "pink", "brown"} {
		for _, snr := range []float64{5, 17.5, 30} {
			speech := make([]float32, 32000)
			for i := range speech {
				speech[i] = float32(0.3 * math.Sin(float64(i)*0.05))
			}
			x := append([]float32(nil), speech...)
			addNoise(x, power(speech), color, snr, rand.New(rand.NewPCG(1, 2)))
			var noise []float32
			for i := range x {
				noise = append(noise, x[i]-speech[i])
			}
			got := 10 * math.Log10(power(speech)/power(noise))
			if math.Abs(got-snr) > 0.01 {
				t.Errorf("%s noise at %v dB: measured %.3f dB", color, snr, got)
			}
		}
	}
}

func TestSetPeakAndFinish(t *testing.T) {
	x := []float32{0.1, -0.5, 0.25}
	setPeak(x, -6)
	if got := 20 * math.Log10(math.Abs(float64(x[1]))); math.Abs(got-(-6)) > 1e-4 {
		t.Fatalf("peak %v dBFS, want -6", got)
	}
	if r := x[0] / x[1]; math.Abs(float64(r)+0.2) > 1e-6 {
		t.Fatalf("setPeak changed the shape: %v", x)
	}
	speech := make([]float32, 16000)
	for i := range speech {
		speech[i] = float32(math.Sin(float64(i)))
	}
	a := Augment{LeadSilence: 0.1, TailSilence: 0.25, LevelDBFS: -3}
	y := finish(speech, a, rand.New(rand.NewPCG(1, 1)))
	if len(y) != 1600+16000+4000 || y[0] != 0 || y[len(y)-1] != 0 {
		t.Fatalf("padding: %d samples, ends %v %v", len(y), y[0], y[len(y)-1])
	}
}

func TestSoxEffects(t *testing.T) {
	a := Augment{Speed: 1.05, PitchCents: -120, EQ: []EQBand{{1000, 1.5, -4.25}}, Telephone: true,
		Reverb: []float64{40, 50, 60, 10}}
	want := "speed 1.05 pitch -120 equalizer 1000 1.5q -4.25 sinc 300-3400 reverb 40 50 60 100 10"
	if got := strings.Join(a.soxEffects(), " "); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := (Augment{Speed: 1}).soxEffects(); len(got) != 0 {
		t.Fatalf("plain chain has effects %q", got)
	}
}

func TestNames(t *testing.T) {
	p := Plan{Split: Train, Index: 12345}
	if got := p.RelPath(); got != "train/0012/train-0012345.flac" {
		t.Fatalf("RelPath = %q", got)
	}
	for _, tt := range []struct {
		path string
		i    int
		ok   bool
	}{{"/x/train/0012/train-0012345.flac", 12345, true}, {"test-0000003.flac", 0, false}, {"train-x.flac", 0, false}} {
		if i, ok := indexOf(Train, tt.path); i != tt.i || ok != tt.ok {
			t.Errorf("indexOf(%q) = %d, %v", tt.path, i, ok)
		}
	}
}

// Festival files each voice under a language folder (english/kal_diphone, us/cmu_us_slt_arctic_hts): a voice is
// installed when it is in any of them, and every voice of the default list names one that Debian packages.
func TestAvailableFestivalVoices(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"english/kal_diphone", "us/cmu_us_slt_arctic_hts"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tools := Tools{Festival: "/bin/true", FestivalVoices: root}
	voices := []Voice{
		{Festival, "kal_diphone", "kal", 1},
		{Festival, "cmu_us_slt_arctic_hts", "slt", 1},
		{Festival, "ked_diphone", "ked", 1},
	}
	ok, missing := tools.Available(voices)
	var names []string
	for _, v := range ok {
		names = append(names, v.Name)
	}
	if want := []string{"kal_diphone", "cmu_us_slt_arctic_hts"}; !reflect.DeepEqual(names, want) {
		t.Errorf("available %v, want %v", names, want)
	}
	if want := []string{"festival voice ked_diphone not installed"}; !reflect.DeepEqual(missing, want) {
		t.Errorf("missing %q, want %q", missing, want)
	}
	// FestivalVoices may also name one language's folder.
	tools.FestivalVoices = filepath.Join(root, "english")
	if ok, _ := tools.Available(voices[:1]); len(ok) != 1 {
		t.Errorf("FestivalVoices = english/: kal_diphone not found")
	}
	// Debian's festival voice packages (festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts) hold these.
	debian := map[string]bool{"kal_diphone": true, "ked_diphone": true, "cmu_us_slt_arctic_hts": true}
	for _, v := range DefaultVoices() {
		if v.Engine == Festival && !debian[v.Name] {
			t.Errorf("default voice %v is in no Debian festival package", v)
		}
	}
}
