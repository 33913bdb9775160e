package hark_test

import (
	"os"

	"github.com/harkspeech/hark"
)

func ExampleWriteResult() {
	r := hark.Result{
		File:     "hello.wav",
		Duration: 1.5,
		Text:     "hello world",
		Words: []hark.Word{
			{Text: "hello", Start: 0.2, End: 0.55, Confidence: 0.91},
			{Text: "world", Start: 0.6, End: 1.1, Confidence: 0.87},
		},
		Segments: []hark.Segment{{Start: 0.1, End: 1.2, Text: "hello world"}},
	}
	for _, f := range []hark.Format{hark.FormatJSONL, hark.FormatSRT, hark.FormatTSV} {
		if err := hark.WriteResult(os.Stdout, f, r); err != nil {
			panic(err)
		}
	}
	// Output:
	// {"file":"hello.wav","duration":1.5,"text":"hello world","words":[{"word":"hello","start":0.2,"end":0.55,"confidence":0.91},{"word":"world","start":0.6,"end":1.1,"confidence":0.87}],"segments":[{"start":0.1,"end":1.2,"text":"hello world"}]}
	// 1
	// 00:00:00,100 --> 00:00:01,200
	// hello world
	//
	// start	end	text
	// 100	1200	hello world
}
