package hark

import "testing"

func TestEndpointDefaultRules(t *testing.T) {
	e, err := NewEndpointer(DefaultEndpointConfig(), 0.01)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		frames          int
		hasText         bool
		trailingSilence int
		wantRule        int // -1: no endpoint
	}{
		{"start of stream", 0, false, 0, -1},
		{"silence only, 2.39 s", 239, false, 239, -1},
		{"silence only, 2.4 s: rule 1", 240, false, 240, 0},
		{"1.2 s silence without text", 500, false, 120, -1},
		{"1.19 s silence after text", 500, true, 119, -1},
		{"1.2 s silence after text: rule 2", 500, true, 120, 1},
		{"2.4 s silence after text: the pause rule (rule 1 is for no text)", 500, true, 240, 1},
		{"speaking, 19.99 s", 1999, true, 0, -1},
		{"speaking, 20 s: no pause yet", 2000, true, 0, -1},
		{"speaking, 20 s, a 0.29 s pause", 2000, true, 29, -1},
		{"speaking, 20 s, a 0.3 s pause: rule 3", 2000, true, 30, 2},
		{"speaking, 29.99 s", 2999, true, 0, -1},
		{"speaking, 30 s: rule 4", 3000, true, 0, 3},
		{"noise, 30 s, nothing decoded: rule 4", 3000, false, 10, 3},
		{"silence longer than the utterance is clamped", 100, false, 1000, -1},
	}
	for _, tt := range tests {
		rule, ok := e.Detect(tt.frames, tt.hasText, tt.trailingSilence)
		if ok != (tt.wantRule >= 0) || rule != tt.wantRule {
			t.Errorf("%s: Detect(%d, %v, %d) = %d, %v; want rule %d", tt.name, tt.frames, tt.hasText,
				tt.trailingSilence, rule, ok, tt.wantRule)
		}
	}
}

// A WithoutText rule fires only while nothing has been decoded, so that it cannot cut short a pause rule set
// longer than it (hark listen --endpoint-pause 4, or 0 for never); one that must also contain text is refused.
func TestEndpointWithoutText(t *testing.T) {
	cfg := EndpointConfig{Rules: []EndpointRule{{WithoutText: true, MinTrailingSilence: 2.4}, {MustContainText: true, MinTrailingSilence: 4}}}
	e, err := NewEndpointer(cfg, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		hasText bool
		silence int
		rule    int
	}{{false, 240, 0}, {true, 240, -1}, {true, 399, -1}, {true, 400, 1}} {
		rule, ok := e.Detect(1000, tt.hasText, tt.silence)
		if ok != (tt.rule >= 0) || rule != tt.rule {
			t.Errorf("text %v, %d frames of silence: rule %d, %v; want %d", tt.hasText, tt.silence, rule, ok, tt.rule)
		}
	}
	bad := EndpointConfig{Rules: []EndpointRule{{MustContainText: true, WithoutText: true, MinTrailingSilence: 1}}}
	if err := bad.Validate(); err == nil {
		t.Error("a rule that must and must not contain text was accepted")
	}
}

func TestEndpointCustomRules(t *testing.T) {
	// 40 ms frames (a model subsampling 10 ms features by 4) and one rule with both thresholds.
	cfg := EndpointConfig{Rules: []EndpointRule{{MustContainText: true, MinTrailingSilence: 0.8, MinUtteranceLength: 2}}}
	e, err := NewEndpointer(cfg, 0.04)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		frames, silence int
		hasText, want   bool
	}{
		{50, 20, true, true},   // 2 s, 0.8 s
		{49, 20, true, false},  // 1.96 s
		{50, 19, true, false},  // 0.76 s of silence
		{50, 20, false, false}, // no text
	}
	for _, tt := range tests {
		if _, ok := e.Detect(tt.frames, tt.hasText, tt.silence); ok != tt.want {
			t.Errorf("Detect(%d, %v, %d) = %v, want %v", tt.frames, tt.hasText, tt.silence, ok, tt.want)
		}
	}
	never, err := NewEndpointer(EndpointConfig{}, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := never.Detect(1e6, true, 1e6); ok {
		t.Error("a config without rules fired")
	}
}

func TestEndpointConfigValidate(t *testing.T) {
	bad := []EndpointConfig{
		{Rules: []EndpointRule{{MustContainText: true}}},
		{Rules: []EndpointRule{{MinTrailingSilence: -1, MinUtteranceLength: 3}}},
	}
	for _, c := range bad {
		if _, err := NewEndpointer(c, 0.01); err == nil {
			t.Errorf("NewEndpointer accepted %+v", c)
		}
	}
	if _, err := NewEndpointer(DefaultEndpointConfig(), 0); err == nil {
		t.Error("NewEndpointer accepted a zero frame duration")
	}
}
