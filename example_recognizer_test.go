package hark_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"

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
	res, err := r.TranscribeFile(context.Background(), "testdata/sample.wav")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Text)
	if err := hark.WriteResult(os.Stdout, hark.FormatSRT, res); err != nil {
		log.Fatal(err)
	}
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

// Live audio goes to a Stream in chunks as it arrives; an Endpointer says when an utterance is over.
func ExampleRecognizer_NewStream() {
	r, err := hark.LoadModel(untrainedModel())
	if err != nil {
		log.Fatal(err)
	}
	s, err := r.NewStream()
	if err != nil {
		log.Fatal(err)
	}
	ep, err := hark.NewEndpointer(hark.DefaultEndpointConfig(), r.FrameDuration())
	if err != nil {
		log.Fatal(err)
	}
	chunk := make([]float32, audio.SampleRate/10) // 100 ms of silence at a time, as a microphone would give
	for range 50 {
		if err := s.Accept(chunk); err != nil {
			log.Fatal(err)
		}
		frames := int(s.Elapsed() / r.FrameDuration())
		silent := int(s.TrailingSilence() / r.FrameDuration())
		if rule, ok := ep.Detect(frames, s.Partial() != "", silent); ok {
			final := s.Final()
			fmt.Printf("endpoint (rule %d) after %.1f s: %q\n", rule+1, final.Duration, final.Text)
		}
	}
	// TrailingSilence is what the decoder and a voice-activity detector agree on; the detector's 25 ms window
	// makes the first utterance's 2.4 s complete at the next chunk.

	// Output: endpoint (rule 1) after 2.5 s: ""
	// endpoint (rule 1) after 2.4 s: ""
}
