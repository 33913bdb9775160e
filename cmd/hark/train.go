package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/acoustic/train"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/features"
	"github.com/harkspeech/hark/models"
)

// modelPresets are the named model configurations --config accepts besides a JSON file.
func modelPresets() map[string]acoustic.Config {
	def := acoustic.DefaultConfig()
	small := acoustic.DefaultConfig()
	small.GRULayers, small.GRUUnits = 2, 192
	tiny := acoustic.DefaultConfig()
	tiny.Conv[0].Channels, tiny.Conv[1].Channels = 8, 8
	tiny.GRULayers, tiny.GRUUnits = 1, 48
	return map[string]acoustic.Config{"default": def, "small": small, "tiny": tiny}
}

// loadModelConfig reads --config: a preset name or a JSON file of acoustic.Config (fields left out keep the
// default configuration's values).
func loadModelConfig(s string) (acoustic.Config, error) {
	if c, ok := modelPresets()[s]; ok {
		return c, nil
	}
	data, err := os.ReadFile(s)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(s, `/\.`) {
			return acoustic.Config{}, fmt.Errorf("--config %q is neither a preset (default, small, tiny) nor a file", s)
		}
		return acoustic.Config{}, err
	}
	c := acoustic.DefaultConfig()
	if err := json.Unmarshal(data, &c); err != nil {
		return acoustic.Config{}, fmt.Errorf("%s: %w", s, err)
	}
	return c, c.Validate()
}

func defaultCacheDir(sub string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "hark", sub)
}

func runTrain(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "train", "--train MANIFEST[:WEIGHT][,...] [--dev MANIFEST | --holdout FRACTION] [flags]")
	trainSpec := fs.String("train", "", "training manifests, comma-separated, each with an optional :weight (TSV, DeepSpeech CSV or a LibriSpeech folder)")
	devSpec := fs.String("dev", "", "dev manifests, comma-separated, for WER/CER, early stopping and choosing the model kept (by the WER pooled over all of them)")
	holdout := fs.Float64("holdout", 0, "without --dev: hold out this fraction of the training utterances (chosen by file path) as the dev set, listed in OUT/holdout.tsv")
	configSpec := fs.String("config", "default", "model configuration: a preset (default, small, tiny) or a JSON file of acoustic.Config")
	name := fs.String("name", "", "run name (default: the folder of the first training manifest)")
	out := fs.String("out", "", "output folder for checkpoints, model, model card, metrics and curves (default ~/.cache/hark/runs/NAME)")
	resume := fs.Bool("resume", false, "continue the run in --out from its checkpoint (give the same data flags as before)")
	initModel := fs.String("init", "", "fine-tune from this model `file` instead of random weights (\"default\": the English model embedded in hark; ./default for a file of that name)")
	normalize := fs.Bool("normalize", false, "a new network reads features normalised per utterance (each mel band to mean 0, variance 1; streams use running statistics after 1 s), to factor out speaker and channel; with --resume it must match the run's")
	lookahead := fs.Int("lookahead", 0, "with --init: widen the model's row convolution to read this many future frames (new taps start at zero; each frame adds one output frame of streaming latency); with --resume it must match the run's")
	freeze := fs.String("freeze", "", "comma-separated parameter-name prefixes to keep fixed, e.g. conv,gru0")
	epochs := fs.Int("epochs", 30, "passes over the training data")
	batch := fs.Int("batch", 16, "utterances per batch")
	lr := fs.Float64("lr", 1e-3, "peak learning rate (Adam)")
	minLR := fs.Float64("min-lr", 1e-5, "learning rate at the end of the decay")
	warmup := fs.Int("warmup", 200, "linear learning-rate warm-up, in steps (unless given, at most a tenth of the run)")
	decay := fs.String("decay", "cosine", "learning-rate decay after warm-up: cosine (to --min-lr at the last epoch), invsqrt or constant")
	clip := fs.Float64("clip", 400, "clip the global gradient norm (of the summed batch loss) to this; 0 turns it off")
	maxMinutes := fs.Float64("max-minutes", 0, "stop (with a checkpoint) after this many minutes of training; 0 = no limit")
	ckptEvery := fs.Duration("checkpoint-every", 10*time.Minute, "time between checkpoints")
	evalEvery := fs.Int("eval-every", 0, "steps between dev evaluations; 0 = after every epoch")
	patience := fs.Int("patience", 8, "stop after this many dev evaluations without a better WER; 0 = never")
	keepEvaluated := fs.Bool("keep-evaluated", false, "also save the weights of every dev evaluation as model-stepNNNNNNN.hark in --out (8.7 MB each for the default network), to average the last few with hark average")
	seed := fs.Uint64("seed", 1, "seed for initial weights, data order and augmentation")
	threads := fs.Int("t", runtime.NumCPU(), "threads: each takes a share of every batch")
	buckets := fs.Int("buckets", 0, "padded lengths to bucket utterances by (0: 8, fewer for a small data set so that batches fill)")
	noSorta := fs.Bool("no-sortagrad", false, "shuffle the first epoch too instead of going shortest-first")
	augment := fs.Bool("augment", true, "augment training utterances (speed, noise, SpecAugment)")
	speed := fs.Float64("speed", 0.1, "speed perturbation: factors in [1-x, 1+x]")
	vtlp := fs.Float64("vtlp", 0, "vocal tract length perturbation: mel-axis warp factors in [1-x, 1+x] (0.1 is usual); 0 = off")
	noise := fs.Float64("noise", 0.5, "fraction of utterances that get additive noise at 5-30 dB SNR")
	narrowband := fs.Float64("narrowband", 0, "fraction of utterances made to sound like telephone audio (nothing above a cutoff in 3.3-4 kHz, over a random noise floor)")
	specAugment := fs.Bool("specaugment", true, "mask random mel bands and time spans of the training features (SpecAugment)")
	maxSeconds := fs.Float64("max-seconds", 30, "leave out longer utterances; 0 = keep all")
	strict := fs.Bool("strict", false, "stop at the first bad manifest line instead of skipping it (skipped lines are counted and the first ones listed)")
	cache := fs.String("cache", defaultCacheDir("features"), "feature cache folder; empty turns the cache off")
	workers := fs.Int("workers", 2, "goroutines loading and augmenting batches ahead of training")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *trainSpec == "" {
		fs.Usage()
		return errUsage
	}
	// Every flag is checked before the manifests are read (minutes, for a large corpus) and the output folder
	// is made.
	schedule := train.Schedule{Peak: *lr, Min: min(*minLR, *lr), Warmup: *warmup, Decay: *decay}
	switch {
	case *devSpec != "" && *holdout > 0:
		return usagef(e, "train", "--holdout and --dev are alternatives: give one")
	case !(*holdout >= 0 && *holdout < 1):
		return usagef(e, "train", "--holdout must be in [0, 1)")
	case !(*speed >= 0 && *speed < 0.5), !(*vtlp >= 0 && *vtlp < 0.5):
		return usagef(e, "train", "--speed and --vtlp must be in [0, 0.5)")
	case !(*noise >= 0 && *noise <= 1), !(*narrowband >= 0 && *narrowband <= 1):
		return usagef(e, "train", "--noise and --narrowband must be in [0, 1]")
	case *epochs < 1 || *batch < 1:
		return usagef(e, "train", "--epochs and --batch must be at least 1")
	case schedule.Validate() != nil:
		return usagef(e, "train", "%v", schedule.Validate())
	case *lookahead != 0 && *initModel == "" && !*resume:
		return usagef(e, "train", "--lookahead widens an --init model; a new network takes its lookahead from --config")
	case *normalize && *initModel != "":
		return usagef(e, "train", "--normalize is a new network's choice: an --init model keeps its own feature settings")
	}
	if *threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(*threads))
	}
	specs, err := train.ParseManifestSpecs(*trainSpec)
	if err != nil {
		return err
	}
	if *name == "" {
		// The run's folder names it best; else the folder of the training data (an absolute path, so that a
		// manifest in the current folder does not name the model ".").
		dir := filepath.Dir(specs[0].Path)
		if fi, err := os.Stat(specs[0].Path); err == nil && fi.IsDir() {
			dir = specs[0].Path
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		*name = filepath.Base(dir)
		if *out != "" {
			*name = filepath.Base(*out)
		}
	}
	if *out == "" {
		*out = filepath.Join(defaultCacheDir("runs"), *name)
	}
	ckPath := filepath.Join(*out, train.CheckpointFile)

	// The network: from the checkpoint's description when resuming (its weights are then overwritten by the
	// checkpoint's), else from --init or --config.
	var ck *train.Checkpoint
	var net train.Net
	if *resume {
		if ck, err = train.ReadCheckpoint(ckPath); err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
	} else if _, err := os.Stat(ckPath); err == nil {
		return fmt.Errorf("%s already holds a run: add --resume to continue it, or choose another --out", *out)
	}
	cardInit := *initModel
	if ck != nil && (ck.State.Init != "" || ck.State.Freeze != "") {
		// A fine-tune resumes as it started: its frozen layers stay frozen even if --freeze is not repeated, and
		// a different --freeze would train another network than the one the run began.
		freezeGiven := false
		fs.Visit(func(f *flag.Flag) { freezeGiven = freezeGiven || f.Name == "freeze" })
		if freezeGiven && *freeze != ck.State.Freeze {
			return fmt.Errorf("--freeze %q: the run in %s froze %q; resume without --freeze, or start a new run", *freeze, *out, ck.State.Freeze)
		}
		*freeze, cardInit = ck.State.Freeze, ck.State.Init
	}
	switch {
	case *initModel != "":
		var m *acoustic.Model
		var err error
		if *initModel == "default" {
			m, err = hark.DefaultModel()
			if b, ok := models.Read(models.Acoustic); ok {
				// The card names the model the run started from, not a word that means another model in
				// another build.
				sum := sha256.Sum256(b)
				cardInit = fmt.Sprintf("the embedded %s (sha256 %x)", models.Acoustic, sum[:6])
			}
		} else {
			m, err = acoustic.LoadFile(*initModel)
		}
		if err != nil {
			return err
		}
		if *lookahead != 0 {
			if m, err = acoustic.WidenLookahead(m, *lookahead); err != nil {
				return fmt.Errorf("--lookahead: %s: %w", *initModel, err)
			}
		}
		if net, err = train.NetFromModel(m); err != nil {
			return err
		}
	case ck != nil:
		var cfg acoustic.Config
		if err := json.Unmarshal(ck.State.ModelConfig, &cfg); err != nil {
			return fmt.Errorf("--resume: %s does not describe its model", ckPath)
		}
		// Re-running the command that started a widened run must resume it, so the same --lookahead is accepted;
		// another one would silently train a network other than the one asked for.
		if *lookahead != 0 && *lookahead != cfg.Lookahead {
			return fmt.Errorf("--lookahead %d: the run in %s reads %d future frames, and a resumed run keeps its network", *lookahead, *out, cfg.Lookahead)
		}
		m, err := train.ModelFromCheckpoint(ck)
		if err != nil {
			return fmt.Errorf("--resume: %s: %w", ckPath, err)
		}
		if *normalize && !m.Features.Normalize {
			return fmt.Errorf("--normalize: the run in %s reads unnormalised features, and a resumed run keeps its network", *out)
		}
		if net, err = train.NetFromModel(m); err != nil {
			return err
		}
	default:
		cfg, err := loadModelConfig(*configSpec)
		if err != nil {
			return err
		}
		feat := features.DefaultConfig()
		feat.NumMels, feat.Normalize = cfg.NumMels, *normalize
		m, err := acoustic.NewModel(cfg, acoustic.EnglishVocabulary(), feat, int64(*seed))
		if err != nil {
			return err
		}
		if net, err = train.NetFromModel(m); err != nil {
			return err
		}
	}
	if *freeze != "" {
		if _, err := train.Freeze(net.Params(), *freeze); err != nil {
			return err
		}
	}
	model := net.Model()
	cfg := model.Config
	// One replica per thread, each taking a share of every batch (the kernels themselves run single-threaded).
	if net, err = train.Parallel(net, runtime.GOMAXPROCS(0)); err != nil {
		return err
	}
	cfgJSON, _ := json.Marshal(cfg)

	dataCfg := train.DataConfig{Vocabulary: model.Vocabulary, Features: model.Features, OutFrames: cfg.OutFrames,
		MaxSeconds: *maxSeconds, StrictManifests: *strict}
	trainSet, err := train.LoadDataset(ctx, specs, dataCfg)
	if err != nil {
		return err
	}
	var devSet *train.Dataset
	devName := *devSpec
	switch {
	case *devSpec != "":
		devSpecs, err := train.ParseManifestSpecs(*devSpec)
		if err != nil {
			return err
		}
		for i := range devSpecs {
			devSpecs[i].Weight = 1 // weights mean nothing for scoring
		}
		devCfg := dataCfg
		devCfg.MaxSeconds = 0 // score every dev utterance, however long
		if devSet, err = train.LoadDataset(ctx, devSpecs, devCfg); err != nil {
			return err
		}
	case *holdout > 0:
		trainSet, devSet = trainSet.Holdout(*holdout)
		devName = devSet.Sources[0].Manifest
		// Written out so that "hark eval" can score the model on exactly the utterances it never trained on.
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		var utts []corpus.Utterance
		for _, x := range devSet.Sources[0].Examples {
			utts = append(utts, corpus.Utterance{Path: x.Path, Duration: x.Seconds, Text: x.Text})
		}
		if err := corpus.WriteTSVFile(filepath.Join(*out, "holdout.tsv"), utts); err != nil {
			return err
		}
		devName += " (listed in holdout.tsv)"
	}
	for _, set := range []*train.Dataset{trainSet, devSet} {
		if set == nil {
			continue
		}
		for _, s := range set.Sources {
			for _, p := range s.Problems {
				fmt.Fprintf(e.stderr, "warning: %v (line skipped; --strict makes this an error)\n", p)
			}
		}
	}
	for _, s := range trainSet.Sources {
		fmt.Fprintf(e.stderr, "%s: %d utterances (%s), weight %g", s.Manifest, len(s.Examples), corpus.FormatDuration(seconds(s.Examples)), s.Weight)
		if len(s.Skipped) > 0 {
			fmt.Fprintf(e.stderr, ", left out: %s", skippedString(s.Skipped))
		}
		fmt.Fprintln(e.stderr)
	}
	if devSet != nil {
		fmt.Fprintf(e.stderr, "dev: %s, %d utterances (%s)\n", devName, devSet.Len(), corpus.FormatDuration(devSet.Seconds()))
		for _, s := range devSet.Sources {
			if len(s.Skipped) > 0 {
				fmt.Fprintf(e.stderr, "dev %s: left out %s\n", s.Manifest, skippedString(s.Skipped))
			}
		}
	}

	var aug *train.Augment
	if *augment {
		a := train.DefaultAugment()
		a.Speed, a.VTLP, a.NoiseProb, a.Narrowband = *speed, *vtlp, *noise, *narrowband
		if !*specAugment {
			a.FreqMasks, a.TimeMasks = 0, 0
		}
		aug = &a
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	opt := train.Options{
		Epochs: *epochs, BatchSize: *batch, Buckets: *buckets, SortaGrad: !*noSorta,
		Schedule: schedule, CapWarmup: !given["warmup"], EvalStart: *initModel != "",
		Clip: *clip, Augment: aug, EvalEvery: *evalEvery, Patience: *patience, KeepEvaluated: *keepEvaluated,
		CheckpointEvery: *ckptEvery, MaxDuration: time.Duration(*maxMinutes * float64(time.Minute)),
		OutDir: *out, Seed: *seed, Workers: *workers,
	}
	tr := &train.Trainer{
		Net: net, Vocabulary: model.Vocabulary, Train: trainSet, Dev: devSet, Opt: opt, ModelConfig: cfgJSON, Log: e.stderr,
		Loader: &train.Loader{Features: model.Features, CacheDir: *cache, OutFrames: cfg.OutFrames},
		Card: train.CardInfo{Name: *name, CommandLine: "hark train " + strings.Join(args, " "), Init: cardInit,
			Freeze: *freeze, DevManifest: devName},
	}
	if ck != nil {
		if err := tr.Resume(ck); err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
		fmt.Fprintf(e.stderr, "resuming %s at step %d (epoch %d)\n", *out, ck.State.Step, ck.State.Epoch+1)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	res, err := tr.Run(ctx)
	switch {
	case errors.Is(err, context.Canceled) && res.Reason == "interrupted":
		fmt.Fprintf(e.stderr, "interrupted at step %d: checkpoint written; continue with the same command and --resume\n", res.State.Step)
		return exitError{code: exitInterrupted}
	case err != nil:
		return err
	}
	if ck != nil && ck.State.Done && res.State.Step == ck.State.Step {
		// Nothing trained: say why, rather than print the old result as if this command had made it.
		fmt.Fprintf(e.stderr, "the run in %s had already ended (%s); to train it further, start a new run with --init %s\n",
			*out, ck.State.StopReason, filepath.Join(*out, train.ModelFile))
	}
	fmt.Fprintf(e.stdout, "%s: %d steps, %d epochs", res.Reason, res.State.Step, res.State.Epoch)
	if res.State.HasBest {
		fmt.Fprintf(e.stdout, ", best dev WER %.2f%% CER %.2f%% at step %d", 100*res.State.BestWER, 100*res.State.BestCER, res.State.BestStep)
	}
	fmt.Fprintf(e.stdout, "\nmodel: %s\ncard:  %s\n", filepath.Join(*out, train.ModelFile), filepath.Join(*out, train.CardFile))
	if res.Reason == "time limit" {
		fmt.Fprintln(e.stdout, "time limit reached: continue with the same command and --resume")
	}
	return nil
}

func seconds(exs []train.Example) float64 {
	var s float64
	for _, e := range exs {
		s += e.Seconds
	}
	return s
}

func skippedString(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
