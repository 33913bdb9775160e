package decoder

import (
	"context"
	"errors"
	"strings"
	"sync"
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

// wordErrorRate is the pooled WER over lower-cased, white-space-split texts. (The metrics package is the project's
// full implementation; the decoder keeps this minimal one to stay dependency-free.)
func wordErrorRate(refs, hyps []string) float64 {
	var errs, words int
	for i := range refs {
		r := strings.Fields(strings.ToLower(refs[i]))
		errs += editDistance(r, strings.Fields(strings.ToLower(hyps[i])))
		words += len(r)
	}
	if words == 0 {
		return 0
	}
	return float64(errs) / float64(words)
}

// editDistance is the Levenshtein distance between two word sequences.
func editDistance(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
