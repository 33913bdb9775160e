package train

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/features"
)

// readWAV16 reads a canonical 16-bit mono PCM WAV (the test fixtures) without depending on package audio.
func readWAV16(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s: not a WAV file", path)
	}
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		p += 8
		if id == "data" {
			n = min(n, len(b)-p)
			s := make([]float32, n/2)
			for i := range s {
				s[i] = float32(int16(binary.LittleEndian.Uint16(b[p+2*i:]))) / 32768
			}
			return s
		}
		p += n + n%2
	}
	t.Fatalf("%s: no data chunk", path)
	return nil
}

// bestPath is best-path CTC decoding: argmax per frame, collapse repeats, drop blanks.
func bestPath(lp []float32, v int, vocab acoustic.Vocabulary) string {
	var ids []int
	prev := -1
	for f := 0; f+v <= len(lp); f += v {
		best := 0
		for k := 1; k < v; k++ {
			if lp[f+k] > lp[f+best] {
				best = k
			}
		}
		if best != prev {
			ids = append(ids, best)
		}
		prev = best
	}
	return vocab.Decode(ids)
}

// overfitAdam is a minimal Adam for this test (the trainer has the real one).
type overfitAdam struct {
	lr   float64
	m, v map[string][]float64
	step int
}

func (a *overfitAdam) update(ps []*Param) {
	a.step++
	b1, b2 := 0.9, 0.999
	c1, c2 := 1-math.Pow(b1, float64(a.step)), 1-math.Pow(b2, float64(a.step))
	for _, p := range ps {
		if p.Frozen || p.Grad == nil {
			continue
		}
		if a.m[p.Name] == nil {
			a.m[p.Name], a.v[p.Name] = make([]float64, len(p.Value)), make([]float64, len(p.Value))
		}
		m, v := a.m[p.Name], a.v[p.Name]
		for i, g := range p.Grad {
			m[i] = b1*m[i] + (1-b1)*float64(g)
			v[i] = b2*v[i] + (1-b2)*float64(g)*float64(g)
			p.Value[i] -= float32(a.lr * (m[i] / c1) / (math.Sqrt(v[i]/c2) + 1e-8))
		}
	}
}

// TestOverfitThreeUtterances trains a tiny model on three espeak-ng utterances until best-path decoding of
// the exported inference model reproduces every transcript exactly.
func TestOverfitThreeUtterances(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	files := []struct{ file, text string }{{"yes.wav", "yes"}, {"no.wav", "no"}, {"go_left.wav", "go left"}}
	ex, err := features.New(features.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	vocab := acoustic.EnglishVocabulary()
	var feats []*features.Matrix
	b := &Batch{B: len(files), F: 80}
	for _, f := range files {
		m := ex.Compute(readWAV16(t, filepath.Join("..", "testdata", f.file)))
		feats = append(feats, m)
		b.T = max(b.T, m.Rows)
		b.FeatLens = append(b.FeatLens, m.Rows)
		ids, err := vocab.Encode(f.text)
		if err != nil {
			t.Fatal(err)
		}
		b.Labels = append(b.Labels, ids)
	}
	b.Feats = make([]float32, b.B*b.T*b.F)
	for i, m := range feats {
		copy(b.Feats[i*b.T*b.F:], m.Data)
	}
	cfg := acoustic.Config{
		NumMels: 80,
		Conv: []acoustic.ConvLayer{
			{Channels: 8, KernelTime: 5, KernelFreq: 3, StrideTime: 3, StrideFreq: 2},
			{Channels: 8, KernelTime: 3, KernelFreq: 3, StrideTime: 1, StrideFreq: 2},
		},
		GRULayers: 1, GRUUnits: 64, Lookahead: 2, VocabSize: vocab.Size(),
	}
	net, err := NewNet(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	opt := &overfitAdam{lr: 3e-3, m: map[string][]float64{}, v: map[string][]float64{}}
	ctx := context.Background()
	start := time.Now()
	var losses []float64
	for step := 1; step <= 600; step++ {
		if losses, err = net.Step(ctx, b); err != nil {
			t.Fatal(err)
		}
		opt.update(net.Params())
		if step%25 != 0 {
			continue
		}
		// Check through the exported inference model: this is what a user would run.
		model := net.Model()
		ok := true
		var got []string
		for i, m := range feats {
			lp, err := model.Forward(m)
			if err != nil {
				t.Fatal(err)
			}
			s := bestPath(lp.Data, lp.Cols, vocab)
			got = append(got, s)
			ok = ok && s == files[i].text
		}
		if ok {
			t.Logf("overfit after %d steps, %v, losses %.3g", step, time.Since(start).Round(time.Millisecond), losses)
			return
		}
		if step%100 == 0 {
			t.Logf("step %d: losses %.3g, decoded %q", step, losses, got)
		}
	}
	t.Fatalf("did not overfit in 600 steps (%v); last losses %v", time.Since(start), losses)
}
