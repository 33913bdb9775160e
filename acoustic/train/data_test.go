package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/features"
)

func TestParseManifestSpecs(t *testing.T) {
	tests := []struct {
		in   string
		want []ManifestSpec
		ok   bool
	}{
		{"a.tsv", []ManifestSpec{{"a.tsv", 1}}, true},
		{"a.tsv:2,b.csv:0.5", []ManifestSpec{{"a.tsv", 2}, {"b.csv", 0.5}}, true},
		{" a.tsv , ,b/dir ", []ManifestSpec{{"a.tsv", 1}, {"b/dir", 1}}, true},
		{"odd:name.tsv", []ManifestSpec{{"odd:name.tsv", 1}}, true}, // not a number: part of the path
		{"a.tsv:0", nil, false},
		{"a.tsv:-1", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		got, err := ParseManifestSpecs(tt.in)
		if (err == nil) != tt.ok || (tt.ok && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("ParseManifestSpecs(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	// When only the part before the colon exists, what follows was meant as a weight.
	real := filepath.Join(t.TempDir(), "real.tsv")
	if err := os.WriteFile(real, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseManifestSpecs(real + ":abc"); err == nil || !strings.Contains(err.Error(), `weight "abc"`) {
		t.Errorf("an existing manifest with weight abc: %v", err)
	}
}

func TestMakeExample(t *testing.T) {
	cfg := DataConfig{
		Vocabulary: acoustic.EnglishVocabulary(),
		Features:   features.Config{SampleRate: 16000, FrameLength: 400, Hop: 160, NumMels: 80},
		OutFrames:  acoustic.DefaultConfig().OutFrames, // stride 3
		MaxSeconds: 20,
	}
	tests := []struct {
		text    string
		seconds float64
		reason  string
		frames  int
	}{
		{"ZERO", 0.5, "", 1 + (8000-400)/160},
		{"Hello, world!", 1, "", 1 + (16000-400)/160},
		{"3 CATS", 1, SkipText, 0},
		{"ZERO", 0.01, SkipShort, 0},
		{"ZERO", 25, SkipLong, 0},
		// 0.1 s = 8 frames → 3 output frames, fewer than the 4 letters.
		{"ZERO", 0.1, SkipInfeasible, 0},
		// "aa" needs 3 output frames (a blank between the repeats): 7 input frames give 3, 6 give 2.
		{"AA", 0.025 + 6*0.01, "", 7},
		{"AA", 0.025 + 5*0.01, SkipInfeasible, 0},
	}
	for _, tt := range tests {
		ex, reason := makeExample("x.wav", tt.text, tt.seconds, cfg)
		if reason != tt.reason || (reason == "" && ex.Frames != tt.frames) {
			t.Errorf("makeExample(%q, %v) = frames %d reason %q; want %d %q", tt.text, tt.seconds, ex.Frames, reason, tt.frames, tt.reason)
		}
	}
}

func TestCTCMinFrames(t *testing.T) {
	tests := []struct {
		labels []int
		want   int
	}{{nil, 0}, {[]int{1}, 1}, {[]int{1, 2, 3}, 3}, {[]int{4, 4}, 3}, {[]int{4, 4, 4, 5, 5}, 8}}
	for _, tt := range tests {
		if got := ctcMinFrames(tt.labels); got != tt.want {
			t.Errorf("ctcMinFrames(%v) = %d, want %d", tt.labels, got, tt.want)
		}
	}
}

func TestEpochItemsWeights(t *testing.T) {
	d := &Dataset{Sources: []Source{
		{Weight: 2, Examples: make([]Example, 3)},
		{Weight: 0.5, Examples: make([]Example, 10)},
		{Weight: 1.5, Examples: make([]Example, 4)},
	}}
	count := func(items []int) []int {
		c := make([]int, d.Len())
		for _, i := range items {
			c[i]++
		}
		return c
	}
	e0, e1 := d.epochItems(1, 0), d.epochItems(1, 1)
	if !reflect.DeepEqual(e0, d.epochItems(1, 0)) {
		t.Fatal("epochItems not deterministic")
	}
	for _, items := range [][]int{e0, e1} {
		c := count(items)
		for i := 0; i < 3; i++ {
			if c[i] != 2 {
				t.Errorf("weight 2: example %d seen %d times", i, c[i])
			}
		}
		half := 0
		for i := 3; i < 13; i++ {
			half += c[i]
			if c[i] > 1 {
				t.Errorf("weight 0.5: example %d seen %d times", i, c[i])
			}
		}
		if half != 5 {
			t.Errorf("weight 0.5: %d of 10 seen, want 5", half)
		}
		extra := 0
		for i := 13; i < 17; i++ {
			if c[i] < 1 || c[i] > 2 {
				t.Errorf("weight 1.5: example %d seen %d times", i, c[i])
			}
			extra += c[i]
		}
		if extra != 6 {
			t.Errorf("weight 1.5: %d items from 4 examples, want 6", extra)
		}
	}
	if reflect.DeepEqual(count(e0)[3:13], count(e1)[3:13]) {
		t.Error("weight 0.5 picks the same half every epoch")
	}
}

func TestBucketBounds(t *testing.T) {
	tests := []struct {
		frames []int
		n      int
		want   []int
	}{
		{[]int{10, 20, 30, 40}, 2, []int{32, 48}},
		{[]int{5, 5, 5, 5}, 4, []int{16}},
		{[]int{100}, 8, []int{112}},
		{[]int{1, 17, 33, 49, 65, 81, 97, 113}, 8, []int{16, 32, 48, 64, 80, 96, 112, 128}},
		{nil, 3, nil},
		// 90 short utterances and a tail: quantiles give only 32 and 208, so the tail gap is split.
		{append(slices.Repeat([]int{20}, 90), slices.Repeat([]int{200}, 10)...), 4, []int{32, 64, 96, 208}},
	}
	for _, tt := range tests {
		got := bucketBounds(tt.frames, tt.n)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("bucketBounds(%v, %d) = %v, want %v", tt.frames, tt.n, got, tt.want)
		}
		for _, f := range tt.frames {
			if b := got[bucketOf(got, f)]; b < f {
				t.Errorf("frames %d land in bucket %d", f, b)
			}
		}
	}
}

func TestPlanEpoch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	frames := make([]int, 203)
	items := make([]int, len(frames))
	for i := range frames {
		frames[i] = 20 + rng.IntN(400)
		items[i] = i
	}
	fr := func(i int) int { return frames[i] }
	bounds := bucketBounds(frames, 6)
	const size = 8
	check := func(name string, plans []batchPlan) {
		t.Helper()
		var all []int
		ts := map[int]bool{}
		for _, p := range plans {
			if len(p.Items) == 0 || len(p.Items) > size {
				t.Errorf("%s: batch of %d", name, len(p.Items))
			}
			ts[p.T] = true
			for _, i := range p.Items {
				if frames[i] > p.T {
					t.Errorf("%s: item of %d frames in a batch padded to %d", name, frames[i], p.T)
				}
			}
			all = append(all, p.Items...)
		}
		slices.Sort(all)
		if !reflect.DeepEqual(all, items) {
			t.Errorf("%s: batches do not hold every item exactly once", name)
		}
		if len(ts) > len(bounds) {
			t.Errorf("%s: %d distinct padded lengths, want at most %d", name, len(ts), len(bounds))
		}
	}

	sorted := planEpoch(items, fr, bounds, size, true, 1, 0)
	check("sortagrad", sorted)
	prev := 0
	for _, p := range sorted {
		for _, i := range p.Items {
			if frames[i] < prev {
				t.Fatalf("SortaGrad epoch not shortest-first: %d after %d", frames[i], prev)
			}
			prev = frames[i]
		}
	}

	e1 := planEpoch(items, fr, bounds, size, false, 1, 1)
	check("epoch 1", e1)
	if !reflect.DeepEqual(e1, planEpoch(items, fr, bounds, size, false, 1, 1)) {
		t.Error("same seed and epoch give different plans")
	}
	if reflect.DeepEqual(e1, planEpoch(items, fr, bounds, size, false, 1, 2)) {
		t.Error("epochs 1 and 2 have the same order")
	}
	if reflect.DeepEqual(e1, planEpoch(items, fr, bounds, size, false, 2, 1)) {
		t.Error("seeds 1 and 2 give the same order")
	}
	for _, p := range e1 {
		b := bucketOf(bounds, frames[p.Items[0]])
		for _, i := range p.Items {
			if bucketOf(bounds, frames[i]) != b {
				t.Fatalf("shuffled batch mixes buckets")
			}
		}
	}
	// Shuffled: batch lengths are not in order.
	increasing := true
	for i := 1; i < len(e1); i++ {
		increasing = increasing && e1[i].T >= e1[i-1].T
	}
	if increasing {
		t.Error("shuffled epoch is still sorted by length")
	}
}

func TestHalfFloat(t *testing.T) {
	tests := []struct {
		f float32
		h uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff}, {1e6, 0x7c00},
		{float32(math.Inf(-1)), 0xfc00}, {0.1, 0x2e66}, {-23.025850, 0xcdc2},
		{5.960464477539063e-08, 0x0001}, // smallest subnormal
		{6.103515625e-05, 0x0400},       // smallest normal
		{1e-9, 0},
		{1.00048828125, 0x3c00}, // halfway between 1 and the next half: ties to even
		{1.00146484375, 0x3c02}, // halfway between 0x3c01 and 0x3c02: ties to even
	}
	for _, tt := range tests {
		if got := float32ToHalf(tt.f); got != tt.h {
			t.Errorf("float32ToHalf(%v) = %#04x, want %#04x", tt.f, got, tt.h)
		}
	}
	if h := float32ToHalf(float32(math.NaN())); !math.IsNaN(float64(halfToFloat32(h))) {
		t.Errorf("NaN became %#04x", h)
	}
	// Every half value survives a round trip, and float32 values come back within half a unit in the last place.
	for h := 0; h < 1<<16; h++ {
		f := halfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		if back := float32ToHalf(f); back != uint16(h) {
			t.Fatalf("%#04x → %v → %#04x", h, f, back)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		x := float32((rng.Float64()*2 - 1) * 40)
		y := halfToFloat32(float32ToHalf(x))
		if math.Abs(float64(x-y)) > math.Abs(float64(x))/2048+1e-7 {
			t.Fatalf("%v → %v", x, y)
		}
	}
}

func TestFeatureCache(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "a.wav")
	if err := os.WriteFile(wav, []byte("not really audio"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &Loader{Features: features.DefaultConfig(), CacheDir: filepath.Join(dir, "cache")}
	st, _ := os.Stat(wav)
	key := l.cacheKey(wav, st)
	path := filepath.Join(l.CacheDir, key[:2], key)
	want := &features.Matrix{Rows: 3, Cols: 2, Data: []float32{-23.0, 1.5, 0, 7.25, -0.125, 12}}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := writeFeatureCache(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := l.rawFeatures(context.Background(), wav) // served from the cache: the file is not audio
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cache gave %+v, want %+v", got, want)
	}
	// The key changes with the feature config and with the file.
	l2 := &Loader{Features: features.DefaultConfig()}
	l2.Features.NumMels = 40
	if l2.cacheKey(wav, st) == key {
		t.Error("cache key ignores the feature config")
	}
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(wav, []byte("not really audio either"), 0o644)
	st2, _ := os.Stat(wav)
	if l.cacheKey(wav, st2) == key {
		t.Error("cache key ignores a changed file")
	}
	// Corrupt cache files are rejected (and would be recomputed).
	data, _ := os.ReadFile(path)
	for _, bad := range [][]byte{data[:len(data)-1], append(append([]byte{}, data[:14]...), data[15:]...), []byte("HFC1")} {
		os.WriteFile(path, bad, 0o644)
		if _, err := readFeatureCache(path); err == nil {
			t.Error("corrupt cache file accepted")
		}
	}
}

func TestWarp(t *testing.T) {
	m := &features.Matrix{Rows: 101, Cols: 2, Data: make([]float32, 202)}
	for i := 0; i < 101; i++ {
		m.Data[2*i], m.Data[2*i+1] = float32(i), float32(-i)
	}
	stride3 := acoustic.DefaultConfig().OutFrames
	tests := []struct {
		name   string
		s      float64
		maxT   int
		labels []int
		rows   int
	}{
		{"faster", 1.1, 200, nil, 92},
		{"slower", 0.9, 200, nil, 112},
		{"slower capped by the batch", 0.9, 105, nil, 105},
		{"unchanged", 1, 200, nil, 101},
		{"faster would be infeasible", 1.1, 200, make([]int, 34), 101},
	}
	for _, tt := range tests {
		l := &Loader{OutFrames: stride3}
		w := l.warp(m, tt.s, tt.maxT, tt.labels)
		if w.Rows != tt.rows {
			t.Errorf("%s: %d rows, want %d", tt.name, w.Rows, tt.rows)
			continue
		}
		// A linear ramp stays a linear ramp from 0 to 100.
		for j := 0; j < w.Rows; j++ {
			want := 100 * float64(j) / float64(w.Rows-1)
			if math.Abs(float64(w.Data[2*j])-want) > 1e-4 || w.Data[2*j+1] != -w.Data[2*j] {
				t.Fatalf("%s: frame %d = %v, want %v", tt.name, j, w.Data[2*j:2*j+2], want)
			}
		}
	}
}

func TestAddNoiseSNR(t *testing.T) {
	// A flat log-power of 0 (power 1); noise at s dB adds on average 10^(−s/10).
	for _, snr := range []float64{0, 10, 20} {
		m := &features.Matrix{Rows: 400, Cols: 80, Data: make([]float32, 400*80)}
		addNoise(m, snr, rand.New(rand.NewPCG(3, uint64(snr))))
		var p float64
		for _, x := range m.Data {
			p += math.Exp(float64(x))
		}
		got := p/float64(len(m.Data)) - 1
		want := math.Pow(10, -snr/10)
		if math.Abs(got-want) > 0.03*want {
			t.Errorf("SNR %v dB: mean added power %v, want %v", snr, got, want)
		}
	}
}

func TestPrefetchOrderAndCancel(t *testing.T) {
	build := func(ctx context.Context, i int) (*Batch, error) {
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond) // workers finish out of order
		return &Batch{B: i}, nil
	}
	next, stop := prefetch(context.Background(), 50, 4, 3, build)
	for i := 0; i < 50; i++ {
		b, err := next()
		if err != nil || b.B != i {
			t.Fatalf("batch %d: got %v, %v", i, b, err)
		}
	}
	if _, err := next(); err == nil {
		t.Error("no end after the last batch")
	}
	stop()

	// Errors come out in order; cancelling stops the workers, and stop waits for them.
	var running atomic.Int32
	boom := errors.New("boom")
	ctx, cancel := context.WithCancel(context.Background())
	next, stop = prefetch(ctx, 1000, 2, 2, func(ctx context.Context, i int) (*Batch, error) {
		running.Add(1)
		defer running.Add(-1)
		if i == 2 {
			return nil, boom
		}
		return &Batch{B: i}, nil
	})
	for i := 0; i < 2; i++ {
		if _, err := next(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := next(); !errors.Is(err, boom) {
		t.Errorf("err %v, want boom", err)
	}
	cancel()
	if _, err := next(); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
	stop()
	if n := running.Load(); n != 0 {
		t.Errorf("%d builders still running after stop", n)
	}
}

func TestHoldout(t *testing.T) {
	d, _ := fakeData(1000, 1, 2)
	tr, dev := d.Holdout(0.1)
	if tr.Len()+dev.Len() != 1000 || dev.Len() < 70 || dev.Len() > 130 {
		t.Fatalf("held out %d of 1000 (train %d), want about 100", dev.Len(), tr.Len())
	}
	seen := map[string]bool{}
	for _, e := range dev.flat() {
		seen[e.Path] = true
	}
	for _, e := range tr.flat() {
		if seen[e.Path] {
			t.Fatalf("%s in both sets", e.Path)
		}
	}
	// Stable: shuffling the manifest holds out the same files.
	ex := d.Sources[0].Examples
	rand.New(rand.NewPCG(5, 5)).Shuffle(len(ex), func(i, j int) { ex[i], ex[j] = ex[j], ex[i] })
	_, dev2 := d.Holdout(0.1)
	if dev2.Len() != dev.Len() {
		t.Fatal("holdout depends on manifest order")
	}
	for _, e := range dev2.flat() {
		if !seen[e.Path] {
			t.Fatalf("%s held out only after shuffling", e.Path)
		}
	}
}

// A handful of files still gives a dev set: the lowest-hash file when the fraction picks none; never all of them.
func TestHoldoutSmall(t *testing.T) {
	for n := 2; n <= 6; n++ {
		d, _ := fakeData(n, 1, 2)
		tr, dev := d.Holdout(0.01)
		if dev.Len() != 1 || tr.Len() != n-1 {
			t.Errorf("%d files at 1 %%: %d held out, %d kept; want 1 and %d", n, dev.Len(), tr.Len(), n-1)
		}
		if _, again := d.Holdout(0.01); again.flat()[0].Path != dev.flat()[0].Path {
			t.Errorf("%d files: the held-out file changes between calls", n)
		}
	}
	d, _ := fakeData(1, 1, 2)
	if tr, dev := d.Holdout(0.01); dev.Len() != 0 || tr.Len() != 1 {
		t.Errorf("one file: %d held out; want it kept for training", dev.Len())
	}
	d, _ = fakeData(5, 1, 2)
	if _, dev := d.Holdout(0); dev.Len() != 0 {
		t.Errorf("fraction 0 held out %d", dev.Len())
	}
}

func TestLoadDatasetAndFeatures(t *testing.T) {
	dir := t.TempDir()
	tone := func(secs float64) []float32 {
		s := make([]float32, int(secs*16000))
		for i := range s {
			s[i] = 0.3 * float32(math.Sin(2*math.Pi*440*float64(i)/16000))
		}
		return s
	}
	files := []struct {
		name string
		secs float64
	}{{"a.wav", 0.5}, {"b.wav", 1.0}, {"c.wav", 0.02}}
	for _, f := range files {
		w, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if err := audio.WriteWAV(w, tone(f.secs), 16000); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	manifest := filepath.Join(dir, "m.tsv")
	os.WriteFile(manifest, []byte("a.wav\t0.5\tONE\nb.wav\t1.0\tTWO THREE\nc.wav\t0.02\tX\nb.wav\t1.0\tZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ\n"), 0o644)
	cfg := DataConfig{Vocabulary: acoustic.EnglishVocabulary(), Features: features.DefaultConfig(), OutFrames: acoustic.DefaultConfig().OutFrames}
	d, err := LoadDataset(context.Background(), []ManifestSpec{{manifest, 1}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := d.Sources[0]
	if len(src.Examples) != 2 || src.Skipped[SkipShort] != 1 || src.Skipped[SkipInfeasible] != 1 {
		t.Fatalf("examples %d, skipped %v", len(src.Examples), src.Skipped)
	}
	if src.Examples[1].Text != "two three" || src.Examples[1].Frames != 98 {
		t.Errorf("example %+v", src.Examples[1])
	}

	l := &Loader{Features: features.DefaultConfig(), CacheDir: filepath.Join(dir, "cache"), OutFrames: cfg.OutFrames}
	ex, _ := features.New(features.DefaultConfig())
	samples, _, err := audio.Load(filepath.Join(dir, "b.wav"))
	if err != nil {
		t.Fatal(err)
	}
	want := ex.Compute(samples)
	exs := d.flat()
	for pass := 0; pass < 2; pass++ { // computed, then from the cache
		ld, err := l.loadBatch(context.Background(), exs, batchPlan{Items: []int{1, 0}, T: 112}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := ld.batch
		if b.B != 2 || b.T != 112 || b.F != 80 || b.FeatLens[0] != 98 || b.FeatLens[1] != 48 || len(b.Labels[0]) != 9 {
			t.Fatalf("pass %d: batch %d×%d×%d lens %v", pass, b.B, b.T, b.F, b.FeatLens)
		}
		for i, w := range want.Data {
			if d := math.Abs(float64(b.Feats[i] - w)); d > 0.02 {
				t.Fatalf("pass %d: feature %d = %v, want %v", pass, i, b.Feats[i], w)
			}
		}
		for _, x := range b.Feats[98*80 : 112*80] {
			if x != 0 {
				t.Fatalf("pass %d: padding not zero", pass)
			}
		}
	}
	// An unreadable file is left out of its batch and reported; a batch of only such files is empty.
	bad := append(exs, &Example{Path: filepath.Join(dir, "missing.wav"), Labels: []int{3}, Frames: 50})
	ld, err := l.loadBatch(context.Background(), bad, batchPlan{Items: []int{2, 0}, T: 64}, nil, nil)
	if err != nil || ld.batch == nil || ld.batch.B != 1 || !reflect.DeepEqual(ld.items, []int{0}) || len(ld.skipped) != 1 ||
		!strings.Contains(ld.skipped[0], "missing.wav") {
		t.Errorf("batch with a missing file: %+v, %v", ld, err)
	}
	if ld, err := l.loadBatch(context.Background(), bad, batchPlan{Items: []int{2}, T: 64}, nil, nil); err != nil || ld.batch != nil {
		t.Errorf("batch of a missing file: %+v, %v", ld, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.loadBatch(ctx, bad, batchPlan{Items: []int{2}, T: 64}, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled load: %v", err)
	}
	cached, _ := filepath.Glob(filepath.Join(dir, "cache", "*", "*"))
	if len(cached) != 2 {
		t.Errorf("%d cache files, want 2", len(cached))
	}
	// Augmented features are reproducible from the RNG and differ from the plain ones.
	aug := DefaultAugment()
	aug.NoiseProb = 1
	get := func() []float32 {
		ld, err := l.loadBatch(context.Background(), exs, batchPlan{Items: []int{1}, T: 112}, &aug, []*rand.Rand{exampleRNG(1, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return ld.batch.Feats
	}
	a1, a2 := get(), get()
	if !reflect.DeepEqual(a1, a2) {
		t.Error("augmentation not reproducible")
	}
	if reflect.DeepEqual(a1[:98*80], want.Data) {
		t.Error("augmentation changed nothing")
	}

	// VTLP alone is features.WarpFrequency with a factor drawn from the example's stream.
	vtlp := Augment{VTLP: 0.15}
	ld, err = l.loadBatch(context.Background(), exs, batchPlan{Items: []int{1}, T: 112}, &vtlp, []*rand.Rand{exampleRNG(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	rng := exampleRNG(1, 0, 0)
	alpha := 1 + vtlp.VTLP*(2*rng.Float64()-1)
	plain, err := l.loadBatch(context.Background(), exs, batchPlan{Items: []int{1}, T: 98}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	warped := &features.Matrix{Rows: 98, Cols: 80, Data: plain.batch.Feats}
	features.WarpFrequency(warped, l.Features, alpha)
	if math.Abs(alpha-1) < 0.01 || !reflect.DeepEqual(ld.batch.Feats[:98*80], warped.Data) {
		t.Errorf("VTLP (alpha %g) is not the frequency warp of the plain features", alpha)
	}

	// Narrowband alone, always on, is features.LowPass at a cutoff drawn from the example's stream, over a noise
	// floor drawn next.
	nb := Augment{Narrowband: 1}
	ld, err = l.loadBatch(context.Background(), exs, batchPlan{Items: []int{1}, T: 112}, &nb, []*rand.Rand{exampleRNG(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	rng = exampleRNG(1, 0, 0)
	rng.Float64() // the draw that turns it on
	cutoff := 3300 + 700*rng.Float64()
	level := float32(math.Log(l.Features.LogFloor) + 11*rng.Float64())
	plain, err = l.loadBatch(context.Background(), exs, batchPlan{Items: []int{1}, T: 98}, nil, nil) // warped above
	if err != nil {
		t.Fatal(err)
	}
	low := &features.Matrix{Rows: 98, Cols: 80, Data: slices.Clone(plain.batch.Feats)}
	features.LowPass(low, l.Features, cutoff)
	for i := range low.Data {
		low.Data[i] = max(low.Data[i], level)
	}
	if reflect.DeepEqual(low.Data, plain.batch.Feats) || !reflect.DeepEqual(ld.batch.Feats[:98*80], low.Data) {
		t.Errorf("narrowband (cutoff %.0f Hz, floor %.1f) is not the low-passed plain features over that floor", cutoff, level)
	}
}
