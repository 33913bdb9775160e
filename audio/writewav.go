package audio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// WriteWAV writes samples as a 16-bit PCM mono WAV file at rate Hz. Samples are clipped to [-1, 1] and rounded
// to the nearest 16-bit value.
func WriteWAV(w io.Writer, samples []float32, rate int) error {
	if rate <= 0 {
		return fmt.Errorf("audio: WriteWAV: sample rate %d", rate)
	}
	data := int64(len(samples)) * 2
	if data > math.MaxUint32-36 {
		return fmt.Errorf("audio: WriteWAV: %d samples do not fit in a WAV file", len(samples))
	}
	bw := bufio.NewWriter(w)
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+data))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(data))
	bw.Write(h[:])
	var b [2]byte
	for _, v := range samples {
		x := float64(v) * 32768
		switch {
		case x > 32767:
			x = 32767
		case x < -32768:
			x = -32768
		case x != x:
			x = 0
		}
		binary.LittleEndian.PutUint16(b[:], uint16(int16(math.Round(x))))
		bw.Write(b[:])
	}
	return bw.Flush()
}
