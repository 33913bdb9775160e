package features

import (
	"math"
	"math/rand"
	"testing"
)

func TestSpecAugment(t *testing.T) {
	tests := []struct {
		name                       string
		rows, cols                 int
		freqMasks, maxF, timeMasks int
		maxTimeFrac                float64
	}{
		{"none", 100, 80, 0, 27, 0, 0.05},
		{"zero widths", 100, 80, 2, 0, 2, 0},
		{"typical", 300, 80, 2, 27, 2, 0.05},
		{"wide", 50, 10, 3, 100, 3, 5},
		{"negative", 50, 10, -1, -5, -2, math.NaN()},
		{"empty", 0, 80, 2, 27, 2, 0.05},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := rand.New(rand.NewSource(7))
			m := NewMatrix(tc.rows, tc.cols)
			var sum float64
			for i := range m.Data {
				m.Data[i] = float32(data.NormFloat64()*4 - 10)
				sum += float64(m.Data[i])
			}
			orig := append([]float32(nil), m.Data...)
			SpecAugment(m, rand.New(rand.NewSource(8)), tc.freqMasks, tc.maxF, tc.timeMasks, tc.maxTimeFrac)

			// Same seed, same masks.
			again := &Matrix{Rows: tc.rows, Cols: tc.cols, Data: append([]float32(nil), orig...)}
			SpecAugment(again, rand.New(rand.NewSource(8)), tc.freqMasks, tc.maxF, tc.timeMasks, tc.maxTimeFrac)
			for i := range m.Data {
				if m.Data[i] != again.Data[i] {
					t.Fatalf("value %d differs between two runs with the same seed", i)
				}
			}

			// Every changed cell lies in a masked column (all rows changed) or a masked row (all columns
			// changed), and holds the mean.
			fill := float32(sum / float64(max(len(m.Data), 1)))
			changed := func(r, c int) bool { return m.Data[r*tc.cols+c] != orig[r*tc.cols+c] }
			maskedCols, maskedRows := 0, 0
			colMasked := make([]bool, tc.cols)
			for c := 0; c < tc.cols && tc.rows > 0; c++ {
				colMasked[c] = true
				for r := 0; r < tc.rows; r++ {
					colMasked[c] = colMasked[c] && changed(r, c)
				}
				if colMasked[c] {
					maskedCols++
				}
			}
			for r := 0; r < tc.rows; r++ {
				rowMasked := true
				for c := 0; c < tc.cols; c++ {
					rowMasked = rowMasked && changed(r, c)
				}
				if rowMasked {
					maskedRows++
				}
				for c := 0; c < tc.cols; c++ {
					if changed(r, c) && !rowMasked && !colMasked[c] {
						t.Fatalf("cell (%d, %d) changed outside any whole-row or whole-column mask", r, c)
					}
					if changed(r, c) && m.Data[r*tc.cols+c] != fill {
						t.Fatalf("cell (%d, %d) = %g, want the mean %g", r, c, m.Data[r*tc.cols+c], fill)
					}
				}
			}
			maxCols := max(tc.freqMasks, 0) * min(max(tc.maxF, 0), tc.cols)
			maxT := 0.0
			if tc.maxTimeFrac > 0 {
				maxT = min(tc.maxTimeFrac, 1)
			}
			maxRows := max(tc.timeMasks, 0) * int(maxT*float64(tc.rows))
			if maskedCols > maxCols || maskedRows > maxRows {
				t.Errorf("%d columns and %d rows masked, want at most %d and %d", maskedCols, maskedRows, maxCols, maxRows)
			}
			if tc.name == "typical" && maskedCols == 0 && maskedRows == 0 {
				t.Error("nothing masked")
			}
		})
	}
}
