package mictest

import (
	"context"
	"time"
)

// A Source delivers captured audio; *mic.Stream is one.
type Source interface {
	Read(ctx context.Context, p []float32) (int, error)
}

// A PacedReader passes on a Source's audio no faster than real time, as a live microphone delivers it, for
// tests whose outcome depends on the wall clock (endpoint timeouts, latency). The file plugin delivers about a
// hundred times faster than real time, so open the stream with a Config.Buffer longer than the test audio: the
// stream then holds what the pacing keeps back, and nothing is dropped.
type PacedReader struct {
	src   Source
	rate  float64
	start time.Time // of the first Read
	n     int64     // samples passed on
}

// Paced returns a PacedReader for src, which delivers rate samples per second (audio.SampleRate for a
// mic.Stream). The clock starts at the first Read.
func Paced(src Source, rate int) *PacedReader {
	return &PacedReader{src: src, rate: float64(rate)}
}

// Read waits until audio up to now is due, at least 10 ms of it (or len(p) samples, if fewer), and reads at
// most that much from the source.
func (r *PacedReader) Read(ctx context.Context, p []float32) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.start.IsZero() {
		r.start = time.Now()
	}
	least := int64(min(len(p), max(1, int(r.rate/100))))
	for {
		due := int64(time.Since(r.start).Seconds()*r.rate) - r.n
		if due >= least {
			k, err := r.src.Read(ctx, p[:min(int64(len(p)), due)])
			r.n += int64(k)
			return k, err
		}
		at := r.start.Add(time.Duration(float64(r.n+least) / r.rate * float64(time.Second)))
		t := time.NewTimer(time.Until(at))
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		case <-t.C:
		}
	}
}
