package lm_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/harkspeech/hark/decoder/lm"
)

// A small model of the domain's text, mixed into a general one, makes the domain's phrases likelier without
// losing the general model's words.
func ExampleMix() {
	ctx := context.Background()
	general, _, _ := lm.Build(ctx, strings.NewReader("the cat sat on the mat\nthe dog sat on the log\n"), lm.BuildOptions{Order: 2})
	domain, _, _ := lm.Build(ctx, strings.NewReader("turn on the light\nturn off the light\n"), lm.BuildOptions{Order: 2})
	mixed, err := lm.Mix(ctx, []*lm.Model{general, domain}, []float64{0.7, 0.3})
	if err != nil {
		fmt.Println(err)
		return
	}
	held := "turn on the light\nthe cat sat on the log\n"
	for _, m := range []*lm.Model{general, domain, mixed} {
		st, _ := m.ScoreText(ctx, strings.NewReader(held), false)
		fmt.Printf("%d OOV, perplexity %.1f\n", st.OOV, st.Perplexity())
	}
	// The mixture scores every word of both sentences; each part leaves some out as out-of-vocabulary.
	// Output:
	// 2 OOV, perplexity 2.8
	// 3 OOV, perplexity 2.8
	// 0 OOV, perplexity 3.1
}
