package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/acoustic"
	"github.com/harkspeech/hark/corpus"
	"github.com/harkspeech/hark/decoder"
	"github.com/harkspeech/hark/models"
)

// recognizerFlags are the model and decoding flags that every command running the recognizer shares
// (transcribe, eval), so that the same flags mean the same decoding everywhere.
type recognizerFlags struct {
	model, lm    string
	noLM, greedy bool
	embeddedLM   bool // load gave a model file the embedded LM
	beam         int
	alpha, beta  float64
	unk, blank   float64
	lookahead    bool
	hot          []decoder.HotWord
	phrases      string // --phrases file
	// alphaSet and betaSet say that --alpha and --beta were given; otherwise the library's defaults apply,
	// which differ with --phrases.
	alphaSet, betaSet bool
}

// register defines -m/--model, --lm, --no-lm, --greedy, --beam (default beam), --alpha, --beta, --unk,
// --blank-penalty and --hotword on set.
func (f *recognizerFlags) register(set *flag.FlagSet, beam int) {
	set.StringVar(&f.model, "m", "", "acoustic model `file` (default: the embedded model)")
	set.StringVar(&f.model, "model", "", "same as -m")
	set.StringVar(&f.lm, "lm", "", "word language model `file` (Hark binary or ARPA; default, or \"default\": the embedded English LM, for the embedded model and for -m models with its vocabulary)")
	set.BoolVar(&f.noLM, "no-lm", false, "decode without a language model")
	set.IntVar(&f.beam, "beam", beam, "beam width of the search")
	f.alpha, f.beta = hark.DefaultAlpha, hark.DefaultBeta
	set.Func("alpha", fmt.Sprintf("language-model `weight` (default %g; %g with --phrases)", hark.DefaultAlpha, hark.DefaultPhraseAlpha), func(v string) error {
		a, err := strconv.ParseFloat(v, 64)
		f.alpha, f.alphaSet = a, true
		return err
	})
	set.Func("beta", fmt.Sprintf("word `bonus` (default %g; %g with --phrases)", hark.DefaultBeta, hark.DefaultPhraseBeta), func(v string) error {
		b, err := strconv.ParseFloat(v, 64)
		f.beta, f.betaSet = b, true
		return err
	})
	set.Float64Var(&f.unk, "unk", hark.DefaultUnknownPenalty, "unknown-word `penalty` (natural-log LM units, weighted by --alpha, once per word the LM does not know)")
	set.Float64Var(&f.blank, "blank-penalty", hark.DefaultBlankPenalty, "subtracted from the blank's log-probability in every frame of the beam search: more makes the search drop fewer letters and words")
	set.BoolVar(&f.lookahead, "lookahead", hark.DefaultLookahead, "charge each word's best unigram LM score while it is spelled, its real score when it ends (--lookahead=false: score words only when they end; then a --beta around 0.5 suits the embedded model better than the default)")
	set.StringVar(&f.phrases, "phrases", "", "recognise only the words of the phrases in `file` (one per line, like Vosk's grammar: commands, digits, names), favouring the phrases themselves; replaces the language model")
	set.BoolVar(&f.greedy, "greedy", false, "greedy decoding: fastest; no language model, hot words or n-best")
	set.Func("hotword", "favour a word or phrase: `PHRASE:BOOST` adds BOOST (natural log, like the LM's scores; 2–6 helps a word the model half hears, "+
		"a negative BOOST suppresses it) once per occurrence to hypotheses holding it, e.g. \"new york:3\" (repeatable)", func(s string) error {
		h, err := decoder.ParseHotWord(s)
		if err == nil {
			f.hot = append(f.hot, h)
		}
		return err
	})
}

// check reports contradictory flags; the caller prints the message and exits with a usage error.
func (f *recognizerFlags) check() error {
	switch {
	case f.beam < 1:
		return fmt.Errorf("--beam must be at least 1")
	case f.noLM && f.lm != "":
		return fmt.Errorf("--lm and --no-lm contradict each other")
	case f.greedy && len(f.hot) > 0:
		return fmt.Errorf("--greedy decoding cannot boost hot words: drop --greedy or --hotword")
	case f.phrases != "" && (f.greedy || f.noLM || f.lm != ""):
		return fmt.Errorf("--phrases makes its own language model: drop --lm, --no-lm and --greedy")
	}
	return nil
}

// options turns the flags into Recognizer options; extra options (hot words, threads...) come after them.
func (f *recognizerFlags) options(extra ...hark.Option) []hark.Option {
	opts := []hark.Option{hark.WithBeam(f.beam), hark.WithUnknownPenalty(f.unk), hark.WithBlankPenalty(f.blank),
		hark.WithLookahead(f.lookahead)}
	if f.alphaSet {
		opts = append(opts, hark.WithAlpha(f.alpha))
	}
	if f.betaSet {
		opts = append(opts, hark.WithBeta(f.beta))
	}
	for _, h := range f.hot {
		opts = append(opts, hark.WithHotWord(h.Phrase, h.Boost))
	}
	opts = append(opts, extra...)
	switch {
	case f.noLM:
		opts = append(opts, hark.WithoutLM())
	case f.lm != "" && f.lm != "default": // "default": the embedded LM, which load adds
		opts = append(opts, hark.WithLM(f.lm))
	}
	if f.greedy {
		opts = append(opts, hark.WithGreedy())
	}
	return opts
}

// load returns the Recognizer the flags describe: the model file given with -m, else the embedded model
// (hark.ErrNoDefaultModel in a build without one). A model file with the English vocabulary (the default model
// fine-tuned, say) is decoded with the embedded English LM unless --lm, --no-lm or --greedy says otherwise:
// without it, beam search loses about 20 points of WER on the default model's dev sets.
func (f *recognizerFlags) load(extra ...hark.Option) (*hark.Recognizer, error) {
	opts := f.options(extra...)
	if f.phrases != "" {
		phrases, err := readPhrases(f.phrases)
		if err != nil {
			return nil, err
		}
		opts = append(opts, hark.WithPhrases(phrases...))
	}
	if f.model == "" {
		return hark.Default(opts...)
	}
	m, err := acoustic.LoadFile(f.model)
	if err != nil {
		return nil, err
	}
	english := slices.Equal(m.Vocabulary.Symbols, acoustic.EnglishVocabulary().Symbols)
	if f.lm == "default" || (!f.noLM && f.lm == "" && !f.greedy && f.phrases == "" && english) {
		lmModel, err := hark.DefaultLM()
		switch {
		case err == nil:
			// Before the caller's options, which never set an LM: --lm and --no-lm were ruled out above.
			opts = append([]hark.Option{hark.WithLMModel(lmModel)}, opts...)
			f.embeddedLM = true
		case f.lm == "default" || !errors.Is(err, hark.ErrNoDefaultLM):
			return nil, fmt.Errorf("--lm %s: %w", f.lm, err)
		}
	}
	return hark.LoadModel(m, opts...)
}

// modelName names the acoustic model for reports.
func (f *recognizerFlags) modelName() string {
	if f.model == "" {
		return "embedded " + models.Acoustic
	}
	return f.model
}

// decoding describes the decoder the flags select, for reports: "greedy", "beam 64" or
// "beam 64 + LM en.lm (α 0.5, β 1)".
func (f *recognizerFlags) decoding() string {
	if f.greedy {
		return "greedy"
	}
	s := fmt.Sprintf("beam %d", f.beam)
	lmName := ""
	switch {
	case f.noLM:
	case f.lm != "" && f.lm != "default":
		lmName = f.lm
	case f.model == "" || f.lm == "default":
		// Default loads the embedded LM when there is one.
		if _, err := fs.Stat(models.FS(), models.LM); err == nil {
			lmName = "embedded " + models.LM
		}
	case f.embeddedLM:
		lmName = "embedded " + models.LM
	}
	if f.phrases != "" {
		alpha, beta := f.alpha, f.beta
		if !f.alphaSet {
			alpha = hark.DefaultPhraseAlpha
		}
		if !f.betaSet {
			beta = hark.DefaultPhraseBeta
		}
		s += fmt.Sprintf(" + phrases %s (α %g, β %g", f.phrases, alpha, beta)
		if f.lookahead {
			s += ", lookahead"
		}
		s += ")"
	} else if lmName != "" {
		s += fmt.Sprintf(" + LM %s (α %g, β %g, unknown-word penalty %g", lmName, f.alpha, f.beta, f.unk)
		if f.lookahead {
			s += ", lookahead"
		}
		s += ")"
	}
	if f.blank != 0 {
		s += fmt.Sprintf(", blank penalty %g", f.blank)
	}
	for _, h := range f.hot {
		s += fmt.Sprintf(", hot word %q %+g", h.Phrase, h.Boost)
	}
	return s
}

// readPhrases reads --phrases: one phrase per line, normalised as transcripts are (case, punctuation); blank
// lines and lines starting with # are skipped. A phrase the model cannot spell ("42") is an error naming its
// line.
func readPhrases(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var phrases []string
	text := strings.TrimPrefix(string(data), "\ufeff") // the byte-order mark Windows editors write
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p, err := corpus.NormalizeTranscript(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w (write numbers and symbols as words)", path, i+1, err)
		}
		phrases = append(phrases, p)
	}
	if len(phrases) == 0 {
		return nil, fmt.Errorf("%s: no phrases (one per line)", path)
	}
	return phrases, nil
}
