package hark_test

import (
	"fmt"

	"github.com/harkspeech/hark"
)

func ExampleEndpointer() {
	// Model frames of 40 ms.
	ep, err := hark.NewEndpointer(hark.DefaultEndpointConfig(), 0.04)
	if err != nil {
		panic(err)
	}
	// 3 s into an utterance, text decoded, the last 1.2 s silent (30 frames): rule 2 ends it.
	if rule, ok := ep.Detect(75, true, 30); ok {
		fmt.Println("endpoint by rule", rule+1)
	}
	// Output:
	// endpoint by rule 2
}
