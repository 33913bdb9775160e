package train

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"

	"github.com/harkspeech/hark/internal/atomicfile"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/features"
)

// A checkpoint file is
//
//	"HARKCKPT"  magic, 8 bytes
//	uint32      format version (little endian)
//	uint32      length n of the JSON header
//	n bytes     JSON of checkpointHeader: the training State and, per tensor, its name, shape and whether Adam
//	            moments follow
//	float32s    per tensor in header order: values, then (if present) Adam m and v; little endian
//	uint32      CRC-32 (Castagnoli) of everything before it
//
// The header is validated against the file size before any tensor is allocated.

const (
	// CheckpointMagic starts every checkpoint file, so that tools can tell one from a model file.
	CheckpointMagic   = "HARKCKPT"
	checkpointVersion = 1
	maxHeaderBytes    = 64 << 20
)

// State is everything besides tensors that a resumed run needs to continue exactly where the checkpoint was
// taken: the data order is a function of Seed and Epoch, so (Epoch, Batch) is the position in it.
type State struct {
	Step     int // batches trained on
	OptSteps int // optimiser updates made (Step less those skipped for a non-finite gradient)
	Epoch    int // current epoch, from 0
	Batch    int // index in the epoch's batch order of the next batch to train on
	Seed     uint64

	BestWER  float64 // best dev WER so far; meaningful when HasBest
	BestCER  float64
	BestStep int
	BestSets []SetScore `json:",omitempty"` // per dev manifest at BestStep, when there are several
	HasBest  bool
	BadEvals int // evaluations since the best one, for early stopping

	Elapsed      float64 // seconds of training, summed over runs
	AudioSeconds float64 // seconds of audio trained on, summed over runs
	NonFinite    int     // updates skipped for a non-finite gradient
	BadFiles     int     // utterances left out of their batch because their audio could not be read
	Done         bool    // training finished (all epochs, or early stop)
	StopReason   string  // why it finished: "finished" or "early stop"

	Command string // the command line that started the run
	// Init and Freeze are the model a fine-tune started from and its frozen parameter prefixes, so that a resumed
	// run keeps them without being told again (both empty in checkpoints written before 2026-11-27).
	Init   string `json:",omitempty"`
	Freeze string `json:",omitempty"`

	// DataHash identifies the training data and batching; resuming with other data would not continue exactly.
	DataHash string
	// ModelConfig is the JSON of the acoustic.Config being trained; Options the training options.
	ModelConfig json.RawMessage `json:",omitempty"`
	// Features and Vocabulary complete the model description, so a resumed run rebuilds exactly this network.
	Features   *features.Config `json:",omitempty"`
	Vocabulary []string         `json:",omitempty"`
	Options    json.RawMessage  `json:",omitempty"`
}

// Checkpoint is a training snapshot: the parameters, the optimiser's moments and the State.
type Checkpoint struct {
	State  State
	Params []*Param             // Value set; Grad nil
	M, V   map[string][]float32 // Adam moments by parameter name; missing for parameters never updated
}

type tensorHeader struct {
	Name    string
	Shape   []int
	Moments bool
}

type checkpointHeader struct {
	State   State
	Tensors []tensorHeader
}

// CheckpointError reports a checkpoint file that cannot be read: it names the file and the problem.
type CheckpointError struct {
	File    string
	Problem string
	Err     error
}

func (e *CheckpointError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("checkpoint %s: %s: %v", e.File, e.Problem, e.Err)
	}
	return fmt.Sprintf("checkpoint %s: %s", e.File, e.Problem)
}

func (e *CheckpointError) Unwrap() error { return e.Err }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteCheckpoint writes ck to path atomically: a crash or a full disk leaves the previous file at path intact.
func WriteCheckpoint(path string, ck *Checkpoint) error {
	return writeFileAtomic(path, func(w io.Writer) error { return encodeCheckpoint(w, ck) })
}

func encodeCheckpoint(w io.Writer, ck *Checkpoint) error {
	h := checkpointHeader{State: ck.State}
	for _, p := range ck.Params {
		if acoustic.Size(p.Shape) != len(p.Value) {
			return fmt.Errorf("train: parameter %s: shape %v does not hold %d values", p.Name, p.Shape, len(p.Value))
		}
		m, v := ck.M[p.Name], ck.V[p.Name]
		hasM := m != nil && v != nil
		if hasM && (len(m) != len(p.Value) || len(v) != len(p.Value)) {
			return fmt.Errorf("train: parameter %s: moments of the wrong length", p.Name)
		}
		h.Tensors = append(h.Tensors, tensorHeader{Name: p.Name, Shape: p.Shape, Moments: hasM})
	}
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16)
	var hdr [16]byte
	copy(hdr[:8], CheckpointMagic)
	binary.LittleEndian.PutUint32(hdr[8:], checkpointVersion)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(js)))
	bw.Write(hdr[:])
	bw.Write(js)
	var buf [4]byte
	put := func(xs []float32) {
		for _, x := range xs {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(x))
			bw.Write(buf[:])
		}
	}
	for i, p := range ck.Params {
		put(p.Value)
		if h.Tensors[i].Moments {
			put(ck.M[p.Name])
			put(ck.V[p.Name])
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(buf[:], crc.Sum32())
	_, err = w.Write(buf[:])
	return err
}

// ReadCheckpoint reads a checkpoint written by WriteCheckpoint. A missing file gives an error that satisfies
// errors.Is(err, fs.ErrNotExist); a truncated, corrupt or newer-version file a *CheckpointError.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ck, err := decodeCheckpoint(data)
	if err != nil {
		var ce *CheckpointError
		if errors.As(err, &ce) {
			ce.File = path
		}
		return nil, err
	}
	return ck, nil
}

func decodeCheckpoint(data []byte) (*Checkpoint, error) {
	bad := func(problem string, err error) error { return &CheckpointError{Problem: problem, Err: err} }
	if len(data) < 8 || string(data[:8]) != CheckpointMagic {
		return nil, bad("not a Hark checkpoint (bad magic)", nil)
	}
	if len(data) < 20 {
		return nil, bad("truncated header", nil)
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != checkpointVersion {
		if v > checkpointVersion {
			return nil, bad(fmt.Sprintf("format version %d is newer than this program's %d; update hark", v, checkpointVersion), nil)
		}
		return nil, bad(fmt.Sprintf("unsupported format version %d", v), nil)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	n := int64(binary.LittleEndian.Uint32(data[12:]))
	if n > maxHeaderBytes || 16+n > int64(len(body)) {
		return nil, bad(fmt.Sprintf("header length %d exceeds the file (truncated?)", n), nil)
	}
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, bad("checksum mismatch (truncated or corrupt file)", nil)
	}
	var h checkpointHeader
	if err := json.Unmarshal(body[16:16+n], &h); err != nil {
		return nil, bad("corrupt header", err)
	}
	rest := body[16+n:]
	// Count what the header promises before allocating any of it.
	var want int64
	for _, t := range h.Tensors {
		k := int64(1)
		for _, d := range t.Shape {
			if d < 0 || d > 1<<30 {
				return nil, bad(fmt.Sprintf("tensor %q has bad shape %v", t.Name, t.Shape), nil)
			}
			k *= int64(d)
			if k > int64(len(rest)) {
				return nil, bad(fmt.Sprintf("tensor %q larger than the file", t.Name), nil)
			}
		}
		if t.Moments {
			k *= 3
		}
		want += 4 * k
		if want > int64(len(rest)) {
			return nil, bad("tensors exceed the file (truncated?)", nil)
		}
	}
	if want != int64(len(rest)) {
		return nil, bad(fmt.Sprintf("%d bytes of tensors, header describes %d", len(rest), want), nil)
	}
	ck := &Checkpoint{State: h.State, M: map[string][]float32{}, V: map[string][]float32{}}
	seen := map[string]bool{}
	get := func(k int) []float32 {
		xs := make([]float32, k)
		for i := range xs {
			xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
		}
		rest = rest[4*k:]
		return xs
	}
	for _, t := range h.Tensors {
		if seen[t.Name] {
			return nil, bad(fmt.Sprintf("tensor %q appears twice", t.Name), nil)
		}
		seen[t.Name] = true
		k := acoustic.Size(t.Shape)
		p := &Param{Name: t.Name, Shape: append([]int(nil), t.Shape...), Value: get(k)}
		ck.Params = append(ck.Params, p)
		if t.Moments {
			ck.M[t.Name] = get(k)
			ck.V[t.Name] = get(k)
		}
	}
	return ck, nil
}

// Every file a run writes (checkpoint, model, card, curves, metrics log, feature cache) goes through
// internal/atomicfile, so that a kill at any moment leaves the previous version readable.
func writeFileAtomic(path string, write func(w io.Writer) error) error {
	return atomicfile.Write(path, write, 0o644)
}

func writeBytesAtomic(path string, b []byte) error {
	return atomicfile.WriteBytes(path, b, 0o644)
}

// ModelFromCheckpoint rebuilds the model a checkpoint was taken of, with its weights at that step: a run's last
// weights, where model.hark holds its best on the dev set. A checkpoint from before the model description was
// stored (ModelConfig empty) cannot be rebuilt.
func ModelFromCheckpoint(ck *Checkpoint) (*acoustic.Model, error) {
	var cfg acoustic.Config
	if len(ck.State.ModelConfig) == 0 {
		return nil, errors.New("train: the checkpoint does not describe its model (written before 2026-11)")
	}
	if err := json.Unmarshal(ck.State.ModelConfig, &cfg); err != nil {
		return nil, fmt.Errorf("train: the checkpoint's model description: %w", err)
	}
	feat, vocab := features.DefaultConfig(), acoustic.EnglishVocabulary()
	feat.NumMels = cfg.NumMels
	if ck.State.Features != nil {
		feat = *ck.State.Features
	}
	if len(ck.State.Vocabulary) > 0 {
		vocab.Symbols = ck.State.Vocabulary
	}
	m, err := acoustic.NewModel(cfg, vocab, feat, 1)
	if err != nil {
		return nil, err
	}
	net, err := NetFromModel(m)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Param{}
	for _, p := range net.Params() {
		byName[p.Name] = p
	}
	if len(ck.Params) != len(byName) {
		return nil, fmt.Errorf("train: the checkpoint has %d tensors, its model %d", len(ck.Params), len(byName))
	}
	for _, cp := range ck.Params {
		p := byName[cp.Name]
		if p == nil || !slices.Equal(p.Shape, cp.Shape) || len(p.Value) != len(cp.Value) {
			return nil, fmt.Errorf("train: checkpoint tensor %s%v does not match its model", cp.Name, cp.Shape)
		}
		copy(p.Value, cp.Value)
	}
	return net.Model(), nil
}
