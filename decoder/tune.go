package decoder

import (
	"context"
	"errors"
	"sync"

	"github.com/harkspeech/hark/metrics"
)

// TunePoint is the word error rate of one (α, β) setting on a dev set.
type TunePoint struct {
	Alpha, Beta float64
	WER         float64 // (substitutions + deletions + insertions) / reference words, pooled over the set
}

// Tune decodes the dev set for every α in alphas and β in betas with the other options from base, and returns every
// point (in grid order) and the best one (lowest WER; ties go to the earlier point). workers ≤ 1 decodes on one
// goroutine. progress, if not nil, is called after each point.
func Tune(ctx context.Context, dev *DevSet, base Options, alphas, betas []float64, workers int, progress func(TunePoint)) (best TunePoint, grid []TunePoint, err error) {
	if len(alphas) == 0 || len(betas) == 0 {
		return best, nil, errors.New("decoder: empty α or β grid")
	}
	for _, a := range alphas {
		for _, b := range betas {
			opts := base
			opts.Alpha, opts.Beta, opts.NBest = a, b, 1
			d, err := New(dev.Vocab, opts)
			if err != nil {
				return best, grid, err
			}
			hyps, err := decodeAll(ctx, d, dev.LogProbs, workers)
			if err != nil {
				return best, grid, err
			}
			p := TunePoint{Alpha: a, Beta: b, WER: wordErrorRate(dev.Refs, hyps)}
			grid = append(grid, p)
			if len(grid) == 1 || p.WER < best.WER {
				best = p
			}
			if progress != nil {
				progress(p)
			}
		}
	}
	return best, grid, nil
}

func decodeAll(ctx context.Context, d *Decoder, utts [][][]float32, workers int) ([]string, error) {
	workers = max(1, min(workers, len(utts)))
	hyps := make([]string, len(utts))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(utts); i += workers {
				res, err := d.Decode(ctx, utts[i])
				if err != nil {
					errs[w] = err
					return
				}
				hyps[i] = res.Best().Text
			}
		}()
	}
	wg.Wait()
	return hyps, errors.Join(errs...)
}

// wordErrorRate is the pooled WER with the project's text normalisation, so that tuning optimises the figure
// hark eval reports.
func wordErrorRate(refs, hyps []string) float64 {
	var total metrics.ErrorCounts
	for i := range refs {
		total.Add(metrics.AlignWords(refs[i], hyps[i]).Counts)
	}
	if total.RefLen == 0 {
		return 0
	}
	return total.Rate()
}
