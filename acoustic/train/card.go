package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CardInfo is what the model card says about a run that the trainer cannot know by itself.
type CardInfo struct {
	Name        string // run name
	CommandLine string
	Init        string // model fine-tuned from, if any
	Freeze      string // frozen parameter prefixes, if any
	DevManifest string
}

// knownCredits maps a path fragment of the shared data sets to the credit the model card must carry.
var knownCredits = []struct{ fragment, credit string }{
	{"fsdd", "Free Spoken Digit Dataset (Jakobovski et al.), CC BY-SA 4.0 — models trained on it are share-alike"},
	{"speechocean762", "speechocean762 (Zhang et al., 2021), Apache-2.0"},
	{"cathy", "rhasspy dataset-voice-cathy (CMU ARCTIC prompts), CC0 1.0"},
}

// writeCard writes the model card (markdown) next to the model: run, data, model configuration and size, dev
// scores and training figures.
func (t *Trainer) writeCard() error {
	var b strings.Builder
	s := &t.state
	name := t.Card.Name
	if name == "" {
		name = filepath.Base(t.Opt.OutDir)
	}
	fmt.Fprintf(&b, "# Hark acoustic model: %s\n\n", name)
	fmt.Fprintf(&b, "Written by `hark train` on %s.", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	if s.Command != "" {
		fmt.Fprintf(&b, " Command:\n\n    %s\n", s.Command)
		if t.Card.CommandLine != "" && t.Card.CommandLine != s.Command {
			fmt.Fprintf(&b, "\nlast continued with:\n\n    %s\n", t.Card.CommandLine)
		}
	} else if t.Card.CommandLine != "" {
		fmt.Fprintf(&b, " Command:\n\n    %s\n", t.Card.CommandLine)
	}
	b.WriteString("\n## Scores\n\n")
	if s.HasBest {
		b.WriteString("| dev set | WER | CER | at step |\n|---|---|---|---|\n")
		for _, set := range s.BestSets {
			fmt.Fprintf(&b, "| %s | %.2f %% | %.2f %% | %d |\n", set.Name, 100*set.WER, 100*set.CER, s.BestStep)
		}
		name := orDash(t.Card.DevManifest)
		if len(s.BestSets) > 1 {
			name = "all dev sets pooled (the model kept is the best on this)"
		}
		fmt.Fprintf(&b, "| %s | %.2f %% | %.2f %% | %d |\n\n", name, 100*s.BestWER, 100*s.BestCER, s.BestStep)
		b.WriteString("Greedy CTC decoding, no language model; WER and CER pooled over each set.\n")
	} else {
		b.WriteString("No dev-set scores (trained without --dev).\n")
	}
	b.WriteString("\n## Training data\n\n| manifest | weight | utterances | hours | skipped |\n|---|---|---|---|---|\n")
	var credits []string
	if t.Train != nil {
		for _, src := range t.Train.Sources {
			var secs float64
			for _, e := range src.Examples {
				secs += e.Seconds
			}
			fmt.Fprintf(&b, "| %s | %g | %d | %.2f | %s |\n", src.Manifest, src.Weight, len(src.Examples), secs/3600, formatSkipped(src.Skipped))
			credits = appendCredits(credits, src.Manifest)
		}
	}
	credits = appendCredits(credits, t.Card.DevManifest)
	if len(credits) > 0 {
		b.WriteString("\nData credits:\n\n")
		for _, c := range credits {
			fmt.Fprintf(&b, "- %s\n", c)
		}
	}
	b.WriteString("\n## Model\n\n")
	np := countParams(t.Net.Params(), false)
	fmt.Fprintf(&b, "%d parameters (%.1f MB as float32)", np, float64(4*np)/1e6)
	if st, err := os.Stat(filepath.Join(t.Opt.OutDir, ModelFile)); err == nil {
		fmt.Fprintf(&b, "; model file %s is %.1f MB", ModelFile, float64(st.Size())/1e6)
	}
	b.WriteString(".\n")
	if t.Card.Init != "" {
		fmt.Fprintf(&b, "Fine-tuned from `%s`", t.Card.Init)
		if t.Card.Freeze != "" {
			fmt.Fprintf(&b, " with `%s` frozen", t.Card.Freeze)
		}
		b.WriteString(".\n")
	}
	if len(t.ModelConfig) > 0 {
		fmt.Fprintf(&b, "\nConfiguration:\n\n```json\n%s\n```\n", indentJSON(t.ModelConfig))
	}
	b.WriteString("\n## Training\n\n")
	fmt.Fprintf(&b, "- %d steps, %d epochs done, %.1f h of training, %.2f h of audio seen\n", s.Step, s.Epoch, s.Elapsed/3600, s.AudioSeconds/3600)
	o := t.Opt
	fmt.Fprintf(&b, "- batch %d, %d length buckets, SortaGrad %v, Adam (β 0.9/0.999) peak learning rate %g, %d warm-up steps, %s decay, gradient-norm clip %g\n",
		o.BatchSize, len(t.bounds), o.SortaGrad, o.Schedule.Peak, o.Schedule.Warmup, orDefault(o.Schedule.Decay, DecayCosine), o.Clip)
	if a := o.Augment; a != nil {
		vtlp := ""
		if a.VTLP > 0 {
			vtlp = fmt.Sprintf(", VTLP ±%.0f %% (mel-axis warping)", 100*a.VTLP)
		}
		if a.Narrowband > 0 {
			vtlp += fmt.Sprintf(", telephone band (nothing above 3.3–4 kHz, a random noise floor) on %.0f %% of utterances", 100*a.Narrowband)
		}
		spec := "no SpecAugment"
		if a.FreqMasks > 0 || a.TimeMasks > 0 {
			spec = fmt.Sprintf("SpecAugment %d×%d frequency and %d×%.0f %% time masks", a.FreqMasks, a.FreqWidth, a.TimeMasks, 100*a.TimeFrac)
		}
		fmt.Fprintf(&b, "- augmentation: speed ±%.0f %% (feature-time warping)%s, noise on %.0f %% of utterances at %g–%g dB SNR, %s\n",
			100*a.Speed, vtlp, 100*a.NoiseProb, a.NoiseMinSNR, a.NoiseMaxSNR, spec)
	} else {
		b.WriteString("- no augmentation\n")
	}
	if s.BadFiles > 0 {
		fmt.Fprintf(&b, "- %d utterance loads failed (unreadable audio) and were left out of their batches\n", s.BadFiles)
	}
	if s.NonFinite > 0 {
		fmt.Fprintf(&b, "- %d updates skipped for a non-finite gradient\n", s.NonFinite)
	}
	b.WriteString("\nCurves: `" + LossPlotFile + "`, `" + WERPlotFile + "`; metrics log: `" + MetricsFile + "`.\n")
	return writeBytesAtomic(filepath.Join(t.Opt.OutDir, CardFile), []byte(b.String()))
}

func appendCredits(credits []string, manifest string) []string {
	for _, k := range knownCredits {
		if manifest != "" && strings.Contains(manifest, k.fragment) {
			dup := false
			for _, c := range credits {
				dup = dup || c == k.credit
			}
			if !dup {
				credits = append(credits, k.credit)
			}
		}
	}
	return credits
}

func indentJSON(js json.RawMessage) string {
	var v any
	if json.Unmarshal(js, &v) != nil {
		return string(js)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(js)
	}
	return string(out)
}

func orDash(s string) string { return orDefault(s, "–") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
