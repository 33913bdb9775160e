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
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/audio"
)

// progressMin is the input length, in seconds, from which a progress bar is shown on a terminal.
const progressMin = 60

// transcribeFlags are the settings of one `hark transcribe` run.
type transcribeFlags struct {
	recognizerFlags
	stream    bool
	format    string
	outDir    string
	wholeOnly bool // the output goes to one -o file, written only when whole (no text so far after Ctrl-C)
	jobs      int
	nbest     int
	threads   int
	sub       hark.SubtitleOptions // srt and vtt cue layout
}

// runTranscribe transcribes audio files:
//
//	hark transcribe talk.wav                      # the text, with the embedded model
//	hark transcribe -f srt -o subs/ *.mp3         # subs/NAME.mp3.srt for each input
//	hark transcribe -m model.hark --lm en.lm -f jsonl -j 4 a.wav b.flac
func runTranscribe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "transcribe", "[flags] FILE... (- for standard input)")
	var f transcribeFlags
	f.register(fs, hark.DefaultBeam)
	fs.StringVar(&f.format, "f", "txt", "output `format`: txt, json, jsonl, srt, vtt or tsv; with -o, several separated by commas (-f srt,vtt,txt)")
	fs.StringVar(&f.format, "format", "txt", "same as -f")
	fs.StringVar(&f.outDir, "o", "", "write one file per input into `dir` (NAME.EXT.FORMAT) instead of standard output (- is standard output); with one input and format, a name with the format's extension is that file (-o talk.srt)")
	fs.IntVar(&f.jobs, "j", 1, "transcribe `N` files in parallel")
	fs.IntVar(&f.nbest, "nbest", 1, "add the `N` best transcripts as alternatives (json, jsonl), of the whole input and of each segment")
	fs.IntVar(&f.threads, "t", 1, "recognise up to `N` speech segments of a file at once")
	def := hark.DefaultSubtitleOptions()
	fs.IntVar(&f.sub.MaxLineChars, "max-line-chars", def.MaxLineChars, "srt/vtt: at most `N` characters per subtitle line (like whisper.cpp's -ml)")
	fs.IntVar(&f.sub.MaxLines, "max-lines", def.MaxLines, "srt/vtt: at most `N` lines per subtitle")
	fs.Float64Var(&f.sub.MaxDuration, "max-cue-seconds", def.MaxDuration, "srt/vtt: at most `S` seconds per subtitle")
	fs.BoolVar(&f.stream, "stream", false, "use the streaming (live) recognition path instead of voice-activity segments: utterances cut by the endpoint rules, each recognised in pieces at 0.3 s pauses as hark listen does")
	files, err := parseInterleaved(e, fs, args)
	if err != nil {
		return err
	}
	if f.outDir == "-" { // "-o -" is standard output, as "-" is standard input
		f.outDir = ""
	}
	formats, ferr := parseFormats(f.format)
	switch {
	case len(files) == 0:
		fs.Usage()
		return errUsage
	case ferr != nil:
		return usagef(e, "transcribe", "%v", ferr)
	case len(formats) > 1 && f.outDir == "":
		return usagef(e, "transcribe", "several formats (-f %s) need -o DIR: standard output takes one", f.format)
	case f.jobs < 1:
		return usagef(e, "transcribe", "-j %d: must be at least 1", f.jobs)
	case f.threads < 1:
		return usagef(e, "transcribe", "-t %d: must be at least 1", f.threads)
	case f.nbest < 1:
		return usagef(e, "transcribe", "--nbest %d: must be at least 1", f.nbest)
	case f.nbest > 1 && f.greedy:
		return usagef(e, "transcribe", "--greedy decoding gives no n-best list: drop --greedy or --nbest")
	case f.beam < 1:
		return usagef(e, "transcribe", "--beam %d: must be at least 1", f.beam)
	case f.sub.MaxLineChars < 1:
		return usagef(e, "transcribe", "--max-line-chars %d: must be at least 1", f.sub.MaxLineChars)
	case f.sub.MaxLines < 1:
		return usagef(e, "transcribe", "--max-lines %d: must be at least 1", f.sub.MaxLines)
	case !(f.sub.MaxDuration > 0) || math.IsInf(f.sub.MaxDuration, 0):
		return usagef(e, "transcribe", "--max-cue-seconds %g: must be a positive number of seconds", f.sub.MaxDuration)
	case f.check() != nil:
		return usagef(e, "transcribe", "%v", f.check())
	}
	stdin := 0
	for _, p := range files {
		if p == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		fmt.Fprintln(e.stderr, "hark transcribe: standard input (-) can be read only once")
		return errUsage
	}
	outFile := ""
	if st, err := os.Stat(f.outDir); f.outDir != "" && !(err == nil && st.IsDir()) && namesFormatFile(f.outDir, formats) {
		// "-o talk.srt", as whisper.cpp users write it: one transcript into that file rather than a folder of
		// that name. With several inputs or formats it can only be a mistake.
		if len(files) > 1 || len(formats) > 1 {
			return usagef(e, "transcribe", "-o %s looks like a file, but -o takes a folder when there are several inputs or formats (NAME.EXT.FORMAT files go into it)", f.outDir)
		}
		if files[0] != "-" && sameFile(f.outDir, files...) {
			return fmt.Errorf("-o %s is the input", f.outDir)
		}
		outFile, f.outDir, f.wholeOnly = f.outDir, "", true
		// Before the work, not after it: a missing folder is made, as it is for -o DIR.
		if err := os.MkdirAll(filepath.Dir(outFile), 0o755); err != nil {
			return fmt.Errorf("-o %s: %w", outFile, err)
		}
	}
	if f.outDir != "" {
		if err := checkOutputs(f.outDir, formats, files); err != nil {
			return err
		}
		if err := os.MkdirAll(f.outDir, 0o755); err != nil {
			return fmt.Errorf("-o %s: %w", f.outDir, err)
		}
	}
	rec, err := f.recognizer()
	if err != nil {
		return err
	}
	if outFile == "" {
		return transcribeFiles(ctx, e, rec, f, formats, files)
	}
	var out bytes.Buffer
	toFile := *e
	toFile.stdout = &out
	err = transcribeFiles(ctx, &toFile, rec, f, formats, files)
	var ee exitError
	if out.Len() > 0 && (err == nil || errors.As(err, &ee) && ee.code == 1) { // whole, or cut short by damage
		if werr := writeFileAtomic(outFile, out.Bytes()); werr != nil {
			return werr
		}
	}
	return err
}

// namesFormatFile reports whether path ends in the extension of one of the formats (".srt" for srt).
func namesFormatFile(path string, formats []hark.Format) bool {
	for _, f := range formats {
		if strings.EqualFold(filepath.Ext(path), "."+string(f)) {
			return true
		}
	}
	return false
}

// parseFormats parses -f: one format, or several separated by commas, each at most once.
func parseFormats(s string) ([]hark.Format, error) {
	var out []hark.Format
	for _, name := range strings.Split(s, ",") {
		f, err := hark.ParseFormat(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, f) {
			return nil, fmt.Errorf("format %s given twice", f)
		}
		out = append(out, f)
	}
	return out, nil
}

// checkOutputs refuses, before any work, inputs whose output files under dir would collide (a/x.wav and
// b/x.wav both give x.wav.txt: the second would replace the first) or would overwrite an input.
func checkOutputs(dir string, formats []hark.Format, files []string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("-o %s: not a directory", dir)
	}
	first := make(map[string]string, len(files))
	for _, in := range files {
		for _, format := range formats {
			out := hark.OutputPath(dir, in, format)
			if prev, ok := first[out]; ok {
				return fmt.Errorf("%s and %s would both be written to %s: transcribe them into different -o folders", prev, in, out)
			}
			first[out] = in
			if in != "-" && sameFile(out, files...) {
				return fmt.Errorf("the output for %s, %s, is one of the inputs", in, out)
			}
		}
	}
	return nil
}

// parseInterleaved parses flags that may come before, between or after the file arguments ("--" ends the
// flags), and returns the files.
func parseInterleaved(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := parseFlags(e, fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(files, rest...), nil
		}
		if len(rest) == 0 {
			return files, nil
		}
		files, args = append(files, rest[0]), rest[1:]
	}
}

// recognizer loads the model the flags name.
func (f *transcribeFlags) recognizer() (*hark.Recognizer, error) {
	return f.load(hark.WithNBest(f.nbest), hark.WithThreads(f.threads))
}

// outcome is one input's transcript, or why there is none.
type outcome struct {
	res hark.Result
	err error
}

// transcribeFiles transcribes files on f.jobs workers and writes each result as soon as it and every earlier
// input are done, so the output is in input order and the same for any -j.
func transcribeFiles(ctx context.Context, e *env, rec *hark.Recognizer, f transcribeFlags, formats []hark.Format, files []string) error {
	done := make([]chan outcome, len(files))
	for i := range done {
		done[i] = make(chan outcome, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	jobs := make(chan int)
	var wg sync.WaitGroup
	defer func() { // on an early return, the workers stop at once rather than finish every input
		cancel()
		wg.Wait()
	}()
	for range min(f.jobs, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res, err := transcribeOne(ctx, e, rec, f, files[i], f.jobs == 1)
				done[i] <- outcome{res, err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case jobs <- i:
			case <-ctx.Done():
				for j := i; j < len(files); j++ { // never started: the loop below still hears of each
					done[j] <- outcome{hark.Result{File: files[j]}, ctx.Err()}
				}
				return
			}
		}
	}()

	enc := hark.NewEncoder(e.stdout, formats[0])
	enc.SetSubtitleOptions(f.sub)
	enc.SetInputs(len(files))
	failed, finished := 0, 0
	var cut []string // inputs cut short by Ctrl-C whose text so far was written
	interrupted := false
	for i, path := range files {
		o := <-done[i] // a cancelled transcription returns promptly, with what it recognised so far
		if o.err != nil && ctx.Err() != nil && errors.Is(o.err, ctx.Err()) {
			// Ctrl-C: standard output gets the text so far of the inputs cut short, marked in json, and a closed
			// document; files (-o) are only ever whole transcripts. Inputs that finished are written as usual.
			interrupted = true
			if f.outDir == "" && !f.wholeOnly && len(o.res.Segments) > 0 {
				o.res.Error = fmt.Sprintf("interrupted: the text covers the first %.1f s",
					o.res.Segments[len(o.res.Segments)-1].End)
				if err := enc.Encode(o.res); err != nil {
					return err
				}
				cut = append(cut, fmt.Sprintf("%s: %s", displayName(path), strings.TrimPrefix(o.res.Error, "interrupted: ")))
			}
			continue
		}
		finished++
		if o.err != nil {
			failed++
			fmt.Fprintf(e.stderr, "hark transcribe: %s\n", errorNaming(path, o.err))
			// A damaged file still gives what was recognised before the damage.
			var fe *audio.FormatError
			if !errors.As(o.err, &fe) || o.res.Duration == 0 {
				continue
			}
		}
		if err := writeOutcome(enc, f.outDir, formats, f.sub, path, o.res); err != nil {
			failed++
			fmt.Fprintf(e.stderr, "hark transcribe: %s\n", errorNaming(path, err))
		}
	}
	if f.outDir == "" { // with -o every result went to its own file: standard output stays empty
		if err := enc.Close(); err != nil {
			return err
		}
	}
	if interrupted {
		msg := fmt.Sprintf("interrupted: %d of %d inputs done", finished, len(files))
		if len(cut) > 0 {
			msg += "; " + strings.Join(cut, "; ")
		}
		fmt.Fprintf(e.stderr, "hark transcribe: %s\n", msg)
		return exitError{code: exitInterrupted}
	}
	if failed > 0 {
		if len(files) > 1 {
			fmt.Fprintf(e.stderr, "hark transcribe: %d of %d files failed\n", failed, len(files))
		}
		return exitError{code: 1}
	}
	return nil
}

// writeOutcome writes one result to its own files under dir, one per format, or to the shared encoder.
func writeOutcome(enc *hark.Encoder, dir string, formats []hark.Format, sub hark.SubtitleOptions, path string, res hark.Result) error {
	if dir == "" {
		return enc.Encode(res)
	}
	for _, format := range formats {
		var b bytes.Buffer
		fenc := hark.NewEncoder(&b, format)
		fenc.SetSubtitleOptions(sub)
		if err := fenc.Encode(res); err != nil {
			return err
		}
		if err := fenc.Close(); err != nil {
			return err
		}
		if err := writeFileAtomic(hark.OutputPath(dir, path, format), b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// displayName is how messages name an input: standard input is "stdin".
func displayName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}

// errorNaming makes sure an error message names the file it is about.
func errorNaming(path string, err error) string {
	path = displayName(path)
	if msg := err.Error(); strings.Contains(msg, path) {
		return msg
	}
	return path + ": " + err.Error()
}

// transcribeOne transcribes one input; bar allows a progress bar (never with several files at once, whose
// bars would fight over the line).
func transcribeOne(ctx context.Context, e *env, rec *hark.Recognizer, f transcribeFlags, path string, bar bool) (hark.Result, error) {
	var in io.Reader
	name := path
	if path == "-" {
		in, name = e.stdin, "stdin"
	} else {
		file, err := os.Open(path)
		if err != nil {
			return hark.Result{File: path}, err
		}
		defer file.Close()
		in = file
	}
	var progress func(done, total float64)
	if bar {
		p := newProgress(e.stderr, path)
		defer p.finish()
		progress = p.update
	}
	if f.stream {
		return rec.TranscribeStream(ctx, in, name, hark.DefaultEndpointConfig(), progress)
	}
	return rec.TranscribeReader(ctx, in, name, progress)
}

// progress draws a bar on w for an input longer than progressMin seconds, if w is a terminal.
type progress struct {
	w    io.Writer
	name string
	tty  bool
	bar  *progressbar.ProgressBar
}

func newProgress(w io.Writer, name string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, name: name, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(done, total float64) {
	if !p.tty || total < progressMin {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(int64(total),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.name),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	_ = p.bar.Set64(int64(done))
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
