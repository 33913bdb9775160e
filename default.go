package hark

import (
	"bytes"
	"context"
	"errors"
	"io/fs"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/decoder/lm"
	"github.com/harkspeech/hark/models"
)

// lmMagic starts Hark's binary LM format; anything else embedded as en.lm is read as ARPA.
const lmMagic = "HARKLM\x00\n"

// ErrNoDefaultModel is returned by Default when this build embeds no acoustic model (models/files/en.hark).
var ErrNoDefaultModel = errors.New("hark: no default model is embedded in this build (see models/files/README.md); load one with -m / hark.Load")

// Default returns a Recognizer for the English model embedded in the binary: the acoustic model
// models/files/en.hark and, unless an option chooses another or none, the language model models/files/en.lm
// when it is there. Each call decodes the embedded files anew; keep the Recognizer.
func Default(opts ...Option) (*Recognizer, error) {
	return defaultFrom(models.FS(), opts)
}

// DefaultModel returns the acoustic model embedded in the binary, the one Default uses: the starting point for
// fine-tuning it on your own speech (`hark train --init default`). Each call decodes the embedded file anew.
func DefaultModel() (*acoustic.Model, error) {
	return defaultModelFrom(models.FS())
}

func defaultModelFrom(fsys fs.FS) (*acoustic.Model, error) {
	b, err := fs.ReadFile(fsys, models.Acoustic)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoDefaultModel
	} else if err != nil {
		return nil, err
	}
	return acoustic.Load(bytes.NewReader(b), "embedded "+models.Acoustic)
}

// defaultFrom loads the default model from the files of fsys.
func defaultFrom(fsys fs.FS, opts []Option) (*Recognizer, error) {
	m, err := defaultModelFrom(fsys)
	if err != nil {
		return nil, err
	}
	s := defaultSettings()
	for _, o := range opts {
		if o != nil { // a nil Option (an unset variable, a conditional option) changes nothing
			o(&s)
		}
	}
	if !s.lmSet && !s.greedy {
		if s.lm, err = defaultLMFrom(fsys); err != nil && !errors.Is(err, ErrNoDefaultLM) {
			return nil, err
		}
	}
	return newRecognizer(m, s)
}

// ErrNoDefaultLM is returned by DefaultLM when this build embeds no language model (models/files/en.lm).
var ErrNoDefaultLM = errors.New("hark: no default language model is embedded in this build")

// DefaultLM returns the English language model embedded in the binary, the one Default uses, for a model of the
// same vocabulary loaded from a file (a fine-tune of the default model): Load(path, WithLMModel(lm)). Each call
// decodes the embedded file anew; keep the model.
func DefaultLM() (*lm.Model, error) {
	return defaultLMFrom(models.FS())
}

func defaultLMFrom(fsys fs.FS) (*lm.Model, error) {
	b, err := fs.ReadFile(fsys, models.LM)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoDefaultLM
	} else if err != nil {
		return nil, err
	}
	name := "embedded " + models.LM
	if bytes.HasPrefix(b, []byte(lmMagic)) {
		return lm.ReadBinary(bytes.NewReader(b), int64(len(b)), name)
	}
	return lm.ReadARPA(context.Background(), bytes.NewReader(b), name) // an ARPA file dropped in as is
}
