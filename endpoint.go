package hark

import (
	"errors"
	"fmt"
	"math"
)

// EndpointRule is one way for a live utterance to end, as in sherpa-onnx: it fires when the utterance has
// lasted at least MinUtteranceLength seconds and its trailing silence at least MinTrailingSilence seconds, and,
// with MustContainText, only once some text has been decoded, with WithoutText only while none has.
type EndpointRule struct {
	MustContainText    bool
	WithoutText        bool
	MinTrailingSilence float64 // seconds
	MinUtteranceLength float64 // seconds
}

// EndpointConfig decides when a live utterance is over: when any of its rules fires. With no rules, never (but
// see ListenOptions, whose zero value means DefaultEndpointConfig).
type EndpointConfig struct {
	Rules []EndpointRule
}

// DefaultEndpointConfig returns sherpa-onnx's first two rules and two of its own for long speech:
//  1. 2.4 s of trailing silence when nothing has been decoded (someone stopped before saying anything; sherpa-onnx
//     lets it fire after text too, which overrode a pause rule set longer than 2.4 s);
//  2. 1.2 s of trailing silence after text (the end of a sentence);
//  3. 20 s of utterance and a short pause (0.3 s), so that a final comes out during non-stop speech;
//  4. 30 s of utterance, whatever is being said.
//
// sherpa-onnx's third rule ends the utterance at 20 s whatever is being said, which cut a word in two at almost
// every such end in speech with sentence pauses under 1.2 s; waiting for a pause between words keeps them whole.
// A shorter length did not clearly help: on bench/long-audio.sh's held-out recordings streaming WER was 60.16 %
// with 20 s and 60.99 % with 10 s (before the listener recognised utterances in pieces) (on joins of cathy training sentences, 31.2 % and 29.7 %). LongUtteranceRules
// makes rules 3 and 4 for another length.
func DefaultEndpointConfig() EndpointConfig {
	return EndpointConfig{Rules: append([]EndpointRule{
		{WithoutText: true, MinTrailingSilence: 2.4},
		{MustContainText: true, MinTrailingSilence: 1.2},
	}, LongUtteranceRules(20)...)}
}

// LongUtteranceRules returns the rules that end an utterance longer than seconds: at its next pause of 0.3 s, and
// at 1.5 × seconds whatever is being said.
func LongUtteranceRules(seconds float64) []EndpointRule {
	return []EndpointRule{
		{MinUtteranceLength: seconds, MinTrailingSilence: 0.3},
		{MinUtteranceLength: 1.5 * seconds},
	}
}

// Validate reports a rule that would fire on every frame (no positive threshold) or has a negative or
// non-finite threshold.
func (c EndpointConfig) Validate() error {
	var errs []error
	for i, r := range c.Rules {
		ok := func(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }
		switch {
		case !ok(r.MinTrailingSilence) || !ok(r.MinUtteranceLength):
			errs = append(errs, fmt.Errorf("endpoint rule %d: thresholds must be finite and not negative", i+1))
		case r.MustContainText && r.WithoutText:
			errs = append(errs, fmt.Errorf("endpoint rule %d: MustContainText and WithoutText: it can never fire", i+1))
		case r.MinTrailingSilence == 0 && r.MinUtteranceLength == 0:
			errs = append(errs, fmt.Errorf("endpoint rule %d: needs a trailing silence or an utterance length, "+
				"or it ends every utterance at once", i+1))
		}
	}
	return errors.Join(errs...)
}

// An Endpointer applies an EndpointConfig to a live stream whose frames last a fixed time. It holds no state
// of its own — the streaming recogniser counts frames and restarts its counts after each endpoint — so one
// Endpointer may serve any number of streams at once.
type Endpointer struct {
	cfg      EndpointConfig
	frameDur float64
}

// NewEndpointer returns an Endpointer for frames of frameDuration seconds (the acoustic model's output frame,
// after any subsampling).
func NewEndpointer(cfg EndpointConfig, frameDuration float64) (*Endpointer, error) {
	if !(frameDuration > 0) || math.IsInf(frameDuration, 0) {
		return nil, fmt.Errorf("endpointer: frame duration %v s is not positive", frameDuration)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Endpointer{cfg: cfg, frameDur: frameDuration}, nil
}

// Detect reports whether the utterance is over, and which rule (an index into the config's Rules) says so;
// the first rule that fires wins. frames counts the utterance's frames so far, hasText whether the decoder has
// produced any text in it, trailingSilence the silent frames at its end (Stream.TrailingSilence, in frames).
func (e *Endpointer) Detect(frames int, hasText bool, trailingSilence int) (rule int, ok bool) {
	length := float64(frames) * e.frameDur
	silence := float64(min(trailingSilence, frames)) * e.frameDur
	for i, r := range e.cfg.Rules {
		if r.MustContainText && !hasText || r.WithoutText && hasText {
			continue
		}
		// Compare with a little slack: 120 frames of 10 ms are 1.2 s although 120·0.01 < 1.2 in binary.
		const eps = 1e-9
		if silence+eps >= r.MinTrailingSilence && length+eps >= r.MinUtteranceLength {
			return i, true
		}
	}
	return -1, false
}
