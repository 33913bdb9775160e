package hark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/harkspeech/hark/audio"
)

// segmentOutput is what a recogniser makes of one segment: its best text and words (times from the segment's
// first sample) and, when an n-best list was asked for, its alternatives, best first.
type segmentOutput struct {
	text  string
	words []Word
	alts  []Alternative
}

// segmentRecognizer recognises one segment of 16 kHz mono samples. With several workers it is called
// concurrently.
type segmentRecognizer func(ctx context.Context, samples []float32) (segmentOutput, error)

// pipelineOptions extends SegmentOptions with what the Recognizer needs beyond TranscribeSegments.
type pipelineOptions struct {
	SegmentOptions
	// workers is how many segments are recognised at once (≤ 1: one at a time, in the reading goroutine).
	// Results are assembled in input order whatever the number.
	workers int
	// wholeBelow: an input shorter than this many seconds is recognised whole instead of through the VAD,
	// which misses clips that are speech from the first sample to the last (it learns its noise floor from
	// them); unless its level is under the VAD's MinLevel (digital silence).
	wholeBelow float64
}

// job is one segment being recognised by a worker.
type job struct {
	seg  SpeechSegment
	done chan struct{}
	out  segmentOutput
	err  error
}

// runSegments is the loop behind TranscribeSegments and Recognizer.Transcribe: decode r as a stream, cut it by
// voice activity, recognise each segment (on up to o.workers goroutines) and assemble the Result in order.
// Memory is bounded by the number of workers times the longest segment.
func runSegments(ctx context.Context, r io.Reader, name string, recognize segmentRecognizer, o pipelineOptions) (res Result, err error) {
	res = Result{File: name}
	if o.VAD == (VADConfig{}) {
		o.VAD = DefaultVADConfig()
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = audio.SampleRate
	}
	seg, err := NewSegmenter(o.VAD)
	if err != nil {
		return res, err
	}
	in, err := audio.Open(r, name)
	if err != nil {
		return res, err
	}
	defer in.Close()
	total := max(in.Info().Duration, 0)

	wctx, cancel := context.WithCancel(ctx)
	var inflight []*job
	defer func() {
		// On an early return the workers still running are told to stop and waited for, so that none
		// outlives the call.
		cancel()
		for _, j := range inflight {
			<-j.done
		}
	}()
	add := func(s SpeechSegment, out segmentOutput, err error) error {
		if err != nil {
			return fmt.Errorf("transcribe%s at %.2f s: %w", inputName(name), s.Start, err)
		}
		addOutput(&res, s.Span, out)
		return nil
	}
	finishHead := func() error {
		j := inflight[0]
		<-j.done
		inflight = inflight[1:]
		return add(j.seg, j.out, j.err)
	}
	submit := func(s SpeechSegment) error {
		if o.workers <= 1 {
			out, err := recognize(ctx, s.Samples)
			return add(s, out, err)
		}
		for len(inflight) >= o.workers {
			if err := finishHead(); err != nil {
				return err
			}
		}
		j := &job{seg: s, done: make(chan struct{})}
		go func() {
			defer close(j.done)
			j.out, j.err = recognize(wctx, j.seg.Samples)
		}()
		inflight = append(inflight, j)
		return nil
	}

	// Until wholeBelow seconds have been read, the samples are kept and the VAD's segments held back, in case
	// the input ends and is recognised whole instead.
	wholeN := int64(math.Round(o.wholeBelow * audio.SampleRate))
	var head []float32
	var held []SpeechSegment
	buf := make([]float32, o.ChunkSize)
	var read int64
	for {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("transcribe%s: %w", inputName(name), err)
		}
		n, rerr := in.Read(buf)
		read += int64(n)
		res.Duration = float64(read) / audio.SampleRate
		segs := seg.Accept(buf[:n])
		if rerr != nil {
			segs = append(segs, seg.Flush()...)
		}
		if wholeN > 0 {
			if read <= wholeN && rerr != nil {
				head = append(head, buf[:n]...)
				if level(head) >= o.VAD.MinLevel {
					segs = []SpeechSegment{{Span: Span{0, res.Duration}, Samples: head}}
				} else {
					segs = nil
				}
			} else if read <= wholeN {
				head = append(head, buf[:n]...)
				held = append(held, segs...)
				segs = nil
			} else {
				segs = append(held, segs...)
				head, held, wholeN = nil, nil, 0
			}
		}
		for _, s := range segs {
			if err := submit(s); err != nil {
				return res, err
			}
		}
		for len(inflight) > 0 && isDone(inflight[0]) {
			if err := finishHead(); err != nil {
				return res, err
			}
		}
		if o.Progress != nil {
			o.Progress(res.Duration, total)
		}
		if rerr != nil {
			for len(inflight) > 0 {
				if err := finishHead(); err != nil {
					return res, err
				}
			}
			if errors.Is(rerr, io.EOF) {
				if read == 0 {
					return res, noAudio(name)
				}
				return res, nil
			}
			var fe *audio.FormatError
			if errors.As(rerr, &fe) {
				res.Error = rerr.Error()
			}
			return res, rerr // already a FormatError naming the file
		}
	}
}

// ErrNoAudio is returned by Transcribe and its kin for a well-formed input that holds no samples (a WAV file
// whose data chunk is empty, for example): an empty transcript would pass for silence.
var ErrNoAudio = errors.New("no audio: the input holds no samples")

// noAudio is ErrNoAudio naming the input, as an *audio.FormatError would.
func noAudio(name string) error {
	if name == "" {
		return ErrNoAudio
	}
	return fmt.Errorf("%s: %w", name, ErrNoAudio)
}

func isDone(j *job) bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// level is the mean square of x in dB (−Inf for digital silence), the scale of VADConfig.MinLevel.
func level(x []float32) float64 {
	if len(x) == 0 {
		return math.Inf(-1)
	}
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	return 10 * math.Log10(ss/float64(len(x)))
}

// addOutput adds one recognised segment to res: times moved from the segment's start to the input's, and the
// n-best list combined with the earlier segments'.
func addOutput(res *Result, span Span, out segmentOutput) {
	moved := make([]Word, len(out.words))
	for i, w := range out.words {
		w.Start += span.Start
		w.End += span.Start
		moved[i] = w
	}
	res.AddSegment(Segment{Start: span.Start, End: span.End, Text: out.text, Words: moved,
		Alternatives: append([]Alternative(nil), out.alts...)})
	if len(out.alts) > 0 {
		res.Alternatives = combineAlternatives(res.Alternatives, out.alts)
	}
}

// combineAlternatives returns the best n-best list of whole-input transcripts made of one transcript from
// prev (the segments so far) followed by one from next (the new segment), n being the longer list's length.
// The segments are recognised independently, so a transcript's score is the sum of its parts' and the k best
// sums are exactly the k best whole-input transcripts. Transcripts that read the same are kept once, at their
// best score.
func combineAlternatives(prev, next []Alternative) []Alternative {
	if len(prev) == 0 {
		return append([]Alternative(nil), next...)
	}
	n := max(len(prev), len(next))
	all := make([]Alternative, 0, len(prev)*len(next))
	for _, a := range prev {
		for _, b := range next {
			all = append(all, Alternative{Text: joinText(a.Text, b.Text), Score: a.Score + b.Score})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Score > all[j].Score })
	out := make([]Alternative, 0, n)
	seen := make(map[string]bool, n)
	for _, a := range all {
		if len(out) == n {
			break
		}
		if !seen[a.Text] {
			seen[a.Text] = true
			out = append(out, a)
		}
	}
	return out
}

// joinText joins two transcripts with a space, leaving out empty ones.
func joinText(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return strings.Join([]string{a, b}, " ")
}

// inputName is " NAME" for error messages, or nothing for an unnamed input (Transcribe of a bare reader).
func inputName(name string) string {
	if name == "" {
		return ""
	}
	return " " + name
}
