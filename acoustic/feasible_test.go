package acoustic

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSharedDataFeasibleAtDefaultStride counts, for the manifests in ../shared/data, the utterances whose output
// frames at DefaultConfig's time stride are fewer than CTC needs (labels + adjacent repeats). The stride was chosen
// so that there are none; stride 4 would lose 17 of fsdd's utterances.
func TestSharedDataFeasibleAtDefaultStride(t *testing.T) {
	cfg := DefaultConfig()
	vocab := EnglishVocabulary()
	manifests := []string{"fsdd/train.tsv", "cathy/train.tsv", "speechocean762/train.tsv", "speechocean762/dev.tsv"}
	found := false
	for _, m := range manifests {
		f, err := os.Open(filepath.Join("..", "..", "shared", "data", m))
		if err != nil {
			continue
		}
		found = true
		n, bad := 0, 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			parts := strings.Split(sc.Text(), "\t")
			if len(parts) != 3 {
				continue
			}
			dur, err := strconv.ParseFloat(parts[1], 64)
			if err != nil {
				t.Fatalf("%s: bad duration %q", m, parts[1])
			}
			ids, err := vocab.Encode(parts[2])
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			samples := int(math.Round(dur * 16000))
			frames := 0
			if samples >= 400 {
				frames = 1 + (samples-400)/160
			}
			need := len(ids)
			for i := 1; i < len(ids); i++ {
				if ids[i] == ids[i-1] {
					need++
				}
			}
			n++
			if cfg.OutFrames(frames) < need {
				bad++
			}
		}
		f.Close()
		t.Logf("%s: %d of %d utterances infeasible at time stride %d", m, bad, n, cfg.TimeStride())
		if bad > 0 {
			t.Errorf("%s: %d utterances infeasible at the default stride", m, bad)
		}
	}
	if !found {
		t.Skip("../shared/data not present")
	}
}
