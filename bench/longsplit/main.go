// Command longsplit measures where recognising a long recording whole loses words: in the acoustic model or in
// the search. It cuts each recording at the pauses the voice-activity detector finds (midway between its speech
// spans, so that the pieces cover every sample) and recognises it four ways:
//
//	whole  the model and the search over the whole recording (what Recognize does)
//	model  the model run on each piece afresh, the search over the joined output
//	search the model over the whole recording, the search run on each piece's frames afresh
//	both   the model and the search on each piece afresh (what Transcribe does, up to the padding)
//
// It reads a manifest (PATH<TAB>...) on standard input and writes PATH<TAB>TEXT lines for `hark eval --hyp`:
//
//	go run ./bench/longsplit -mode both < rec.tsv > hyp.tsv && hark eval --hyp hyp.tsv --manifest rec.tsv
//
// It uses the embedded model and LM with hark's defaults.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
)

func main() {
	mode := flag.String("mode", "both", "whole, model, search or both (see the package comment)")
	minSilence := flag.Float64("min-silence", hark.DefaultVADConfig().MinSilence, "the VAD's MinSilence in seconds")
	maxSpeech := flag.Float64("max-speech", hark.DefaultVADConfig().MaxSpeech, "the VAD's MaxSpeech in seconds")
	flag.Parse()
	switch *mode {
	case "whole", "model", "search", "both":
	default:
		log.Fatalf("longsplit: unknown -mode %q", *mode)
	}
	cfg := hark.DefaultVADConfig()
	cfg.MinSilence, cfg.MaxSpeech = *minSilence, *maxSpeech
	r, err := hark.Default()
	if err != nil {
		log.Fatal(err)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		path, _, _ := strings.Cut(in.Text(), "\t")
		if path == "" {
			continue
		}
		text, err := recognise(context.Background(), r, path, *mode, cfg)
		if err != nil {
			log.Fatalf("longsplit: %s: %v", path, err)
		}
		fmt.Printf("%s\t%s\n", path, text)
	}
	if err := in.Err(); err != nil {
		log.Fatal(err)
	}
}

func recognise(ctx context.Context, r *hark.Recognizer, path, mode string, cfg hark.VADConfig) (string, error) {
	x, _, err := audio.Load(path)
	if err != nil {
		return "", err
	}
	spans, err := hark.DetectSpeech(x, cfg)
	if err != nil {
		return "", err
	}
	var cuts []int // piece ends, in samples
	if mode != "whole" {
		for i := 1; i < len(spans); i++ {
			cuts = append(cuts, int((spans[i-1].End+spans[i].Start)/2*audio.SampleRate))
		}
	}
	cuts = append(cuts, len(x))
	fmt.Fprintf(os.Stderr, "%s: %d pieces\n", path, len(cuts))

	var pieces []*acoustic.Matrix // the model's output for each piece
	if mode == "model" || mode == "both" {
		prev := 0
		for _, c := range cuts {
			lp, err := r.LogProbs(ctx, x[prev:c])
			if err != nil {
				return "", err
			}
			pieces, prev = append(pieces, lp), c
		}
	} else {
		all, err := r.LogProbs(ctx, x)
		if err != nil {
			return "", err
		}
		prev := 0
		for _, c := range cuts {
			row := min(int(float64(c)/audio.SampleRate/r.FrameDuration()), all.Rows)
			pieces = append(pieces, &acoustic.Matrix{Rows: row - prev, Cols: all.Cols, Data: all.Data[prev*all.Cols : row*all.Cols]})
			prev = row
		}
	}
	if mode == "search" || mode == "both" {
		var texts []string
		for _, lp := range pieces {
			res, err := r.Decode(ctx, lp)
			if err != nil {
				return "", err
			}
			if res.Text != "" {
				texts = append(texts, res.Text)
			}
		}
		return strings.Join(texts, " "), nil
	}
	joined := &acoustic.Matrix{Cols: pieces[0].Cols}
	for _, lp := range pieces {
		joined.Data = append(joined.Data, lp.Data...)
		joined.Rows += lp.Rows
	}
	res, err := r.Decode(ctx, joined)
	return res.Text, err
}
