package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/harkspeech/hark/corpus/synth"
)

func runSynth(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "synth", "[flags] SENTENCES.txt...\n\n"+
		"Generates a labelled synthetic speech corpus: random sentences from the text files (one a line, .gz allowed)\n"+
		"read by weighted random TTS voices with random augmentation, as 16 kHz FLAC plus train.tsv and test.tsv\n"+
		"(held-out speakers and sentences). Run it again with the same flags to resume or with a larger -n to extend.\n")
	out := fs.String("o", "", "output `folder` (default ~/.cache/hark/synth)")
	n := fs.Int("n", 800, "training utterances (about 800 per audio-hour)")
	testN := fs.Int("test-n", -1, "test utterances; -1 means 3% of -n")
	seed := fs.Uint64("seed", 1, "random seed: the same seed and inputs give the same corpus")
	jobs := fs.Int("j", 1, "programs to run in parallel")
	chunk := fs.Int("chunk", 100, "utterances per manifest update")
	testSpeakers := fs.String("test-speakers", strings.Join(synth.DefaultTestSpeakers, ","),
		"comma-separated `speakers` held out for the test split")
	permille := fs.Int("test-sentences", 20, "sentences held out for the test split, in `thousandths`")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || *n < 0 || *jobs < 1 || *chunk < 1 || *permille < 0 || *permille > 1000 {
		fs.Usage()
		return errUsage
	}
	if *out == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return err
		}
		*out = filepath.Join(dir, "hark", "synth")
	}
	if *testN < 0 {
		*testN = (*n*3 + 99) / 100
	}
	sentences, err := synth.ReadSentences(fs.Args())
	if err != nil {
		return err
	}
	cfg := synth.Config{
		Out:                  *out,
		Sentences:            sentences,
		TrainCount:           *n,
		TestCount:            *testN,
		Seed:                 *seed,
		Jobs:                 *jobs,
		Chunk:                *chunk,
		Voices:               synth.DefaultVoices(),
		TestSpeakers:         splitList(*testSpeakers),
		TestSentencePermille: *permille,
	}
	if !*quiet {
		cfg.Log = e.stderr
	}
	st, err := synth.Generate(ctx, cfg)
	fmt.Fprintf(e.stdout, "%s: made %d utterances (%.3f audio-hours), kept %d, %d failed; %.1f CPU-s, %s wall: "+
		"%.1f audio-hours per CPU-hour\n", *out, st.Made, st.AudioSeconds/3600, st.Kept, st.Failed, st.CPUSeconds,
		st.Wall.Round(1e9), st.AudioHoursPerCPUHour())
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(e.stderr, "hark synth: interrupted; run the same command again to resume")
		return exitError{exitInterrupted}
	}
	return err
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
