package train

import (
	"context"
	"math/rand"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/harkspeech/hark/acoustic"
)

// benchBatch is the benchmark batch: 8 utterances × 4 s (400 frames of 80 mels), ~60 labels each.
func benchBatch(cfg acoustic.Config) *Batch {
	rng := rand.New(rand.NewSource(1))
	lens := []int{400, 400, 400, 400, 400, 400, 400, 400}
	labels := make([][]int, len(lens))
	for i := range labels {
		for j := 0; j < 60; j++ {
			labels[i] = append(labels[i], 1+rng.Intn(cfg.VocabSize-1))
		}
	}
	b := &Batch{B: len(lens), T: 400, F: cfg.NumMels, FeatLens: lens, Labels: labels}
	b.Feats = make([]float32, b.B*b.T*b.F)
	for i := range b.Feats {
		b.Feats[i] = float32(rng.NormFloat64())
	}
	return b
}

// reportMedian runs step b.N times and reports the median wall-clock and CPU seconds per step next to Go's
// mean. Run with GOMAXPROCS=1: the CPU figure then is one core's work, the wall figure shows contention.
func reportMedian(b *testing.B, step func() error) {
	b.Helper()
	if err := step(); err != nil { // warm-up
		b.Fatal(err)
	}
	wall := make([]float64, 0, b.N)
	cpu := make([]float64, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0, c0 := time.Now(), cpuTime()
		if err := step(); err != nil {
			b.Fatal(err)
		}
		wall = append(wall, time.Since(t0).Seconds())
		cpu = append(cpu, (cpuTime() - c0).Seconds())
	}
	b.StopTimer()
	sort.Float64s(wall)
	sort.Float64s(cpu)
	b.ReportMetric(wall[len(wall)/2], "s/step-median")
	b.ReportMetric(cpu[len(cpu)/2], "cpu-s/step-median")
}

// BenchmarkTrainStepFused is a forward+backward step of the reference model (fused ops) on the benchmark batch.
// The optimiser update is not included (it is the trainer's; Adam over ~2.5 M weights costs a few ms).
func BenchmarkTrainStepFused(b *testing.B) {
	cfg := acoustic.DefaultConfig()
	net, err := NewNet(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	batch := benchBatch(cfg)
	ctx := context.Background()
	reportMedian(b, func() error { _, err := net.Step(ctx, batch); return err })
}

// BenchmarkTrainStepParallel is BenchmarkTrainStepFused through Parallel with one replica per GOMAXPROCS, plus
// the optimiser update, on twice the batch: the step `hark train` takes on a multi-core machine.
func BenchmarkTrainStepParallel(b *testing.B) {
	cfg := acoustic.DefaultConfig()
	net, err := NewNet(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	par, err := Parallel(net, runtime.GOMAXPROCS(0))
	if err != nil {
		b.Fatal(err)
	}
	one := benchBatch(cfg)
	batch := &Batch{B: 2 * one.B, T: one.T, F: one.F, Feats: append(slices.Clone(one.Feats), one.Feats...),
		FeatLens: append(slices.Clone(one.FeatLens), one.FeatLens...), Labels: append(slices.Clone(one.Labels), one.Labels...)}
	adam := NewAdam(Schedule{Peak: 1e-4, Decay: DecayConstant, Total: 1}, 400)
	ctx := context.Background()
	reportMedian(b, func() error {
		if _, err := par.Step(ctx, batch); err != nil {
			return err
		}
		_, _, err := adam.Update(par.Params())
		return err
	})
}
