package main

import (
	"context"
	"io"
	"sync"
)

// interruptibleReader reads r until ctx ends. A read from a terminal or a pipe that never delivers blocks in
// the kernel, where no context reaches it; reading in a goroutine of its own lets a Ctrl-C stop `hark
// transcribe -` at once instead of at the second Ctrl-C. The goroutine starts at the first Read, so a
// command that never reads standard input never takes any of it.
type interruptibleReader struct {
	ctx    context.Context
	r      io.Reader
	start  sync.Once
	chunks chan readResult
	buf    []byte
	err    error
}

type readResult struct {
	data []byte
	err  error
}

func newInterruptibleReader(ctx context.Context, r io.Reader) *interruptibleReader {
	return &interruptibleReader{ctx: ctx, r: r, chunks: make(chan readResult)}
}

func (ir *interruptibleReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	ir.start.Do(func() { go ir.pump() })
	for len(ir.buf) == 0 {
		if ir.err != nil {
			return 0, ir.err
		}
		if err := ir.ctx.Err(); err != nil {
			return 0, err
		}
		select {
		case c := <-ir.chunks:
			ir.buf, ir.err = c.data, c.err
		case <-ir.ctx.Done():
			return 0, ir.ctx.Err()
		}
	}
	n := copy(p, ir.buf)
	ir.buf = ir.buf[n:]
	return n, nil
}

// pump reads into buffers of its own (a Read abandoned by its caller must not write into the caller's) and ends
// at the first error or when nobody is left to take what it read.
func (ir *interruptibleReader) pump() {
	var b []byte
	empty := 0
	for {
		if len(b) < 4<<10 {
			b = make([]byte, 64<<10)
		}
		n, err := ir.r.Read(b)
		if n == 0 && err == nil {
			// As bufio.Reader does: a reader that keeps giving nothing is broken, not slow.
			if empty++; empty < 100 {
				continue
			}
			err = io.ErrNoProgress
		}
		empty = 0
		chunk := b[:n:n]
		b = b[n:] // the reader keeps what it was sent; the rest of the buffer serves the next read
		select {
		case ir.chunks <- readResult{chunk, err}:
		case <-ir.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}
