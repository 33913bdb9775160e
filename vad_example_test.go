package hark_test

import (
	"fmt"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/audio"
)

func ExampleDetectSpeech() {
	samples, _, err := audio.Load("testdata/sample.wav")
	if err != nil {
		panic(err)
	}
	// One second of silence, the sentence, two seconds of silence, the sentence again.
	var stream []float32
	stream = append(stream, make([]float32, audio.SampleRate)...)
	stream = append(stream, samples...)
	stream = append(stream, make([]float32, 2*audio.SampleRate)...)
	stream = append(stream, samples...)
	spans, err := hark.DetectSpeech(stream, hark.DefaultVADConfig())
	if err != nil {
		panic(err)
	}
	for _, s := range spans {
		fmt.Printf("speech from %.2f s to %.2f s\n", s.Start, s.End)
	}
	// Output:
	// speech from 1.01 s to 4.14 s
	// speech from 7.08 s to 10.20 s
}

func ExampleSegmenter() {
	samples, _, err := audio.Load("testdata/sample.wav")
	if err != nil {
		panic(err)
	}
	seg, err := hark.NewSegmenter(hark.DefaultVADConfig())
	if err != nil {
		panic(err)
	}
	// Feed the audio as it is read, in chunks of any size; recognise each segment as it comes.
	var segments []hark.SpeechSegment
	for i := 0; i < len(samples); i += 4096 {
		segments = append(segments, seg.Accept(samples[i:min(i+4096, len(samples))])...)
	}
	segments = append(segments, seg.Flush()...)
	for _, s := range segments {
		fmt.Printf("%.2f–%.2f s: %d samples\n", s.Start, s.End, len(s.Samples))
	}
	// Output:
	// 0.01–3.14 s: 50080 samples
}
