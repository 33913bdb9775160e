package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/harkspeech/hark"
	"github.com/harkspeech/hark/audio/mic"
)

// listen recognises s live with rec until ctx ends (Ctrl-C), the input ends (opts.MaxSamples) or the device
// fails, printing events to out, and closes s. The last utterance is always printed. Ctrl-C is a normal end;
// a failing device is an error, reported after the text so far.
func listen(ctx context.Context, e *env, rec *hark.Recognizer, s micStream, opts hark.ListenOptions, out *listenPrinter) error {
	err := rec.Listen(ctx, s, opts, out.event)
	closeErr := s.Close()
	if ferr := out.finish(); err == nil {
		err = ferr
	}
	st := s.Stats()
	if out.jsonl {
		if serr := out.stats(st, s.DeviceRate()); err == nil {
			err = serr
		}
	}
	reportDrops(e, st, s.DeviceRate())
	switch {
	case errors.Is(err, context.Canceled):
		return nil // Ctrl-C: the user is done
	case errors.Is(err, mic.ErrStalled):
		return fmt.Errorf("%w; the text recognised until then was printed", err)
	case err != nil:
		return err
	}
	return closeErr
}

// listenPrinter writes Listen's events: on a terminal (text format) the partial text is rewritten in place on
// one line and each final gets its own line; to a file or pipe, only finals, one per line; in jsonl, every
// event as a JSON line, then a stats line.
type listenPrinter struct {
	w       io.Writer
	jsonl   bool
	tty     bool
	width   int  // terminal columns
	pending bool // a partial is on the current line
}

func newListenPrinter(w io.Writer, jsonl bool) *listenPrinter {
	p := &listenPrinter{w: w, jsonl: jsonl, width: 80}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 10 {
			p.width = cols
		}
	}
	return p
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

func (p *listenPrinter) event(ev hark.Event) error {
	var err error
	switch {
	case p.jsonl:
		var b []byte
		if b, err = json.Marshal(ev); err == nil {
			_, err = fmt.Fprintf(p.w, "%s\n", b)
		}
	case !p.tty:
		if ev.Type == hark.EventFinal && ev.Result.Text != "" {
			_, err = fmt.Fprintln(p.w, ev.Result.Text)
		}
	case ev.Type == hark.EventPartial:
		_, err = fmt.Fprint(p.w, clearLine+lastColumns(ev.Result.Text, p.width-1))
		p.pending = true
	default:
		line := clearLine
		if ev.Result.Text != "" {
			line += ev.Result.Text + "\n"
		}
		_, err = fmt.Fprint(p.w, line)
		p.pending = false
	}
	return err
}

// finish clears a partial left on a terminal line (Listen always ends with a final, so only after an error).
func (p *listenPrinter) finish() error {
	if !p.pending {
		return nil
	}
	p.pending = false
	_, err := fmt.Fprint(p.w, clearLine)
	return err
}

// stats writes the capture statistics as a jsonl event.
func (p *listenPrinter) stats(st mic.Stats, rate int) error {
	b, err := json.Marshal(struct {
		Type           string  `json:"type"`
		Seconds        float64 `json:"seconds"`
		Dropped        int64   `json:"dropped"`
		DroppedSeconds float64 `json:"dropped_seconds"`
		Overflows      int64   `json:"overflows"`
	}{"stats", roundTo(float64(st.Frames)/float64(rate), 3), st.Dropped,
		roundTo(float64(st.Dropped)/float64(rate), 3), st.Overflows})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(p.w, "%s\n", b)
	return err
}

// lastColumns returns the end of s that fits in n columns (one per rune), marked with "…" when cut, so that a
// long partial stays on one terminal line and shows its newest words.
func lastColumns(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return "…" + string(r[len(r)-(n-1):])
}
