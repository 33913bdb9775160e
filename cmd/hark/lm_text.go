package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/decoder/lm"
)

// lmText reads language-model text files through corpus.NormalizeText, line by line, so that lm build counts, and
// lm ppl and lm mix -fit score, the words the acoustic model can spell: "World." is "world", and a token such as
// "42" or "café", which no hypothesis can ever hold, is <unk> rather than a vocabulary entry of its own. Raw text
// passes through as it is (the lm package then splits it at white space).
type lmText struct {
	src      io.ReadCloser
	raw      bool
	r        *bufio.Reader
	pending  []byte
	err      error
	replaced int64    // unspellable tokens that became <unk>
	examples []string // the first few distinct ones
}

// openLMText opens text files (gzip-compressed ones too; "-" is stdin) as lm.OpenInputs does, normalised unless
// raw.
func openLMText(stdin io.Reader, paths []string, raw bool) (*lmText, error) {
	f, err := lm.OpenInputs(stdin, paths...)
	if err != nil {
		return nil, err
	}
	return &lmText{src: f, raw: raw, r: bufio.NewReaderSize(f, 1<<20)}, nil
}

func (t *lmText) Read(p []byte) (int, error) {
	if t.raw {
		return t.r.Read(p)
	}
	for len(t.pending) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		line, err := t.r.ReadString('\n')
		t.err = err
		if line == "" {
			continue
		}
		if strings.Contains(line, lm.BOS) || strings.Contains(line, lm.EOS) {
			// SRILM-style text marks sentences itself; the line ends already do, and normalising would make the
			// markers <unk>.
			fields := strings.Fields(line)
			line = strings.Join(slices.DeleteFunc(fields, func(w string) bool { return w == lm.BOS || w == lm.EOS }), " ")
		}
		out, bad := corpus.NormalizeText(line, lm.UNK)
		t.replaced += int64(len(bad))
		for _, b := range bad {
			if len(t.examples) < 5 && !slices.Contains(t.examples, b) {
				t.examples = append(t.examples, b)
			}
		}
		t.pending = append(append(t.pending[:0], out...), '\n')
	}
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

func (t *lmText) Close() error { return t.src.Close() }

// note says what normalising did that a user should know, or "" when nothing was replaced.
func (t *lmText) note() string {
	if t.replaced == 0 {
		return ""
	}
	quoted := make([]string, len(t.examples))
	for i, x := range t.examples {
		quoted[i] = fmt.Sprintf("%q", x)
	}
	return fmt.Sprintf("%d tokens hold characters the model cannot spell (digits, symbols, letters outside a–z; e.g. %s) "+
		"and count as %s: spell numbers and symbols out as they are said, or use -raw to keep tokens as they are",
		t.replaced, strings.Join(quoted, ", "), lm.UNK)
}
