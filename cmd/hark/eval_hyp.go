package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/harkspeech/hark/corpus"
)

// hypFormatError is a bad line of a --hyp file.
type hypFormatError struct {
	File    string
	Line    int
	Problem string
}

func (e *hypFormatError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Problem) }

// hypothesis is one line of a --hyp file: another recognizer's transcript of one manifest entry.
type hypothesis struct {
	path, text string
	line       int
}

// maxHypLine bounds one line of a --hyp file.
const maxHypLine = 1 << 20

// missingShown is how many utterances without a hypothesis are named one by one.
const missingShown = 10

// readHypotheses reads PATH<TAB>TEXT lines (blank lines are skipped; the text may be empty).
func readHypotheses(r io.Reader, name string) ([]hypothesis, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxHypLine)
	var out []hypothesis
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		path, text, ok := strings.Cut(line, "\t")
		switch {
		case !ok:
			return nil, &hypFormatError{name, n, "no tab between path and text"}
		case path == "":
			return nil, &hypFormatError{name, n, "empty path"}
		}
		out = append(out, hypothesis{path: path, text: text, line: n})
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, &hypFormatError{name, n + 1, fmt.Sprintf("line longer than %d bytes", maxHypLine)}
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// scoreHypotheses scores the hypotheses in the file hypPath against the first n utterances of all (the whole
// manifest, so that hypotheses for utterances past --limit are not reported as strays). A hypothesis is matched
// to an utterance by its path as written in the manifest (relative to the manifest's folder) or as resolved
// (absolute, or relative to the current folder). Utterances without one are scored as all deletions and named on
// w.
func scoreHypotheses(w io.Writer, hypPath, manifest string, all []corpus.Utterance, n int) ([]evalResult, error) {
	f, err := os.Open(hypPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hyps, err := readHypotheses(f, hypPath)
	if err != nil {
		return nil, err
	}

	index := make(map[string][]int, 2*len(all))
	for i, u := range all {
		for _, k := range pathKeys(u.Path) {
			if l := index[k]; len(l) == 0 || l[len(l)-1] != i {
				index[k] = append(l, i)
			}
		}
	}
	dir := manifestDir(manifest)
	lookup := func(p string) []int {
		for _, c := range []string{resolvePath(dir, p), p} {
			for _, k := range pathKeys(c) {
				if idx, ok := index[k]; ok {
					return idx
				}
			}
		}
		return nil
	}

	texts := make([]string, n)
	from := make([]int, n) // line of each utterance's hypothesis; 0: none
	var strays []hypothesis
	for _, h := range hyps {
		idx := lookup(h.path)
		if idx == nil {
			strays = append(strays, h)
			continue
		}
		for _, i := range idx {
			if i >= n {
				continue
			}
			if from[i] != 0 {
				return nil, &hypFormatError{hypPath, h.line, fmt.Sprintf("second hypothesis for %s (the first is on line %d)", h.path, from[i])}
			}
			texts[i], from[i] = h.text, h.line
		}
	}
	if len(strays) > 0 {
		if len(strays) == len(hyps) {
			return nil, fmt.Errorf("%s: none of its %d paths is an utterance of %s (paths must be as written in the manifest, or resolved)",
				hypPath, len(hyps), manifest)
		}
		fmt.Fprintf(w, "hark eval: %s: %d hypotheses name no utterance of %s, the first %q on line %d\n",
			hypPath, len(strays), manifest, strays[0].path, strays[0].line)
	}

	results := make([]evalResult, n)
	missing := 0
	for i := range results {
		u := all[i]
		results[i] = score(u.Text, texts[i])
		results[i].audio = u.Duration
		if from[i] == 0 {
			results[i].missing = true
			if missing++; missing <= missingShown {
				fmt.Fprintf(w, "hark eval: %s: no hypothesis in %s (counted as deletions)\n", u.Path, hypPath)
			}
		}
	}
	if missing > missingShown {
		fmt.Fprintf(w, "hark eval: %d more utterances have no hypothesis in %s\n", missing-missingShown, hypPath)
	}
	return results, nil
}

// pathKeys are the forms under which a path is looked up: cleaned, and absolute.
func pathKeys(p string) []string {
	keys := []string{filepath.Clean(p)}
	if abs, err := filepath.Abs(p); err == nil && abs != keys[0] {
		keys = append(keys, abs)
	}
	return keys
}

// resolvePath resolves a path as the manifest reader does: relative paths are relative to dir.
func resolvePath(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, filepath.FromSlash(p))
}

// manifestDir is the folder relative manifest paths are resolved against: the manifest's folder, or the
// manifest itself when it is a LibriSpeech tree.
func manifestDir(manifest string) string {
	if st, err := os.Stat(manifest); err == nil && st.IsDir() {
		return manifest
	}
	return filepath.Dir(manifest)
}
