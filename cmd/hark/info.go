package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/harkspeech/hark/audio"
)

// infoJSON is the stable JSON shape of "hark info --json": one object per file, one per line.
type infoJSON struct {
	File       string  `json:"file"`
	Format     string  `json:"format"`
	Codec      string  `json:"codec"`
	SampleRate int     `json:"sample_rate"`
	Channels   int     `json:"channels"`
	Bits       int     `json:"bits"`
	Duration   float64 `json:"duration"`
}

// infoErrorJSON stands in for a file that could not be read, so that a program reading --json output learns about
// every file it named, in order.
type infoErrorJSON struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

func runInfo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "info", "[--json] FILE...")
	asJSON := fs.Bool("json", false, "print one JSON object per file, one per line (a file that cannot be read gets {\"file\", \"error\"})")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	failed := 0
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := probeAudio(e, path)
		if path == "-" {
			path = "stdin" // as transcribe names it
		}
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err // Ctrl-C while standard input was read: "interrupted", not a bad file
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "hark info: %v\n", err)
			failed++
			if *asJSON {
				b, err := json.Marshal(infoErrorJSON{path, err.Error()})
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s\n", b)
			}
			continue
		}
		if *asJSON {
			b, err := json.Marshal(infoJSON{path, info.Format, info.Codec, info.SampleRate, info.Channels, info.Bits,
				roundTo(info.Duration, 6)})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\n", b)
			continue
		}
		channels := "channels"
		if info.Channels == 1 {
			channels = "channel"
		}
		fmt.Fprintf(e.stdout, "%s: %s (%s), %d Hz, %d %s, %d bits, %.3f s\n",
			path, info.Format, info.Codec, info.SampleRate, info.Channels, channels, info.Bits, info.Duration)
	}
	if failed > 0 {
		return exitError{1}
	}
	return nil
}

// probeAudio reads a file's (or standard input's) format and exact duration.
func probeAudio(e *env, path string) (audio.Info, error) {
	if path == "-" {
		return audio.ProbeReader(e.stdin, "stdin")
	}
	return audio.Probe(path)
}

// roundTo keeps JSON durations readable (microsecond precision is finer than any sample period we read).
func roundTo(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
