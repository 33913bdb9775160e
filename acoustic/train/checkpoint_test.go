package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/harkspeech/hark/acoustic"
)

func testCheckpoint() *Checkpoint {
	return &Checkpoint{
		State: State{Step: 7, Epoch: 1, Batch: 3, Seed: 42, BestWER: 0.25, HasBest: true, DataHash: "abc"},
		Params: []*Param{
			{Name: "w", Shape: []int{2, 3}, Value: []float32{1, 2, 3, 4, 5, 6}},
			{Name: "b", Shape: []int{3}, Value: []float32{-1, 0, 1}},
		},
		M: map[string][]float32{"w": {.1, .2, .3, .4, .5, .6}},
		V: map[string][]float32{"w": {.01, .02, .03, .04, .05, .06}},
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt")
	want := testCheckpoint()
	if err := WriteCheckpoint(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.State, want.State) {
		t.Errorf("state %+v, want %+v", got.State, want.State)
	}
	if !reflect.DeepEqual(got.Params, want.Params) {
		t.Errorf("params differ")
	}
	if !reflect.DeepEqual(got.M, want.M) || !reflect.DeepEqual(got.V, want.V) {
		t.Errorf("moments differ: %v %v", got.M, got.V)
	}
}

func TestCheckpointCorrupt(t *testing.T) {
	var good bytes.Buffer
	if err := encodeCheckpoint(&good, testCheckpoint()); err != nil {
		t.Fatal(err)
	}
	g := good.Bytes()
	flip := func(i int) []byte { b := bytes.Clone(g); b[i] ^= 0x40; return b }
	version := bytes.Clone(g)
	binary.LittleEndian.PutUint32(version[8:], checkpointVersion+1)
	hugeHeader := bytes.Clone(g)
	binary.LittleEndian.PutUint32(hugeHeader[12:], 1<<31)
	tests := []struct {
		name, problem string
		data          []byte
	}{
		{"empty", "bad magic", nil},
		{"other file", "bad magic", []byte("RIFF....WAVEfmt ")},
		{"truncated header", "truncated", g[:18]},
		{"truncated tensors", "checksum", g[:len(g)-9]},
		{"truncated in header", "header length", g[:40]},
		{"flipped tensor byte", "checksum", flip(len(g) - 10)},
		{"flipped header byte", "checksum", flip(30)},
		{"newer version", "newer", version},
		{"huge header length", "header length", hugeHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run.ckpt")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadCheckpoint(path)
			var ce *CheckpointError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CheckpointError", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("error %q should name the file and say %q", err, tt.problem)
			}
		})
	}
	if _, err := ReadCheckpoint(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestCheckpointAtomic: a write that fails half way (a crash, a full disk) must leave the previous checkpoint
// readable and no temporary file behind.
func TestCheckpointAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint")
	if err := WriteCheckpoint(path, testCheckpoint()); err != nil {
		t.Fatal(err)
	}
	errDiskFull := errors.New("disk full")
	err := writeFileAtomic(path, func(w io.Writer) error {
		var buf bytes.Buffer
		encodeCheckpoint(&buf, &Checkpoint{State: State{Step: 99}})
		w.Write(buf.Bytes()[:buf.Len()/2]) // half a newer checkpoint, then failure
		return errDiskFull
	})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("err = %v", err)
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatalf("previous checkpoint unreadable after failed write: %v", err)
	}
	if ck.State.Step != 7 {
		t.Errorf("step %d, want the old 7", ck.State.Step)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want only the checkpoint", names)
	}
}

func TestCheckpointRejectsBadParams(t *testing.T) {
	ck := &Checkpoint{Params: []*Param{{Name: "w", Shape: []int{2, 2}, Value: []float32{1}}}}
	if err := WriteCheckpoint(filepath.Join(t.TempDir(), "c"), ck); err == nil {
		t.Error("shape/value mismatch written without error")
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"." + CheckpointFile + ".tmp123", "." + ModelFile + ".tmp9", CheckpointFile, "notes.tmp1"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	removeStaleTemps(dir)
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{CheckpointFile, "notes.tmp1"}) {
		t.Errorf("left %v", names)
	}
}

// A checkpoint that describes its model gives that model back with the checkpoint's weights, batch-norm
// statistics included; one that does not, or whose tensors do not fit the description, is an error.
func TestModelFromCheckpoint(t *testing.T) {
	cfg := acoustic.Config{
		NumMels:   6,
		Conv:      []acoustic.ConvLayer{{Channels: 3, KernelTime: 3, KernelFreq: 3, StrideTime: 2, StrideFreq: 2}},
		GRULayers: 1, GRUUnits: 8, Lookahead: 2, VocabSize: 29,
	}
	net := newRealNet(t, cfg)
	feat := net.Model().Features
	for i, p := range net.Params() { // weights no fresh model has
		for j := range p.Value {
			p.Value[j] = float32(i+1) + float32(j)/1000
		}
	}
	want := net.Model()
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ck := &Checkpoint{State: State{ModelConfig: cfgJSON, Features: &feat, Vocabulary: want.Vocabulary.Symbols}, Params: net.Params()}
	path := filepath.Join(t.TempDir(), "ckpt")
	if err := WriteCheckpoint(path, ck); err != nil {
		t.Fatal(err)
	}
	read, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ModelFromCheckpoint(read)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Weights, want.Weights) || !reflect.DeepEqual(got.Config, want.Config) || got.Features != want.Features {
		t.Error("the model rebuilt from the checkpoint differs from the network's")
	}

	noConfig := *read
	noConfig.State.ModelConfig = nil
	if _, err := ModelFromCheckpoint(&noConfig); err == nil || !strings.Contains(err.Error(), "does not describe its model") {
		t.Errorf("no model description: %v", err)
	}
	wrong := *read
	wrong.Params = append([]*Param(nil), read.Params...)
	wrong.Params[0] = &Param{Name: read.Params[0].Name, Shape: []int{1}, Value: []float32{0}}
	if _, err := ModelFromCheckpoint(&wrong); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("a tensor of the wrong shape: %v", err)
	}
}
