package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/metrics"
)

// evalFlags are the settings of one `hark eval` run.
type evalFlags struct {
	recognizerFlags
	manifest string
	hyp      string
	perUtt   bool
	asJSON   bool
	strict   bool
	limit    int
	threads  int
	vad      bool
	stream   bool
}

// evalResult is one utterance's outcome.
type evalResult struct {
	words   metrics.Alignment
	chars   metrics.ErrorCounts
	audio   float64 // seconds
	busy    float64 // wall-clock seconds spent on features, network and decoding
	cpu     float64 // CPU seconds of the same, on the worker's thread
	missing bool    // --hyp: the file had no hypothesis for this utterance
	err     error
	dumpErr error // --dump: why the utterance's log-probabilities were not saved
}

// evalCounts are pooled error counts as --json prints them.
type evalCounts struct {
	Sub    int `json:"sub"`
	Del    int `json:"del"`
	Ins    int `json:"ins"`
	RefLen int `json:"ref"`
}

func newEvalCounts(c metrics.ErrorCounts) evalCounts {
	return evalCounts{Sub: c.Sub, Del: c.Del, Ins: c.Ins, RefLen: c.RefLen}
}

// rate is an error rate that JSON can hold: +Inf (insertions against empty references) becomes null.
type rate float64

func (r rate) MarshalJSON() ([]byte, error) {
	if math.IsInf(float64(r), 0) || math.IsNaN(float64(r)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(r))
}

// evalSummary is what --json prints. Rates are fractions (0.1 = 10 %).
type evalSummary struct {
	Manifest   string `json:"manifest"`
	Model      string `json:"model,omitempty"`
	Decoder    string `json:"decoder,omitempty"`
	Hypotheses string `json:"hypotheses,omitempty"`
	Utterances int    `json:"utterances"` // scored
	Failed     int    `json:"failed"`     // audio that could not be read or recognised: not scored
	Skipped    int    `json:"skipped"`    // bad manifest lines: not scored
	// Missing counts utterances that --hyp had no hypothesis for: scored as all deletions.
	Missing      int        `json:"missing"`
	AudioSeconds float64    `json:"audio_seconds"`
	WER          rate       `json:"wer"`
	CER          rate       `json:"cer"`
	Words        evalCounts `json:"words"`
	Chars        evalCounts `json:"chars"`
	// RTF is wall-clock seconds of features, network and decoding per second of audio, per thread; CPURTF the
	// same in CPU seconds of the recognising thread, which a busy machine does not inflate. Neither counts
	// audio decoding.
	RTF       float64 `json:"rtf,omitempty"`
	CPURTF    float64 `json:"cpu_rtf,omitempty"`
	Threads   int     `json:"threads,omitempty"`
	PeakRSSMB float64 `json:"peak_rss_mb,omitempty"`
	// Sets are the summaries of each manifest when --manifest names several; the fields above pool them.
	Sets []evalSummary `json:"sets,omitempty"`

	busy, cpu float64 // the sums behind RTF and CPURTF
}

// runEval scores a model, or a file of hypotheses, against a manifest's transcripts:
//
//	hark eval --manifest dev.tsv                          # the embedded model and LM
//	hark eval -m model.hark --greedy --manifest dev.tsv --json
//	hark eval --manifest dev.tsv --hyp pocketsphinx.tsv   # another recognizer's output
func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "eval", "--manifest MANIFEST [-m MODEL | --hyp FILE] [flags]")
	var f evalFlags
	f.register(fs, hark.DefaultBeam)
	fs.StringVar(&f.manifest, "manifest", "", "`manifest` to score: TSV, DeepSpeech CSV or a LibriSpeech folder (required); several, comma-separated, are scored each and pooled")
	fs.StringVar(&f.hyp, "hyp", "", "score the hypotheses in `file` (PATH<TAB>TEXT lines) instead of running a model")
	fs.BoolVar(&f.perUtt, "per-utt", false, "print the word alignment of every utterance with errors (on standard error with --json)")
	fs.BoolVar(&f.asJSON, "json", false, "print the summary as JSON")
	fs.BoolVar(&f.strict, "strict", false, "stop at the first bad manifest line instead of skipping it (skipped lines are listed, and make the exit status 1)")
	fs.IntVar(&f.limit, "limit", 0, "score only the first `N` utterances of each manifest")
	fs.IntVar(&f.threads, "t", 1, "recognise `N` utterances in parallel (RTF is per thread)")
	fs.BoolVar(&f.stream, "stream", false, "recognise each file through the streaming (live) path, cut where the endpoint rules fire and in pieces at pauses, as hark transcribe --stream and hark listen do (give --beam 64 for listen's beam)")
	fs.BoolVar(&f.vad, "vad", false, "cut each file at voice activity and recognise it segment by segment, as hark transcribe does, instead of whole (the RTF then includes reading the audio)")
	dump := fs.String("dump", "", "also save the model's log-probabilities as a decoder dev set in `folder` (refs.tsv, ID.npy, vocab.txt) for hark lm tune")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	usage := func(msg string) error {
		fmt.Fprintf(e.stderr, "hark eval: %s\n", msg)
		return errUsage
	}
	if f.manifest == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if f.threads < 1 || f.limit < 0 {
		return usage("-t must be at least 1 and --limit at least 0")
	}
	if err := f.check(); err != nil {
		return usage(err.Error())
	}
	if (f.vad || f.stream) && *dump != "" {
		return usage("--dump saves whole-utterance log-probabilities: it cannot be used with --vad or --stream")
	}
	if f.vad && f.stream {
		return usage("--vad and --stream are two ways of cutting a file: give one")
	}
	if f.hyp != "" {
		var modelFlags []string
		fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "m", "model", "lm", "no-lm", "greedy", "beam", "alpha", "beta", "unk", "blank-penalty", "t", "dump", "vad", "stream", "hotword":
				modelFlags = append(modelFlags, "-"+fl.Name)
			}
		})
		if len(modelFlags) > 0 {
			return usage(fmt.Sprintf("--hyp scores finished hypotheses and runs no model: drop %s", strings.Join(modelFlags, " ")))
		}
	}

	manifests := strings.Split(f.manifest, ",")
	if len(manifests) > 1 && f.hyp != "" {
		return usage("--hyp scores one manifest: give --manifest a single file")
	}
	var sets []evalSet
	var utts []corpus.Utterance // every set's, in order
	for _, path := range manifests {
		all, rep, err := corpus.ReadManifest(path, corpus.Options{Strict: f.strict})
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stderr, "hark eval: skipped: %v\n", p)
		}
		if more := rep.Skipped - len(rep.Problems); more > 0 {
			fmt.Fprintf(e.stderr, "hark eval: skipped %d more bad lines of %s\n", more, path)
		}
		if err != nil {
			return namingFile(path, err)
		}
		set := evalSet{manifest: path, all: all, utts: all, skipped: rep.Skipped}
		if f.limit > 0 && f.limit < len(all) {
			set.utts = all[:f.limit]
		}
		sets = append(sets, set)
		utts = append(utts, set.utts...)
	}

	var info evalSummary // what every summary shares: the model, or the hypotheses
	var results []evalResult
	if f.hyp != "" {
		info.Hypotheses = f.hyp
		var err error
		if results, err = scoreHypotheses(e.stderr, f.hyp, f.manifest, sets[0].all, len(utts)); err != nil {
			return err
		}
	} else {
		// Make the dump folder before the long run, so that a bad --dump fails now, not after every utterance.
		if *dump != "" {
			if err := os.MkdirAll(*dump, 0o755); err != nil {
				return fmt.Errorf("--dump: %w", err)
			}
		}
		rec, err := f.load()
		if errors.Is(err, hark.ErrNoDefaultModel) {
			return errors.New("no -m MODEL given, and this build embeds no default model (models/files/en.hark is absent): pass a model file with -m")
		} else if err != nil {
			return err
		}
		info.Model, info.Decoder, info.Threads = f.modelName(), f.decoding(), f.threads
		if f.vad {
			info.Decoder = "voice-activity segments, " + info.Decoder
		}
		if f.stream {
			info.Decoder = "streaming with endpoints, " + info.Decoder
		}
		var d *devSetDump
		if *dump != "" {
			if d, err = startDump(*dump, rec.Model().Vocabulary); err != nil {
				return err
			}
		}
		mode := whole
		switch {
		case f.vad:
			mode = bySegments
		case f.stream:
			mode = streaming
		case *dump == "": // --dump needs whole utterances: --vad is no alternative there
			warnLongUtterances(e.stderr, utts)
		}
		if results, err = recognizeAll(ctx, rec, utts, f.threads, mode, d); err != nil {
			return err
		}
		if d != nil {
			n, err := d.finish(e.stderr, utts, results)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "hark eval: dumped %d utterances to %s\n", n, *dump)
		}
		info.PeakRSSMB = peakRSSMB()
	}

	// --per-utt alignments go to standard output beside the text summary, but to standard error with --json, so
	// that standard output stays one JSON document.
	var alignments io.Writer
	if f.perUtt {
		alignments = e.stdout
		if f.asJSON {
			alignments = e.stderr
		}
	}
	pooled := info
	pooled.Manifest = f.manifest
	var perSet []evalSummary
	for i, at := 0, 0; i < len(sets); i++ {
		s := info
		s.Manifest, s.Skipped = sets[i].manifest, sets[i].skipped
		n := len(sets[i].utts)
		s.add(e, alignments, sets[i].utts, results[at:at+n])
		at += n
		s.finish(f.hyp == "")
		pooled.merge(s)
		perSet = append(perSet, s)
	}
	pooled.finish(f.hyp == "")
	if pooled.Utterances == 0 {
		return errors.New("no utterance could be scored")
	}
	if len(sets) > 1 {
		pooled.Sets = perSet
	}
	if err := writeEvalSummary(e.stdout, pooled, f.asJSON); err != nil {
		return err
	}
	// Unscored utterances make the figures describe less than the manifest: say so with the exit status.
	if pooled.Failed > 0 || pooled.Skipped > 0 {
		return exitError{code: 1}
	}
	return nil
}

// evalSet is one manifest of a run: all its usable utterances, and the first --limit of them, which are scored.
type evalSet struct {
	manifest  string
	all, utts []corpus.Utterance
	skipped   int
}

// add scores utterances into s. Failures are named on e.stderr; alignments with errors go to alignments unless
// it is nil.
func (s *evalSummary) add(e *env, alignments io.Writer, utts []corpus.Utterance, results []evalResult) {
	for i, r := range results {
		if r.err != nil {
			s.Failed++
			fmt.Fprintf(e.stderr, "hark eval: %s\n", errorNaming(utts[i].Path, r.err))
			continue
		}
		if r.missing {
			s.Missing++
		}
		s.Utterances++
		s.AudioSeconds += r.audio
		s.busy += r.busy
		s.cpu += r.cpu
		words, chars := r.words.Counts, r.chars
		s.Words.add(words)
		s.Chars.add(chars)
		if alignments != nil && (words.Errors() > 0 || chars.Errors() > 0) {
			fmt.Fprintf(alignments, "%s\n%s\n", utts[i].Path, r.words.Format())
		}
	}
}

// merge adds another set's counts into s.
func (s *evalSummary) merge(o evalSummary) {
	s.Utterances += o.Utterances
	s.Failed += o.Failed
	s.Skipped += o.Skipped
	s.Missing += o.Missing
	s.AudioSeconds += o.AudioSeconds
	s.busy += o.busy
	s.cpu += o.cpu
	s.Words.add(o.Words.counts())
	s.Chars.add(o.Chars.counts())
}

// finish computes the rates from the counts; timed says whether a model ran (RTFs mean something).
func (s *evalSummary) finish(timed bool) {
	s.WER, s.CER = rate(s.Words.counts().Rate()), rate(s.Chars.counts().Rate())
	if timed && s.AudioSeconds > 0 {
		s.RTF = s.busy / s.AudioSeconds
		if _, ok := threadCPUSeconds(); ok {
			s.CPURTF = s.cpu / s.AudioSeconds
		}
	}
}

func (c *evalCounts) add(o metrics.ErrorCounts) {
	c.Sub, c.Del, c.Ins, c.RefLen = c.Sub+o.Sub, c.Del+o.Del, c.Ins+o.Ins, c.RefLen+o.RefLen
}

func (c evalCounts) counts() metrics.ErrorCounts {
	return metrics.ErrorCounts{Sub: c.Sub, Del: c.Del, Ins: c.Ins, RefLen: c.RefLen}
}

// plural is "1 utterance", "2 utterances".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeEvalSummary prints the summary as text or JSON.
func writeEvalSummary(w io.Writer, s evalSummary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	var b strings.Builder
	// Several manifests: each one's counts, then the pooled block with the model and the speed.
	for _, set := range s.Sets {
		fmt.Fprintf(&b, "%s: %s, %s of audio\n", set.Manifest, plural(set.Utterances, "utterance"), corpus.FormatDuration(set.AudioSeconds))
		if set.Utterances == 0 {
			// Not "WER 0.00 %": nothing was scored (the exit status is 1: see not scored).
			b.WriteString("WER -\nCER -\n")
		} else {
			fmt.Fprintf(&b, "WER %s\nCER %s\n", set.Words.counts(), set.Chars.counts())
		}
		if set.Failed > 0 || set.Skipped > 0 {
			fmt.Fprintf(&b, "not scored: %d bad manifest lines, %d unreadable utterances\n", set.Skipped, set.Failed)
		}
	}
	if len(s.Sets) > 0 {
		fmt.Fprintf(&b, "pooled over %d manifests: %s, %s of audio\n", len(s.Sets), plural(s.Utterances, "utterance"), corpus.FormatDuration(s.AudioSeconds))
	} else {
		fmt.Fprintf(&b, "%s: %s, %s of audio\n", s.Manifest, plural(s.Utterances, "utterance"), corpus.FormatDuration(s.AudioSeconds))
	}
	if s.Hypotheses != "" {
		fmt.Fprintf(&b, "hypotheses from %s", s.Hypotheses)
		if s.Missing > 0 {
			fmt.Fprintf(&b, " (%d utterances have none: counted as deletions)", s.Missing)
		}
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "model %s, %s decoding\n", s.Model, s.Decoder)
	}
	fmt.Fprintf(&b, "WER %s\nCER %s\n", s.Words.counts(), s.Chars.counts())
	if s.Hypotheses == "" {
		fmt.Fprintf(&b, "RTF %.4f per thread", s.RTF)
		if s.CPURTF > 0 {
			fmt.Fprintf(&b, " (CPU %.4f)", s.CPURTF)
		}
		fmt.Fprintf(&b, ", -t %d, %s/%s, peak RSS %.0f MB\n", s.Threads, runtime.GOOS, runtime.GOARCH, s.PeakRSSMB)
	}
	if s.Failed > 0 || s.Skipped > 0 {
		fmt.Fprintf(&b, "not scored: %d bad manifest lines, %d unreadable utterances\n", s.Skipped, s.Failed)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// recognitionMode is how eval runs the recogniser over a file.
type recognitionMode int

const (
	whole      recognitionMode = iota // Recognize of all the samples
	bySegments                        // as hark transcribe: voice-activity segments
	streaming                         // as hark transcribe --stream and hark listen: endpoint rules
)

// recognizeAll recognises every utterance on threads workers, results in manifest order. With d, each
// utterance's log-probabilities are saved too, from the same forward pass (mode must be whole).
func recognizeAll(ctx context.Context, rec *hark.Recognizer, utts []corpus.Utterance, threads int, mode recognitionMode, d *devSetDump) ([]evalResult, error) {
	results := make([]evalResult, len(utts))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(threads, len(utts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A worker keeps its OS thread, so that the thread's CPU clock measures its own utterances only
			// (OpenBLAS runs single-threaded on the caller's thread).
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := range jobs {
				if mode != whole {
					results[i] = recognizeSegmented(ctx, rec, utts[i], mode == streaming)
				} else {
					results[i] = recognizeOne(ctx, rec, utts[i], i, d)
				}
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
	return results, ctx.Err()
}

// recognizeOne recognises one utterance, whole (no VAD), and scores it. The clocks run from the decoded samples
// to the text, so audio decoding (MP3 is slow) is not counted in the RTF.
func recognizeOne(ctx context.Context, rec *hark.Recognizer, u corpus.Utterance, i int, d *devSetDump) evalResult {
	samples, _, err := audio.Load(u.Path)
	if err == nil && len(samples) == 0 {
		err = fmt.Errorf("%s: %w", u.Path, hark.ErrNoAudio) // as transcribe says it: not silence to be scored
	}
	if err != nil {
		return evalResult{err: err, dumpErr: err}
	}
	cpu0, _ := threadCPUSeconds()
	start := time.Now()
	var text string
	var lp *acoustic.Matrix
	if d == nil {
		var res hark.Result
		res, err = rec.Recognize(ctx, samples)
		text = res.Text
	} else if lp, err = rec.LogProbs(ctx, samples); err == nil {
		var res hark.Result
		res, err = rec.Decode(ctx, lp)
		text = res.Text
	}
	busy := time.Since(start).Seconds()
	cpu1, _ := threadCPUSeconds()
	if err != nil {
		return evalResult{err: err, dumpErr: err}
	}
	r := score(u.Text, text)
	r.audio = float64(len(samples)) / audio.SampleRate
	r.busy, r.cpu = busy, cpu1-cpu0
	if d != nil {
		r.dumpErr = d.save(i, u.Path, lp)
	}
	return r
}

// recognizeSegmented recognises one utterance file as hark transcribe does (voice-activity segments, or with
// stream the endpoint rules of transcribe --stream) and scores it. A file damaged part-way is an error, not a short transcript scored as if it were whole.
func recognizeSegmented(ctx context.Context, rec *hark.Recognizer, u corpus.Utterance, stream bool) evalResult {
	f, err := os.Open(u.Path)
	if err != nil {
		return evalResult{err: err}
	}
	defer f.Close()
	cpu0, _ := threadCPUSeconds()
	start := time.Now()
	var res hark.Result
	if stream {
		res, err = rec.TranscribeStream(ctx, f, u.Path, hark.DefaultEndpointConfig(), nil)
	} else {
		res, err = rec.TranscribeReader(ctx, f, u.Path, nil)
	}
	busy := time.Since(start).Seconds()
	cpu1, _ := threadCPUSeconds()
	if err != nil {
		return evalResult{err: err}
	}
	r := score(u.Text, res.Text)
	r.audio, r.busy, r.cpu = res.Duration, busy, cpu1-cpu0
	return r
}

// score aligns a hypothesis with its reference, both normalised.
func score(ref, hyp string) evalResult {
	return evalResult{words: metrics.AlignWords(ref, hyp), chars: metrics.AlignChars(ref, hyp).Counts}
}

// namingFile makes sure err's message names the file it is about.
func namingFile(path string, err error) error {
	if strings.Contains(err.Error(), path) {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// longUtterance is the length beyond which eval suggests --vad: the model was trained on utterances of seconds,
// and whole-file recognition of an hour holds the hour's log-probabilities (about a gigabyte) and loses words.
const longUtterance = 120.0

// warnLongUtterances notes, once, that whole-file scoring of long recordings is not how hark transcribe reads
// them.
func warnLongUtterances(w io.Writer, utts []corpus.Utterance) {
	n, longest := 0, 0.0
	for _, u := range utts {
		if u.Duration > longUtterance {
			n++
			longest = max(longest, u.Duration)
		}
	}
	if n > 0 {
		fmt.Fprintf(w, "hark eval: note: %s longer than %s (the longest %s) recognised whole; --vad cuts them at pauses as hark transcribe does, in less memory\n",
			plural(n, "utterance"), corpus.FormatDuration(longUtterance), corpus.FormatDuration(longest))
	}
}
