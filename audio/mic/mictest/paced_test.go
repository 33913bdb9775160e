package mictest

import (
	"context"
	"errors"
	"testing"
	"time"
)

type zeros struct{}

func (zeros) Read(ctx context.Context, p []float32) (int, error) {
	clear(p)
	return len(p), nil
}

func TestPacedReader(t *testing.T) {
	const rate = 16000
	tests := []struct {
		samples, bufSize int
	}{
		{rate / 5, 1600},
		{rate / 10, 100},
		{rate / 10, 7},
	}
	for _, tt := range tests {
		r := Paced(zeros{}, rate)
		buf := make([]float32, tt.bufSize)
		start := time.Now()
		got := 0
		for got < tt.samples {
			n, err := r.Read(context.Background(), buf[:min(len(buf), tt.samples-got)])
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("Read returned nothing")
			}
			got += n
			// Never ahead of the clock (the clock starts at the first Read, after start).
			if ahead := time.Duration(float64(got)/rate*float64(time.Second)) - time.Since(start); ahead > 0 {
				t.Fatalf("%d samples delivered %v ahead of real time", got, ahead)
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	r := Paced(zeros{}, 1) // one sample a second: the first is due after a second
	if _, err := r.Read(ctx, make([]float32, 4)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read = %v, want the context's error", err)
	}
}
