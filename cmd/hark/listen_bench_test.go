package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/audio/mic"
	"github.com/harkspeech/hark/audio/mic/mictest"
)

// clockedSource remembers when it was first read: the wall-clock time of the audio's start, since a
// mictest.PacedReader releases the audio at time t no earlier than t after its first Read.
type clockedSource struct {
	src   hark.AudioSource
	once  sync.Once
	start time.Time
}

func (c *clockedSource) Read(ctx context.Context, p []float32) (int, error) {
	c.once.Do(func() { c.start = time.Now() })
	return c.src.Read(ctx, p)
}

// BenchmarkListenLatency measures how far `hark listen` lags behind live speech: audio goes through PortAudio
// (ALSA's file plugin), paced to real time, into Recognizer.Listen with the default endpoint rules. For every
// word of every final it finds the first partial that holds the word and reports how long after the word's end
// (the model's word end time) that partial came, and for every final how long after its last word's end it
// came (the endpoint rule's trailing silence, 1.2 s, plus the processing delay). Word onset is how long after a
// final word's start the first partial with anything in its place came: a caption that waits for whole words
// shows a long word only after it ends. Partial rewrites are the partials that do not extend the one before
// them (a word changed rather than grew): flicker on a display. Processing lag is, for every
// event, how long after the end of the audio it covers it came: the part of the lag that is computing, not the
// model's lookahead (which the partial lag includes). It needs a trained model and
// a recording, named by HARK_LISTEN_MODEL and HARK_LISTEN_WAV (and optionally an LM, HARK_LISTEN_LM);
// bench/listen-latency.sh makes them and runs it on one core.
func BenchmarkListenLatency(b *testing.B) {
	modelPath, wavPath := os.Getenv("HARK_LISTEN_MODEL"), os.Getenv("HARK_LISTEN_WAV")
	if modelPath == "" || wavPath == "" {
		b.Skip("set HARK_LISTEN_MODEL and HARK_LISTEN_WAV (see bench/listen-latency.sh)")
	}
	// HARK_LISTEN_LM adds beam search with that language model; without it the decoding is greedy-fast beam
	// search with no LM, so the figures isolate the model.
	lmOpt := hark.WithoutLM()
	if p := os.Getenv("HARK_LISTEN_LM"); p != "" {
		lmOpt = hark.WithLM(p)
	}
	opts := []hark.Option{lmOpt, hark.WithBeam(hark.DefaultListenBeam)}
	// HARK_LISTEN_BEAM and HARK_LISTEN_BLANK override hark listen's beam width and the default blank penalty.
	if v := os.Getenv("HARK_LISTEN_BEAM"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("HARK_LISTEN_BEAM: %v", err)
		}
		opts = append(opts, hark.WithBeam(n))
	}
	if v := os.Getenv("HARK_LISTEN_BLANK"); v != "" {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil {
			b.Fatalf("HARK_LISTEN_BLANK: %v", err)
		}
		opts = append(opts, hark.WithBlankPenalty(p))
	}
	// HARK_LISTEN_BETA and HARK_LISTEN_LOOKAHEAD (true/false) override the word bonus and the LM lookahead.
	if v := os.Getenv("HARK_LISTEN_BETA"); v != "" {
		beta, err := strconv.ParseFloat(v, 64)
		if err != nil {
			b.Fatalf("HARK_LISTEN_BETA: %v", err)
		}
		opts = append(opts, hark.WithBeta(beta))
	}
	if v := os.Getenv("HARK_LISTEN_LOOKAHEAD"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			b.Fatalf("HARK_LISTEN_LOOKAHEAD: %v", err)
		}
		opts = append(opts, hark.WithLookahead(on))
	}
	rec, err := hark.Load(modelPath, opts...)
	if err != nil {
		b.Fatal(err)
	}
	x, _, err := audio.Load(wavPath)
	if err != nil {
		b.Fatal(err)
	}
	x = append(x, make([]float32, 2*audio.SampleRate)...) // room for the last endpoint to fire
	mictest.Samples(b, x, audio.SampleRate, 1)
	seconds := float64(len(x)) / audio.SampleRate
	var lags, onsets, finalDelays, behind []float64
	partials, rewrites := 0, 0
	words := 0
	for i := 0; i < b.N; i++ {
		s, err := mic.Open(mic.Config{Device: mictest.Device, Rate: audio.SampleRate,
			Buffer: time.Duration((seconds + 5) * float64(time.Second))})
		if err != nil {
			b.Fatal(err)
		}
		src := &clockedSource{src: mictest.Paced(s, audio.SampleRate)}
		type timed struct {
			ev hark.Event
			at float64 // seconds after the audio's start
		}
		var evs []timed
		err = rec.Listen(context.Background(), src, hark.ListenOptions{Endpoint: hark.DefaultEndpointConfig(),
			MaxSamples: int64(len(x))}, func(ev hark.Event) error {
			evs = append(evs, timed{ev, time.Since(src.start).Seconds()})
			return nil
		})
		st := s.Stats()
		s.Close()
		if err != nil {
			b.Fatal(err)
		}
		if st.Dropped > 0 || st.Overflows > 0 {
			b.Logf("capture dropped %d frames, %d overflows", st.Dropped, st.Overflows)
		}
		last := ""
		for _, ev := range evs {
			behind = append(behind, ev.at-ev.ev.End)
			if ev.ev.Type == hark.EventPartial {
				partials++
				if !strings.HasPrefix(ev.ev.Result.Text, last) {
					rewrites++
				}
				last = ev.ev.Result.Text
			} else {
				last = ""
			}
		}
		for j, f := range evs {
			if f.ev.Type != hark.EventFinal || len(f.ev.Result.Words) == 0 {
				continue
			}
			fw := f.ev.Result.Words
			if f.ev.Rule >= 0 {
				finalDelays = append(finalDelays, f.at-fw[len(fw)-1].End)
			}
			for k, w := range fw {
				words++
				shown := false
				for _, p := range evs[:j] {
					pw := p.ev.Result.Words
					if p.ev.Type != hark.EventPartial || p.ev.Start != f.ev.Start || len(pw) <= k {
						continue
					}
					if !shown {
						onsets = append(onsets, p.at-w.Start)
						shown = true
					}
					if pw[k].Text == w.Text {
						lags = append(lags, p.at-w.End)
						break
					}
				}
			}
			if i == 0 {
				b.Logf("final %.2f–%.2f s at %.2f s: %q", f.ev.Start, f.ev.End, f.at, f.ev.Result.Text)
			}
		}
	}
	if len(lags) == 0 {
		b.Fatal("no words recognised")
	}
	slices.Sort(lags)
	slices.Sort(onsets)
	slices.Sort(finalDelays)
	slices.Sort(behind)
	q := func(xs []float64, p float64) float64 {
		if len(xs) == 0 {
			return math.NaN()
		}
		return xs[min(len(xs)-1, int(p*float64(len(xs))))] * 1000
	}
	b.ReportMetric(q(lags, 0.5), "partial-lag-p50-ms")
	b.ReportMetric(q(lags, 0.9), "partial-lag-p90-ms")
	b.ReportMetric(lags[len(lags)-1]*1000, "partial-lag-max-ms")
	b.ReportMetric(q(onsets, 0.5), "word-onset-p50-ms")
	b.ReportMetric(q(onsets, 0.9), "word-onset-p90-ms")
	b.ReportMetric(100*float64(rewrites)/float64(max(partials, 1)), "partial-rewrites-%")
	b.ReportMetric(q(finalDelays, 0.5), "final-delay-p50-ms")
	b.ReportMetric(q(finalDelays, 1), "final-delay-max-ms")
	b.ReportMetric(q(behind, 0.5), "processing-lag-p50-ms")
	b.ReportMetric(q(behind, 1), "processing-lag-max-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d of %d final words seen in partials first; %d finals by endpoint; %s", len(lags), words,
		len(finalDelays), fmt.Sprintf("%.1f s of audio per run", seconds))
}
