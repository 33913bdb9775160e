package train

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/features"
)

// fakeNet is a deterministic stand-in for the real network: a per-band linear regression of the features onto the
// transcript length, with a batch-norm-like running mean that Step updates itself. Its gradients depend on every
// feature value, so any difference in data order, augmentation or optimiser state shows up in the parameters.
type fakeNet struct {
	w, b, mean *Param
	vocab      acoustic.Vocabulary
	steps      int
	evals      int
	// good says, per evaluation, whether LogProbs emits the right transcripts (otherwise it emits nothing).
	good   []bool
	onStep func(step int)
}

func newFakeNet(f int) *fakeNet {
	n := &fakeNet{
		w:     &Param{Name: "conv0.w", Shape: []int{f}, Value: make([]float32, f), Grad: make([]float32, f)},
		b:     &Param{Name: "out.b", Shape: []int{1}, Value: []float32{0.1}, Grad: make([]float32, 1)},
		mean:  &Param{Name: "conv0.mean", Shape: []int{f}, Value: make([]float32, f), Frozen: true},
		vocab: acoustic.EnglishVocabulary(),
	}
	for i := range n.w.Value {
		n.w.Value[i] = 0.05 * float32(i+1)
	}
	return n
}

func (n *fakeNet) Params() []*Param       { return []*Param{n.w, n.b, n.mean} }
func (n *fakeNet) Model() *acoustic.Model { return nil }

func (n *fakeNet) Step(ctx context.Context, b *Batch) ([]float64, error) {
	clear(n.w.Grad)
	clear(n.b.Grad)
	losses := make([]float64, b.B)
	batchMean := make([]float64, b.F)
	frames := 0
	for u := 0; u < b.B; u++ {
		y := float64(len(b.Labels[u])) / 10
		tu := b.FeatLens[u]
		for t := 0; t < b.T; t++ {
			x := b.Feats[(u*b.T+t)*b.F : (u*b.T+t+1)*b.F]
			if t >= tu {
				for _, v := range x {
					if v != 0 {
						return nil, fmt.Errorf("padding frame %d of utterance %d is not zero", t, u)
					}
				}
				continue
			}
			frames++
			for f, v := range x {
				e := float64(n.w.Value[f])*float64(v) + float64(n.b.Value[0]) - y
				losses[u] += 0.5 * e * e / float64(tu)
				n.w.Grad[f] += float32(e * float64(v) / float64(tu))
				n.b.Grad[0] += float32(e / float64(tu))
				batchMean[f] += float64(v)
			}
		}
	}
	for f := range n.mean.Value {
		n.mean.Value[f] = 0.9*n.mean.Value[f] + 0.1*float32(batchMean[f]/float64(frames))
	}
	n.steps++
	if n.onStep != nil {
		n.onStep(n.steps)
	}
	return losses, nil
}

func (n *fakeNet) LogProbs(ctx context.Context, b *Batch) ([][]float32, []int, error) {
	good := n.evals < len(n.good) && n.good[n.evals]
	v := n.vocab.Size()
	out := make([][]float32, b.B)
	lens := make([]int, b.B)
	for u := 0; u < b.B; u++ {
		tp := acoustic.DefaultConfig().OutFrames(b.FeatLens[u])
		lp := make([]float32, tp*v)
		for t := 0; t < tp; t++ {
			sym := acoustic.Blank
			if good && t%2 == 1 && t/2 < len(b.Labels[u]) {
				sym = b.Labels[u][t/2]
			}
			for k := 0; k < v; k++ {
				lp[t*v+k] = -10
			}
			lp[t*v+sym] = 0
		}
		out[u], lens[u] = lp, tp
	}
	return out, lens, nil
}

var fakeWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// fakeData makes n examples with random lengths and digit transcripts, and a Loader whose raw features are a
// deterministic function of the path.
func fakeData(n int, seed uint64, f int) (*Dataset, *Loader) {
	rng := rand.New(rand.NewPCG(seed, 0))
	src := Source{Manifest: fmt.Sprintf("fake%d.tsv", seed), Weight: 1}
	vocab := acoustic.EnglishVocabulary()
	rows := map[string]int{}
	for i := 0; i < n; i++ {
		text := fakeWords[rng.IntN(10)]
		if rng.IntN(2) == 0 {
			text += " " + fakeWords[rng.IntN(10)]
		}
		labels, _ := vocab.Encode(text)
		frames := 40 + rng.IntN(160)
		path := fmt.Sprintf("utt%d-%03d.wav", seed, i)
		rows[path] = frames
		src.Examples = append(src.Examples, Example{Path: path, Text: text, Labels: labels, Frames: frames, Seconds: float64(frames) / 100})
	}
	l := &Loader{
		Features:  features.Config{SampleRate: 16000, FrameLength: 400, Hop: 160, NumMels: f, Normalize: true},
		OutFrames: acoustic.DefaultConfig().OutFrames,
		raw: func(ctx context.Context, path string) (*features.Matrix, error) {
			h := fnv.New64a()
			h.Write([]byte(path))
			r := rand.New(rand.NewPCG(h.Sum64(), 1))
			m := &features.Matrix{Rows: rows[path], Cols: f, Data: make([]float32, rows[path]*f)}
			for i := range m.Data {
				m.Data[i] = float32(r.NormFloat64()*2 - 5)
			}
			return m, nil
		},
	}
	return &Dataset{Sources: []Source{src}}, l
}

func testOptions(dir string) Options {
	aug := DefaultAugment()
	aug.FreqWidth = 2
	return Options{
		Epochs: 3, BatchSize: 4, Buckets: 3, SortaGrad: true,
		Schedule: Schedule{Peak: 0.01, Warmup: 5, Total: 60}, Clip: 5, Augment: &aug,
		CheckpointEvery: time.Hour, LogEvery: 3, OutDir: dir, Seed: 11, Workers: 3, Prefetch: 2,
	}
}

func newTestTrainer(dir string, net *fakeNet) *Trainer {
	train, loader := fakeData(37, 1, 6)
	dev, dl := fakeData(9, 2, 6)
	trainRaw := loader.raw
	loader.raw = func(ctx context.Context, path string) (*features.Matrix, error) {
		if strings.HasPrefix(path, "utt2-") {
			return dl.raw(ctx, path)
		}
		return trainRaw(ctx, path)
	}
	return &Trainer{
		Net: net, Loader: loader, Vocabulary: acoustic.EnglishVocabulary(), Train: train, Dev: dev,
		Opt: testOptions(dir), ModelConfig: json.RawMessage(`{"fake":true}`),
		SaveModel: func(w io.Writer) error { _, err := fmt.Fprintf(w, "model after step %d", net.steps); return err },
	}
}

func paramValues(n *fakeNet) [][]float32 {
	var out [][]float32
	for _, p := range n.Params() {
		out = append(out, append([]float32(nil), p.Value...))
	}
	return out
}

// TestResumeExact: k steps straight and k/2 steps, interrupt, resume from the checkpoint, the rest, give
// bit-identical parameters (including the running statistics), optimiser step counts and metrics logs.
func TestResumeExact(t *testing.T) {
	dirA := t.TempDir()
	netA := newFakeNet(6)
	trA := newTestTrainer(dirA, netA)
	resA, err := trA.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resA.Reason != "finished" || !resA.State.Done {
		t.Fatalf("run A: %+v", resA)
	}
	total := resA.State.Step
	perEpoch := len(trA.plan(0))
	if total != 3*perEpoch {
		t.Fatalf("%d steps, want 3 epochs × %d", total, perEpoch)
	}

	for _, stopAt := range []int{perEpoch + 3, perEpoch, 1} { // mid-epoch, at an epoch boundary, after one step
		t.Run(fmt.Sprint("stop at ", stopAt), func(t *testing.T) {
			dirB := t.TempDir()
			netB := newFakeNet(6)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			netB.onStep = func(step int) {
				if step == stopAt {
					cancel()
				}
			}
			res, err := newTestTrainer(dirB, netB).Run(ctx)
			if !errors.Is(err, context.Canceled) || res.Reason != "interrupted" {
				t.Fatalf("interrupted run: %+v, %v", res, err)
			}
			ck, err := ReadCheckpoint(filepath.Join(dirB, CheckpointFile))
			if err != nil {
				t.Fatal(err)
			}
			if ck.State.Step != stopAt {
				t.Fatalf("checkpoint at step %d, want %d", ck.State.Step, stopAt)
			}
			netC := newFakeNet(6) // a fresh process: fresh initial weights
			netC.steps = stopAt
			trC := newTestTrainer(dirB, netC)
			if err := trC.Resume(ck); err != nil {
				t.Fatal(err)
			}
			res, err = trC.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.State.Step != total || res.State.OptSteps != resA.State.OptSteps {
				t.Errorf("resumed run ended at step %d (%d updates), want %d (%d)", res.State.Step, res.State.OptSteps, total, resA.State.OptSteps)
			}
			if got, want := paramValues(netC), paramValues(netA); !reflect.DeepEqual(got, want) {
				t.Errorf("resumed parameters differ from the straight run:\n got %v\nwant %v", got, want)
			}
			if math.Abs(res.State.AudioSeconds-resA.State.AudioSeconds) > 1e-9 {
				t.Errorf("audio seconds %v, want %v", res.State.AudioSeconds, resA.State.AudioSeconds)
			}
			if a, b := metricSteps(t, dirA), metricSteps(t, dirB); !reflect.DeepEqual(a, b) {
				t.Errorf("metrics logs differ:\n%v\n%v", a, b)
			}
		})
	}
}

// metricSteps lists kind:step of every metrics-log line.
func metricSteps(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad metrics line %q: %v", sc.Text(), err)
		}
		out = append(out, fmt.Sprintf("%s:%d", r.Kind, r.Step))
	}
	return out
}

func TestResumeRejectsOtherData(t *testing.T) {
	dir := t.TempDir()
	net := newFakeNet(6)
	ctx, cancel := context.WithCancel(context.Background())
	net.onStep = func(int) { cancel() }
	newTestTrainer(dir, net).Run(ctx)
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTestTrainer(dir, newFakeNet(6))
	tr.Opt.BatchSize = 5
	if err := tr.Resume(ck); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot continue exactly") {
		t.Errorf("resume with another batch size: %v", err)
	}
	other := newFakeNet(7)
	if err := newTestTrainer(dir, other).Resume(ck); err == nil {
		t.Error("checkpoint of another shape accepted")
	}
}

// TestEarlyStopping: dev scores good, bad, bad with patience 2 stop the run after the third evaluation and keep the
// model of the first.
func TestEarlyStopping(t *testing.T) {
	dir := t.TempDir()
	net := newFakeNet(6)
	net.good = []bool{true, false, false, true}
	tr := newTestTrainer(dir, net)
	tr.Opt.Epochs = 10
	tr.Opt.Patience = 2
	tr.Opt.EvalEvery = 4
	tr.Net = &countingLogProbs{fakeNet: net}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != "early stop" || res.State.Step != 12 {
		t.Fatalf("ended %q at step %d, want early stop at step 12", res.Reason, res.State.Step)
	}
	if !res.State.HasBest || res.State.BestWER != 0 || res.State.BestStep != 4 {
		t.Errorf("best %+v, want WER 0 at step 4", res.State)
	}
	model, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil || string(model) != "model after step 4" {
		t.Errorf("kept model %q, %v; want the one of step 4", model, err)
	}
	steps := metricSteps(t, dir)
	devs := 0
	for _, s := range steps {
		if strings.HasPrefix(s, "dev:") {
			devs++
		}
	}
	if devs != 3 {
		t.Errorf("%d dev evaluations logged, want 3: %v", devs, steps)
	}
	for _, f := range []string{LossPlotFile, WERPlotFile, CardFile, CheckpointFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if strings.HasSuffix(f, ".png") && !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG", f)
		}
	}
	card, _ := os.ReadFile(filepath.Join(dir, CardFile))
	for _, want := range []string{"| 0.00 % |", "fake1.tsv", `"fake": true`, "37"} {
		if !bytes.Contains(card, []byte(want)) {
			t.Errorf("model card lacks %q:\n%s", want, card)
		}
	}
	// A finished run resumed does nothing more.
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil || !ck.State.Done {
		t.Fatalf("final checkpoint: %+v %v", ck, err)
	}
}

// countingLogProbs advances fakeNet's evaluation script once per dev evaluation (the dev set here is 9 utterances
// in batches of 4: three LogProbs calls).
type countingLogProbs struct {
	*fakeNet
	calls int
}

func (c *countingLogProbs) LogProbs(ctx context.Context, b *Batch) ([][]float32, []int, error) {
	out, lens, err := c.fakeNet.LogProbs(ctx, b)
	c.calls++
	if c.calls%3 == 0 {
		c.fakeNet.evals++
	}
	return out, lens, err
}

func TestFreeze(t *testing.T) {
	net := newFakeNet(4)
	if n, err := Freeze(net.Params(), "conv0.w, out"); err != nil || n != 2 {
		t.Fatalf("Freeze = %d, %v", n, err)
	}
	if _, err := Freeze(net.Params(), "gru7"); err == nil {
		t.Error("a prefix matching nothing is not an error")
	}
	dir := t.TempDir()
	net = newFakeNet(6)
	Freeze(net.Params(), "conv0.w")
	before := append([]float32(nil), net.w.Value...)
	tr := newTestTrainer(dir, net)
	tr.Opt.Epochs = 1
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, net.w.Value) {
		t.Error("frozen parameter changed")
	}
	if net.b.Value[0] == 0.1 {
		t.Error("trainable parameter did not change")
	}
}

// TestTrainingReducesLoss: the loop actually optimises: the fake model's loss falls.
func TestTrainingReducesLoss(t *testing.T) {
	dir := t.TempDir()
	net := newFakeNet(6)
	tr := newTestTrainer(dir, net)
	tr.Opt.Augment = nil
	tr.Opt.Epochs = 8
	tr.Opt.Schedule = Schedule{Peak: 0.05, Warmup: 3, Decay: DecayConstant}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var first, last float64
	for _, r := range tr.history {
		if r.Kind == "train" {
			if first == 0 {
				first = r.Loss
			}
			last = r.Loss
		}
	}
	if !(last < first/2) {
		t.Errorf("loss went from %v to %v", first, last)
	}
}

func TestGreedy(t *testing.T) {
	v := acoustic.EnglishVocabulary() // 0 blank, 1 space, 2 ', 3 a, 4 b, ...
	frames := func(ids ...int) []float32 {
		out := make([]float32, len(ids)*v.Size())
		for i := range out {
			out[i] = -5
		}
		for t, id := range ids {
			out[t*v.Size()+id] = -0.1
		}
		return out
	}
	tests := []struct {
		ids  []int
		want string
	}{
		{[]int{0, 0, 0}, ""},
		{[]int{3, 3, 0, 3, 4}, "aab"},
		{[]int{1, 3, 1, 1, 4, 1}, "a b"},
		{[]int{4, 2, 2, 0, 21}, "b's"},
	}
	for _, tt := range tests {
		if got := greedyDecode(frames(tt.ids...), len(tt.ids), v); got != tt.want {
			t.Errorf("greedyDecode(%v) = %q, want %q", tt.ids, got, tt.want)
		}
	}
	// Frames beyond the length are ignored.
	if got := greedyDecode(frames(3, 4), 1, v); got != "a" {
		t.Errorf("length 1: %q", got)
	}
}

// newRealNet is the real network for cfg (features of cfg.NumMels bands), weights from seed 3.
func newRealNet(t *testing.T, cfg acoustic.Config) Net {
	t.Helper()
	feat := features.DefaultConfig()
	feat.NumMels = cfg.NumMels
	m, err := acoustic.NewModel(cfg, acoustic.EnglishVocabulary(), feat, 3)
	if err != nil {
		t.Fatal(err)
	}
	net, err := NetFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestResumeExactRealNet repeats the resume check with the real network (a tiny one), whose batch-norm running
// statistics and graph caches must also survive a checkpoint.
func TestResumeExactRealNet(t *testing.T) {
	cfg := acoustic.Config{
		NumMels: 6,
		Conv: []acoustic.ConvLayer{
			{Channels: 3, KernelTime: 3, KernelFreq: 3, StrideTime: 2, StrideFreq: 2},
			{Channels: 2, KernelTime: 2, KernelFreq: 3, StrideTime: 1, StrideFreq: 1},
		},
		GRULayers: 1, GRUUnits: 8, Lookahead: 2, VocabSize: 29,
	}
	run := func(dir string, ck *Checkpoint, stopAt int) (Net, Result, error) {
		net := newRealNet(t, cfg)
		tr := newTestTrainer(dir, newFakeNet(6))
		tr.Net, tr.SaveModel = net, nil
		tr.Opt.Epochs = 2
		tr.Opt.EvalEvery = 5
		if ck != nil {
			if err := tr.Resume(ck); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if stopAt > 0 {
			tr.Net = &cancelAfter{Net: net, n: stopAt, cancel: cancel}
		}
		res, err := tr.Run(ctx)
		return net, res, err
	}
	straight, resA, err := run(t.TempDir(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, _, err := run(dir, nil, 13); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	resumed, resB, err := run(dir, ck, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resA.State.Step != resB.State.Step || resA.State.BestWER != resB.State.BestWER {
		t.Errorf("straight %+v, resumed %+v", resA.State, resB.State)
	}
	a, b := straight.Params(), resumed.Params()
	for i := range a {
		if !reflect.DeepEqual(a[i].Value, b[i].Value) {
			t.Errorf("%s differs after resuming", a[i].Name)
		}
	}
	if _, err := acoustic.LoadFile(filepath.Join(dir, ModelFile)); err != nil {
		t.Errorf("saved model: %v", err)
	}
}

// cancelAfter cancels a context after n training steps.
type cancelAfter struct {
	Net
	n, steps int
	cancel   func()
}

func (c *cancelAfter) Step(ctx context.Context, b *Batch) ([]float64, error) {
	l, err := c.Net.Step(ctx, b)
	if c.steps++; c.steps == c.n {
		c.cancel()
	}
	return l, err
}

// TestResumeFinished: resuming a finished run does nothing, unless more epochs are asked for; an early-stopped run
// stays stopped.
func TestResumeFinished(t *testing.T) {
	dir := t.TempDir()
	net := newFakeNet(6)
	tr := newTestTrainer(dir, net)
	tr.Opt.Epochs = 1
	res, err := tr.Run(context.Background())
	if err != nil || res.Reason != "finished" {
		t.Fatalf("%+v %v", res, err)
	}
	steps := res.State.Step
	for _, tt := range []struct {
		epochs, wantSteps int
	}{{1, steps}, {2, steps + len(tr.plan(1))}} {
		ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		tr := newTestTrainer(dir, newFakeNet(6))
		tr.Opt.Epochs = tt.epochs
		if err := tr.Resume(ck); err != nil {
			t.Fatal(err)
		}
		res, err := tr.Run(context.Background())
		if err != nil || res.State.Step != tt.wantSteps || res.Reason != "finished" {
			t.Errorf("resume with %d epochs: %+v %v; want %d steps", tt.epochs, res, err, tt.wantSteps)
		}
	}
}

// TestEvaluatesLastStep: when --eval-every does not divide the run, the weights of the last step are scored too
// and kept if they are the best (the last steps take the smallest learning rates of the decay).
func TestEvaluatesLastStep(t *testing.T) {
	for _, every := range []int{4, 7, 5} {
		probe := newTestTrainer(t.TempDir(), newFakeNet(6))
		probe.Dev = nil
		res, err := probe.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total := res.State.Step
		evals := total / every
		if total%every != 0 {
			evals++
		}
		dir := t.TempDir()
		net := newFakeNet(6)
		net.good = make([]bool, evals)
		net.good[evals-1] = true // only the last evaluation is perfect
		tr := newTestTrainer(dir, net)
		tr.Opt.EvalEvery = every
		tr.Net = &countingLogProbs{fakeNet: net}
		if res, err = tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		var devs []string
		for _, s := range metricSteps(t, dir) {
			if strings.HasPrefix(s, "dev:") {
				devs = append(devs, s)
			}
		}
		if len(devs) != evals || devs[len(devs)-1] != fmt.Sprintf("dev:%d", total) {
			t.Errorf("every %d, %d steps: dev evaluations %v, want %d ending at step %d", every, total, devs, evals, total)
		}
		if res.State.BestStep != total || res.State.BestWER != 0 {
			t.Errorf("every %d: best WER %v at step %d, want 0 at the last step %d", every, res.State.BestWER, res.State.BestStep, total)
		}
		model, err := os.ReadFile(filepath.Join(dir, ModelFile))
		if want := fmt.Sprintf("model after step %d", total); err != nil || string(model) != want {
			t.Errorf("every %d: kept model %q, %v; want %q", every, model, err, want)
		}
	}
}

// TestKeepEvaluated: every evaluation's weights are saved under their step, the best one's as the model too.
func TestKeepEvaluated(t *testing.T) {
	for _, keep := range []bool{false, true} {
		dir := t.TempDir()
		net := newFakeNet(6)
		net.good = []bool{false, true, false}
		tr := newTestTrainer(dir, net)
		tr.Opt.EvalEvery, tr.Opt.KeepEvaluated = 5, keep
		tr.Net = &countingLogProbs{fakeNet: net} // the dev set is 3 batches: one evaluation each 3 calls
		res, err := tr.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var steps []int
		for _, s := range metricSteps(t, dir) {
			var step int
			if _, err := fmt.Sscanf(s, "dev:%d", &step); err == nil {
				steps = append(steps, step)
			}
		}
		if len(steps) < 3 {
			t.Fatalf("only %d evaluations: %v", len(steps), steps)
		}
		for _, step := range steps {
			got, err := os.ReadFile(filepath.Join(dir, EvaluatedModelFile(step)))
			switch {
			case !keep && err == nil:
				t.Errorf("without KeepEvaluated, %s was written", EvaluatedModelFile(step))
			case keep && (err != nil || string(got) != fmt.Sprintf("model after step %d", step)):
				t.Errorf("%s: %q, %v", EvaluatedModelFile(step), got, err)
			}
		}
		if model, err := os.ReadFile(filepath.Join(dir, ModelFile)); err != nil || string(model) != fmt.Sprintf("model after step %d", steps[1]) ||
			res.State.BestStep != steps[1] {
			t.Errorf("keep %v: kept model %q (best step %d), want the second evaluation's, step %d", keep, model, res.State.BestStep, steps[1])
		}
	}
}

// TestSeveralDevSets: with two dev manifests the log and the card carry each one's scores and the pooled ones.
func TestSeveralDevSets(t *testing.T) {
	dir := t.TempDir()
	net := newFakeNet(6)
	net.good = []bool{true}
	tr := newTestTrainer(dir, net)
	src := tr.Dev.Sources[0]
	a, b := src, src
	a.Manifest, a.Examples = "devA.tsv", src.Examples[:4]
	b.Manifest, b.Examples = "devB.tsv", src.Examples[4:]
	tr.Dev = &Dataset{Sources: []Source{a, b}}
	tr.Opt.Epochs = 1
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var dev *Record
	for i := range tr.history {
		if tr.history[i].Kind == "dev" {
			dev = &tr.history[i]
		}
	}
	if dev == nil || len(dev.Sets) != 2 || dev.Sets[0].Name != "devA.tsv" || dev.Sets[1].WER != 0 {
		t.Fatalf("dev record %+v", dev)
	}
	card, _ := os.ReadFile(filepath.Join(dir, CardFile))
	for _, want := range []string{"| devA.tsv | 0.00 %", "| devB.tsv | 0.00 %", "pooled"} {
		if !bytes.Contains(card, []byte(want)) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
}

// A refused resume names what changed.
func TestHashDifference(t *testing.T) {
	tests := []struct{ was, now, want string }{
		{"abc-b16-k8-strue", "abc-b4-k8-strue", "the batch size (--batch 16, now 4)"},
		{"abc-b16-k8-strue", "abc-b16-k1-strue", "the bucketing (--buckets 8, now 1)"},
		{"abc-b16-k8-strue", "xyz-b16-k8-sfalse", "the training data and SortaGrad (true, now false)"},
		{"a-b-c-b16-k8-strue", "a-b-d-b16-k8-strue", "the training data"},
		{"garbage", "abc-b16-k8-strue", "the training data, batch size or bucketing"},
	}
	for _, tt := range tests {
		if got := hashDifference(tt.was, tt.now); got != tt.want {
			t.Errorf("hashDifference(%q, %q) = %q, want %q", tt.was, tt.now, got, tt.want)
		}
	}
}
