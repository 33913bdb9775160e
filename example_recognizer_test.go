package hark_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"slices"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/features"
)

// Transcribe a file with the embedded English model and print it as SubRip subtitles.
func ExampleDefault() {
	r, err := hark.Default()
	if err != nil {
		log.Fatal(err) // hark.ErrNoDefaultModel in a build without models/files/en.hark
	}
	res, err := r.TranscribeFile(context.Background(), "testdata/native.wav")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Text)
	if err := hark.WriteResult(os.Stdout, hark.FormatSRT, res); err != nil {
		log.Fatal(err)
	}
	// Output:
	// it was not exactly a deportation
	// 1
	// 00:00:00,000 --> 00:00:02,210
	// it was not exactly a deportation
}

// Load a model file, with a language model, a hot word and the three best transcripts.
func ExampleLoad() {
	r, err := hark.Load("en.hark", hark.WithLM("en.lm"), hark.WithHotWord("hark", 3), hark.WithNBest(3))
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open("talk.mp3")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	res, err := r.Transcribe(context.Background(), f)
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range res.Words {
		fmt.Printf("%6.2f %6.2f %.2f %s\n", w.Start, w.End, w.Confidence, w.Text)
	}
}

// untrainedModel is a small network with random weights and a strong bias towards the CTC blank: it stands in
// for a trained model, saying nothing, so that the examples below run anywhere.
func untrainedModel() *acoustic.Model {
	cfg := acoustic.DefaultConfig()
	cfg.GRULayers, cfg.GRUUnits = 1, 64
	m, err := acoustic.NewModel(cfg, acoustic.EnglishVocabulary(), features.DefaultConfig(), 1)
	if err != nil {
		log.Fatal(err)
	}
	m.Weight("out.b")[acoustic.Blank] = 100
	return m
}

// Silence never reaches the model, so it gives no text whatever the model would make of it.
func ExampleRecognizer_Transcribe() {
	r, err := hark.LoadModel(untrainedModel(), hark.WithGreedy())
	if err != nil {
		log.Fatal(err)
	}
	var wav bytes.Buffer
	if err := audio.WriteWAV(&wav, make([]float32, 5*audio.SampleRate), audio.SampleRate); err != nil {
		log.Fatal(err)
	}
	res, err := r.Transcribe(context.Background(), &wav)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.1f s, text %q, %d segments\n", res.Duration, res.Text, len(res.Segments))
	// Output: 5.0 s, text "", 0 segments
}

// Live audio goes to a Listener in chunks as it arrives (a websocket's messages, say); it says when each
// utterance is over, with the endpoint rules, and what was said in it.
func ExampleRecognizer_NewListener() {
	r, err := hark.Default(hark.WithBeam(hark.DefaultListenBeam))
	if err != nil {
		log.Fatal(err)
	}
	english, _, err := audio.Load("testdata/english.mp3")
	if err != nil {
		log.Fatal(err)
	}
	native, _, err := audio.Load("testdata/native.wav")
	if err != nil {
		log.Fatal(err)
	}
	pause := make([]float32, 2*audio.SampleRate)
	talk := slices.Concat(english, pause, native, pause)

	l, err := r.NewListener(hark.ListenOptions{}, func(ev hark.Event) error {
		if ev.Type == hark.EventFinal {
			fmt.Printf("%q (endpoint rule %d)\n", ev.Result.Text, ev.Rule)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for len(talk) > 0 {
		n := min(len(talk), audio.SampleRate/10) // 100 ms at a time, as a microphone gives it
		if err := l.Accept(talk[:n]); err != nil {
			log.Fatal(err)
		}
		talk = talk[n:]
	}
	if err := l.Close(); err != nil { // ends the last utterance, if the rules have not
		log.Fatal(err)
	}
	// The second utterance starts where the first endpoint fired, inside the pause: the model hears other
	// leading silence than in the file alone, and its first word differs from ExampleRecognizer_NewStream's.

	// Output:
	// "but it will be exciting" (endpoint rule 1)
	// "he was not exactly deportation" (endpoint rule 1)
}

// A Stream is the lower level under a Listener: Accept audio, read Partial whenever you like, and call Final
// where you decide the utterance ends (to cut on pauses, use a Listener, which checks after every frame of the
// model rather than once per chunk you happen to pass).
func ExampleRecognizer_NewStream() {
	r, err := hark.Default()
	if err != nil {
		log.Fatal(err)
	}
	s, err := r.NewStream()
	if err != nil {
		log.Fatal(err)
	}
	native, _, err := audio.Load("testdata/native.wav")
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < len(native); i += audio.SampleRate / 10 {
		if err := s.Accept(native[i:min(i+audio.SampleRate/10, len(native))]); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(s.Final().Text)
	// Output: it was not exactly a deportation
}

// Keep recognition to a list of phrases, as for voice commands: words outside them cannot come out, so speech
// that fits none ("but it will be exciting" here) comes out as phrase words or nothing.
func ExampleWithPhrases() {
	r, err := hark.Default(hark.WithPhrases("it was not exactly a deportation", "turn on the lights", "stop"))
	if err != nil {
		log.Fatal(err)
	}
	for _, path := range []string{"testdata/native.wav", "testdata/english.mp3"} {
		res, err := r.TranscribeFile(context.Background(), path)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %q\n", path, res.Text)
	}
	// Output:
	// testdata/native.wav: "it was not exactly a deportation"
	// testdata/english.mp3: "it it was it it"
}
