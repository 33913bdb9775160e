package hark

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harkspeech/hark/audio"
)

func TestZZVADReal(t *testing.T) {
	for _, m := range []string{"cathy/train.tsv", "speechocean762/dev.tsv", "fsdd/train.tsv"} {
		path := filepath.Join("/work/shared/data", m)
		f, _ := os.Open(path)
		sc := bufio.NewScanner(f)
		n, zero, multi := 0, 0, 0
		for sc.Scan() && n < 60 {
			parts := strings.Split(sc.Text(), "\t")
			x, _, err := audio.Load(filepath.Join(filepath.Dir(path), parts[0]))
			if err != nil {
				t.Fatal(err)
			}
			n++
			sp, _ := DetectSpeech(x, DefaultVADConfig())
			dur := float64(len(x)) / 16000
			if len(sp) == 0 {
				zero++
			}
			if len(sp) > 1 {
				multi++
			}
			if len(sp) != 1 {
				fmt.Printf("%s %.2f %v %s\n", parts[0], dur, sp, parts[2])
			}
		}
		fmt.Printf("%s: %d files, %d without speech, %d with several spans\n", m, n, zero, multi)
	}
}
