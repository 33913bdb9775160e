package audio

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxID3Tags bounds how many ID3v2 tags in a row are skipped before the audio, so that a file made of tags
// cannot keep the sniffer busy.
const maxID3Tags = 8

// sniff identifies the container from the first bytes of br ("wav", "flac" or "mp3"). It consumes leading
// ID3v2 tags, which both MP3 and (rarely) FLAC files carry; everything else is left unread.
func sniff(br *bufio.Reader, name string) (string, error) {
	for tags := 0; ; tags++ {
		head, err := br.Peek(12)
		if err != nil && err != io.EOF {
			return "", nameErr(name, err) // the input failed: what came is no evidence of damage
		}
		if len(head) == 0 {
			if tags > 0 {
				return "", formatErr(name, nil, "an ID3 tag and no audio after it")
			}
			return "", formatErr(name, nil, "empty file")
		}
		switch {
		case bytes.HasPrefix(head, []byte("RIFF")):
			if len(head) < 12 {
				return "", formatErr(name, nil, "truncated RIFF header (%d bytes)", len(head))
			}
			if string(head[8:12]) != "WAVE" {
				return "", formatErr(name, nil, "RIFF file of type %q is not WAVE audio", head[8:12])
			}
			return "wav", nil
		case bytes.HasPrefix(head, []byte("RF64")), bytes.HasPrefix(head, []byte("BW64")):
			return "", formatErr(name, nil, "RF64 WAV files are not supported")
		case bytes.HasPrefix(head, []byte("RIFX")):
			return "", formatErr(name, nil, "big-endian RIFX WAV files are not supported")
		case bytes.HasPrefix(head, []byte("fLaC")):
			return "flac", nil
		case bytes.HasPrefix(head, []byte("OggS")):
			return "", formatErr(name, nil, "Ogg files (Vorbis, Opus, Ogg FLAC) are not supported")
		case bytes.HasPrefix(head, []byte("FORM")):
			return "", formatErr(name, nil, "AIFF files are not supported")
		case bytes.HasPrefix(head, []byte("ID3")):
			if tags == maxID3Tags {
				return "", formatErr(name, nil, "more than %d ID3v2 tags before the audio", maxID3Tags)
			}
			if err := skipID3v2(br, name); err != nil {
				return "", err
			}
			continue
		}
		if len(head) >= 4 {
			if _, ok := parseMP3Header(head); ok {
				return "mp3", nil
			}
		}
		if tags > 0 || mp3AfterZeros(br) {
			// After an ID3 tag only MP3 (or FLAC, handled above) is expected; the MP3 decoder searches for the
			// first frame past any padding and says so precisely when there is none.
			return "mp3", nil
		}
		return "", formatErr(name, nil, "not a WAV, FLAC or MP3 file (starts with % x)", head[:min(len(head), 8)])
	}
}

// skipID3v2 discards an ID3v2 tag at the start of br without buffering it.
func skipID3v2(br *bufio.Reader, name string) error {
	var h [10]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return formatErr(name, nil, "truncated ID3v2 tag header")
	}
	if h[6]|h[7]|h[8]|h[9] >= 0x80 {
		return formatErr(name, nil, "corrupt ID3v2 tag size")
	}
	size := int64(h[6])<<21 | int64(h[7])<<14 | int64(h[8])<<7 | int64(h[9])
	if h[5]&0x10 != 0 { // footer present
		size += 10
	}
	n, err := io.CopyN(io.Discard, br, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return formatErr(name, nil, "truncated ID3v2 tag (header says %d bytes, file has %d)", size, n)
		}
		return nameErr(name, err)
	}
	return nil
}

// maxZeroPadding is how many zero bytes mp3AfterZeros looks past.
const maxZeroPadding = 8192

// mp3AfterZeros reports whether br holds zero bytes and then two MP3 frames of one stream in a row: what a tool
// that pads its output writes, with no ID3 tag to say what follows. Two frames, so that zeros before stray bytes
// are not taken for MP3.
func mp3AfterZeros(br *bufio.Reader) bool {
	b, _ := br.Peek(maxZeroPadding + 4096) // what is there: an error only shortens it
	i := 0
	for i < len(b) && i < maxZeroPadding && b[i] == 0 {
		i++
	}
	if i == 0 {
		return false
	}
	h, ok := parseMP3Header(b[i:])
	if !ok || h.size == 0 {
		return false
	}
	next, ok := parseMP3Header(b[min(i+h.size, len(b)):])
	return ok && next.sameStream(h)
}
