package synth

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Engines the generator drives.
const (
	Espeak   = "espeak-ng"
	Flite    = "flite"
	Festival = "festival"
	FreeTTS  = "freetts"
)

// Voice is one way of synthesising speech: an engine, the engine's name for the voice, the underlying speaker
// and how often to pick it.
type Voice struct {
	Engine string `json:"engine"`
	Name   string `json:"name"`
	// Speaker names the recorded (or modelled) person behind the voice. Several voices share one speaker:
	// flite kal/kal16, festival kal_diphone and freetts kevin16 are all built from the same "kal" diphone
	// recordings, and flite slt and festival's slt HTS voice from the same CMU ARCTIC speaker. The test split holds
	// out whole speakers, so that it measures how the model does on a voice it has never heard.
	Speaker string  `json:"speaker"`
	Weight  float64 `json:"weight"`
}

func (v Voice) String() string { return v.Engine + ":" + v.Name }

// espeakAccents are espeak-ng's English voices; each combines with every variant.
var espeakAccents = []string{"en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd",
	"en-029", "en-us-nyc"}

// espeakVariants are the espeak-ng voice variants used. Left out: whisper and croak (not speech a recogniser should
// transcribe), the robot voices, and iven/Jacky, which clip at the default amplitude.
var espeakVariants = []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
	"klatt", "klatt2", "klatt3", "klatt4", "klatt6", "adam", "Alex", "Andy", "annie", "antonio", "aunty", "belinda",
	"benjamin", "boris", "caleb", "david", "ed", "edward", "grandma", "grandpa", "john", "linda", "max", "michel",
	"norbert", "paul", "pedro", "quincy", "rob", "robert", "steph", "travis", "victor"}

// DefaultVoices lists every voice the generator knows, weighted by how human-like it sounds (PocketSphinx WER in
// ../shared/notes/tts.md: flite awb/rms/slt best, then festival and freetts kal, espeak-ng far behind) and by
// cost: all of espeak-ng's 368 accent×variant voices together weigh as much as two flite voices. Measured here
// the whole set costs well under 0.02 CPU-seconds per audio second when festival and freetts run batched.
func DefaultVoices() []Voice {
	v := []Voice{
		{Flite, "awb", "awb", 4},
		{Flite, "rms", "rms", 4},
		{Flite, "slt", "slt", 4},
		{Flite, "kal16", "kal", 2},
		{Flite, "kal", "kal", 1}, // 8 kHz: narrowband speech
		{Festival, "kal_diphone", "kal", 2},
		{Festival, "ked_diphone", "ked", 3},
		{Festival, "cmu_us_slt_arctic_hts", "slt", 2},
		{FreeTTS, "kevin16", "kal", 1},
	}
	w := 8.0 / float64(len(espeakAccents)*len(espeakVariants))
	for _, a := range espeakAccents {
		for _, s := range espeakVariants {
			v = append(v, Voice{Espeak, a + "+" + s, "espeak-" + s, w})
		}
	}
	return v
}

// DefaultTestSpeakers are held out of the training split: one human-like flite voice, one festival voice and a
// few espeak-ng variants (across all accents).
var DefaultTestSpeakers = []string{"rms", "ked", "espeak-m7", "espeak-f4", "espeak-klatt3", "espeak-david",
	"espeak-annie"}

// Tools are the programs the generator runs; a field left empty is looked up on PATH (FreeTTSJar: the Debian path).
type Tools struct {
	Espeak, Flite, Festival, Java, FreeTTSJar, Sox, FLAC string
	FestivalVoices                                       string // festival's voice folder (one folder per language, a voice in each) or one language's folder
}

func (t *Tools) fill() {
	look := func(p *string, name string) {
		if *p == "" {
			if path, err := exec.LookPath(name); err == nil {
				*p = path
			}
		}
	}
	look(&t.Espeak, "espeak-ng")
	look(&t.Flite, "flite")
	look(&t.Festival, "festival")
	look(&t.Java, "java")
	look(&t.Sox, "sox")
	look(&t.FLAC, "flac")
	if t.FreeTTSJar == "" {
		t.FreeTTSJar = "/usr/share/java/freetts.jar"
	}
	if t.FestivalVoices == "" {
		t.FestivalVoices = "/usr/share/festival/voices"
	}
}

// Available returns the voices whose engine (and, for festival, voice package) is installed, and a note for each
// engine or voice left out.
func (t Tools) Available(voices []Voice) (ok []Voice, missing []string) {
	t.fill()
	seen := map[string]bool{}
	note := func(s string) {
		if !seen[s] {
			seen[s] = true
			missing = append(missing, s)
		}
	}
	for _, v := range voices {
		switch v.Engine {
		case Espeak:
			if t.Espeak == "" {
				note("espeak-ng not installed")
				continue
			}
		case Flite:
			if t.Flite == "" {
				note("flite not installed")
				continue
			}
		case Festival:
			if t.Festival == "" {
				note("festival not installed")
				continue
			}
			// Festival files voices by language: the diphone voices under english/, the HTS voice under us/.
			// FestivalVoices may also name one language's folder, as it once had to.
			found, _ := filepath.Glob(filepath.Join(t.FestivalVoices, "*", v.Name))
			if _, err := os.Stat(filepath.Join(t.FestivalVoices, v.Name)); err == nil {
				found = append(found, v.Name)
			}
			if len(found) == 0 {
				note("festival voice " + v.Name + " not installed")
				continue
			}
		case FreeTTS:
			if t.Java == "" {
				note("java not installed (freetts)")
				continue
			}
			if _, err := os.Stat(t.FreeTTSJar); err != nil {
				note("freetts not installed")
				continue
			}
		default:
			note("unknown engine " + v.Engine)
			continue
		}
		ok = append(ok, v)
	}
	return ok, missing
}

// splitVoices divides voices into those of training and those of held-out speakers.
func splitVoices(voices []Voice, testSpeakers []string) (train, test []Voice, err error) {
	held := map[string]bool{}
	for _, s := range testSpeakers {
		held[strings.TrimSpace(s)] = true
	}
	for _, v := range voices {
		if v.Weight <= 0 {
			continue
		}
		if held[v.Speaker] {
			test = append(test, v)
		} else {
			train = append(train, v)
		}
	}
	if len(train) == 0 {
		return nil, nil, fmt.Errorf("synth: no voices left for training")
	}
	return train, test, nil
}
