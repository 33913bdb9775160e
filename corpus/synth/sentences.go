package synth

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"

	"github.com/harkspeech/hark/corpus"
)

// Sentence limits: long enough to carry context, short enough that an utterance stays under ~15 s.
const (
	minWords = 3
	maxWords = 30
	maxChars = 200
)

// ReadSentences reads prompts, one a line, from text files (gzip-compressed when the name ends in .gz). Each line
// is normalised to the model alphabet; lines that cannot be (digits, symbols), that are too short or too long,
// and repeats are left out. The order is that of the files and lines, so the same files give the same list.
func ReadSentences(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		if err := readSentenceFile(p, seen, &out); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("synth: no usable sentences in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

func readSentenceFile(path string, seen map[string]bool, out *[]string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("synth: %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if len(line) > 4*maxChars {
			continue
		}
		s, err := corpus.NormalizeTranscript(line)
		if err != nil || len(s) > maxChars {
			continue
		}
		if n := strings.Count(s, " ") + 1; n < minWords || n > maxWords || seen[s] {
			continue
		}
		seen[s] = true
		*out = append(*out, s)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("synth: reading %s: %w", path, err)
	}
	return nil
}

// splitSentences puts a sentence in the test split when a hash of its text falls in the lowest permille
// thousandths, so the split of a sentence does not depend on which other sentences were read.
func splitSentences(all []string, permille int) (train, test []string) {
	for _, s := range all {
		h := fnv.New32a()
		h.Write([]byte(s))
		if int(h.Sum32()%1000) < permille {
			test = append(test, s)
		} else {
			train = append(train, s)
		}
	}
	return train, test
}
