package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestInterruptibleReaderPassesDataThrough(t *testing.T) {
	data := make([]byte, 300_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	sources := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(data) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			got, err := io.ReadAll(newInterruptibleReader(context.Background(), src()))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("read %d bytes, err %v; want the %d bytes written", len(got), err, len(data))
			}
		})
	}
	t.Run("error after data", func(t *testing.T) {
		boom := errors.New("boom")
		r := io.MultiReader(bytes.NewReader(data[:1000]), iotest.ErrReader(boom))
		got, err := io.ReadAll(newInterruptibleReader(context.Background(), r))
		if !errors.Is(err, boom) || !bytes.Equal(got, data[:1000]) {
			t.Errorf("read %d bytes, err %v; want 1000 and %v", len(got), err, boom)
		}
	})
}

func TestInterruptibleReaderStopsWhenCancelled(t *testing.T) {
	pr, pw := io.Pipe() // nothing is ever written: a Read on pr blocks for good
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r := newInterruptibleReader(ctx, pr)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 10))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Read returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read still blocked 10 s after the context was cancelled")
	}
}

// A source that keeps returning no data and no error ends in io.ErrNoProgress rather than a busy loop; an empty
// Read returns at once.
func TestInterruptibleReaderEmptyReads(t *testing.T) {
	r := newInterruptibleReader(context.Background(), emptyForever{})
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v; want 0, nil at once", n, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, io.ErrNoProgress) {
			t.Errorf("got %v, want io.ErrNoProgress", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still reading after 10 s")
	}
}

type emptyForever struct{}

func (emptyForever) Read([]byte) (int, error) { return 0, nil }

// Ctrl-C while `hark info -` waits for standard input is an interruption (130), not a bad file (1).
func TestInfoStdinInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	e := &env{stdin: newInterruptibleReader(ctx, pr), stdout: &out, stderr: &errb}
	time.AfterFunc(100*time.Millisecond, cancel)
	if code := runMain(ctx, e, []string{"info", "-"}); code != exitInterrupted || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want %d and \"interrupted\"", code, errb.String(), exitInterrupted)
	}
}
