package acoustic

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
)

// Average returns a model whose every weight is the weighted mean of the same weight in models (weights nil:
// equal shares). Averaging the weights of models fine-tuned from one starting point, or of checkpoints late in one
// run, often recognises better than any of them alone, at no cost at inference (a "model soup"; checkpoint
// averaging in fairseq and ESPnet). Models trained from different random starts do not average into anything
// useful: their units are not in the same order.
//
// The models must share their configuration, vocabulary and feature settings exactly. Batch-norm running
// statistics are averaged like every other weight, which keeps variances non-negative.
func Average(models []*Model, weights []float64) (*Model, error) {
	if len(models) == 0 {
		return nil, errors.New("acoustic: average: no models")
	}
	if weights == nil {
		weights = make([]float64, len(models))
		for i := range weights {
			weights[i] = 1
		}
	}
	if len(weights) != len(models) {
		return nil, fmt.Errorf("acoustic: average: %d weights for %d models", len(weights), len(models))
	}
	total := 0.0
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("acoustic: average: weight %d is %v, want a finite number ≥ 0", i+1, w)
		}
		total += w
	}
	if total == 0 {
		return nil, errors.New("acoustic: average: the weights add up to 0")
	}
	first := models[0]
	if err := first.Check(); err != nil {
		return nil, fmt.Errorf("acoustic: average: model 1: %w", err)
	}
	for i, m := range models[1:] {
		if err := m.Check(); err != nil {
			return nil, fmt.Errorf("acoustic: average: model %d: %w", i+2, err)
		}
		if err := first.SameLayout(m); err != nil {
			return nil, fmt.Errorf("acoustic: average: model %d: %w", i+2, err)
		}
	}
	cfg := first.Config
	cfg.Conv = slices.Clone(cfg.Conv)
	vocab := Vocabulary{Symbols: slices.Clone(first.Vocabulary.Symbols)}
	out := &Model{Config: cfg, Vocabulary: vocab, Features: first.Features}
	for t, ft := range first.Weights {
		// float64 sums: averaging many models' float32 weights one by one would round at every step.
		sum := make([]float64, len(ft.Data))
		for i, m := range models {
			share := weights[i] / total
			for j, v := range m.Weights[t].Data {
				sum[j] += share * float64(v)
			}
		}
		data := make([]float32, len(sum))
		for j, v := range sum {
			data[j] = float32(v)
		}
		out.Weights = append(out.Weights, Tensor{Name: ft.Name, Shape: append([]int(nil), ft.Shape...), Data: data})
	}
	return out, nil
}

// SameLayout reports, as an error naming the difference, whether o differs from m in its network configuration,
// vocabulary or feature settings: models that agree in all three can be averaged.
func (m *Model) SameLayout(o *Model) error {
	switch {
	case !reflect.DeepEqual(o.Config, m.Config):
		return fmt.Errorf("its network (%+v) differs from %+v", o.Config, m.Config)
	case !reflect.DeepEqual(o.Vocabulary, m.Vocabulary):
		return fmt.Errorf("its vocabulary (%d symbols) differs from %d symbols %q", o.Vocabulary.Size(), m.Vocabulary.Size(), m.Vocabulary.Symbols)
	case o.Features != m.Features:
		return fmt.Errorf("its features (%+v) differ from %+v", o.Features, m.Features)
	}
	return nil
}
