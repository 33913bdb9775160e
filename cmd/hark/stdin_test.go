package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
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
