package hark

import (
	"bytes"
	"errors"

	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/decoder/lm"
	"github.com/harkspeech/hark/models"
)

// ErrNoDefaultModel is returned by Default when this build embeds no acoustic model (models/files/en.hark).
var ErrNoDefaultModel = errors.New("hark: no default model is embedded in this build (see models/files/README.md); load one with -m / hark.Load")

// Default returns a Recognizer for the English model embedded in the binary: the acoustic model
// models/files/en.hark and, unless an option chooses another or none, the language model models/files/en.lm
// when it is there. Each call decodes the embedded files anew; keep the Recognizer.
func Default(opts ...Option) (*Recognizer, error) {
	b, ok := models.Read(models.Acoustic)
	if !ok {
		return nil, ErrNoDefaultModel
	}
	m, err := acoustic.Load(bytes.NewReader(b), "embedded "+models.Acoustic)
	if err != nil {
		return nil, err
	}
	s := settings{alpha: DefaultAlpha, beta: DefaultBeta}
	for _, o := range opts {
		o(&s)
	}
	if !s.lmSet && !s.greedy {
		if b, ok := models.Read(models.LM); ok {
			if s.lm, err = lm.ReadBinary(bytes.NewReader(b), int64(len(b)), "embedded "+models.LM); err != nil {
				return nil, err
			}
		}
	}
	return newRecognizer(m, s)
}
