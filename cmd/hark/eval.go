package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/decoder/lm"
	"github.com/harkspeech/hark/features"
	"github.com/harkspeech/hark/metrics"
)

// evalResult is one utterance's outcome.
type evalResult struct {
	ref, hyp string
	words    metrics.Alignment
	chars    metrics.ErrorCounts
	audio    float64 // seconds
	busy     float64 // seconds spent on features, network and decoding
	err      error
}

// evalSummary is what --json prints.
type evalSummary struct {
	Manifest     string  `json:"manifest"`
	Model        string  `json:"model"`
	Utterances   int     `json:"utterances"`
	Failed       int     `json:"failed"`
	AudioSeconds float64 `json:"audio_seconds"`
	WER          float64 `json:"wer"`
	CER          float64 `json:"cer"`
	Words        metrics.ErrorCounts
	Chars        metrics.ErrorCounts
	RTF          float64 `json:"rtf"`
	Threads      int     `json:"threads"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	Decoder      string  `json:"decoder"`
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "eval", "-m MODEL --manifest MANIFEST [flags]")
	modelPath := fs.String("m", "", "acoustic model file (required)")
	manifest := fs.String("manifest", "", "manifest to score: TSV, DeepSpeech CSV or a LibriSpeech folder (required)")
	lmPath := fs.String("lm", "", "word language model (Hark binary or ARPA) for beam search")
	alpha := fs.Float64("alpha", 0.5, "language-model weight")
	beta := fs.Float64("beta", 1.0, "word bonus")
	beam := fs.Int("beam", 0, "beam width; 0 decodes greedily unless --lm is given (then 64)")
	perUtt := fs.Bool("per-utt", false, "print the word alignment of every utterance with errors")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	limit := fs.Int("limit", 0, "score only the first N utterances")
	threads := fs.Int("t", 1, "utterances decoded in parallel (RTF is per thread)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" || *manifest == "" || fs.NArg() > 0 || *threads < 1 {
		fs.Usage()
		return errUsage
	}
	m, err := acoustic.LoadFile(*modelPath)
	if err != nil {
		return err
	}
	utts, rep, err := corpus.ReadManifest(*manifest, corpus.Options{})
	if err != nil {
		return err
	}
	if rep.Skipped > 0 {
		fmt.Fprintf(e.stderr, "%s: %d bad lines skipped\n", *manifest, rep.Skipped)
	}
	if *limit > 0 && *limit < len(utts) {
		utts = utts[:*limit]
	}
	if len(utts) == 0 {
		return fmt.Errorf("%s: no utterances", *manifest)
	}
	vocab := decoder.Vocabulary{Symbols: m.Vocabulary.Symbols, Blank: acoustic.Blank, Space: -1}
	for i, s := range m.Vocabulary.Symbols {
		if s == " " {
			vocab.Space = i
		}
	}
	decName := "greedy"
	var dec *decoder.Decoder
	if *lmPath != "" || *beam > 0 {
		opts := decoder.Options{FrameDuration: m.FrameSeconds(), BeamWidth: *beam}
		decName = fmt.Sprintf("beam %d", max(*beam, 64))
		if *beam == 0 {
			opts.BeamWidth = 64
		}
		if *lmPath != "" {
			if opts.LM, err = lm.Load(ctx, *lmPath); err != nil {
				return err
			}
			opts.Alpha, opts.Beta = *alpha, *beta
			decName += fmt.Sprintf(" + LM %s (α %g, β %g)", *lmPath, *alpha, *beta)
		}
		if dec, err = decoder.New(vocab, opts); err != nil {
			return err
		}
	}

	results := make([]evalResult, len(utts))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < *threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ext, err := features.New(m.Features)
			for i := range jobs {
				if err != nil {
					results[i].err = err
					continue
				}
				results[i] = evalOne(ctx, m, ext, dec, vocab, utts[i])
			}
		}()
	}
feed:
	for i := range utts {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}

	s := evalSummary{Manifest: *manifest, Model: *modelPath, Threads: *threads, Decoder: decName, PeakRSSMB: peakRSSMB()}
	var busy float64
	for i, r := range results {
		if r.err != nil {
			s.Failed++
			fmt.Fprintf(e.stderr, "%s: %v\n", utts[i].Path, r.err)
			continue
		}
		s.Utterances++
		s.AudioSeconds += r.audio
		busy += r.busy
		s.Words.Add(r.words.Counts)
		s.Chars.Add(r.chars)
		if *perUtt && (r.words.Counts.Errors() > 0 || r.chars.Errors() > 0) {
			fmt.Fprintf(e.stdout, "%s\n%s\n", utts[i].Path, r.words.Format())
		}
	}
	if s.Utterances == 0 {
		return errors.New("no utterance could be scored")
	}
	s.WER, s.CER = s.Words.Rate(), s.Chars.Rate()
	if s.AudioSeconds > 0 {
		s.RTF = busy / s.AudioSeconds
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "%s: %d utterances, %.2f h of audio, %s decoding\n", s.Manifest, s.Utterances, s.AudioSeconds/3600, decName)
		fmt.Fprintf(e.stdout, "WER %s\nCER %s\n", s.Words, s.Chars)
		fmt.Fprintf(e.stdout, "RTF %.4f per thread (%d threads, %s), peak RSS %.0f MB\n", s.RTF, s.Threads, runtime.GOARCH, s.PeakRSSMB)
	}
	if s.Failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// evalOne decodes one utterance and scores it. The clock runs from the decoded samples to the text, so audio
// decoding (MP3 is slow) is not counted in the RTF.
func evalOne(ctx context.Context, m *acoustic.Model, ext *features.Extractor, dec *decoder.Decoder, vocab decoder.Vocabulary, u corpus.Utterance) evalResult {
	samples, _, err := audio.Load(u.Path)
	if err != nil {
		return evalResult{err: err}
	}
	start := time.Now()
	out, err := m.Forward(ext.Compute(samples))
	if err != nil {
		return evalResult{err: err}
	}
	rows := make([][]float32, out.Rows)
	for i := range rows {
		rows[i] = out.Data[i*out.Cols : (i+1)*out.Cols]
	}
	var hyp decoder.Hypothesis
	if dec != nil {
		var res decoder.Result
		if res, err = dec.Decode(ctx, rows); err == nil {
			hyp = res.Best()
		}
	} else {
		hyp, err = decoder.Greedy(vocab, rows, m.FrameSeconds())
	}
	if err != nil {
		return evalResult{err: err}
	}
	return evalResult{
		ref: u.Text, hyp: hyp.Text,
		words: metrics.AlignWords(u.Text, hyp.Text),
		chars: metrics.AlignChars(u.Text, hyp.Text).Counts,
		audio: float64(len(samples)) / audio.SampleRate,
		busy:  time.Since(start).Seconds(),
	}
}
