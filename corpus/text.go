package corpus

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Alphabet is the set of characters a normalised transcript consists of: the model's output symbols other than
// the CTC blank.
const Alphabet = " 'abcdefghijklmnopqrstuvwxyz"

// NormalizeTranscript maps a transcript to the model alphabet: ASCII letters are lowercased, typographic
// apostrophes become "'", white space and punctuation (commas, full stops, hyphens, quotes, brackets...) become
// word breaks, runs of spaces collapse and an apostrophe with no letter next to it is dropped. Characters that are
// spoken but cannot be spelled in the alphabet — digits, symbols such as "$" or "&", letters outside a–z — make it
// return an error naming them, because dropping them would leave a transcript that does not match the audio.
// An empty result is an error too.
func NormalizeTranscript(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("transcript is not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(s))
	var bad []rune
	space := false
	for _, r := range s {
		r, class := classify(r)
		switch {
		case class == spelled:
		case class == wordBreak || unicode.IsSpace(r):
			space = true
			continue
		default:
			if len(bad) < 8 && !strings.ContainsRune(string(bad), r) {
				bad = append(bad, r)
			}
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	if len(bad) > 0 {
		return "", fmt.Errorf("transcript has characters outside the alphabet: %q", string(bad))
	}
	out := dropLoneApostrophes(b.String())
	if out == "" {
		return "", fmt.Errorf("empty transcript")
	}
	return out, nil
}

// NormalizeText maps a line of running text, such as language-model text, to the alphabet as NormalizeTranscript
// does, but never fails: a white-space separated token holding a character that cannot be spelled (a digit, a
// symbol that is read out such as "&", a letter outside a–z, U+FFFD from text that was not UTF-8) becomes
// replacement, whole ("3.5" is one token, not two), and is returned in unspellable, so that the words around it
// keep their context; a token that is replacement already stays as it is, uncounted. Invisible format characters
// such as a byte-order mark are dropped. The result may be empty.
func NormalizeText(s, replacement string) (out string, unspellable []string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, string(utf8.RuneError))
	}
	var b strings.Builder
	b.Grow(len(s))
	word := func(w string) {
		if strings.Trim(w, "'") == "" {
			return // an apostrophe with no letter, as in dropLoneApostrophes
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	var part []rune
	for _, tok := range strings.Fields(s) {
		if tok == replacement { // text normalised before, or marked by hand
			word(tok)
			continue
		}
		var parts []string
		bad := false
		part = part[:0]
		for _, r := range tok {
			r, class := classify(r)
			switch class {
			case invisible:
				continue
			case wordBreak:
				parts = append(parts, string(part))
				part = part[:0]
				continue
			case foreign:
				bad = true
			}
			part = append(part, r)
		}
		if bad {
			word(replacement)
			unspellable = append(unspellable, tok)
			continue
		}
		for _, p := range append(parts, string(part)) {
			word(p)
		}
	}
	return b.String(), unspellable
}

// charClass is what normalising does with a character.
type charClass int

const (
	spelled   charClass = iota // a letter of the alphabet or an apostrophe, as classify returns it
	wordBreak                  // punctuation that is not read out
	invisible                  // a format character such as a byte-order mark
	foreign                    // anything else: digits, symbols that are read out, other letters, white space
)

// classify maps r to the alphabet: ASCII letters lower-cased, typographic apostrophes made "'".
func classify(r rune) (rune, charClass) {
	switch {
	case r >= 'a' && r <= 'z':
		return r, spelled
	case r >= 'A' && r <= 'Z':
		return r + 'a' - 'A', spelled
	case r == '\'' || r == '’' || r == '‘':
		return '\'', spelled
	case unicode.IsPunct(r) && !strings.ContainsRune(spokenPunct, r):
		return r, wordBreak
	case unicode.Is(unicode.Cf, r):
		return r, invisible
	}
	return r, foreign
}

// dropLoneApostrophes removes apostrophes with no letter on either side and the words left empty by that.
func dropLoneApostrophes(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	words := strings.Fields(s)
	out := words[:0]
	for _, w := range words {
		if strings.Trim(w, "'") == "" {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// spokenPunct are punctuation characters that are read out ("&" is "and", "%" is "percent").
const spokenPunct = "&%@#*/\\§¶†‰"

// inAlphabet reports whether s is a well-formed normalised transcript: alphabet characters, single spaces, no
// leading or trailing space, not empty.
func inAlphabet(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(Alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
