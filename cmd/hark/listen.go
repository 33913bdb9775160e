package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"text/tabwriter"
	"time"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/audio/mic"
)

// maxRecordSeconds bounds --record, which holds the whole recording in memory (an hour is 115 MB).
const maxRecordSeconds = 3600

// runListen transcribes the microphone live, or checks it. To check a microphone, list the devices and
// record a few seconds:
//
//	hark listen --list-devices
//	hark listen --device NAME --record check.wav --seconds 5
//	hark listen -m model.hark                 # live text; Ctrl-C ends
//	hark listen --format jsonl --seconds 60   # events for programs
func runListen(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "listen", "[-m MODEL] [--format text|jsonl] [--device NAME] [flags] | --list-devices | --record FILE.wav")
	var f transcribeFlags
	f.register(fs, hark.DefaultListenBeam)
	format := fs.String("format", "text", "output `format`: text (on a terminal the partial text is rewritten in place; txt is the same) or jsonl (partial, final and stats events)")
	def := hark.DefaultEndpointConfig().Rules
	pause := fs.Float64("endpoint-pause", def[1].MinTrailingSilence, "end an utterance after this many `seconds` of silence after some recognised text (0: never)")
	idle := fs.Float64("endpoint-idle", def[0].MinTrailingSilence, "end an utterance after this many `seconds` of silence while nothing has been recognised (0: never)")
	maxLen := fs.Float64("endpoint-max", def[2].MinUtteranceLength, "after this many `seconds`, end an utterance at the next short pause (0.3 s), and at 1.5 times as long whatever is said (0: never)")
	whole := fs.Bool("whole-utterances", false, "recognise each utterance in one piece (by default it is cut, unseen, at pauses of 0.3 s once a piece has lasted 3 s, which recognises long speech better)")
	list := fs.Bool("list-devices", false, "list the audio input devices (names quoted, the default one marked *) and exit")
	device := fs.String("device", "", "capture from the input device with this exact `name` (see --list-devices; default: the system's default input)")
	rate := fs.Int("rate", 0, "capture at this device sample rate in `Hz` (default: the device's own); audio is resampled to 16 kHz")
	channels := fs.Int("channels", 0, "capture this many channels, averaged to mono (default: mono if the device allows it)")
	record := fs.String("record", "", "check the microphone: capture to this 16 kHz mono WAV `file` instead of transcribing")
	seconds := fs.Float64("seconds", 0, "stop after this many `seconds` of audio (default: 5 with --record, else until Ctrl-C)")
	buffer := fs.Duration("buffer", 2*time.Second, "hold this much audio when processing falls behind, then drop (and count) new audio")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	secondsSet := false
	fs.Visit(func(fl *flag.Flag) { secondsSet = secondsSet || fl.Name == "seconds" })
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	switch {
	case *rate < 0 || *channels < 0:
		return usagef(e, "listen", "--rate and --channels must not be negative (0 takes the device's own)")
	case *buffer <= 0:
		return usagef(e, "listen", "--buffer must be more than 0")
	}
	for _, fl := range []struct {
		name string
		v    float64
	}{{"--endpoint-pause", *pause}, {"--endpoint-idle", *idle}, {"--endpoint-max", *maxLen}} {
		if !(fl.v >= 0) || math.IsInf(fl.v, 0) {
			return usagef(e, "listen", "%s must be a number of seconds, 0 or more (0: never)", fl.name)
		}
	}
	if secondsSet && !(*seconds > 0 && *seconds <= maxListenSeconds) {
		fmt.Fprintf(e.stderr, "hark listen: --seconds must be in (0, %d]\n", maxListenSeconds)
		return errUsage
	}
	if *list {
		return listDevices(e)
	}
	cfg := mic.Config{Device: *device, Rate: *rate, Channels: *channels, Buffer: *buffer}
	if *record != "" {
		if !secondsSet {
			*seconds = 5
		}
		if *seconds > maxRecordSeconds {
			fmt.Fprintf(e.stderr, "hark listen: --seconds must be in (0, %d] with --record\n", maxRecordSeconds)
			return errUsage
		}
		return recordMic(ctx, e, cfg, *record, *seconds)
	}
	var rules []hark.EndpointRule
	for _, r := range []struct {
		v    float64
		rule hark.EndpointRule
	}{
		{*idle, hark.EndpointRule{WithoutText: true, MinTrailingSilence: *idle}},
		{*pause, hark.EndpointRule{MustContainText: true, MinTrailingSilence: *pause}},
	} {
		if r.v != 0 {
			rules = append(rules, r.rule)
		}
	}
	if *maxLen != 0 {
		rules = append(rules, hark.LongUtteranceRules(*maxLen)...)
	}
	opts := hark.ListenOptions{Endpoint: hark.EndpointConfig{Rules: rules}, NoEndpoints: len(rules) == 0,
		MaxSamples: int64(math.Round(*seconds * audio.SampleRate)), WholeUtterances: *whole}
	if *format == "txt" { // transcribe's name for it
		*format = "text"
	}
	switch {
	case *format != "text" && *format != "jsonl":
		fmt.Fprintf(e.stderr, "hark listen: unknown --format %q (want text or jsonl)\n", *format)
		return errUsage
	case opts.Endpoint.Validate() != nil:
		fmt.Fprintf(e.stderr, "hark listen: endpoint flags: %v\n", opts.Endpoint.Validate())
		return errUsage
	case f.check() != nil:
		return usagef(e, "listen", "%v", f.check())
	}
	f.nbest, f.threads = 1, 1
	// Files named on the command line are checked before the device opens: a typo there should not wait for a
	// microphone (or be hidden by a missing one). The models themselves load after it, which takes longer.
	for _, path := range []string{f.model, f.lm} {
		if path != "" && path != "default" {
			if _, err := os.Stat(path); err != nil {
				return err
			}
		}
	}
	// Then the device: a missing device is the likelier mistake, and says so faster than a model load.
	s, err := mic.Open(cfg)
	if err != nil {
		return err
	}
	rec, err := f.recognizer()
	if err != nil {
		s.Close()
		return err
	}
	out := newListenPrinter(e.stdout, *format == "jsonl")
	return listen(ctx, e, rec, s, opts, out)
}

// maxListenSeconds bounds --seconds (a day).
const maxListenSeconds = 86400

// listDevices prints the input devices as a table.
func listDevices(e *env) error {
	devs, err := mic.Devices()
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		return errors.New("PortAudio found no audio input devices")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tNAME\tHOST API\tCHANNELS\tRATE")
	for _, d := range devs {
		mark := ""
		if d.Default {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%q\t%s\t%d\t%g Hz\n", mark, d.Name, d.HostAPI, d.MaxChannels, d.DefaultRate)
	}
	return tw.Flush()
}

// recordMic captures seconds of audio from the device cfg selects into a 16 kHz mono WAV file.
func recordMic(ctx context.Context, e *env, cfg mic.Config, path string, seconds float64) error {
	s, err := mic.Open(cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return record(ctx, e, s, path, int(math.Round(seconds*audio.SampleRate)))
}

// micStream is what record needs of a *mic.Stream.
type micStream interface {
	audioSource
	Close() error
	Stats() mic.Stats
	Device() mic.Device
	DeviceRate() int
	Channels() int
}

// record captures want samples from s into a WAV file at path and closes s. Interrupted (ctx ends) or failing
// mid-way, it still writes what it captured; only an interruption (Ctrl-C) after some audio counts as success.
func record(ctx context.Context, e *env, s micStream, path string, want int) error {
	samples := make([]float32, 0, want)
	n, capErr := captureMic(ctx, s, want, func(chunk []float32) error {
		samples = append(samples, chunk...)
		return nil
	})
	closeErr := s.Close()
	if n == 0 && capErr != nil {
		if errors.Is(capErr, context.Canceled) {
			return errors.New("interrupted before any audio was captured")
		}
		return capErr
	}
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, samples, audio.SampleRate); err != nil {
		return err
	}
	if err := writeFileAtomic(path, b.Bytes()); err != nil {
		return err
	}
	dev := s.Device()
	fmt.Fprintf(e.stderr, "hark listen: recorded %.2f s from %q (%s, %d Hz, %d ch) to %s\n",
		float64(n)/audio.SampleRate, dev.Name, dev.HostAPI, s.DeviceRate(), s.Channels(), path)
	reportDrops(e, s.Stats(), s.DeviceRate())
	switch {
	case errors.Is(capErr, context.Canceled):
		return nil // Ctrl-C: the user ended the recording early
	case capErr != nil:
		return fmt.Errorf("capture stopped after %.2f s: %w", float64(n)/audio.SampleRate, capErr)
	}
	return closeErr
}

// reportDrops warns when audio was lost on the way from the device (rate Hz).
func reportDrops(e *env, st mic.Stats, rate int) {
	if st.Dropped > 0 {
		lost := time.Duration(float64(st.Dropped) / float64(rate) * float64(time.Second)).Round(time.Millisecond)
		fmt.Fprintf(e.stderr, "hark listen: warning: dropped %d frames (%v) because processing fell behind\n",
			st.Dropped, lost)
	}
	if st.Overflows > 0 {
		fmt.Fprintf(e.stderr, "hark listen: warning: the audio device lost input %d times (system too busy)\n",
			st.Overflows)
	}
}

// audioSource is what captureMic reads; *mic.Stream is one.
type audioSource interface {
	Read(ctx context.Context, p []float32) (int, error)
}

// captureChunk is how much 16 kHz audio captureMic hands over at most at once: 100 ms keeps the consumer's
// latency low without a call per device buffer.
const captureChunk = audio.SampleRate / 10

// captureMic reads 16 kHz mono audio from src and hands it to consume, a chunk at a time, until limit samples
// have been delivered (limit ≤ 0: no limit), ctx ends, src fails or consume fails. It returns the number of
// samples delivered and the error that stopped it (nil when limit was reached). The chunk is reused: consume
// must copy what it keeps.
func captureMic(ctx context.Context, src audioSource, limit int, consume func(chunk []float32) error) (int, error) {
	buf := make([]float32, captureChunk)
	n := 0
	for limit <= 0 || n < limit {
		want := len(buf)
		if limit > 0 {
			want = min(want, limit-n)
		}
		k, err := src.Read(ctx, buf[:want])
		if k > 0 {
			n += k
			if cerr := consume(buf[:k]); cerr != nil {
				return n, cerr
			}
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
