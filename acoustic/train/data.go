package train

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/features"
)

// Example is one labelled utterance as the trainer sees it.
type Example struct {
	Path    string
	Text    string // normalised transcript
	Labels  []int  // Text in the model's vocabulary
	Seconds float64
	Frames  int // input feature frames, estimated from the duration
}

// Source is the usable utterances of one manifest and its mixing weight.
type Source struct {
	Manifest string
	// Weight scales how often the manifest's utterances are seen per epoch: 2 means every utterance twice, 0.5 a
	// fresh random half each epoch.
	Weight   float64
	Examples []Example
	Skipped  map[string]int // utterances left out, by reason
	// Problems are the manifest's first bad lines (file, line number and what is wrong), for the user to fix.
	Problems []*corpus.FormatError
}

// Dataset is the utterances of one or more manifests, ready for batching.
type Dataset struct {
	Sources []Source
}

// ManifestSpec names a manifest and its weight, written "path" or "path:weight" on the command line.
type ManifestSpec struct {
	Path   string
	Weight float64
}

// ParseManifestSpecs parses a comma-separated list of manifests, each with an optional ":weight" suffix.
func ParseManifestSpecs(s string) ([]ManifestSpec, error) {
	var specs []ManifestSpec
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		spec := ManifestSpec{Path: f, Weight: 1}
		if i := strings.LastIndexByte(f, ':'); i > 0 {
			w, err := strconv.ParseFloat(f[i+1:], 64)
			switch {
			case err == nil && (!(w > 0) || math.IsInf(w, 0)):
				return nil, fmt.Errorf("train: manifest %s: weight %v must be positive", f[:i], w)
			case err == nil:
				spec = ManifestSpec{Path: f[:i], Weight: w}
			case !exists(f) && exists(f[:i]):
				// A colon may be part of a file name, so "a:b" is a path unless b is a number; but when only the part
				// before the colon exists, b was meant as a weight.
				return nil, fmt.Errorf("train: manifest %s: weight %q is not a number", f[:i], f[i+1:])
			}
		}
		specs = append(specs, spec)
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("train: no manifest in %q", s)
	}
	return specs, nil
}

// Skip reasons counted in Source.Skipped.
const (
	SkipManifest   = "bad manifest line"
	SkipText       = "transcript outside the alphabet"
	SkipShort      = "too short for one feature frame"
	SkipInfeasible = "too short for its transcript (CTC infeasible)"
	SkipLong       = "longer than --max-seconds"
)

// DataConfig says how manifests become examples.
type DataConfig struct {
	Vocabulary acoustic.Vocabulary
	Features   features.Config
	// OutFrames maps input frames to model output frames (acoustic.Config.OutFrames), to drop utterances that CTC
	// cannot align.
	OutFrames func(int) int
	// MaxSeconds drops longer utterances when positive (they would need a bucket of their own).
	MaxSeconds float64
	// StrictManifests makes a bad manifest line an error instead of a skipped, counted line.
	StrictManifests bool
}

// LoadDataset reads manifests in any format corpus.ReadManifest understands and keeps the utterances that can be
// trained on, counting the others by reason.
func LoadDataset(ctx context.Context, specs []ManifestSpec, cfg DataConfig) (*Dataset, error) {
	d := &Dataset{}
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		utts, rep, err := corpus.ReadManifest(spec.Path, corpus.Options{Strict: cfg.StrictManifests, MaxProblems: 10})
		if err != nil {
			return nil, err
		}
		src := Source{Manifest: spec.Path, Weight: spec.Weight, Skipped: map[string]int{}, Problems: rep.Problems}
		if rep.Skipped > 0 {
			src.Skipped[SkipManifest] += rep.Skipped
		}
		for _, u := range utts {
			ex, reason := makeExample(u.Path, u.Text, u.Duration, cfg)
			if reason != "" {
				src.Skipped[reason]++
				continue
			}
			src.Examples = append(src.Examples, ex)
		}
		if len(src.Examples) == 0 {
			return nil, fmt.Errorf("train: manifest %s: no usable utterance (%s)", spec.Path, formatSkipped(src.Skipped))
		}
		d.Sources = append(d.Sources, src)
	}
	return d, nil
}

// makeExample turns one manifest line into an Example, or says why it cannot be trained on.
func makeExample(path, text string, seconds float64, cfg DataConfig) (Example, string) {
	norm, err := corpus.NormalizeTranscript(text)
	if err != nil {
		return Example{}, SkipText
	}
	labels, err := cfg.Vocabulary.Encode(norm)
	if err != nil {
		return Example{}, SkipText
	}
	if cfg.MaxSeconds > 0 && seconds > cfg.MaxSeconds {
		return Example{}, SkipLong
	}
	frames := framesFor(seconds, cfg.Features)
	if frames < 1 {
		return Example{}, SkipShort
	}
	if cfg.OutFrames != nil {
		// Speed perturbation never makes an utterance infeasible: Loader.warp limits the factor instead.
		if cfg.OutFrames(frames) < ctcMinFrames(labels) {
			return Example{}, SkipInfeasible
		}
	}
	return Example{Path: path, Text: norm, Labels: labels, Seconds: seconds, Frames: frames}, ""
}

// framesFor is the number of whole feature frames in seconds of audio (the features package makes no partial ones).
func framesFor(seconds float64, fc features.Config) int {
	n := int(math.Round(seconds * float64(fc.SampleRate)))
	if fc.Hop <= 0 || n < fc.FrameLength {
		return 0
	}
	return 1 + (n-fc.FrameLength)/fc.Hop
}

// ctcMinFrames is the fewest output frames a CTC alignment of labels needs: one per label plus a blank between
// each pair of equal neighbours.
func ctcMinFrames(labels []int) int {
	n := len(labels)
	for i := 1; i < len(labels); i++ {
		if labels[i] == labels[i-1] {
			n++
		}
	}
	return n
}

func formatSkipped(m map[string]int) string {
	if len(m) == 0 {
		return "none skipped"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

// Len is the number of usable examples over all sources.
func (d *Dataset) Len() int {
	n := 0
	for _, s := range d.Sources {
		n += len(s.Examples)
	}
	return n
}

// Seconds is the audio duration of all usable examples.
func (d *Dataset) Seconds() float64 {
	var t float64
	for _, s := range d.Sources {
		for _, e := range s.Examples {
			t += e.Seconds
		}
	}
	return t
}

// flat returns every example by global index.
func (d *Dataset) flat() []*Example {
	out := make([]*Example, 0, d.Len())
	for s := range d.Sources {
		for i := range d.Sources[s].Examples {
			out = append(out, &d.Sources[s].Examples[i])
		}
	}
	return out
}

// Hash identifies the examples and their weights, so that a resumed run can tell it is given the same data.
func (d *Dataset) Hash() string {
	h := sha256.New()
	var b [8]byte
	for _, s := range d.Sources {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(s.Weight))
		h.Write(b[:])
		for _, e := range s.Examples {
			fmt.Fprintf(h, "%s\x00%s\x00%d\x00", e.Path, e.Text, e.Frames)
		}
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// epochItems returns the global indices of the examples trained on in epoch: each source's examples
// ⌊weight⌋ times, plus a random fraction (weight − ⌊weight⌋) of them chosen afresh each epoch. The result
// depends only on the dataset, seed and epoch.
func (d *Dataset) epochItems(seed uint64, epoch int) []int {
	rng := rand.New(rand.NewPCG(seed, uint64(epoch)<<1|1))
	var items []int
	base := 0
	for _, s := range d.Sources {
		n := len(s.Examples)
		whole := int(s.Weight)
		for k := 0; k < whole; k++ {
			for i := 0; i < n; i++ {
				items = append(items, base+i)
			}
		}
		if extra := int(math.Round((s.Weight - float64(whole)) * float64(n))); extra > 0 {
			perm := rng.Perm(n)
			for _, i := range perm[:extra] {
				items = append(items, base+i)
			}
		}
		base += n
	}
	return items
}

// batchPlan is one minibatch: global example indices and the padded frame count.
type batchPlan struct {
	Items []int
	T     int
}

// Bucketing: utterances are padded to one of a few lengths (the bucket bounds), because the network's graph is
// built and cached per padded length. Bounds start as length quantiles of the data, so every bucket holds about the
// same number of utterances; when quantiles coincide (many utterances of similar length and a long tail), the
// widest remaining gaps are split geometrically instead, so the tail is not padded to its longest member.
// Bounds are rounded up to a multiple of boundRound frames.
const boundRound = 16

// bucketBounds returns at most n increasing padded lengths covering every frame count in frames.
func bucketBounds(frames []int, n int) []int {
	if len(frames) == 0 {
		return nil
	}
	s := slices.Clone(frames)
	slices.Sort(s)
	n = max(n, 1)
	round := func(x int) int { return (x + boundRound - 1) / boundRound * boundRound }
	var bounds []int
	for k := 1; k <= n; k++ {
		b := round(s[(len(s)*k+n-1)/n-1])
		if len(bounds) == 0 || b > bounds[len(bounds)-1] {
			bounds = append(bounds, b)
		}
	}
	for len(bounds) < n {
		// Split the gap with the largest ratio between neighbouring bounds at its geometric middle.
		best, ratio := -1, 1.3
		for i := 1; i < len(bounds); i++ {
			if r := float64(bounds[i]) / float64(bounds[i-1]); r > ratio {
				best, ratio = i, r
			}
		}
		if best < 0 {
			break
		}
		mid := round(int(math.Sqrt(float64(bounds[best]) * float64(bounds[best-1]))))
		if mid <= bounds[best-1] || mid >= bounds[best] {
			break
		}
		bounds = slices.Insert(bounds, best, mid)
	}
	return bounds
}

// bucketOf is the index of the smallest bound that holds frames (the last bucket for anything longer).
func bucketOf(bounds []int, frames int) int {
	i := sort.SearchInts(bounds, frames)
	return min(i, len(bounds)-1)
}

// planEpoch groups items into batches of up to size. With sorted (SortaGrad, the first epoch) batches are cut
// from the items in order of length, shortest first; otherwise each bucket's items are shuffled and cut into
// batches and the batches are shuffled, with an RNG that depends only on seed and epoch. Every batch is padded to
// its bucket bound (or its longest item, if that is longer).
func planEpoch(items []int, frames func(int) int, bounds []int, size int, sorted bool, seed uint64, epoch int) []batchPlan {
	pad := func(b []int) batchPlan {
		t := 0
		for _, i := range b {
			t = max(t, frames(i))
		}
		if len(bounds) > 0 {
			t = max(t, bounds[bucketOf(bounds, t)])
		}
		return batchPlan{Items: b, T: t}
	}
	var plans []batchPlan
	if sorted {
		s := slices.Clone(items)
		slices.SortStableFunc(s, func(a, b int) int {
			return cmp.Or(cmp.Compare(frames(a), frames(b)), cmp.Compare(a, b))
		})
		for len(s) > 0 {
			k := min(size, len(s))
			plans = append(plans, pad(s[:k:k]))
			s = s[k:]
		}
		return plans
	}
	rng := rand.New(rand.NewPCG(seed, uint64(epoch)<<1))
	buckets := make([][]int, max(len(bounds), 1))
	for _, i := range items {
		b := 0
		if len(bounds) > 0 {
			b = bucketOf(bounds, frames(i))
		}
		buckets[b] = append(buckets[b], i)
	}
	for _, b := range buckets {
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		for len(b) > 0 {
			k := min(size, len(b))
			plans = append(plans, pad(b[:k:k]))
			b = b[k:]
		}
	}
	rng.Shuffle(len(plans), func(i, j int) { plans[i], plans[j] = plans[j], plans[i] })
	return plans
}

// Holdout moves a fraction of every source's examples into a separate dev set. Membership is decided by a hash of
// the file path, so the same files are held out whatever the seed or the order of the manifest, and a resumed
// run holds out the same ones. When the fraction is above zero but the hash picks nothing (a data set of a
// handful of files), the file with the lowest hash is held out, so that the run still has a dev set.
func (d *Dataset) Holdout(frac float64) (train, dev *Dataset) {
	train, dev = &Dataset{}, &Dataset{}
	devSrc := Source{Manifest: "", Weight: 1, Skipped: map[string]int{}}
	var names []string
	score := func(e Example) float64 {
		h := sha256.Sum256([]byte(e.Path))
		return float64(binary.LittleEndian.Uint64(h[:8])) / (1 << 64)
	}
	lowest, lowSrc, lowIdx, total := 2.0, -1, -1, 0
	for si, s := range d.Sources {
		kept := s
		kept.Examples = nil
		for _, e := range s.Examples {
			total++
			if sc := score(e); sc < frac {
				devSrc.Examples = append(devSrc.Examples, e)
			} else {
				if sc < lowest {
					lowest, lowSrc, lowIdx = sc, si, len(kept.Examples)
				}
				kept.Examples = append(kept.Examples, e)
			}
		}
		train.Sources = append(train.Sources, kept)
		names = append(names, s.Manifest)
	}
	if frac > 0 && len(devSrc.Examples) == 0 && total >= 2 {
		src := &train.Sources[lowSrc]
		devSrc.Examples = append(devSrc.Examples, src.Examples[lowIdx])
		src.Examples = slices.Delete(slices.Clone(src.Examples), lowIdx, lowIdx+1)
	}
	devSrc.Manifest = fmt.Sprintf("%.0f %% held out of %s", 100*frac, strings.Join(names, ", "))
	dev.Sources = []Source{devSrc}
	return train, dev
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
