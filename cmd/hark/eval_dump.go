package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/audio"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/features"
	"github.com/harkspeech/hark/internal/atomicfile"
)

// dumpDevSet writes the acoustic model's log-probabilities for utts into dir as a decoder dev set (the folder
// that `hark lm tune` and decoder.LoadDevSet read):
//
//	dir/NNNNN_NAME.npy  float32 frames × symbols, the output of rec.Model().Forward on the same features that
//	                    Recognize computes; NNNNN is the utterance's 0-based position among the manifest's usable
//	                    utterances (5 digits or more) and NAME its file name without extension, with every
//	                    character outside [A-Za-z0-9._-] replaced by _ (the position keeps IDs unique)
//	dir/refs.tsv        ID<TAB>reference transcript, in manifest order
//	dir/vocab.txt       the model's symbols in output order, <blank> and <space> spelled so
//
// Every file is written atomically. refs.tsv is removed first and written last, so a dump cut short never
// loads as a complete dev set. Utterances whose audio cannot be read, or that are too short for one feature
// frame, are named on stderr and left out; the returned count says how many were written.
func dumpDevSet(ctx context.Context, stderr io.Writer, rec *hark.Recognizer, utts []corpus.Utterance, dir string, threads int) (int, error) {
	m := rec.Model()
	ext, err := features.New(m.Features)
	if err != nil {
		return 0, fmt.Errorf("dump: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("dump: %w", err)
	}
	refsPath := filepath.Join(dir, "refs.tsv")
	if err := os.Remove(refsPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("dump: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "vocab.txt"), []byte(vocabText(m.Vocabulary)), 0o644); err != nil {
		return 0, fmt.Errorf("dump: %w", err)
	}

	ids := make([]string, len(utts))
	errs := make([]error, len(utts))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(threads, len(utts))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ids[i] = dumpID(i, utts[i].Path)
				errs[i] = dumpOne(m, ext, utts[i].Path, filepath.Join(dir, ids[i]+".npy"))
			}
		}()
	}
feed:
	for i := range utts {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, err
	}

	var refs strings.Builder
	n := 0
	for i, u := range utts {
		if errs[i] != nil {
			fmt.Fprintf(stderr, "hark eval: dump: left out %s\n", errorNaming(u.Path, errs[i]))
			continue
		}
		fmt.Fprintf(&refs, "%s\t%s\n", ids[i], u.Text)
		n++
	}
	if n == 0 {
		return 0, errors.New("dump: no utterance could be dumped")
	}
	if err := atomicfile.WriteBytes(refsPath, []byte(refs.String()), 0o644); err != nil {
		return 0, fmt.Errorf("dump: %w", err)
	}
	return n, nil
}

// errTooShort marks audio shorter than one feature frame: it has no model output to save.
var errTooShort = errors.New("too short for one feature frame")

// dumpOne computes one utterance's log-probabilities the way Recognizer.Recognize does (features normalised
// per utterance if the model says so, then the whole forward pass) and saves them as .npy.
func dumpOne(m *acoustic.Model, ext *features.Extractor, in, out string) error {
	samples, _, err := audio.Load(in)
	if err != nil {
		return err
	}
	feats := ext.Compute(samples)
	if feats.Rows == 0 {
		return errTooShort
	}
	lp, err := m.Forward(feats)
	if err != nil {
		return err
	}
	if lp.Rows == 0 {
		return errTooShort
	}
	rows := make([][]float32, lp.Rows)
	for t := range rows {
		rows[t] = lp.Row(t)
	}
	return atomicfile.Write(out, func(w io.Writer) error { return decoder.WriteNPY(w, rows) }, 0o644)
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
