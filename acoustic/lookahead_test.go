package acoustic

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

func TestWidenLookahead(t *testing.T) {
	m := randomModel(t, smallConfig(), 1)
	feats := randomFeats(rand.New(rand.NewSource(2)), 97, m.Config.NumMels)
	want, err := m.Forward(feats)
	if err != nil {
		t.Fatal(err)
	}
	for _, la := range []int{3, 4, 9} {
		w, err := WidenLookahead(m, la)
		if err != nil {
			t.Fatalf("lookahead %d: %v", la, err)
		}
		if w.Config.Lookahead != la {
			t.Fatalf("lookahead %d: config says %d", la, w.Config.Lookahead)
		}
		got, err := w.Forward(feats)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rows != want.Rows || got.Cols != want.Cols {
			t.Fatalf("lookahead %d: %d×%d output, want %d×%d", la, got.Rows, got.Cols, want.Rows, want.Cols)
		}
		for i, v := range got.Data {
			// Summing the extra zero terms may round differently in the last place, nothing more.
			if d := math.Abs(float64(v - want.Data[i])); d > 1e-5*(1+math.Abs(float64(want.Data[i]))) {
				t.Fatalf("lookahead %d: output[%d] = %v, want %v: zero taps must change nothing", la, i, v, want.Data[i])
			}
		}
		// The new taps are really read: a non-zero one changes the outputs.
		rc := w.Weight("rowconv.w")
		rc[len(rc)-1] = 0.5
		moved, err := w.Forward(feats)
		if err != nil {
			t.Fatal(err)
		}
		if la > m.Config.Lookahead && moved.Data[0] == want.Data[0] && moved.Data[len(want.Data)/2] == want.Data[len(want.Data)/2] {
			t.Errorf("lookahead %d: the widest tap changes nothing", la)
		}
	}
	if m.Weight("rowconv.w")[len(m.Weight("rowconv.w"))-1] == 0.5 {
		t.Error("WidenLookahead's result shares memory with its input")
	}
}

func TestWidenLookaheadRejects(t *testing.T) {
	m := randomModel(t, smallConfig(), 1)
	for _, tc := range []struct {
		lookahead int
		want      string
	}{
		{2, "narrowing"},
		{-1, "narrowing"},
		{101, "out of range"},
	} {
		if _, err := WidenLookahead(m, tc.lookahead); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("lookahead %d: error %v, want one containing %q", tc.lookahead, err, tc.want)
		}
	}
}
