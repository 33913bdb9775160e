package features

import (
	"math/rand"
	"testing"
)

// TestStreamMatchesCompute feeds signals in random chunks (empty and one-sample chunks included) and requires
// the concatenated frames to equal Compute's bit for bit, for configurations with Hop < FrameLength,
// Hop == FrameLength and Hop > FrameLength.
func TestStreamMatchesCompute(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	configs := []Config{
		DefaultConfig(),
		{SampleRate: 16000, FrameLength: 256, Hop: 256, FFTSize: 256, NumMels: 40, FMax: 8000, LogFloor: 1e-10},
		{SampleRate: 16000, FrameLength: 200, Hop: 330, FFTSize: 256, NumMels: 20, FMin: 100, FMax: 7000, LogFloor: 1e-8},
	}
	for _, cfg := range configs {
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		st := e.NewStream()
		for trial := 0; trial < 8; trial++ {
			x := make([]float32, rng.Intn(6000))
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 0.2)
			}
			want := e.Compute(x)
			var got []float32
			rows := 0
			maxChunk := []int{1, 7, 160, 1000, 7000}[trial%5]
			for rest := x; len(rest) > 0 || rng.Intn(4) == 0; {
				n := rng.Intn(min(len(rest), maxChunk) + 1)
				m := st.Accept(rest[:n])
				if m.Cols != cfg.NumMels || len(m.Data) != m.Rows*m.Cols {
					t.Fatalf("Accept returned %d×%d with %d values", m.Rows, m.Cols, len(m.Data))
				}
				got = append(got, m.Data...)
				rows += m.Rows
				rest = rest[n:]
			}
			if rows != want.Rows {
				t.Fatalf("hop %d, %d samples: %d frames streamed, %d in one go", cfg.Hop, len(x), rows, want.Rows)
			}
			for i := range got {
				if got[i] != want.Data[i] {
					t.Fatalf("hop %d, %d samples: value %d streamed %g, batch %g", cfg.Hop, len(x), i, got[i], want.Data[i])
				}
			}
			st.Reset()
		}
	}
}

// TestStreamIgnoresNormalize: a Stream cannot know per-utterance statistics, so it gives the raw frames.
func TestStreamIgnoresNormalize(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Normalize = true
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := New(DefaultConfig())
	x := make([]float32, 3000)
	for i := range x {
		x[i] = float32(i%37) / 37
	}
	got, want := e.NewStream().Accept(x), plain.Compute(x)
	for i := range want.Data {
		if got.Data[i] != want.Data[i] {
			t.Fatalf("value %d: %g streamed, %g unnormalised batch", i, got.Data[i], want.Data[i])
		}
	}
}
