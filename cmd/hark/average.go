package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/acoustic/train"
)

func runAverage(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "average", "[-w 1,1,...] -o out.hark MODEL.hark|RUN/checkpoint.ckpt...\n\nA training checkpoint stands for its run's last weights (model.hark holds the best on the dev set); one\ncheckpoint alone is written out as a model file.")
	out := fs.String("o", "", "output model `file` (required)")
	weightList := fs.String("w", "", "comma-separated `weights`, one per model (default: equal); they are scaled to add up to 1")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	if fs.NArg() == 1 && !isCheckpoint(fs.Arg(0)) {
		return usagef(e, "average", "one model given: averaging needs at least two (or one training checkpoint, to export its weights)")
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
		m, err := loadModelOrCheckpoint(path)
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
	avg := models[0]
	if len(models) > 1 {
		var err error
		if avg, err = acoustic.Average(models, weights); err != nil {
			return err
		}
	}
	if err := avg.SaveFile(*out); err != nil {
		return err
	}
	if len(models) == 1 {
		fmt.Fprintf(e.stderr, "wrote the weights of %s to %s\n", fs.Arg(0), *out)
		return nil
	}
	fmt.Fprintf(e.stderr, "averaged %d models into %s\n", len(models), *out)
	return nil
}

// isCheckpoint says whether path starts as a training checkpoint does.
func isCheckpoint(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(train.CheckpointMagic))
	_, err = io.ReadFull(f, head)
	return err == nil && string(head) == train.CheckpointMagic
}

// loadModelOrCheckpoint loads a model file, or the model a training checkpoint holds (its run's last weights).
func loadModelOrCheckpoint(path string) (*acoustic.Model, error) {
	if !isCheckpoint(path) {
		return acoustic.LoadFile(path)
	}
	ck, err := train.ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	m, err := train.ModelFromCheckpoint(ck)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
