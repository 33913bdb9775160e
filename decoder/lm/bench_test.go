package lm

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad loads a large binary model: the one named by $HARK_BENCH_LM, or the 3-gram model that the decoder's
// BenchmarkBeamLM caches under the user cache folder (run that first). The target is under a second for
// the model built from all of ../shared/data/text.
func BenchmarkLoad(b *testing.B) {
	path := os.Getenv("HARK_BENCH_LM")
	if path == "" {
		dir, _ := os.UserCacheDir()
		matches, _ := filepath.Glob(filepath.Join(dir, "hark", "bench-3gram-*.lm"))
		if len(matches) == 0 {
			b.Skip("no cached benchmark model: run the decoder's BenchmarkBeamLM or set HARK_BENCH_LM")
		}
		path = matches[0]
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := Load(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
}
