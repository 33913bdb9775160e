package train

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"testing"
)

// FuzzDecodeCheckpoint: arbitrary bytes give a checkpoint or a *CheckpointError, never a panic or an
// allocation beyond the input's size; a checkpoint that decodes encodes and decodes back to the same values.
func FuzzDecodeCheckpoint(f *testing.F) {
	var buf bytes.Buffer
	if err := encodeCheckpoint(&buf, testCheckpoint()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:30])
	f.Fuzz(func(t *testing.T, data []byte) {
		// Also try the input with its trailing CRC-32C made right, so that mutations reach the header and
		// tensor checks behind the checksum.
		fixed := bytes.Clone(data)
		if len(fixed) >= 4 {
			binary.LittleEndian.PutUint32(fixed[len(fixed)-4:], crc32.Checksum(fixed[:len(fixed)-4], castagnoli))
		}
		for _, in := range [][]byte{data, fixed} {
			ck, err := decodeCheckpoint(in)
			if err != nil {
				var ce *CheckpointError
				if !errors.As(err, &ce) {
					t.Fatalf("error %v (%T) is not a *CheckpointError", err, err)
				}
				continue
			}
			var out bytes.Buffer
			if err := encodeCheckpoint(&out, ck); err != nil {
				t.Fatalf("a decoded checkpoint does not encode: %v", err)
			}
			back, err := decodeCheckpoint(out.Bytes())
			if err != nil {
				t.Fatalf("re-encoded checkpoint does not decode: %v", err)
			}
			if len(back.Params) != len(ck.Params) {
				t.Fatalf("%d tensors after a round trip, want %d", len(back.Params), len(ck.Params))
			}
			for i, p := range ck.Params {
				q := back.Params[i]
				if q.Name != p.Name || !sameBits(q.Value, p.Value) || !sameBits(back.M[p.Name], ck.M[p.Name]) ||
					!sameBits(back.V[p.Name], ck.V[p.Name]) {
					t.Fatalf("tensor %q changed in a round trip", p.Name)
				}
			}
		}
	})
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
