package acoustic

import (
	"math"
	"strings"
	"testing"
)

func TestAverage(t *testing.T) {
	cfg := smallConfig()
	a, b, c := randomModel(t, cfg, 1), randomModel(t, cfg, 2), randomModel(t, cfg, 3)
	tests := []struct {
		name    string
		models  []*Model
		weights []float64
		want    func(t, i int) float64 // the expected value of tensor t's element i
	}{
		{"one model is itself", []*Model{a}, nil,
			func(t, i int) float64 { return float64(a.Weights[t].Data[i]) }},
		{"equal shares", []*Model{a, b, c}, nil, func(t, i int) float64 {
			return (float64(a.Weights[t].Data[i]) + float64(b.Weights[t].Data[i]) + float64(c.Weights[t].Data[i])) / 3
		}},
		{"weights are normalised", []*Model{a, b}, []float64{3, 1}, func(t, i int) float64 {
			return 0.75*float64(a.Weights[t].Data[i]) + 0.25*float64(b.Weights[t].Data[i])
		}},
		{"a zero weight leaves a model out", []*Model{a, b}, []float64{0, 2},
			func(t, i int) float64 { return float64(b.Weights[t].Data[i]) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Average(tc.models, tc.weights)
			if err != nil {
				t.Fatal(err)
			}
			if err := got.Check(); err != nil {
				t.Fatal(err)
			}
			for ti, w := range got.Weights {
				for i, v := range w.Data {
					if want := tc.want(ti, i); math.Abs(float64(v)-want) > 1e-6*(1+math.Abs(want)) {
						t.Fatalf("%s[%d] = %v, want %v", w.Name, i, v, want)
					}
				}
			}
		})
	}
	// The result shares no memory with its inputs: later edits to one cannot change the other.
	avg, err := Average([]*Model{a}, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := a.Weights[0].Data[0]
	avg.Weights[0].Data[0] += 1
	avg.Vocabulary.Symbols[3] = "A"
	avg.Config.Conv[0].Channels++
	if a.Weights[0].Data[0] != before || a.Vocabulary.Symbols[3] != "a" || a.Config.Conv[0].Channels != cfg.Conv[0].Channels {
		t.Error("Average's result shares memory with its input")
	}
}

func TestAverageRejects(t *testing.T) {
	cfg := smallConfig()
	a := randomModel(t, cfg, 1)
	wider := cfg
	wider.GRUUnits++
	otherVocab := randomModel(t, cfg, 2)
	otherVocab.Vocabulary.Symbols = append([]string(nil), otherVocab.Vocabulary.Symbols...)
	otherVocab.Vocabulary.Symbols[3] = "A"
	otherFeats := randomModel(t, cfg, 3)
	otherFeats.Features.Normalize = true
	broken := randomModel(t, cfg, 4)
	broken.Weights = broken.Weights[1:]
	tests := []struct {
		name    string
		models  []*Model
		weights []float64
		want    string
	}{
		{"no models", nil, nil, "no models"},
		{"weights miscounted", []*Model{a, a}, []float64{1}, "1 weights for 2 models"},
		{"negative weight", []*Model{a, a}, []float64{1, -1}, "weight 2 is -1"},
		{"NaN weight", []*Model{a}, []float64{math.NaN()}, "weight 1 is NaN"},
		{"infinite weight", []*Model{a}, []float64{math.Inf(1)}, "weight 1 is +Inf"},
		{"zero total", []*Model{a, a}, []float64{0, 0}, "add up to 0"},
		{"other network", []*Model{a, randomModel(t, wider, 2)}, nil, "model 2: its network"},
		{"other vocabulary", []*Model{a, otherVocab}, nil, "model 2: its vocabulary"},
		{"other features", []*Model{a, otherFeats}, nil, "model 2: its features"},
		{"broken model", []*Model{a, broken}, nil, "model 2: acoustic:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Average(tc.models, tc.weights)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
