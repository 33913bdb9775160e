package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harkspeech/hark"

	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/decoder/lm"
)

func runLM(ctx context.Context, e *env, args []string) error {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: hark lm build [flags] -o out.lm TEXT...   build a Kneser–Ney n-gram model from text")
		fmt.Fprintln(w, "       hark lm tune [flags] -lm en.lm DEVDIR      search the decoder's α and β on a dev set")
		fmt.Fprintln(w, "       hark lm mix [-w W,... | -fit TEXT] -o out.lm LM...  interpolate models (domain adaptation)")
		fmt.Fprintln(w, "       hark lm ppl -text TEXT LM...               perplexity of each model on a text")
		fmt.Fprintln(w, "       hark lm info FILE...                       load models and show their order, sizes and load time")
		fmt.Fprintln(w, "An LM named \"default\" is the English LM embedded in hark (./default for a file of that name).")
		fmt.Fprintln(w, "Run \"hark lm SUBCOMMAND -h\" for a subcommand's flags.")
	}
	if len(args) == 0 {
		usage(e.stderr)
		return errUsage
	}
	subcommands := map[string]func(context.Context, *env, []string) error{
		"build": runLMBuild,
		"tune":  runLMTune,
		"mix":   runLMMix,
		"ppl":   runLMPerplexity,
		"info":  runLMInfo,
	}
	run, ok := subcommands[args[0]]
	switch {
	case ok:
		err := run(ctx, e, args[1:])
		var ee exitError
		if err == nil || errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) || errors.As(err, &ee) {
			return err
		}
		return subcommandError{name: args[0], err: err}
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help":
		usage(e.stdout)
		return nil
	}
	fmt.Fprintf(e.stderr, "hark lm: unknown subcommand %q\n", args[0])
	usage(e.stderr)
	return errUsage
}

func runLMBuild(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lm build", "[-order N] [-prune 0,0,1] [-exclude MANIFEST,...] -o out.lm TEXT... (- for standard input)")
	order := fs.Int("order", 3, "n-gram `order` (1 to 6)")
	prune := fs.String("prune", "", "per-order count `thresholds`, unigrams first, comma or space separated: n-grams seen this often or less are dropped (KenLM's --prune)")
	maxNgrams := fs.Int("max-ngrams", 10_000_000, "memory bound while counting: at most this many distinct highest-order `n-grams` (20 bytes each) are held in memory; more are sorted into temporary files and merged")
	tmp := fs.String("tmp", "", "`folder` for temporary count files (default: the system's)")
	keepCase := fs.Bool("keep-case", false, "keep letter case and tokens as they are (implies -raw)")
	raw := fs.Bool("raw", false, "count the text's white-space separated tokens as they are, lower-cased (by default lines are normalised as transcripts are: punctuation breaks words, and a token the model cannot spell, such as \"42\", counts as <unk>)")
	arpa := fs.Bool("arpa", false, "write ARPA text instead of Hark's binary format")
	exclude := fs.String("exclude", "", "comma-separated `manifests` (dev and test sets) whose transcripts are left out of the text, so that scores on them are not flattered by a model that has read them")
	out := fs.String("o", "", "output `file` (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	thresholds, err := parseThresholds(*prune)
	if err != nil {
		fmt.Fprintf(e.stderr, "hark lm build: -prune: %v\n", err)
		return errUsage
	}
	if *order < 1 || *order > lm.MaxBuildOrder {
		fmt.Fprintf(e.stderr, "hark lm build: -order %d: want 1 to %d\n", *order, lm.MaxBuildOrder)
		return errUsage
	}
	if sameFile(*out, fs.Args()...) {
		return fmt.Errorf("-o %s is one of the input texts: choose another output file", *out)
	}
	excluded, err := transcriptSet(*exclude, *keepCase)
	if err != nil {
		return err
	}
	start := time.Now()
	text, err := openLMText(e.stdin, fs.Args(), *raw || *keepCase)
	if err != nil {
		return err
	}
	defer text.Close()
	m, st, err := lm.Build(ctx, text, lm.BuildOptions{Order: *order, Prune: thresholds, MaxNgrams: *maxNgrams, TempDir: *tmp,
		KeepCase: *keepCase, Exclude: excluded})
	if err != nil {
		if st.Sentences == 0 && ctx.Err() == nil && !strings.Contains(err.Error(), displayName(fs.Arg(0))) {
			names := make([]string, fs.NArg())
			for i, a := range fs.Args() {
				names[i] = displayName(a)
			}
			err = fmt.Errorf("%s: %w", strings.Join(names, ", "), err) // which inputs held nothing
		}
		return err
	}
	counted := time.Since(start)
	if *arpa {
		err = m.SaveARPA(*out)
	} else {
		err = m.Save(*out)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d sentences, %d words, vocabulary %d\n", st.Sentences, st.Words, st.Vocabulary)
	if n := text.note(); n != "" {
		fmt.Fprintf(e.stderr, "hark lm build: %s\n", n)
	}
	if len(excluded) > 0 {
		fmt.Fprintf(e.stderr, "left out %d sentences that are transcripts in -exclude (%d distinct transcripts)\n", st.Excluded, len(excluded))
	}
	for k := range st.Kept {
		d := st.Discounts[k]
		fmt.Fprintf(e.stderr, "%d-grams: %d counted, %d kept; discounts %.3f %.3f %.3f\n", k+1, st.Counted[k], st.Kept[k], d[0], d[1], d[2])
	}
	if st.Spills > 0 {
		fmt.Fprintf(e.stderr, "counts exceeded -max-ngrams: %d sorted runs went through temporary files\n", st.Spills)
	}
	fmt.Fprintf(e.stderr, "built in %.1fs, wrote %s in %.1fs\n", counted.Seconds(), *out, (time.Since(start) - counted).Seconds())
	return nil
}

// transcriptSet reads the transcripts of comma-separated manifests as lm.BuildOptions.Exclude keys.
func transcriptSet(manifests string, keepCase bool) (map[string]bool, error) {
	if manifests == "" {
		return nil, nil
	}
	set := map[string]bool{}
	for _, path := range strings.Split(manifests, ",") {
		// Strict: a line skipped here would let its transcript into the model, the very thing -exclude prevents.
		utts, _, err := corpus.ReadManifest(path, corpus.Options{Strict: true})
		if err != nil {
			return nil, fmt.Errorf("-exclude: %w (every line must be readable, or its transcript would not be left out)", err)
		}
		for _, u := range utts {
			set[lm.SentenceKey(u.Text, keepCase)] = true
		}
	}
	return set, nil
}

func runLMMix(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lm mix", "[-w 0.8,0.2 | -fit TEXT] [-arpa] -o out.lm LM... (one LM: converts it, ARPA ↔ binary)")
	weightList := fs.String("w", "", "comma-separated interpolation `weights`, one per model, normalised to sum to 1; a model of weight 0 is left out (default: equal)")
	fit := fs.String("fit", "", "choose the weights that maximise the likelihood of this held-out `text` (comma-separated files; EM, like SRILM's compute-best-mix)")
	keepCase := fs.Bool("keep-case", false, "with -fit: keep the text's letter case and tokens (implies -raw)")
	raw := fs.Bool("raw", false, "with -fit: score the text's tokens as they are, lower-cased (by default normalised as lm build does)")
	arpa := fs.Bool("arpa", false, "write ARPA text instead of Hark's binary format")
	out := fs.String("o", "", "output `file` (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() < 1 {
		fs.Usage()
		return errUsage
	}
	weights := make([]float64, fs.NArg())
	for i := range weights {
		weights[i] = 1
	}
	if *weightList != "" && *fit != "" {
		fmt.Fprintln(e.stderr, "hark lm mix: -w and -fit are alternatives: give one")
		return errUsage
	}
	if (*keepCase || *raw) && *fit == "" {
		fmt.Fprintln(e.stderr, "hark lm mix: -keep-case and -raw only apply to the -fit text")
		return errUsage
	}
	if *weightList != "" {
		fields := strings.Split(*weightList, ",")
		if len(fields) != fs.NArg() {
			fmt.Fprintf(e.stderr, "hark lm mix: -w has %d weights for %d models\n", len(fields), fs.NArg())
			return errUsage
		}
		for i, f := range fields {
			w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || w < 0 || math.IsInf(w, 0) || math.IsNaN(w) {
				fmt.Fprintf(e.stderr, "hark lm mix: -w: bad weight %q (want a non-negative number)\n", f)
				return errUsage
			}
			weights[i] = w
		}
	}
	if sameFile(*out, fs.Args()...) {
		return fmt.Errorf("-o %s is one of the input models: choose another output file", *out)
	}
	// A missing -fit text is reported before the models take their time to load.
	for _, path := range strings.Split(*fit, ",") {
		if _, err := os.Stat(path); *fit != "" && err != nil {
			return fmt.Errorf("-fit: %w", err)
		}
	}
	start := time.Now()
	models := make([]*lm.Model, fs.NArg())
	for i, path := range fs.Args() {
		m, err := loadLM(ctx, path)
		if err != nil {
			return err
		}
		models[i] = m
	}
	if *fit != "" {
		text, err := openLMText(e.stdin, strings.Split(*fit, ","), *raw || *keepCase)
		if err != nil {
			return err
		}
		w, st, err := lm.FitWeights(ctx, models, text, *keepCase)
		text.Close()
		if err != nil {
			return fmt.Errorf("-fit: %w", namingFile(*fit, err))
		}
		weights = w
		parts := make([]string, len(w))
		for i, x := range w {
			parts[i] = strconv.FormatFloat(x, 'f', 4, 64)
		}
		// The score is of the interpolation the EM maximised, computed on the fly; the model written is its static
		// approximation (lm ppl scores that one), whose figure differs slightly.
		fmt.Fprintf(e.stderr, "weights fitted on %s: -w %s (dynamic interpolation: %s)\n", *fit, strings.Join(parts, ","), st)
		if n := text.note(); n != "" {
			fmt.Fprintf(e.stderr, "hark lm mix: -fit text: %s\n", n)
		}
		for i, x := range w {
			if x < 5e-5 {
				fmt.Fprintf(e.stderr, "hark lm mix: warning: %s gets weight %.4f: the fitted text gains nothing from it (is that text already in another model?)\n", fs.Arg(i), x)
			}
		}
	}
	mixed, err := lm.Mix(ctx, models, weights)
	if err != nil {
		return err
	}
	if *arpa {
		err = mixed.SaveARPA(*out)
	} else {
		err = mixed.Save(*out)
	}
	if err != nil {
		return err
	}
	counts := make([]string, mixed.Order())
	for k, c := range mixed.Counts() {
		counts[k] = fmt.Sprintf("%d-grams %d", k+1, c)
	}
	fmt.Fprintf(e.stderr, "wrote %s: order %d, %s; in %.1fs\n", *out, mixed.Order(), strings.Join(counts, ", "), time.Since(start).Seconds())
	return nil
}

func runLMPerplexity(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lm ppl", "-text TEXT[,TEXT] LM...")
	textFiles := fs.String("text", "", "comma-separated text `files`, one sentence per line (required)")
	keepCase := fs.Bool("keep-case", false, "keep the text's letter case and tokens (implies -raw)")
	raw := fs.Bool("raw", false, "score the text's tokens as they are, lower-cased (by default normalised as lm build does; tokens the model cannot spell are <unk>, not scored)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *textFiles == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	stdin := e.stdin
	if slices.Contains(strings.Split(*textFiles, ","), "-") && fs.NArg() > 1 {
		// Every model reads the text again: standard input is read once and replayed.
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			return fmt.Errorf("stdin: %w", err)
		}
		stdin = bytes.NewReader(b)
	}
	for _, path := range fs.Args() {
		m, err := loadLM(ctx, path)
		if err != nil {
			return err
		}
		if r, ok := stdin.(*bytes.Reader); ok {
			r.Seek(0, io.SeekStart)
		}
		text, err := openLMText(stdin, strings.Split(*textFiles, ","), *raw || *keepCase)
		if err != nil {
			return err
		}
		st, err := m.ScoreText(ctx, text, *keepCase)
		text.Close()
		if err != nil {
			return namingFile(*textFiles, err)
		}
		if st.Sentences == 0 {
			// A perplexity over nothing is not a number to compare models by.
			return fmt.Errorf("%s: no sentences to score", *textFiles)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", path, st)
	}
	return nil
}

// loadLM loads a language model; its error names the file. "default" is the English LM embedded in hark (./default
// for a file of that name), so that domain adaptation needs only the binary.
func loadLM(ctx context.Context, path string) (*lm.Model, error) {
	if path == "default" {
		return hark.DefaultLM()
	}
	m, err := lm.Load(ctx, path)
	if err != nil && !strings.Contains(err.Error(), path) {
		err = fmt.Errorf("%s: %w", path, err)
	}
	return m, err
}

func runLMInfo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lm info", "FILE...")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	failed := 0
	for _, path := range fs.Args() {
		start := time.Now()
		m, err := loadLM(ctx, path)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// Like hark info: report each bad file and go on with the rest.
			fmt.Fprintf(e.stderr, "hark lm info: %s\n", errorNaming(path, err))
			failed++
			continue
		}
		counts := make([]string, m.Order())
		for k, c := range m.Counts() {
			counts[k] = fmt.Sprintf("%d-grams %d", k+1, c)
		}
		fmt.Fprintf(e.stdout, "%s: order %d, %s; loaded in %.3fs\n", path, m.Order(), strings.Join(counts, ", "), time.Since(start).Seconds())
	}
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// parseThresholds parses "0,0,1" or "0 0 1".
func parseThresholds(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bad threshold %q", f)
		}
		out = append(out, v)
	}
	if len(out) > 0 && out[0] != 0 {
		// KenLM refuses it too: unigrams are never pruned, so the value would be silently ignored.
		return nil, fmt.Errorf("the first threshold is for unigrams, which are never pruned: it must be 0 (-prune 0,%d,... prunes the higher orders)", out[0])
	}
	return out, nil
}

func runLMTune(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lm tune", "-lm en.lm [-alpha 0:2:0.25] [-beta -3:1:0.5] DEVDIR\n\n"+
		"DEVDIR holds a model's log-probabilities on a dev set, made once by\n"+
		"  hark eval -m MODEL --manifest dev.tsv --dump DEVDIR\n"+
		"so that each grid point only re-runs the search.\n")
	lmPath := fs.String("lm", "", "language model `file` (binary or ARPA; required)")
	alphas := fs.String("alpha", "0:2:0.25", "α values: lo:hi:step or a comma-separated `list`")
	betas := fs.String("beta", "-3:1:0.5", "β values: lo:hi:step or a comma-separated `list`")
	beam := fs.Int("beam", hark.DefaultBeam, "beam `width`")
	unk := fs.Float64("unk", hark.DefaultUnknownPenalty, "unknown-word `penalty` (natural-log LM units, weighted by α, once per out-of-vocabulary word)")
	blank := fs.Float64("blank-penalty", hark.DefaultBlankPenalty, "subtracted from the blank's log-probability in every frame")
	frame := fs.Float64("frame", 0.03, "output frame duration in `seconds` (only affects timestamps)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "utterances decoded in `parallel`")
	lookahead := fs.Bool("lookahead", hark.DefaultLookahead, "charge each word's unigram LM score while it is spelled (as hark transcribe does by default; -lookahead=false: only when it ends)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *lmPath == "" || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	as, err := parseGrid(*alphas)
	if err != nil {
		fmt.Fprintf(e.stderr, "hark lm tune: -alpha: %v\n", err)
		return errUsage
	}
	bs, err := parseGrid(*betas)
	if err != nil {
		fmt.Fprintf(e.stderr, "hark lm tune: -beta: %v\n", err)
		return errUsage
	}
	model, err := loadLM(ctx, *lmPath)
	if err != nil {
		return err
	}
	dev, err := decoder.LoadDevSet(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d utterances, %d×%d grid\n", len(dev.IDs), len(as), len(bs))
	if words := devWords(dev); words < minTuneWords {
		fmt.Fprintf(e.stderr, "hark lm tune: warning: the dev set has %d reference words, so one error moves WER by %.2f points "+
			"and the best α/β may fit this set's noise; a few hundred utterances (%d+ words) give steadier values\n",
			words, 100/math.Max(1, float64(words)), minTuneWords)
	}
	fmt.Fprintf(e.stdout, "alpha\tbeta\tWER%%\n")
	base := decoder.Options{FrameDuration: *frame, BeamWidth: *beam, LM: model, UnknownPenalty: *unk, BlankPenalty: *blank,
		Lookahead: *lookahead}
	best, _, err := decoder.Tune(ctx, dev, base, as, bs, *workers, func(p decoder.TunePoint) {
		fmt.Fprintf(e.stdout, "%g\t%g\t%.2f\n", p.Alpha, p.Beta, 100*p.WER)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "best: -alpha %g -beta %g (WER %.2f%%)\n", best.Alpha, best.Beta, 100*best.WER)
	return nil
}

// minTuneWords is the dev-set size below which lm tune warns: with fewer words the WER differences between
// neighbouring grid points are mostly a handful of errors.
const minTuneWords = 500

// devWords counts the reference words of a dev set.
func devWords(dev *decoder.DevSet) int {
	n := 0
	for _, r := range dev.Refs {
		n += len(strings.Fields(r))
	}
	return n
}

// parseGrid parses "lo:hi:step" (inclusive) or "a,b,c".
func parseGrid(s string) ([]float64, error) {
	if parts := strings.Split(s, ":"); len(parts) == 3 {
		var v [3]float64
		for i, p := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("bad number %q", p)
			}
			v[i] = f
		}
		if v[2] <= 0 || v[1] < v[0] || (v[1]-v[0])/v[2] > 1000 {
			return nil, fmt.Errorf("bad range %q", s)
		}
		var out []float64
		for i := 0; ; i++ {
			x := v[0] + float64(i)*v[2]
			if x > v[1]+v[2]*1e-9 {
				break
			}
			out = append(out, math.Round(x*1e9)/1e9)
		}
		return out, nil
	}
	var out []float64
	for _, p := range strings.Split(s, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("bad number %q", p)
		}
		out = append(out, f)
	}
	return out, nil
}
