package hark

import (
	"fmt"
	"testing"

	"github.com/harkspeech/hark/audio"
)

func TestZZVADDbg(t *testing.T) {
	for _, f := range []string{"../../../main/acoustic/testdata/yes.wav", "../../../main/acoustic/testdata/no.wav", "../../../main/acoustic/testdata/go_left.wav"} {
		x, _, _ := audio.Load("/work/shared/data/fsdd/" + f)
		v, _ := NewVAD(DefaultVADConfig())
		for i := 0; i < len(x); i += 160 {
			v.Accept(x[i:min(i+160, len(x))])
			fmt.Printf("%.0f/%.0f ", v.lastExcess, v.lastLevel)
		}
		fmt.Println(v.Flush())
	}
}
