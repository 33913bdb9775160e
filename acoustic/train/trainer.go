package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/internal/atomicfile"
	"github.com/harkspeech/hark/metrics"
)

// Options configure a training run. Zero values of optional fields take the defaults noted.
type Options struct {
	Epochs    int
	BatchSize int
	Buckets   int  // padded lengths to bucket by (default: 8, fewer for a small data set, so that batches fill)
	SortaGrad bool // first epoch in order of length, shortest first
	Schedule  Schedule
	// CapWarmup shortens Schedule.Warmup to a tenth of the run when the run is short (a fine-tune on a few
	// dozen utterances would otherwise end before its learning rate reached Schedule.Peak).
	CapWarmup bool
	// EvalStart scores the dev set before the first step of a fresh run: a fine-tune's starting point, which
	// is kept as the model unless training beats it.
	EvalStart bool
	Clip      float64  // global gradient-norm clip, 0 = none
	Augment   *Augment // nil: no augmentation

	EvalEvery       int           // steps between dev evaluations; 0 evaluates at the end of every epoch
	Patience        int           // evaluations without a better dev WER before stopping; 0 never stops early
	KeepEvaluated   bool          // also save the weights of every evaluation (EvaluatedModelFile), for averaging
	CheckpointEvery time.Duration // default 10 minutes
	MaxDuration     time.Duration // training time of this run before it checkpoints and stops; 0 = no limit
	LogEvery        int           // steps per metrics-log line (default 10)

	OutDir   string
	Seed     uint64
	Workers  int // feature-loading goroutines (default 2)
	Prefetch int // batches loaded ahead (default 4)
}

func (o *Options) defaults() {
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 10 * time.Minute
	}
	if o.LogEvery <= 0 {
		o.LogEvery = 10
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Prefetch <= 0 {
		o.Prefetch = 4
	}
}

// File names inside Options.OutDir.
const (
	CheckpointFile = "checkpoint.ckpt"
	ModelFile      = "model.hark"
	CardFile       = "model.md"
	MetricsFile    = "metrics.jsonl"
	LossPlotFile   = "loss.png"
	WERPlotFile    = "wer.png"
)

// EvaluatedModelFile names the model saved at an evaluation when Options.KeepEvaluated is set: the last few of a
// run, averaged with acoustic.Average, often beat the best single one.
func EvaluatedModelFile(step int) string { return fmt.Sprintf("model-step%07d.hark", step) }

// Trainer runs the training loop: batches from Train through Net, Adam updates, dev evaluation, early stopping,
// checkpoints, the metrics log, curves and the model card.
type Trainer struct {
	Net        Net
	Loader     *Loader
	Vocabulary acoustic.Vocabulary
	Train, Dev *Dataset // Dev may be nil
	Opt        Options
	// ModelConfig is stored in checkpoints so that a resumed run can rebuild the network.
	ModelConfig json.RawMessage
	// Log receives progress: a progress bar when it is a terminal, plain lines otherwise. nil discards.
	Log io.Writer
	// Card holds what the model card says about the run beyond what the trainer knows.
	Card CardInfo
	// SaveModel writes the inference model; nil uses Net.Model().Save. Tests replace it.
	SaveModel func(w io.Writer) error

	state    State
	adam     *Adam
	exs      []*Example
	bounds   []int
	history  []Record
	devExs   []*Example
	devPlans []batchPlan
	devSrc   []int  // source index of each dev example
	win      window // training figures since the last metrics-log line
	prog     progress
	started  time.Time
	elapsed  float64 // State.Elapsed at the start of this run
	// State.Step and State.AudioSeconds when this run started, for the progress display's rates.
	startStep  int
	startAudio float64
}

// Result is how a run ended.
type Result struct {
	State  State
	Reason string // "finished", "early stop", "time limit", "interrupted"
}

// Resume restores a checkpoint taken by a run with the same data and options. It must be called before Run.
func (t *Trainer) Resume(ck *Checkpoint) error {
	byName := map[string]*Param{}
	for _, p := range t.Net.Params() {
		byName[p.Name] = p
	}
	if len(ck.Params) != len(byName) {
		return fmt.Errorf("train: checkpoint has %d tensors, the network %d", len(ck.Params), len(byName))
	}
	for _, cp := range ck.Params {
		p := byName[cp.Name]
		if p == nil || acoustic.Size(p.Shape) != len(cp.Value) || !slices.Equal(p.Shape, cp.Shape) {
			return fmt.Errorf("train: checkpoint tensor %s%v does not match the network", cp.Name, cp.Shape)
		}
	}
	for _, cp := range ck.Params {
		copy(byName[cp.Name].Value, cp.Value)
	}
	t.state = ck.State
	t.adam = NewAdam(t.Opt.Schedule, t.Opt.Clip)
	t.adam.restore(ck.State.OptSteps, ck.M, ck.V)
	return nil
}

// Freeze marks as frozen every parameter whose name starts with one of the comma-separated prefixes (for example
// "conv,gru0" freezes the convolutions and the first GRU layer). It returns how many it froze; a prefix that
// matches nothing is an error, since it is most likely a typo.
func Freeze(params []*Param, prefixes string) (int, error) {
	n := 0
	for _, pre := range strings.Split(prefixes, ",") {
		pre = strings.TrimSpace(pre)
		if pre == "" {
			continue
		}
		hit := false
		for _, p := range params {
			if strings.HasPrefix(p.Name, pre) {
				hit = true
				if !p.Frozen {
					p.Frozen = true
					n++
				}
			}
		}
		if !hit {
			return n, fmt.Errorf("train: --freeze %q matches no parameter", pre)
		}
	}
	return n, nil
}

// Run trains until the epochs are done, early stopping triggers, MaxDuration passes or ctx is cancelled. In every
// case but an error it writes a checkpoint first, so the run can be resumed; on cancellation it returns the
// Result and ctx's error.
func (t *Trainer) Run(ctx context.Context) (Result, error) {
	t.Opt.defaults()
	o := &t.Opt
	if o.Epochs < 1 || o.BatchSize < 1 {
		return Result{}, errors.New("train: epochs and batch size must be at least 1")
	}
	if err := o.Schedule.Validate(); err != nil {
		return Result{}, err
	}
	if t.Train == nil || t.Train.Len() == 0 {
		return Result{}, errors.New("train: no training data")
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return Result{}, err
	}
	removeStaleTemps(o.OutDir)
	t.exs = t.Train.flat()
	var notes []string
	if o.Buckets <= 0 {
		// Batches never mix buckets: with few utterances, 8 buckets would leave most batches nearly empty.
		o.Buckets = min(8, max(1, len(t.exs)/(4*o.BatchSize)))
		if o.Buckets < 8 {
			notes = append(notes, fmt.Sprintf("%d utterances: %d length bucket(s) instead of 8, so that batches of %d fill (--buckets to choose)", len(t.exs), o.Buckets, o.BatchSize))
		}
	}
	frames := make([]int, len(t.exs))
	for i, e := range t.exs {
		frames[i] = e.Frames
	}
	t.bounds = bucketBounds(frames, o.Buckets)
	hash := t.dataHash()
	total := t.totalSteps()
	if o.Schedule.Total <= 0 {
		o.Schedule.Total = total // the cosine decay ends with the last epoch
	}
	if w := max(1, o.Schedule.Total/10); o.CapWarmup && o.Schedule.Warmup > w {
		notes = append(notes, fmt.Sprintf("warm-up shortened from %d to %d steps, a tenth of this %d-step run (--warmup to choose)", o.Schedule.Warmup, w, o.Schedule.Total))
		o.Schedule.Warmup = w
	}
	if t.adam == nil { // a fresh run; Resume sets adam
		t.adam = NewAdam(o.Schedule, o.Clip)
		optJSON, _ := json.Marshal(o)
		feat := t.Loader.Features
		t.state = State{Seed: o.Seed, DataHash: hash, ModelConfig: t.ModelConfig, Options: optJSON,
			Features: &feat, Vocabulary: t.Vocabulary.Symbols, Command: t.Card.CommandLine,
			Init: t.Card.Init, Freeze: t.Card.Freeze}
		if err := t.openMetrics(false); err != nil {
			return Result{}, err
		}
	} else {
		if t.state.DataHash != hash {
			return Result{}, fmt.Errorf("train: %s differ from the checkpoint's, so the run cannot continue exactly; resume with the run's own settings, or start a new run (--init DIR/model.hark)", hashDifference(t.state.DataHash, hash))
		}
		if err := t.openMetrics(true); err != nil {
			return Result{}, err
		}
	}
	t.adam.Schedule = o.Schedule
	if t.state.Done {
		if t.state.StopReason == "early stop" || t.state.Epoch >= o.Epochs {
			return Result{State: t.state, Reason: t.state.StopReason}, nil
		}
		t.state.Done = false // finished fewer epochs than now asked for: train on
	}
	t.started = time.Now()
	t.elapsed = t.state.Elapsed
	t.startStep, t.startAudio = t.state.Step, t.state.AudioSeconds
	t.prog = newProgress(t.Log, total)
	defer t.prog.finish()
	t.logf("training on %d utterances (%s) in %d buckets %v, %d parameters (%d trainable)",
		len(t.exs), corpus.FormatDuration(t.Train.Seconds()), len(t.bounds), t.bounds, countParams(t.Net.Params(), false), countParams(t.Net.Params(), true))
	for _, n := range notes {
		t.logf("%s", n)
	}
	if t.Dev != nil && t.Dev.Len() > 0 && t.state.Step == 0 {
		t.logf("dev scores below are greedy, without a language model: hark eval with the LM scores the model as transcribe uses it")
	}
	if o.EvalStart && t.state.Step == 0 && !t.state.HasBest {
		if _, err := t.evaluate(ctx); err != nil {
			return Result{State: t.state}, err
		}
	}

	reason, err := t.loop(ctx)
	t.state.Elapsed = t.elapsed + time.Since(t.started).Seconds()
	if reason == "" {
		return Result{State: t.state}, err
	}
	if reason == "finished" || reason == "early stop" {
		t.state.Done, t.state.StopReason = true, reason
		if t.win.steps > 0 {
			t.logTrain(&t.win) // the last few steps, so that short runs have a loss curve too
		}
	}
	// The checkpoint is written even when ctx is cancelled: that is what makes Ctrl-C resumable.
	if cerr := t.checkpoint(); cerr != nil {
		return Result{State: t.state, Reason: reason}, errors.Join(err, cerr)
	}
	if t.Dev == nil || !t.state.HasBest {
		// Without dev scores the latest weights are the model.
		if merr := t.saveModel(ModelFile); merr != nil {
			return Result{State: t.state, Reason: reason}, errors.Join(err, merr)
		}
	}
	t.writeReports()
	t.logf("%s after %d steps (%d epochs done): %s", reason, t.state.Step, t.state.Epoch, t.scoreLine())
	return Result{State: t.state, Reason: reason}, err
}

// loop runs the epochs; it returns why it stopped ("" with an error that should not be checkpointed).
func (t *Trainer) loop(ctx context.Context) (string, error) {
	o := &t.Opt
	lastCkpt := time.Now()
	win := &t.win
	tick := time.Now() // end of the previous step: rates include data-loading waits but not evaluations
	for t.state.Epoch < o.Epochs {
		plans := t.plan(t.state.Epoch)
		start := t.state.Batch
		epoch := t.state.Epoch
		next, stop := prefetch(ctx, len(plans)-start, o.Workers, o.Prefetch, func(ctx context.Context, i int) (*loaded, error) {
			bi := start + i
			p := plans[bi]
			var rngs []*rand.Rand
			if o.Augment != nil {
				rngs = make([]*rand.Rand, len(p.Items))
				for k := range rngs {
					rngs[k] = exampleRNG(t.state.Seed, epoch, bi*o.BatchSize+k)
				}
			}
			return t.Loader.loadBatch(ctx, t.exs, p, o.Augment, rngs)
		})
		tick = time.Now()
		for bi := start; bi < len(plans); bi++ {
			ld, err := next()
			if err != nil {
				stop()
				if ctx.Err() != nil {
					return "interrupted", ctx.Err()
				}
				return "", err
			}
			t.reportSkipped(ld.skipped)
			if ld.batch == nil { // nothing readable: move on, as a resumed run would
				t.state.Batch = bi + 1
				continue
			}
			losses, err := t.Net.Step(ctx, ld.batch)
			if err != nil {
				stop()
				if ctx.Err() != nil {
					return "interrupted", ctx.Err()
				}
				return "", fmt.Errorf("train: step %d: %w", t.state.Step+1, err)
			}
			norm, lr, err := t.adam.Update(t.Net.Params())
			if errors.Is(err, ErrNonFinite) {
				t.state.NonFinite++
			} else if err != nil {
				stop()
				return "", err
			}
			t.state.OptSteps = t.adam.Steps()
			t.state.Step++
			t.state.Batch = bi + 1
			var secs float64
			for _, i := range ld.items {
				secs += t.exs[i].Seconds
			}
			t.state.AudioSeconds += secs
			win.add(losses, secs, time.Since(tick).Seconds(), norm, lr)
			if t.state.Step%o.LogEvery == 0 {
				t.logTrain(win)
			}
			// The display uses this run's averages (evaluations and waits included), which make a steadier ETA on a
			// shared machine than the last few steps.
			run := time.Since(t.started).Seconds()
			t.prog.update(t.state.Step, win.meanLoss(), float64(t.state.Step-t.startStep)/run, (t.state.AudioSeconds-t.startAudio)/run)
			if o.EvalEvery > 0 && t.state.Step%o.EvalEvery == 0 {
				if stopNow, err := t.evaluate(ctx); err != nil {
					stop()
					if ctx.Err() != nil {
						return "interrupted", ctx.Err()
					}
					return "", err
				} else if stopNow {
					stop()
					return "early stop", nil
				}
			}
			if err := ctx.Err(); err != nil {
				stop()
				return "interrupted", err
			}
			if time.Since(lastCkpt) >= o.CheckpointEvery {
				if err := t.checkpoint(); err != nil {
					stop()
					return "", err
				}
				t.writeReports()
				lastCkpt = time.Now()
			}
			tick = time.Now()
			if o.MaxDuration > 0 && time.Since(t.started) >= o.MaxDuration {
				stop()
				return "time limit", nil
			}
		}
		stop()
		t.state.Epoch++
		t.state.Batch = 0
		if o.EvalEvery <= 0 {
			stopNow, err := t.evaluate(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return "interrupted", ctx.Err()
				}
				return "", err
			}
			if stopNow {
				return "early stop", nil
			}
		}
	}
	// The last steps, taken at the lowest learning rate of the decay, are often the best: score them too when
	// --eval-every does not divide the run, or they could never become the model kept.
	if o.EvalEvery > 0 && t.state.Step%o.EvalEvery != 0 {
		if _, err := t.evaluate(ctx); err != nil {
			if ctx.Err() != nil {
				return "interrupted", ctx.Err()
			}
			return "", err
		}
	}
	return "finished", nil
}

// removeStaleTemps deletes the temporary files that writes killed half way (kill -9, power loss) leave in the
// output folder; one run owns its folder, so none of them can belong to a write in progress.
func removeStaleTemps(dir string) {
	for _, name := range []string{CheckpointFile, ModelFile, CardFile, MetricsFile, LossPlotFile, WERPlotFile} {
		_ = atomicfile.RemoveStale(filepath.Join(dir, name)) // best effort: a leftover only costs disk space
	}
}

// plan is the batch order of an epoch: a function of the data, options, seed and epoch only.
func (t *Trainer) plan(epoch int) []batchPlan {
	items := t.Train.epochItems(t.state.Seed, epoch)
	return planEpoch(items, func(i int) int { return t.exs[i].Frames }, t.bounds, t.Opt.BatchSize,
		t.Opt.SortaGrad && epoch == 0, t.state.Seed, epoch)
}

func (t *Trainer) totalSteps() int {
	n := 0
	for e := 0; e < t.Opt.Epochs; e++ {
		n += len(t.plan(e))
	}
	return n
}

// hashDifference names what differs between two dataHash values, for a refused resume.
func hashDifference(was, now string) string {
	split := func(h string) []string { // data, batch, buckets, sortagrad: the last three never hold a "-"
		p := strings.Split(h, "-")
		if len(p) < 4 {
			return nil
		}
		return append([]string{strings.Join(p[:len(p)-3], "-")}, p[len(p)-3:]...)
	}
	a, b := split(was), split(now)
	if a == nil || b == nil {
		return "the training data, batch size or bucketing"
	}
	var diff []string
	for i, what := range []string{"the training data", "the batch size (--batch %s, now %s)", "the bucketing (--buckets %s, now %s)", "SortaGrad (%s, now %s)"} {
		if a[i] != b[i] {
			if i == 0 {
				diff = append(diff, what)
			} else {
				diff = append(diff, fmt.Sprintf(what, a[i][1:], b[i][1:]))
			}
		}
	}
	if len(diff) == 0 {
		return "the training data, batch size or bucketing"
	}
	return strings.Join(diff, " and ")
}

// dataHash covers everything that determines the batch order besides the seed.
func (t *Trainer) dataHash() string {
	return fmt.Sprintf("%s-b%d-k%d-s%v", t.Train.Hash(), t.Opt.BatchSize, t.Opt.Buckets, t.Opt.SortaGrad)
}

func countParams(ps []*Param, trainableOnly bool) int {
	n := 0
	for _, p := range ps {
		if trainableOnly && p.Frozen {
			continue
		}
		n += len(p.Value)
	}
	return n
}

// checkpoint writes the current state atomically.
func (t *Trainer) checkpoint() error {
	t.state.Elapsed = t.elapsed + time.Since(t.started).Seconds()
	ck := &Checkpoint{State: t.state, M: map[string][]float32{}, V: map[string][]float32{}}
	for _, p := range t.Net.Params() {
		ck.Params = append(ck.Params, &Param{Name: p.Name, Shape: p.Shape, Value: p.Value})
		if m, v := t.adam.moments(p.Name); m != nil {
			ck.M[p.Name], ck.V[p.Name] = m, v
		}
	}
	return WriteCheckpoint(filepath.Join(t.Opt.OutDir, CheckpointFile), ck)
}

func (t *Trainer) saveModel(name string) error {
	save := t.SaveModel
	if save == nil {
		save = func(w io.Writer) error { return t.Net.Model().Save(w) }
	}
	return writeFileAtomic(filepath.Join(t.Opt.OutDir, name), save)
}

// evaluate scores the dev set with greedy decoding, keeps the best model and says whether to stop early.
func (t *Trainer) evaluate(ctx context.Context) (stop bool, err error) {
	if t.Dev == nil || t.Dev.Len() == 0 {
		return false, nil
	}
	wer, cer, sets, err := t.devScores(ctx)
	if err != nil {
		return false, err
	}
	rec := Record{Kind: "dev", Step: t.state.Step, Epoch: t.state.Epoch, Time: t.elapsed + time.Since(t.started).Seconds(), WER: wer, CER: cer}
	if len(sets) > 1 {
		rec.Sets = sets
	}
	t.appendRecord(rec)
	s := &t.state
	if !s.HasBest || wer < s.BestWER || (wer == s.BestWER && cer < s.BestCER) {
		s.HasBest, s.BestWER, s.BestCER, s.BestStep, s.BadEvals = true, wer, cer, s.Step, 0
		s.BestSets = rec.Sets
		if err := t.saveModel(ModelFile); err != nil {
			return false, err
		}
		t.prog.log(fmt.Sprintf("step %d: dev WER %.2f%% CER %.2f%% (best, model saved)", s.Step, 100*wer, 100*cer))
	} else {
		s.BadEvals++
		t.prog.log(fmt.Sprintf("step %d: dev WER %.2f%% CER %.2f%% (best %.2f%% at step %d)", s.Step, 100*wer, 100*cer, 100*s.BestWER, s.BestStep))
	}
	// After the best model, so that a failure here (a full disk) cannot cost the run its best weights.
	if t.Opt.KeepEvaluated {
		if err := t.saveModel(EvaluatedModelFile(s.Step)); err != nil {
			return false, err
		}
	}
	t.writeReports()
	return t.Opt.Patience > 0 && s.BadEvals >= t.Opt.Patience, nil
}

// devScores decodes the dev set greedily and returns WER and CER pooled over all of it and per source manifest.
// Features come through the loader (and its cache) each time rather than being kept, so a large dev set costs no
// memory between evaluations.
func (t *Trainer) devScores(ctx context.Context) (wer, cer float64, sets []SetScore, err error) {
	if t.devPlans == nil {
		t.devExs = t.Dev.flat()
		for si, src := range t.Dev.Sources {
			for range src.Examples {
				t.devSrc = append(t.devSrc, si)
			}
		}
		frames := make([]int, len(t.devExs))
		items := make([]int, len(t.devExs))
		for i, e := range t.devExs {
			frames[i], items[i] = e.Frames, i
		}
		t.devPlans = planEpoch(items, func(i int) int { return frames[i] }, bucketBounds(frames, t.Opt.Buckets), t.Opt.BatchSize, true, 0, 0)
	}
	next, stop := prefetch(ctx, len(t.devPlans), t.Opt.Workers, t.Opt.Prefetch, func(ctx context.Context, i int) (*loaded, error) {
		return t.Loader.loadBatch(ctx, t.devExs, t.devPlans[i], nil, nil)
	})
	defer stop()
	var w, c metrics.ErrorCounts
	ws := make([]metrics.ErrorCounts, len(t.Dev.Sources))
	cs := make([]metrics.ErrorCounts, len(t.Dev.Sources))
	for range t.devPlans {
		ld, err := next()
		if err != nil {
			return 0, 0, nil, err
		}
		t.reportSkipped(ld.skipped)
		if ld.batch == nil {
			continue
		}
		out, lens, err := t.Net.LogProbs(ctx, ld.batch)
		if err != nil {
			return 0, 0, nil, err
		}
		if len(out) != len(ld.items) || len(lens) != len(ld.items) {
			return 0, 0, nil, fmt.Errorf("train: LogProbs returned %d outputs for %d utterances", len(out), len(ld.items))
		}
		for u, i := range ld.items {
			hyp := greedyDecode(out[u], lens[u], t.Vocabulary)
			wc := metrics.AlignWords(t.devExs[i].Text, hyp).Counts
			cc := metrics.AlignChars(t.devExs[i].Text, hyp).Counts
			w.Add(wc)
			c.Add(cc)
			ws[t.devSrc[i]].Add(wc)
			cs[t.devSrc[i]].Add(cc)
		}
	}
	for i, src := range t.Dev.Sources {
		sets = append(sets, SetScore{Name: src.Manifest, WER: ws[i].Rate(), CER: cs[i].Rate()})
	}
	return w.Rate(), c.Rate(), sets, nil
}

// SetScore is the greedy-decoding score of one dev manifest.
type SetScore struct {
	Name string  `json:"name"`
	WER  float64 `json:"wer"`
	CER  float64 `json:"cer"`
}

// greedyDecode is best-path CTC decoding: the most likely symbol per frame, repeats merged, blanks dropped.
func greedyDecode(logp []float32, frames int, v acoustic.Vocabulary) string {
	n := v.Size()
	var ids []int
	prev := -1
	for f := 0; f < frames && (f+1)*n <= len(logp); f++ {
		row := logp[f*n : (f+1)*n]
		best := 0
		for i, x := range row {
			if x > row[best] {
				best = i
			}
		}
		if best != prev && best != acoustic.Blank {
			ids = append(ids, best)
		}
		prev = best
	}
	return strings.TrimSpace(v.Decode(ids))
}

// reportSkipped counts unreadable files and shows the first few.
func (t *Trainer) reportSkipped(msgs []string) {
	for _, m := range msgs {
		t.state.BadFiles++
		if t.state.BadFiles <= 10 {
			t.logf("skipped: %s", m)
		} else if t.state.BadFiles == 11 {
			t.logf("more unreadable files skipped; the model card counts them")
		}
	}
}

func (t *Trainer) scoreLine() string {
	if !t.state.HasBest {
		return "no dev scores"
	}
	return fmt.Sprintf("best dev WER %.2f%% CER %.2f%% at step %d", 100*t.state.BestWER, 100*t.state.BestCER, t.state.BestStep)
}

func (t *Trainer) logf(format string, args ...any) {
	if t.prog != nil {
		t.prog.log(fmt.Sprintf(format, args...))
	}
}

// window accumulates the steps since the last metrics-log line.
type window struct {
	loss         float64
	n            int // utterances with a finite loss
	steps        int
	secs         float64 // audio seconds
	busy         float64 // wall seconds
	norm, lr     float64
	lastSteps    int
	lastSecs     float64
	lastBusy     float64
	lastLossMean float64
}

func (w *window) add(losses []float64, audioSecs, wall, norm, lr float64) {
	for _, l := range losses {
		if !math.IsInf(l, 0) && !math.IsNaN(l) {
			w.loss += l
			w.n++
		}
	}
	w.steps++
	w.secs += audioSecs
	w.busy += wall
	w.norm, w.lr = norm, lr
}

func (w *window) meanLoss() float64 {
	if w.n == 0 {
		return w.lastLossMean
	}
	return w.loss / float64(w.n)
}

func (w *window) reset() {
	w.lastLossMean, w.lastSteps, w.lastSecs, w.lastBusy = w.meanLoss(), w.steps, w.secs, w.busy
	w.loss, w.n, w.steps, w.secs, w.busy = 0, 0, 0, 0, 0
}

// rates returns steps per second and audio hours per hour of the current window (or the last one when empty).
func (t *Trainer) rates(w *window) (stepsPerSec, audioPerHour float64) {
	steps, secs, busy := w.steps, w.secs, w.busy
	if busy == 0 {
		steps, secs, busy = w.lastSteps, w.lastSecs, w.lastBusy
	}
	if busy == 0 {
		return 0, 0
	}
	return float64(steps) / busy, secs / busy
}

func (t *Trainer) logTrain(w *window) {
	sps, aph := t.rates(w)
	t.appendRecord(Record{Kind: "train", Step: t.state.Step, Epoch: t.state.Epoch, Time: t.elapsed + time.Since(t.started).Seconds(),
		Loss: w.meanLoss(), LR: w.lr, GradNorm: w.norm, StepsPerSec: sps, AudioPerHour: aph})
	w.reset()
}
