package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/harkspeech/hark/acoustic"
)

func runAverage(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "average", "[-w 1,1,...] -o out.hark MODEL.hark MODEL.hark...")
	out := fs.String("o", "", "output model `file` (required)")
	weightList := fs.String("w", "", "comma-separated `weights`, one per model (default: equal); they are scaled to add up to 1")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	if fs.NArg() == 1 {
		return usagef(e, "average", "one model given: averaging needs at least two")
	}
	var weights []float64
	if *weightList != "" {
		for _, s := range strings.Split(*weightList, ",") {
			w, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return usagef(e, "average", "-w: %q is not a number", s)
			}
			weights = append(weights, w)
		}
		if len(weights) != fs.NArg() {
			return usagef(e, "average", "-w has %d weights for %d models", len(weights), fs.NArg())
		}
	}
	if sameFile(*out, fs.Args()...) {
		return fmt.Errorf("-o %s is one of the input models: choose another output file", *out)
	}
	models := make([]*acoustic.Model, 0, fs.NArg())
	for i, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := acoustic.LoadFile(path)
		if err != nil {
			return err
		}
		if i > 0 {
			if err := models[0].SameLayout(m); err != nil {
				return fmt.Errorf("%s cannot be averaged with %s: %w", path, fs.Arg(0), err)
			}
		}
		models = append(models, m)
	}
	avg, err := acoustic.Average(models, weights)
	if err != nil {
		return err
	}
	if err := avg.SaveFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "averaged %d models into %s\n", len(models), *out)
	return nil
}
