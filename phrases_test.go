package hark

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/harkspeech/hark/audio"
)

// WithPhrases keeps the embedded model to the phrases' words: the prompt is recognised among others, every
// word of every transcript (n-best included) is a phrase word, and digits from the Free Spoken Digit Dataset
// come out as digit words only.
func TestPhrasesKeepToTheirWords(t *testing.T) {
	phrases := []string{"it was not exactly a deportation", "Turn on the lights", "he was not there"}
	r, err := Default(WithPhrases(phrases...), WithNBest(4))
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, p := range phrases {
		for _, w := range strings.Fields(strings.ToLower(p)) {
			allowed[w] = true
		}
	}
	check := func(what, text string) {
		for _, w := range strings.Fields(text) {
			if !allowed[w] {
				t.Errorf("%s: %q holds %q, no phrase word", what, text, w)
			}
		}
	}
	for _, tt := range []struct{ path, want string }{
		{"testdata/native.wav", "it was not exactly a deportation"},
		{"testdata/english.mp3", ""}, // "but it will be exciting": no phrase fits
	} {
		res, err := r.TranscribeFile(context.Background(), tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if tt.want != "" && res.Text != tt.want {
			t.Errorf("%s: %q, want %q", tt.path, res.Text, tt.want)
		}
		check(tt.path, res.Text)
		for _, a := range res.Alternatives {
			check(tt.path+" alternative", a.Text)
		}
	}

	// Speech that fits no phrase still comes out in phrase words, n-best list included (an open vocabulary with
	// the same LM glues "itwasnotegsaclyibepr" and keeps "four" as an alternative); hot words do not add words.
	commands, err := Default(WithPhrases("yes", "no", "turn on the lights"), WithNBest(3), WithHotWord("exactly", -4),
		WithHotWord("four", 3))
	if err != nil {
		t.Fatal(err)
	}
	allowed = map[string]bool{"yes": true, "no": true, "turn": true, "on": true, "the": true, "lights": true}
	for _, path := range []string{"testdata/native.wav", "../shared/data/fsdd/train/4_jackson_41.flac"} {
		res, err := commands.TranscribeFile(context.Background(), path)
		if errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(path, "../shared") {
			continue // the shared data is not beside this checkout
		}
		if err != nil {
			t.Fatal(err)
		}
		check(path, res.Text)
		if len(res.Alternatives) < 2 {
			t.Errorf("%s: alternatives %+v, want several", path, res.Alternatives)
		}
		for _, a := range res.Alternatives {
			check(path+" alternative", a.Text)
		}
	}

	digits, err := Default(WithPhrases("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))
	if err != nil {
		t.Fatal(err)
	}
	for _, clip := range []string{"0_george_31", "1_jackson_39", "4_jackson_41", "7_theo_7", "9_yweweler_11"} {
		x, _, err := audio.Load("../shared/data/fsdd/train/" + clip + ".flac")
		if err != nil {
			t.Skip("FSDD not found beside the project:", err)
		}
		res, err := digits.Recognize(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		if w := strings.Fields(res.Text); len(w) > 1 || len(w) == 1 && !strings.Contains("zero one two three four five six seven eight nine", w[0]) {
			t.Errorf("%s: %q, want a digit word", clip, res.Text)
		}
	}
}

func TestPhrasesErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []Option
		want string
	}{
		{"none", []Option{WithPhrases()}, "no phrases"},
		{"empty phrase", []Option{WithPhrases("yes", "  ")}, "phrase 2 is empty"},
		{"unspellable", []Option{WithPhrases("yes", "call 911")}, `phrase 2 "call 911": the model cannot spell '9'`},
		{"greedy", []Option{WithPhrases("yes"), WithGreedy()}, "greedy decoding cannot keep to phrases"},
	} {
		_, err := Default(tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	// The last language-model option wins.
	r, err := Default(WithPhrases("yes", "no"), WithoutLM())
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.TranscribeFile(context.Background(), "testdata/native.wav")
	if err != nil || res.Text == "" || res.Text == "yes" || res.Text == "no" {
		t.Errorf("phrases then WithoutLM: %q, %v; want an open transcript", res.Text, err)
	}
}
