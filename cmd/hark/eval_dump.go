package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/internal/atomicfile"
)

// devSetDump writes the acoustic model's log-probabilities for a manifest's utterances into a folder, as a decoder
// dev set (the folder that `hark lm tune` and decoder.LoadDevSet read):
//
//	dir/NNNNN_NAME.npy  float32 frames × symbols, Recognizer.LogProbs of the utterance (what Recognize decodes);
//	                    NNNNN is the utterance's 0-based position among the manifest's usable utterances (5
//	                    digits or more) and NAME its file name without extension, with every character outside
//	                    [A-Za-z0-9._-] replaced by _ (the position keeps IDs unique)
//	dir/refs.tsv        ID<TAB>reference transcript, in manifest order
//	dir/vocab.txt       the model's symbols in output order, <blank> and <space> spelled so
//
// Every file is written atomically. refs.tsv is removed first and written last, so a dump cut short never
// loads as a complete dev set. Utterances whose audio cannot be read, or that are too short for one output
// frame, are named on stderr and left out.
type devSetDump struct {
	dir string
}

// startDump prepares dir: vocab.txt written, an old refs.tsv removed.
func startDump(dir string, vocab acoustic.Vocabulary) (*devSetDump, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, "refs.tsv")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("dump: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "vocab.txt"), []byte(vocabText(vocab)), 0o644); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	return &devSetDump{dir: dir}, nil
}

// errTooShort marks audio shorter than one output frame: it has no model output to save.
var errTooShort = errors.New("too short for one output frame")

// save writes utterance i's log-probabilities. It is safe for concurrent use (each utterance has its own file).
func (d *devSetDump) save(i int, path string, lp *acoustic.Matrix) error {
	if lp.Rows == 0 {
		return errTooShort
	}
	rows := make([][]float32, lp.Rows)
	for t := range rows {
		rows[t] = lp.Row(t)
	}
	out := filepath.Join(d.dir, dumpID(i, path)+".npy")
	return atomicfile.Write(out, func(w io.Writer) error { return decoder.WriteNPY(w, rows) }, 0o644)
}

// finish writes refs.tsv for the utterances saved, names the others on stderr and returns how many were saved.
func (d *devSetDump) finish(stderr io.Writer, utts []corpus.Utterance, results []evalResult) (int, error) {
	var refs strings.Builder
	n := 0
	for i, u := range utts {
		if err := results[i].dumpErr; err != nil {
			fmt.Fprintf(stderr, "hark eval: dump: left out %s\n", errorNaming(u.Path, err))
			continue
		}
		fmt.Fprintf(&refs, "%s\t%s\n", dumpID(i, u.Path), u.Text)
		n++
	}
	if n == 0 {
		return 0, errors.New("dump: no utterance could be dumped")
	}
	if err := atomicfile.WriteBytes(filepath.Join(d.dir, "refs.tsv"), []byte(refs.String()), 0o644); err != nil {
		return 0, fmt.Errorf("dump: %w", err)
	}
	return n, nil
}

// dumpID names utterance i of a manifest in a dump: its position, then its sanitised file name.
func dumpID(i int, path string) string {
	name := filepath.Base(path)
	name = strings.TrimSuffix(name, filepath.Ext(name))
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, name)
	return fmt.Sprintf("%05d_%s", i, clean)
}

// vocabText is vocab.txt for a model's vocabulary: one symbol per line, the blank and the space by name.
func vocabText(v acoustic.Vocabulary) string {
	var b strings.Builder
	for i, s := range v.Symbols {
		switch {
		case i == acoustic.Blank:
			s = "<blank>"
		case s == " ":
			s = "<space>"
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}
