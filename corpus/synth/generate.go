// Package synth generates labelled synthetic speech with the text-to-speech programs of a Debian system (espeak-ng,
// flite, festival, freetts) and sox: a random sentence read by a weighted random voice, then speed, pitch, EQ,
// telephone band, reverb, noise and level augmentation, written as 16 kHz mono FLAC in shard folders with TSV
// manifests (path, duration, transcript, speaker) for a training split and a test split of held-out speakers and
// held-out sentences.
//
// Generation is deterministic for a seed: every random choice for utterance i of a split comes from a generator
// seeded by (seed, split, i), so the result does not depend on parallelism or on interruptions. It is resumable:
// the manifests are rewritten atomically after every chunk, and utterances already listed with their audio file
// present are not made again.
package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkspeech/hark/corpus"
)

// Config describes a corpus to generate.
type Config struct {
	// Out is the output folder: train.tsv and test.tsv (manifests), train.plan.tsv and test.plan.tsv (voice and
	// augmentation of each utterance), synth.json (the settings), train/NNNN/*.flac and test/NNNN/*.flac.
	Out       string
	Sentences []string // prompts, normalised (see ReadSentences)
	// TrainCount and TestCount are the number of utterances in each split (at ~4.5 s each, 800 ≈ 1 audio-hour).
	TrainCount, TestCount int
	Seed                  uint64
	Jobs                  int // parallel processes; 0 means 1
	Chunk                 int // utterances per manifest update; 0 means 100
	Voices                []Voice
	TestSpeakers          []string
	// TestSentencePermille is the share of sentences, in thousandths, reserved for the test split.
	TestSentencePermille int
	Tools                Tools
	Log                  io.Writer // progress lines; nil for none
}

// Stats says what one Generate call did.
type Stats struct {
	Made, Kept, Failed int     // utterances generated now, found already made, failed
	AudioSeconds       float64 // audio generated now
	CPUSeconds         float64 // CPU time of this process and all the programs it ran
	Wall               time.Duration
}

// AudioHoursPerCPUHour is the generation throughput.
func (s Stats) AudioHoursPerCPUHour() float64 {
	if s.CPUSeconds == 0 {
		return 0
	}
	return s.AudioSeconds / s.CPUSeconds
}

// settings is what must not change between a run and its resumption: it is stored in synth.json.
type settings struct {
	Version              int      `json:"version"`
	Seed                 uint64   `json:"seed"`
	SentencesHash        string   `json:"sentences_hash"`
	Sentences            int      `json:"sentences"`
	TestSentencePermille int      `json:"test_sentence_permille"`
	TestSpeakers         []string `json:"test_speakers"`
	TrainVoices          []Voice  `json:"train_voices"`
	TestVoices           []Voice  `json:"test_voices"`
}

// Generate makes (or completes) the corpus described by cfg. It returns when both splits have their count of
// utterances, when ctx is cancelled (the manifests then list everything finished), or on an error that would make
// every utterance fail (a missing program, for example).
func Generate(ctx context.Context, cfg Config) (Stats, error) {
	start := time.Now()
	cpu0 := cpuSeconds()
	var st Stats
	if cfg.Jobs <= 0 {
		cfg.Jobs = 1
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 100
	}
	cfg.Tools.fill()
	if cfg.Tools.Sox == "" || cfg.Tools.FLAC == "" {
		return st, errors.New("synth: sox and flac must be installed")
	}
	voices, missing := cfg.Tools.Available(cfg.Voices)
	for _, m := range missing {
		cfg.logf("synth: leaving out voices: %s", m)
	}
	trainVoices, testVoices, err := splitVoices(voices, cfg.TestSpeakers)
	if err != nil {
		return st, err
	}
	trainSent, testSent := splitSentences(cfg.Sentences, cfg.TestSentencePermille)
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return st, fmt.Errorf("synth: %w", err)
	}
	set := settings{Version: 1, Seed: cfg.Seed, SentencesHash: hashStrings(cfg.Sentences), Sentences: len(cfg.Sentences),
		TestSentencePermille: cfg.TestSentencePermille, TestSpeakers: cfg.TestSpeakers, TrainVoices: trainVoices,
		TestVoices: testVoices}
	if err := checkSettings(filepath.Join(cfg.Out, "synth.json"), set); err != nil {
		return st, err
	}

	splits := []struct {
		split     Split
		n         int
		sentences []string
		voices    []Voice
	}{{Test, cfg.TestCount, testSent, testVoices}, {Train, cfg.TrainCount, trainSent, trainVoices}}
	for _, s := range splits {
		if s.n <= 0 {
			continue
		}
		pl, err := newPlanner(cfg.Seed, s.split, s.sentences, s.voices)
		if err != nil {
			return st, err
		}
		if err := cfg.generateSplit(ctx, pl, s.n, &st, start, cpu0); err != nil {
			st.CPUSeconds = cpuSeconds() - cpu0
			st.Wall = time.Since(start)
			return st, err
		}
	}
	st.CPUSeconds = cpuSeconds() - cpu0
	st.Wall = time.Since(start)
	return st, nil
}

func (cfg *Config) logf(format string, args ...any) {
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, format+"\n", args...)
	}
}

func hashStrings(ss []string) string {
	h := fnv.New64a()
	for _, s := range ss {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// checkSettings writes the settings on the first run and refuses to continue a corpus made with other ones, which
// would mix two different corpora under one manifest.
func checkSettings(path string, set settings) error {
	want, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return err
	}
	want = append(want, '\n')
	have, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return corpus.WriteFileAtomic(path, want)
	}
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if string(have) != string(want) {
		return fmt.Errorf("synth: %s was made with other settings (seed, sentences, voices or held-out speakers); "+
			"use a new output folder or the same settings", path)
	}
	return nil
}

// generateSplit brings one split's manifest up to n utterances, chunk by chunk.
func (cfg *Config) generateSplit(ctx context.Context, pl *planner, n int, st *Stats, start time.Time, cpu0 float64) error {
	manifest := filepath.Join(cfg.Out, string(pl.split)+".tsv")
	have := map[int]corpus.Utterance{}
	if _, err := os.Stat(manifest); err == nil {
		// Lines whose audio file is gone are dropped, so those utterances are made again.
		utts, _, err := corpus.ReadManifest(manifest, corpus.Options{CheckFiles: true})
		var fe *corpus.FormatError
		if err != nil && !errors.As(err, &fe) {
			return err
		}
		for _, u := range utts {
			if i, ok := indexOf(pl.split, u.Path); ok {
				have[i] = u
			}
		}
	}
	for lo := 0; lo < n; lo += cfg.Chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+cfg.Chunk, n)
		var todo []*job
		for i := lo; i < hi; i++ {
			if _, ok := have[i]; ok {
				st.Kept++
				continue
			}
			todo = append(todo, &job{plan: pl.plan(i)})
		}
		if len(todo) == 0 {
			continue
		}
		made, err := cfg.runChunk(ctx, todo)
		if err != nil {
			return err
		}
		failed := 0
		for _, j := range todo {
			if j.err != nil {
				failed++
				cfg.logf("synth: %s (%s, %q): %v", j.plan.Name(), j.plan.Voice, j.plan.Text, j.err)
			}
		}
		for _, u := range made {
			i, _ := indexOf(pl.split, u.Path)
			have[i] = u
			st.AudioSeconds += u.Duration
		}
		st.Made += len(made)
		st.Failed += failed
		if len(made) == 0 {
			return fmt.Errorf("synth: every utterance of %s %d–%d failed; first: %v", pl.split, lo, hi-1, todo[0].err)
		}
		if err := writeManifest(manifest, have); err != nil {
			return err
		}
		if err := writePlans(filepath.Join(cfg.Out, string(pl.split)+".plan.tsv"), pl, have); err != nil {
			return err
		}
		cpu := cpuSeconds() - cpu0
		total := 0.0
		for _, u := range have {
			total += u.Duration
		}
		cfg.logf("synth: %s %d/%d: %.2f audio-h in the manifest; this run %.2f audio-h in %.0f CPU-s "+
			"(%.1f audio-h per CPU-h), %s, %d failed", pl.split, hi, n, total/3600, st.AudioSeconds/3600, cpu,
			st.AudioSeconds/max(cpu, 1e-9), time.Since(start).Round(time.Second), st.Failed)
	}
	return nil
}

func writeManifest(path string, have map[int]corpus.Utterance) error {
	idx := make([]int, 0, len(have))
	for i := range have {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	utts := make([]corpus.Utterance, len(idx))
	for k, i := range idx {
		utts[k] = have[i]
	}
	return corpus.WriteTSVFile(path, utts)
}

// writePlans writes the side file that says how each utterance was made (voice, rate, augmentation), for
// breaking error rates down by condition. Plans are deterministic, so kept utterances get theirs recomputed.
func writePlans(path string, pl *planner, have map[int]corpus.Utterance) error {
	idx := make([]int, 0, len(have))
	for i := range have {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var b strings.Builder
	b.WriteString("name\tvoice\tspeaker\trate\tpitch\taugmentation\n")
	for _, i := range idx {
		p := pl.plan(i)
		fmt.Fprintf(&b, "%s\t%s\t%s\t%.3f\t%.0f\t%s\n", p.Name(), p.Voice, p.Voice.Speaker, p.Rate, p.Pitch,
			p.Aug.describe())
	}
	return corpus.WriteFileAtomic(path, []byte(b.String()))
}

// indexOf recovers an utterance's index from its file name ("train-0001234.flac").
func indexOf(split Split, path string) (int, bool) {
	base := strings.TrimSuffix(filepath.Base(path), ".flac")
	num, ok := strings.CutPrefix(base, string(split)+"-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(num)
	return i, err == nil && i >= 0
}

// runChunk synthesises and renders jobs with up to cfg.Jobs programs running at once. Per-utterance failures are
// left in job.err; the error return is for cancellation.
func (cfg *Config) runChunk(ctx context.Context, jobs []*job) ([]corpus.Utterance, error) {
	// The scratch folder lives in the output folder, so a run killed mid-chunk leaves nothing behind elsewhere and
	// the next run clears it. (One generator per output folder at a time.)
	work := filepath.Join(cfg.Out, ".work")
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	defer os.RemoveAll(work)
	var single, fest, free []*job
	for _, j := range jobs {
		j.wav = filepath.Join(work, j.plan.Name()+".wav")
		switch j.plan.Voice.Engine {
		case Festival:
			fest = append(fest, j)
		case FreeTTS:
			free = append(free, j)
		default:
			single = append(single, j)
		}
	}
	t := cfg.Tools
	tasks := make([]func(), 0, len(single)+2)
	batch := func(js []*job, run func() error) {
		if len(js) > 0 {
			tasks = append(tasks, func() {
				if err := run(); err != nil {
					for _, j := range js {
						if _, serr := os.Stat(j.wav); serr != nil {
							j.err = err
						}
					}
				}
			})
		}
	}
	batch(fest, func() error { return speakFestival(ctx, t, work, fest) })
	batch(free, func() error { return speakFreeTTS(ctx, t, work, free) })
	for _, j := range single {
		tasks = append(tasks, func() { j.err = speakOne(ctx, t, j) })
	}
	cfg.parallel(tasks)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	utts := make([]*corpus.Utterance, len(jobs))
	tasks = tasks[:0]
	for k, j := range jobs {
		if j.err != nil {
			continue
		}
		tasks = append(tasks, func() {
			u, err := cfg.render(ctx, j)
			j.err = err
			utts[k] = u
		})
	}
	cfg.parallel(tasks)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []corpus.Utterance
	for _, u := range utts {
		if u != nil {
			out = append(out, *u)
		}
	}
	return out, nil
}

// render turns one synthesised WAV file into the final FLAC file and its manifest entry.
func (cfg *Config) render(ctx context.Context, j *job) (*corpus.Utterance, error) {
	if _, err := os.Stat(j.wav); err != nil {
		return nil, fmt.Errorf("%s wrote no audio", j.plan.Voice.Engine)
	}
	speech, err := soxRender(ctx, cfg.Tools.Sox, j.wav, j.plan.Aug)
	if err != nil {
		return nil, err
	}
	if len(speech) < SampleRate/10 {
		return nil, fmt.Errorf("only %d samples of speech", len(speech))
	}
	// The noise needs its own stream, independent of how many draws the plan took.
	r := utteranceRand(cfg.Seed^0x6e6f697365, j.plan.Split, j.plan.Index)
	x := finish(speech, j.plan.Aug, r)
	path := filepath.Join(cfg.Out, filepath.FromSlash(j.plan.RelPath()))
	if err := writeFLAC(ctx, cfg.Tools.FLAC, path, x); err != nil {
		return nil, err
	}
	return &corpus.Utterance{Path: path, Duration: float64(len(x)) / SampleRate, Text: j.plan.Text,
		Speaker: j.plan.Voice.Speaker}, nil
}

// parallel runs tasks on cfg.Jobs goroutines.
func (cfg *Config) parallel(tasks []func()) {
	ch := make(chan func())
	var wg sync.WaitGroup
	for range min(cfg.Jobs, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range ch {
				f()
			}
		}()
	}
	for _, f := range tasks {
		ch <- f
	}
	close(ch)
	wg.Wait()
}
