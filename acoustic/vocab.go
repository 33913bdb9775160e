package acoustic

import (
	"fmt"
	"strings"
)

// Vocabulary maps output indices to symbols. Index 0 is the CTC blank (its symbol is ""), 1 is the space.
type Vocabulary struct {
	Symbols []string
}

// Blank is the index of the CTC blank in every Hark vocabulary.
const Blank = 0

// EnglishVocabulary is blank, space, apostrophe, a–z (29 symbols).
func EnglishVocabulary() Vocabulary {
	s := []string{"", " ", "'"}
	for c := 'a'; c <= 'z'; c++ {
		s = append(s, string(c))
	}
	return Vocabulary{Symbols: s}
}

// Size is the number of symbols including the blank.
func (v Vocabulary) Size() int { return len(v.Symbols) }

// Encode maps text to symbol indices. Letters are lower-cased and runs of white space become one space;
// leading and trailing space is dropped. A character outside the vocabulary is an error.
func (v Vocabulary) Encode(text string) ([]int, error) {
	idx := make(map[string]int, len(v.Symbols))
	for i, s := range v.Symbols {
		if i != Blank {
			idx[s] = i
		}
	}
	text = strings.Join(strings.Fields(strings.ToLower(text)), " ")
	ids := make([]int, 0, len(text))
	for _, r := range text {
		i, ok := idx[string(r)]
		if !ok {
			return nil, fmt.Errorf("acoustic: %q is not in the vocabulary", r)
		}
		ids = append(ids, i)
	}
	return ids, nil
}

// Decode maps indices to text, skipping blanks. It does not collapse repeats (that is the decoder's job).
// Indices outside the vocabulary are skipped.
func (v Vocabulary) Decode(ids []int) string {
	var b strings.Builder
	for _, i := range ids {
		if i != Blank && i >= 0 && i < len(v.Symbols) {
			b.WriteString(v.Symbols[i])
		}
	}
	return b.String()
}
