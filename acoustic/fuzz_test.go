package acoustic

import (
	"bytes"
	"crypto/sha256"
	"math"
	"testing"

	"github.com/harkspeech/hark/features"
)

// resum replaces the trailing SHA-256 with the checksum of everything before it, so that the fuzzer's mutations
// reach the validation that runs after the checksum instead of all stopping at ErrChecksum.
func resum(data []byte) []byte {
	if len(data) < 32 {
		return data
	}
	out := append([]byte(nil), data...)
	s := sha256.Sum256(out[:len(out)-32])
	copy(out[len(out)-32:], s[:])
	return out
}

// FuzzLoad checks that no input makes Load panic, hang or allocate far beyond the input's size, that every
// failure is a *FormatError naming the file with one of the documented sentinels, and that whatever loads is a
// model that saves, loads back identically and runs.
func FuzzLoad(f *testing.F) {
	good := tinyModelFile(f)
	f.Add(good)
	f.Add(good[:40])
	f.Add(resum(bytes.Replace(good, []byte(`"GRUUnits":3`), []byte(`"GRUUnits":4`), 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, resum(data)} {
			m, err := Load(bytes.NewReader(in), "fuzz.hark")
			if err != nil {
				checkLoadErr(t, err, "fuzz.hark")
				continue
			}
			if err := m.Check(); err != nil {
				t.Fatalf("Load returned a model that fails Check: %v", err)
			}
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatalf("Save of a loaded model: %v", err)
			}
			back, err := Load(&buf, "again.hark")
			if err != nil {
				t.Fatalf("loaded model does not load back after Save: %v", err)
			}
			for i := range m.Weights {
				if !equalBits(m.Weights[i].Data, back.Weights[i].Data) {
					t.Fatalf("%s changed in a save/load round trip", m.Weights[i].Name)
				}
			}
			// A model that loads must run: small inputs only, the config is bounded by the input's size.
			if Size(m.Config.WeightShapes()[0].Shape) < 1<<16 {
				feats := &features.Matrix{Rows: 7, Cols: m.Config.NumMels, Data: make([]float32, 7*m.Config.NumMels)}
				if _, err := m.Forward(feats); err != nil {
					t.Fatalf("Forward on a loaded model: %v", err)
				}
			}
		}
	})
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
