package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/features"
)

// BenchmarkLoadBatch measures the data pipeline per batch of 16 four-second utterances: from the feature cache
// (the steady state after the first epoch), with and without augmentation, and from audio with no cache. Compare
// with the training step time: loading runs on other goroutines, so it only matters when it is slower.
func BenchmarkLoadBatch(b *testing.B) {
	dir := b.TempDir()
	var exs []*Example
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 16; i++ {
		s := make([]float32, 4*16000)
		for j := range s {
			s[j] = float32(0.1*rng.NormFloat64() + 0.3*math.Sin(float64(j)*0.05))
		}
		path := filepath.Join(dir, fmt.Sprintf("u%d.wav", i))
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := audio.WriteWAV(f, s, 16000); err != nil {
			b.Fatal(err)
		}
		f.Close()
		exs = append(exs, &Example{Path: path, Labels: []int{3, 4, 5}, Frames: 398, Seconds: 4})
	}
	items := make([]int, len(exs))
	for i := range items {
		items[i] = i
	}
	plan := batchPlan{Items: items, T: 400}
	aug := DefaultAugment()
	for _, bc := range []struct {
		name  string
		cache bool
		aug   *Augment
	}{{"cached", true, nil}, {"cached+augment", true, &aug}, {"uncached", false, nil}} {
		b.Run(bc.name, func(b *testing.B) {
			l := &Loader{Features: features.DefaultConfig(), OutFrames: acoustic.DefaultConfig().OutFrames}
			if bc.cache {
				l.CacheDir = filepath.Join(dir, "cache")
				l.loadBatch(context.Background(), exs, plan, nil, nil) // fill the cache
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var rngs []*rand.Rand
				if bc.aug != nil {
					rngs = make([]*rand.Rand, len(items))
					for k := range rngs {
						rngs[k] = exampleRNG(1, 0, i*16+k)
					}
				}
				if _, err := l.loadBatch(context.Background(), exs, plan, bc.aug, rngs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
