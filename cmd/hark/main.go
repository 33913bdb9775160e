// Command hark is a speech recognizer: it transcribes audio files and live microphone input, trains acoustic
// models and builds language models.
//
// Usage:
//
//	hark <command> [flags] [arguments]
//
// Run "hark help" for the list of commands and "hark help <command>" for one command's flags.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"github.com/harkspeech/hark/models"
)

// command is one subcommand of hark. run gets the arguments after the command name and returns an error to report;
// errUsage asks main to print the command's usage.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env carries the process's standard streams so that commands can be tested without touching the real ones.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// errUsage is returned by a command when its arguments are wrong; the message has already been printed.
var errUsage = errors.New("usage")

// usagef reports a wrong argument of command name on e.stderr and returns errUsage, so that the user learns which
// flag is wrong, not only the usage.
func usagef(e *env, name, format string, args ...any) error {
	fmt.Fprintf(e.stderr, "hark %s: %s\n", name, fmt.Sprintf(format, args...))
	return errUsage
}

// subcommandError is a failure of a subcommand ("hark lm build"), so that the message names it whole.
type subcommandError struct {
	name string
	err  error
}

func (e subcommandError) Error() string { return e.name + ": " + e.err.Error() }
func (e subcommandError) Unwrap() error { return e.err }

// exitError carries a specific exit status out of a command (for example "some files failed").
type exitError struct{ code int }

// exitInterrupted is the exit status after Ctrl-C (128 + SIGINT), as shells report a command killed by it.
const exitInterrupted = 130

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func commands() []command {
	return []command{
		{"average", "average the weights of models fine-tuned from one start (a model soup)", runAverage},
		{"lm", "build and tune n-gram language models", runLM},
		{"eval", "word and character error rates of a model on a manifest", runEval},
		{"info", "show format, sample rate, channels and duration of audio files", runInfo},
		{"listen", "transcribe the microphone live", runListen},
		{"spectrogram", "draw the log-mel spectrogram of an audio file as a PNG", runSpectrogram},
		{"synth", "generate a labelled synthetic speech corpus", runSynth},
		{"train", "train or fine-tune an acoustic model", runTrain},
		{"transcribe", "transcribe audio files to text, subtitles or JSON", runTranscribe},
		{"version", "print the hark version", runVersion},
	}
}

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal asks the command to stop tidily; from then on the signals kill as usual, so that a
		// second Ctrl-C ends a command stuck on input that never comes.
		sig := <-signals
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		cancel(caughtSignal{sig})
	}()
	code := runMain(ctx, &env{stdin: newInterruptibleReader(ctx, os.Stdin), stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	os.Exit(interruptedStatus(code, context.Cause(ctx)))
}

// caughtSignal is the cause of the context's cancellation when a signal stopped the command.
type caughtSignal struct{ sig os.Signal }

func (c caughtSignal) Error() string { return c.sig.String() + " signal received" }

// interruptedStatus turns the status of a command stopped by a signal into 128 + the signal's number, as shells
// report a command killed by it: commands return exitInterrupted (Ctrl-C's 130) whichever signal stopped them,
// and a service manager stopping hark with SIGTERM expects 143.
func interruptedStatus(code int, cause error) int {
	var c caughtSignal
	if code != exitInterrupted || !errors.As(cause, &c) {
		return code
	}
	if s, ok := c.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return code
}

// runMain dispatches to a subcommand and turns its error into an exit status.
func runMain(ctx context.Context, e *env, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			for _, c := range cmds {
				if c.name == args[1] {
					_ = c.run(ctx, e, []string{"-h"})
					return 0
				}
			}
			fmt.Fprintf(e.stderr, "hark: unknown command %q\n", args[1])
			return 2
		}
		printHelp(e.stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range cmds {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.As(err, &ee):
			return ee.code
		default:
			name := c.name
			var sub subcommandError
			if errors.As(err, &sub) {
				name, err = c.name+" "+sub.name, sub.err
			}
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				fmt.Fprintf(e.stderr, "hark %s: interrupted\n", name)
				return exitInterrupted
			}
			// The library's errors begin "hark: "; after "hark transcribe: " that says nothing new.
			fmt.Fprintf(e.stderr, "hark %s: %s\n", name, strings.TrimPrefix(err.Error(), "hark: "))
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "hark: unknown command %q (run \"hark help\")\n", args[0])
	return 2
}

func printHelp(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "Hark is a speech recognizer.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\thark <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	fmt.Fprintln(w)
	sorted := append([]command(nil), cmds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "\t%-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run \"hark help <command>\" for a command's flags.")
}

// newFlagSet returns a flag set whose usage message names the command. Errors and usage go to e.stderr, except
// that parseFlags prints the usage asked for with -h to e.stdout, so that "hark help transcribe | less" works.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("hark "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hark %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args. Asked for help, it prints the usage on e.stdout and returns flag.ErrHelp. On a wrong flag
// the flag package has printed the error; parseFlags adds a one-line hint rather than the whole usage, which would
// push the error off the screen, and returns errUsage.
func parseFlags(e *env, fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(e.stdout)
		fs.Usage()
		fs.SetOutput(e.stderr)
		return flag.ErrHelp
	default:
		fmt.Fprintf(e.stderr, "run \"%s -h\" for its flags\n", fs.Name())
		return errUsage
	}
}

// version is set by the linker (-ldflags "-X main.version=...") for releases; otherwise it comes from build info.
var version = ""

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef(e, "version", "takes no arguments (got %q)", fs.Arg(0))
	}
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok {
			if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v += " " + s.Value[:12]
				}
			}
		}
	}
	fmt.Fprintf(e.stdout, "hark %s\n", v)
	// Which default model a binary carries matters as much as its code in a bug report; the hash tells two apart.
	for _, name := range []string{models.Acoustic, models.LM} {
		if b, ok := models.Read(name); ok {
			sum := sha256.Sum256(b)
			fmt.Fprintf(e.stdout, "embedded %s: %.1f MB, sha256 %x\n", name, float64(len(b))/1e6, sum[:6])
		}
	}
	return nil
}
