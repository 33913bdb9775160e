package train

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	mrand "math/rand"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/features"
)

// Augment configures on-the-fly augmentation of training utterances (never of dev utterances). All of it works on
// the un-normalised log-mel features, so that the feature cache serves every epoch and only MP3/FLAC decoding of
// new files costs audio time:
//
//   - Speed perturbation by feature-time warping: frames are linearly interpolated at times j·s for a factor s
//     drawn uniformly from [1−Speed, 1+Speed], which shortens (s > 1) or lengthens the utterance like a tempo
//     change. Unlike resampling the audio it leaves the pitch and formants in place; the synthetic corpus varies
//     those. The factor is limited so that the utterance still fits its batch and stays CTC-feasible.
//   - Vocal tract length perturbation (features.WarpFrequency) when VTLP > 0: the mel axis is warped by a factor
//     drawn uniformly from [1−VTLP, 1+VTLP], moving formants up or down as another speaker's would be, so that a
//     few speakers stand in for more. It is off by default: it has not yet been measured on Hark's data.
//   - Additive noise in the power domain: with probability NoiseProb, stationary noise of a random spectral tilt
//     (±12 dB across the mel bands) with per-cell fluctuation is added at an SNR drawn uniformly from
//     [NoiseMinSNR, NoiseMaxSNR] dB, relative to the utterance's mean power: x' = log(eˣ + noise).
//   - Narrowband speech (features.LowPass) with probability Narrowband: every band above a cutoff drawn uniformly
//     from [3300, 4000] Hz is emptied, as in a telephone recording (8 kHz) upsampled, after the noise, which the
//     telephone line would cut too; then a noise floor between the log floor and 11 nats above it is laid
//     under the whole utterance. Off by default.
//   - SpecAugment (features.SpecAugment) after normalisation: FreqMasks masks of up to FreqWidth bands and
//     TimeMasks masks each covering up to TimeFrac of the frames.
type Augment struct {
	Speed                    float64
	VTLP                     float64
	NoiseProb                float64
	NoiseMinSNR, NoiseMaxSNR float64
	Narrowband               float64
	FreqMasks, FreqWidth     int
	TimeMasks                int
	TimeFrac                 float64
}

// DefaultAugment is moderate augmentation for small data: speed ±10 %, noise on half the utterances at 5–30 dB,
// two frequency masks of up to 15 bands, two time masks of up to 5 % each.
func DefaultAugment() Augment {
	return Augment{Speed: 0.1, NoiseProb: 0.5, NoiseMinSNR: 5, NoiseMaxSNR: 30, FreqMasks: 2, FreqWidth: 15, TimeMasks: 2, TimeFrac: 0.05}
}

// Loader turns examples into padded batches: it decodes audio, computes log-mel features (through an on-disk
// cache), augments and normalises them.
type Loader struct {
	Features features.Config // extraction config; Normalize says whether to normalise per utterance
	// CacheDir holds computed features keyed by file path, size, modification time and feature config; "" turns
	// the cache off.
	CacheDir  string
	OutFrames func(int) int
	// raw computes un-normalised features of a file; nil means audio.Load + features.Compute. Tests replace it.
	raw func(ctx context.Context, path string) (*features.Matrix, error)

	pool sync.Pool // *features.Extractor: extractors may keep buffers, so one per goroutine at a time
}

// rawFeatures returns the un-normalised log-mel features of a file, from the cache when it has them.
func (l *Loader) rawFeatures(ctx context.Context, path string) (*features.Matrix, error) {
	if l.raw != nil {
		return l.raw(ctx, path)
	}
	var key string
	if l.CacheDir != "" {
		if st, err := os.Stat(path); err == nil {
			key = l.cacheKey(path, st)
			if m, err := readFeatureCache(filepath.Join(l.CacheDir, key[:2], key)); err == nil {
				return m, nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	samples, _, err := audio.Load(path)
	if err != nil {
		return nil, err
	}
	ex, _ := l.pool.Get().(*features.Extractor)
	if ex == nil {
		cfg := l.Features
		cfg.Normalize = false
		if ex, err = features.New(cfg); err != nil {
			return nil, err
		}
	}
	m := ex.Compute(samples)
	l.pool.Put(ex)
	if key != "" {
		p := filepath.Join(l.CacheDir, key[:2], key)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
			// A cache that cannot be written only costs time; training goes on.
			_ = writeFeatureCache(p, m)
		}
	}
	return m, nil
}

func (l *Loader) cacheKey(path string, st os.FileInfo) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	cfg := l.Features
	cfg.Normalize = false
	js, _ := json.Marshal(cfg)
	h := sha256.New()
	fmt.Fprintf(h, "hark-features-v1\x00%s\x00%d\x00%d\x00%s", abs, st.Size(), st.ModTime().UnixNano(), js)
	return hex.EncodeToString(h.Sum(nil)[:20])
}

// A feature cache file is "HFC1", uint32 rows, uint32 cols, rows×cols float16 (little endian), CRC-32C of all
// before it. Half precision keeps log-mel values (|x| < 30) to within 0.02, far below their natural variation.
const featureCacheMagic = "HFC1"

func writeFeatureCache(path string, m *features.Matrix) error {
	buf := make([]byte, 12+2*len(m.Data)+4)
	copy(buf, featureCacheMagic)
	binary.LittleEndian.PutUint32(buf[4:], uint32(m.Rows))
	binary.LittleEndian.PutUint32(buf[8:], uint32(m.Cols))
	for i, x := range m.Data {
		binary.LittleEndian.PutUint16(buf[12+2*i:], float32ToHalf(x))
	}
	n := len(buf) - 4
	binary.LittleEndian.PutUint32(buf[n:], crc32.Checksum(buf[:n], castagnoli))
	return writeBytesAtomic(path, buf)
}

var errBadCache = errors.New("train: bad feature cache file")

func readFeatureCache(path string) (*features.Matrix, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 16 || string(b[:4]) != featureCacheMagic {
		return nil, errBadCache
	}
	rows, cols := int64(binary.LittleEndian.Uint32(b[4:])), int64(binary.LittleEndian.Uint32(b[8:]))
	if 12+2*rows*cols+4 != int64(len(b)) {
		return nil, errBadCache
	}
	n := len(b) - 4
	if crc32.Checksum(b[:n], castagnoli) != binary.LittleEndian.Uint32(b[n:]) {
		return nil, errBadCache
	}
	m := &features.Matrix{Rows: int(rows), Cols: int(cols), Data: make([]float32, rows*cols)}
	for i := range m.Data {
		m.Data[i] = halfToFloat32(binary.LittleEndian.Uint16(b[12+2*i:]))
	}
	return m, nil
}

// float32ToHalf converts to IEEE 754 binary16 with round-to-nearest-even; out-of-range values saturate to ±Inf
// and NaN stays NaN.
func float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b >> 23) & 0xff)
	man := b & 0x7fffff
	switch {
	case exp == 0xff:
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15:
		return sign | 0x7c00
	case exp-127 >= -14: // normal half
		e := uint32(exp-127+15) << 10
		m := man >> 13
		h := e | m
		rest := man & 0x1fff
		if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
			h++ // may carry into the exponent, which is the correct rounding (up to Inf)
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal half
		m := man | 0x800000
		shift := uint(-(exp - 127) - 14 + 13)
		h := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || (rest == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	default:
		return sign
	}
}

func halfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		f := float32(man) / (1 << 24)
		if sign != 0 {
			return -f
		}
		return f
	default:
		return math.Float32frombits(sign | (exp-15+127)<<23 | man<<13)
	}
}

// exampleRNG is the augmentation RNG of one item of one epoch. It depends only on the seed, the epoch and the
// item's position in the epoch, so results do not depend on which worker loads the item or when.
func exampleRNG(seed uint64, epoch, pos int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(epoch)<<32|uint64(pos)))
}

// features returns the model input for one example: T×F frames, augmented when aug is non-nil, normalised when the
// feature config says so. maxT bounds the frame count after speed perturbation.
func (l *Loader) features(ctx context.Context, ex *Example, aug *Augment, rng *rand.Rand, maxT int) (*features.Matrix, error) {
	raw, err := l.rawFeatures(ctx, ex.Path)
	if err != nil {
		return nil, err
	}
	if raw.Rows < 1 || raw.Cols != l.Features.NumMels {
		return nil, fmt.Errorf("train: %s: %d×%d features, want %d mel bands", ex.Path, raw.Rows, raw.Cols, l.Features.NumMels)
	}
	m := &features.Matrix{Rows: raw.Rows, Cols: raw.Cols, Data: append([]float32(nil), raw.Data...)}
	if rng == nil {
		aug = nil
	}
	if aug != nil {
		if aug.Speed > 0 {
			s := 1 + aug.Speed*(2*rng.Float64()-1)
			m = l.warp(m, s, maxT, ex.Labels)
		}
		// Drawn only when on, so that runs without it see the same random streams as before it existed.
		if aug.VTLP > 0 {
			features.WarpFrequency(m, l.Features, 1+aug.VTLP*(2*rng.Float64()-1))
		}
		if aug.NoiseProb > 0 && rng.Float64() < aug.NoiseProb {
			addNoise(m, aug.NoiseMinSNR+(aug.NoiseMaxSNR-aug.NoiseMinSNR)*rng.Float64(), rng)
		}
		if aug.Narrowband > 0 && rng.Float64() < aug.Narrowband {
			features.LowPass(m, l.Features, 3300+700*rng.Float64())
			// The emptied bands of real telephone audio are not always digital silence: a recording upsampled
			// with dither, or one with line noise, sits 7 to 11 nats above the log floor there (the FSDD
			// digits do). A noise floor drawn between the two keeps the model from keying on one of them.
			raiseFloor(m, float32(math.Log(l.Features.LogFloor)+11*rng.Float64()))
		}
	}
	if l.Features.Normalize {
		features.NormalizeInPlace(m)
	}
	if aug != nil && (aug.FreqMasks > 0 || aug.TimeMasks > 0) {
		// features.SpecAugment takes a math/rand generator; seed one from this example's stream.
		features.SpecAugment(m, mrand.New(mrand.NewSource(int64(rng.Uint64()))), aug.FreqMasks, aug.FreqWidth, aug.TimeMasks, aug.TimeFrac)
	}
	return m, nil
}

// warp resamples m along time by speed factor s (s > 1 is faster, fewer frames). The factor is pulled towards 1
// as far as needed to keep at most maxT frames and enough output frames for CTC.
func (l *Loader) warp(m *features.Matrix, s float64, maxT int, labels []int) *features.Matrix {
	n := func(s float64) int { return max(int(math.Round(float64(m.Rows)/s)), 1) }
	if maxT > 0 && n(s) > maxT {
		s = float64(m.Rows) / float64(maxT)
	}
	if l.OutFrames != nil && l.OutFrames(n(s)) < ctcMinFrames(labels) {
		s = min(s, 1)
	}
	t := n(s)
	if t == m.Rows {
		return m
	}
	f := m.Cols
	out := &features.Matrix{Rows: t, Cols: f, Data: make([]float32, t*f)}
	for j := 0; j < t; j++ {
		pos := float64(j) * float64(m.Rows-1) / float64(max(t-1, 1))
		i := int(pos)
		w := float32(pos - float64(i))
		i2 := min(i+1, m.Rows-1)
		a, b, o := m.Data[i*f:(i+1)*f], m.Data[i2*f:(i2+1)*f], out.Data[j*f:(j+1)*f]
		for k := range o {
			o[k] = a[k] + w*(b[k]-a[k])
		}
	}
	return out
}

// raiseFloor lifts every value of m below level to level: a noise floor, in the un-normalised log domain.
func raiseFloor(m *features.Matrix, level float32) {
	for i, v := range m.Data {
		m.Data[i] = max(v, level)
	}
}

// addNoise adds noise in the power domain at snr dB below the mean power of m (un-normalised natural-log power).
func addNoise(m *features.Matrix, snr float64, rng *rand.Rand) {
	if len(m.Data) == 0 {
		return
	}
	var mean float64
	for _, x := range m.Data {
		mean += math.Exp(float64(x))
	}
	mean /= float64(len(m.Data))
	level := mean * math.Pow(10, -snr/10)
	// Spectral tilt of ±12 dB end to end, normalised so the mean band power is level.
	tilt := (2*rng.Float64() - 1) * 12 / 10 * math.Ln10
	shape := make([]float64, m.Cols)
	var sum float64
	for k := range shape {
		shape[k] = math.Exp(tilt * (float64(k)/float64(max(m.Cols-1, 1)) - 0.5))
		sum += shape[k]
	}
	for k := range shape {
		shape[k] *= level * float64(m.Cols) / sum
	}
	for i := 0; i < m.Rows; i++ {
		row := m.Data[i*m.Cols : (i+1)*m.Cols]
		for k := range row {
			// A mel band averages several FFT bins of noise, so its power fluctuates far less than one bin's
			// exponential distribution: a gamma-like spread of about ±30 %.
			g := max(1+0.3*rng.NormFloat64(), 0.05)
			row[k] = float32(math.Log(math.Exp(float64(row[k])) + shape[k]*g))
		}
	}
}

// loaded is a batch ready for the network: the examples that could be read, and what went wrong with the others.
type loaded struct {
	batch   *Batch   // nil when no example of the plan could be read
	items   []int    // the plan's items that are in batch, in order
	skipped []string // one message per example left out (unreadable or undecodable audio)
}

// loadBatch builds the padded batch of plan p, augmenting item k with rngs[k] when aug is non-nil. A file that
// cannot be read or decoded is left out of the batch and reported in skipped, so that one bad file in a large
// corpus does not end a long run; cancellation is an error.
func (l *Loader) loadBatch(ctx context.Context, exs []*Example, p batchPlan, aug *Augment, rngs []*rand.Rand) (*loaded, error) {
	f := l.Features.NumMels
	out := &loaded{}
	var mats []*features.Matrix
	t := p.T
	for k, i := range p.Items {
		var rng *rand.Rand
		if rngs != nil {
			rng = rngs[k]
		}
		m, err := l.features(ctx, exs[i], aug, rng, p.T)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			out.skipped = append(out.skipped, err.Error())
			continue
		}
		mats = append(mats, m)
		out.items = append(out.items, i)
		t = max(t, m.Rows)
	}
	if len(mats) == 0 {
		return out, nil
	}
	b := &Batch{B: len(mats), T: t, F: f, FeatLens: make([]int, len(mats)), Labels: make([][]int, len(mats))}
	b.Feats = make([]float32, b.B*b.T*f)
	for k, m := range mats {
		copy(b.Feats[k*b.T*f:], m.Data)
		b.FeatLens[k] = m.Rows
		b.Labels[k] = exs[out.items[k]].Labels
	}
	out.batch = b
	return out, nil
}

// prefetch loads batches 0…n−1 with build on workers goroutines, at most depth batches ahead of the consumer,
// and hands them out in order through next. stop cancels the loading and waits for the goroutines; it must be
// called once, after which next must not be.
func prefetch[T any](ctx context.Context, n, workers, depth int, build func(ctx context.Context, i int) (T, error)) (next func() (T, error), stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	type result struct {
		b   T
		err error
	}
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	slots := make(chan struct{}, max(depth, 1))
	jobs := make(chan int)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // dispatcher: hands out batch indices in order, depth at a time
		defer wg.Done()
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				b, err := build(ctx, i)
				results[i] <- result{b, err}
			}
		}()
	}
	k := 0
	next = func() (T, error) {
		var zero T
		if k >= n {
			return zero, io.EOF
		}
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		select {
		case r := <-results[k]:
			k++
			<-slots
			return r.b, r.err
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
	stop = func() {
		cancel()
		wg.Wait()
	}
	return next, stop
}
