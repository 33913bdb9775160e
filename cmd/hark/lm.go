package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/harkspeech/hark/decoder/lm"
)

func runLM(ctx context.Context, e *env, args []string) error {
	usage := func() {
		fmt.Fprintln(e.stderr, "usage: hark lm build [flags] -o out.lm TEXT...   build a Kneser–Ney n-gram model from text")
		fmt.Fprintln(e.stderr, "       hark lm tune [flags] -lm en.lm DEVDIR      search the decoder's α and β on a dev set")
		fmt.Fprintln(e.stderr, "Run \"hark lm build -h\" or \"hark lm tune -h\" for their flags.")
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	switch args[0] {
	case "build":
		return runLMBuild(ctx, e, args[1:])
	case "tune":
		return runLMTune(ctx, e, args[1:])
	case "-h", "-help", "--help", "help":
		usage()
		return nil
	}
	fmt.Fprintf(e.stderr, "hark lm: unknown subcommand %q\n", args[0])
	usage()
	return errUsage
}

func runLMBuild(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lm build", "[-order N] [-prune 0,0,1] -o out.lm TEXT...")
	order := fs.Int("order", 3, "n-gram `order` (1 to 6)")
	prune := fs.String("prune", "", "per-order count `thresholds`, unigrams first, comma or space separated: n-grams seen this often or less are dropped (KenLM's --prune)")
	maxNgrams := fs.Int("max-ngrams", 40_000_000, "memory bound while counting: at most this many distinct highest-order `n-grams` are held; the rarest are dropped beyond it")
	keepCase := fs.Bool("keep-case", false, "keep letter case (by default text is lower-cased to match the acoustic vocabulary)")
	arpa := fs.Bool("arpa", false, "write ARPA text instead of Hark's binary format")
	out := fs.String("o", "", "output `file` (required)")
	if err := parseFlags(fs, args); err != nil {
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
	start := time.Now()
	text, err := lm.OpenFiles(fs.Args()...)
	if err != nil {
		return err
	}
	defer text.Close()
	m, st, err := lm.Build(ctx, text, lm.BuildOptions{Order: *order, Prune: thresholds, MaxNgrams: *maxNgrams, KeepCase: *keepCase})
	if err != nil {
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
	for k := range st.Kept {
		d := st.Discounts[k]
		fmt.Fprintf(e.stderr, "%d-grams: %d counted, %d kept; discounts %.3f %.3f %.3f\n", k+1, st.Counted[k], st.Kept[k], d[0], d[1], d[2])
	}
	if st.LossyThreshold > 0 {
		fmt.Fprintf(e.stderr, "memory bound reached: %d-grams seen %d times or less were dropped while counting\n", *order, st.LossyThreshold)
	}
	fmt.Fprintf(e.stderr, "built in %.1fs, wrote %s in %.1fs\n", counted.Seconds(), *out, (time.Since(start) - counted).Seconds())
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
	return out, nil
}

func runLMTune(ctx context.Context, e *env, args []string) error {
	return errors.New("not implemented yet")
}
