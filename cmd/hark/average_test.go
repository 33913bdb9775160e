package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/acoustic/train"
)

// scaledModel writes the tiny test model with every weight multiplied by k (variances stay positive for k > 0).
func scaledModel(t *testing.T, k float32) string {
	t.Helper()
	m, err := acoustic.LoadFile(tinyModelFile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Weights {
		for i := range w.Data {
			w.Data[i] *= k
		}
	}
	path := filepath.Join(t.TempDir(), "scaled.hark")
	if err := m.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAverageCommand(t *testing.T) {
	one, three := scaledModel(t, 1), scaledModel(t, 3)
	ref, err := acoustic.LoadFile(one)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		scale float32 // the output is the tiny model times this
	}{
		{[]string{one, three}, 2},
		{[]string{"-w", "1,3", one, three}, 2.5},
		{[]string{"-w", "1, 0", one, three}, 1},
	}
	for _, tt := range tests {
		out := filepath.Join(t.TempDir(), "avg.hark")
		code, _, stderr := runHark(t, nil, append([]string{"average", "-o", out}, tt.args...)...)
		if code != 0 || !strings.Contains(stderr, "averaged 2 models into "+out) {
			t.Fatalf("%v: exit %d, stderr %s", tt.args, code, stderr)
		}
		got, err := acoustic.LoadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range got.Weights {
			for j, v := range w.Data {
				if want := tt.scale * ref.Weights[i].Data[j]; math.Abs(float64(v-want)) > 1e-5*(1+math.Abs(float64(want))) {
					t.Fatalf("%v: %s[%d] = %v, want %v", tt.args, w.Name, j, v, want)
				}
			}
		}
	}
}

func TestAverageCommandErrors(t *testing.T) {
	dir := t.TempDir()
	model := tinyModelFile(t)
	corrupt := filepath.Join(dir, "corrupt.hark")
	if err := os.WriteFile(corrupt, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	other, err := acoustic.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	other.Features.NumMels, other.Config.NumMels = 40, 40
	other.Weights, err = mustNewWeights(other)
	if err != nil {
		t.Fatal(err)
	}
	otherPath := filepath.Join(dir, "other.hark")
	if err := other.SaveFile(otherPath); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.hark")
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{model}, 2, "usage: hark average"},
		{[]string{"-o", out}, 2, "usage: hark average"},
		{[]string{"-o", out, model}, 2, "one model given: averaging needs at least two"},
		{[]string{"-o", out, "-w", "1,x", model, model}, 2, `-w: "x" is not a number`},
		{[]string{"-o", out, "-w", "1", model, model}, 2, "-w has 1 weights for 2 models"},
		{[]string{"-o", out, "-w", "-1,1", model, model}, 1, "weight 1 is -1"},
		{[]string{"-o", model, model, model}, 1, "is one of the input models"},
		{[]string{"-o", out, model, corrupt}, 1, corrupt},
		{[]string{"-o", out, model, filepath.Join(dir, "missing.hark")}, 1, "missing.hark"},
		{[]string{"-o", out, model, otherPath}, 1, otherPath + " cannot be averaged with " + model + ": its network"},
	}
	for _, tt := range tests {
		code, _, stderr := runHark(t, nil, append([]string{"average"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed average left %s behind (%v)", out, err)
	}
}

// mustNewWeights gives m fresh weights for its (changed) configuration.
func mustNewWeights(m *acoustic.Model) ([]acoustic.Tensor, error) {
	fresh, err := acoustic.NewModel(m.Config, m.Vocabulary, m.Features, 3)
	if err != nil {
		return nil, err
	}
	return fresh.Weights, nil
}

// A training checkpoint stands for its run's last weights: alone it is exported as a model file, and it can be
// averaged with model files.
func TestAverageCheckpoint(t *testing.T) {
	dir := t.TempDir()
	m, err := acoustic.LoadFile(tinyModelFile(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := train.NetFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	cfgJSON, err := json.Marshal(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	ckPath := filepath.Join(dir, "checkpoint.ckpt")
	ck := &train.Checkpoint{State: train.State{ModelConfig: cfgJSON, Features: &m.Features, Vocabulary: m.Vocabulary.Symbols}, Params: net.Params()}
	if err := train.WriteCheckpoint(ckPath, ck); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "last.hark")
	code, _, stderr := runHark(t, nil, "average", "-o", out, ckPath)
	if code != 0 || !strings.Contains(stderr, "wrote the weights of "+ckPath) {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	got, err := acoustic.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Weights, m.Weights) {
		t.Error("the exported model's weights are not the checkpoint's")
	}
	// With a model file: an average like any other.
	three := scaledModel(t, 3)
	avg := filepath.Join(dir, "avg.hark")
	if code, _, stderr := runHark(t, nil, "average", "-o", avg, ckPath, three); code != 0 || !strings.Contains(stderr, "averaged 2 models") {
		t.Fatalf("checkpoint + model: exit %d, stderr %s", code, stderr)
	}
	a, err := acoustic.LoadFile(avg)
	if err != nil {
		t.Fatal(err)
	}
	w := a.Weights[0]
	if want := 2 * m.Weights[0].Data[0]; math.Abs(float64(w.Data[0]-want)) > 1e-5*(1+math.Abs(float64(want))) {
		t.Errorf("%s[0] = %v, want %v", w.Name, w.Data[0], want)
	}
}
