package hark

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestZZVADExplore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sp := loadSample(t)
	n := 5 * 16000
	sigs := map[string][]float32{
		"sample":      sp,
		"silence":     make([]float32, n),
		"hum50 -20":   scaleTo(hum(rng, n, 50), -20),
		"hum60 -6":    scaleTo(hum(rng, n, 60), -6),
		"hum60 -50":   scaleTo(hum(rng, n, 60), -50),
		"white -3":    scaleTo(whiteNoise(rng, n), -3),
		"white -40":   scaleTo(whiteNoise(rng, n), -40),
		"pink -10":    scaleTo(pinkNoise(rng, n), -10),
		"pink -50":    scaleTo(pinkNoise(rng, n), -50),
		"sil+white":   concat(make([]float32, 16000), scaleTo(whiteNoise(rng, n), -20)),
		"sil+pink":    concat(make([]float32, 16000), scaleTo(pinkNoise(rng, n), -20)),
		"sil+hum":     concat(make([]float32, 16000), scaleTo(hum(rng, n, 50), -20)),
		"two":         concat(sp, make([]float32, 24000), sp),
		"sample+w10":  mix(concat(make([]float32, 16000), sp), whiteNoise(rng, len(sp)+16000), 10),
		"sample+p10":  mix(concat(make([]float32, 16000), sp), pinkNoise(rng, len(sp)+16000), 10),
		"sample+hum0": mix(concat(make([]float32, 16000), sp), hum(rng, len(sp)+16000, 50), 0),
	}
	for name, x := range sigs {
		v, _ := NewVAD(DefaultVADConfig())
		var spans []Span
		var ex, lv []string
		for i := 0; i < len(x); i += 160 {
			spans = append(spans, v.Accept(x[i:min(i+160, len(x))])...)
			if v.frames%5 == 0 {
				ex = append(ex, fmt.Sprintf("%.0f", v.lastExcess))
				lv = append(lv, fmt.Sprintf("%.0f", v.lastLevel))
			}
		}
		spans = append(spans, v.Flush()...)
		fmt.Printf("== %s: %v\n  ex %s\n  lv %s\n", name, spans, strings.Join(ex, " "), strings.Join(lv, " "))
	}
}
