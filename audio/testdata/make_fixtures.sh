#!/usr/bin/env bash
# Regenerates the audio package's test fixtures. Run once from anywhere; the outputs are committed and the
# tests do not need these tools. Needs Debian's /usr/bin/python3 (with numpy), lame and flac.
#
# Every good file carries the same known signal, so that the tests can compute what it must decode to:
#   x(t) = ramp(t) · (0.4 sin 2π·440t + 0.3 sin 2π·1250t),  t = n / rate,  n < floor(dur · rate)
# where ramp is a 10 ms raised-cosine fade in from t = 0 and out to t = dur, defined in continuous time so that
# every rate samples the same waveform (it also keeps the resampler's edge transients small).
# Stereo files hold L = x + y and R = x − y, y = ramp · 0.2 sin 2π·700t, so that the mono downmix is x.
# The Go side of this definition is testSignal in audio_test.go.
set -euo pipefail
cd "$(dirname "$0")"
rm -f ./*.wav ./*.flac ./*.mp3 ./*.bin

/usr/bin/python3 - <<'EOF'
import struct
import numpy as np

def signal(rate, dur, stereo=False):
    n = int(dur * rate)
    t = np.arange(n) / rate
    ramp = np.ones(n)
    ramp[t < 0.010] = 0.5 - 0.5 * np.cos(np.pi * t[t < 0.010] / 0.010)
    end = t > dur - 0.010
    ramp[end] = 0.5 - 0.5 * np.cos(np.pi * (dur - t[end]) / 0.010)
    x = ramp * (0.4 * np.sin(2 * np.pi * 440 * t) + 0.3 * np.sin(2 * np.pi * 1250 * t))
    if not stereo:
        return x[:, None]
    y = ramp * 0.2 * np.sin(2 * np.pi * 700 * t)
    return np.stack([x + y, x - y], axis=1)

GUID_TAIL = bytes([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])

def encode(x, kind, bits):
    """x: frames × channels in [-1, 1]; returns little-endian interleaved sample bytes."""
    if kind == 'float':
        return x.astype('<f4' if bits == 32 else '<f8').tobytes()
    if bits == 8:
        return np.clip(np.round(x * 128) + 128, 0, 255).astype('u1').tobytes()
    q = np.clip(np.round(x * 2.0 ** (bits - 1)), -2.0 ** (bits - 1), 2.0 ** (bits - 1) - 1).astype('<i8')
    if bits == 24:
        b = q.astype('<i4').reshape(-1).view('u1').reshape(-1, 4)[:, :3]
        return b.tobytes()
    return q.astype('<i2' if bits == 16 else '<i4').tobytes()

def fmt_chunk(kind, channels, rate, bits, extensible=False):
    tag = 3 if kind == 'float' else 1
    align = channels * bits // 8
    if not extensible:
        return b'fmt ' + struct.pack('<IHHIIHH', 16, tag, channels, rate, rate * align, align, bits)
    body = struct.pack('<HHIIHHHHI', 0xFFFE, channels, rate, rate * align, align, bits, 22, bits,
                       3 if channels == 2 else 4) + struct.pack('<H', tag) + GUID_TAIL
    return b'fmt ' + struct.pack('<I', len(body)) + body

def riff(chunks, riff_size=None):
    body = b'WAVE' + b''.join(chunks)
    return b'RIFF' + struct.pack('<I', len(body) if riff_size is None else riff_size) + body

def data_chunk(data, size=None):
    pad = b'\0' if len(data) % 2 else b''
    return b'data' + struct.pack('<I', len(data) if size is None else size) + data + pad

def wav(name, rate, kind='int', bits=16, stereo=False, dur=0.3, extensible=False, extra_first=()):
    x = signal(rate, dur, stereo)
    ch = x.shape[1]
    chunks = list(extra_first) + [fmt_chunk(kind, ch, rate, bits, extensible), data_chunk(encode(x, kind, bits))]
    open(name, 'wb').write(riff(chunks))

# Good files.
wav('pcm_u8_16k.wav', 16000, bits=8)
wav('pcm_s16_16k.wav', 16000, bits=16)
wav('pcm_s24_16k.wav', 16000, bits=24)
wav('pcm_s32_16k.wav', 16000, bits=32)
wav('pcm_f32_16k.wav', 16000, 'float', 32)
wav('pcm_f64_16k.wav', 16000, 'float', 64)
wav('stereo_s16_16k.wav', 16000, stereo=True)
wav('rate_8k.wav', 8000)
wav('rate_22k05.wav', 22050)
wav('rate_44k1.wav', 44100)
wav('rate_48k.wav', 48000)
wav('extensible_s24_stereo_48k.wav', 48000, bits=24, stereo=True, dur=0.1, extensible=True)
wav('extensible_f32_16k.wav', 16000, 'float', 32, extensible=True)
# Chunks before "fmt " (LIST) and an odd-sized chunk with its pad byte (JUNK) between the headers.
wav('odd_chunks_16k.wav', 16000, extra_first=[
    b'LIST' + struct.pack('<I', 16) + b'INFOISFT' + struct.pack('<I', 4) + b'hark',
    b'JUNK' + struct.pack('<I', 3) + b'abc\0'])
open('zero_length.wav', 'wb').write(riff([fmt_chunk('int', 1, 16000, 16), data_chunk(b'')]))
# Streaming writers put 0xFFFFFFFF in the size fields when they cannot seek back: read to the end.
x = encode(signal(16000, 0.3), 'int', 16)
open('unknown_size.wav', 'wb').write(riff([fmt_chunk('int', 1, 16000, 16), data_chunk(x, 0xFFFFFFFF)],
                                          riff_size=0xFFFFFFFF))

# Bad files. The header of truncated_data.wav is right for 0.3 s; the file stops after 1200 data bytes.
full = riff([fmt_chunk('int', 1, 16000, 16), data_chunk(x)])
open('truncated_data.wav', 'wb').write(full[:44 + 1200])
# data_larger.wav: the RIFF size matches the file, the data chunk claims more than the file holds.
open('data_larger.wav', 'wb').write(riff([fmt_chunk('int', 1, 16000, 16), b'data' + struct.pack('<I', 32000) + x[:1200]]))
open('huge_claim.wav', 'wb').write(riff([fmt_chunk('int', 1, 16000, 16), b'data' + struct.pack('<I', 0xFFFFFF00) + x[:1200]],
                                        riff_size=0xFFFFFF24))
open('huge_fmt.wav', 'wb').write(riff([b'fmt ' + struct.pack('<I', 0xFFFFFFF0) + b'\1\0\1\0']))
def bad_fmt(name, channels, rate, bits=16):
    align = channels * bits // 8
    f = b'fmt ' + struct.pack('<IHHIIHH', 16, 1, channels, rate, (rate * align) & 0xFFFFFFFF, align & 0xFFFF, bits)
    open(name, 'wb').write(riff([f, data_chunk(x[:400])]))
bad_fmt('channels_65535.wav', 65535, 16000)
bad_fmt('rate_0.wav', 1, 0)
bad_fmt('rate_1e9.wav', 1, 1000000000)
bad_fmt('bits_12.wav', 1, 16000, 12)
open('no_data.wav', 'wb').write(riff([fmt_chunk('int', 1, 16000, 16)]))
open('not_riff.bin', 'wb').write(b'<html><body>This is not audio.</body></html>\n')
open('empty.bin', 'wb').write(b'')
# Sources for the compressed fixtures (not committed): 1 s, 16-bit.
def src(name, rate, stereo=False):
    s = signal(rate, 1.0, stereo)
    open(name, 'wb').write(riff([fmt_chunk('int', s.shape[1], rate, 16), data_chunk(encode(s, 'int', 16))]))
src('src_16k.tmp.wav', 16000)
src('src_44k1_stereo.tmp.wav', 44100, stereo=True)
src('src_8k.tmp.wav', 8000)
EOF

# FLAC: 16 kHz mono and 44.1 kHz stereo; a copy cut in the middle of a frame.
flac --silent --force -o flac_16k.flac src_16k.tmp.wav
flac --silent --force -o flac_44k1_stereo.flac src_44k1_stereo.tmp.wav
head -c 14000 flac_16k.flac > flac_truncated.flac
flac --silent --force -o flac_s32.flac pcm_s32_16k.wav  # 32-bit FLAC (flac 1.4 and later): refused clearly
sox pcm_s16_16k.wav -e u-law mulaw_16k.wav  # G.711, encoded by sox: an independent coder
sox pcm_s16_16k.wav -e a-law alaw_16k.wav

# MP3: MPEG-2 at 16 kHz (mono, 64 kb/s, like speechocean762), MPEG-1 at 44.1 kHz (joint stereo, 128 kb/s),
# one without the Xing/LAME tag (-t), one with an ID3v2 tag, one cut in the middle of a frame, and an
# MPEG-2.5 file (8 kHz), which go-mp3 cannot decode.
lame --quiet -b 64 src_16k.tmp.wav mp3_16k.mp3
lame --quiet -b 128 src_44k1_stereo.tmp.wav mp3_44k1_stereo.mp3
lame --quiet -b 64 -t src_16k.tmp.wav mp3_16k_notag.mp3
lame --quiet -b 64 -p src_16k.tmp.wav mp3_16k_crc.mp3  # CRC-protected frames; LAME still puts its tag at the no-CRC offset
lame --quiet -b 64 --id3v2-only --tt "Hark fixture" --ta "hark" src_16k.tmp.wav mp3_16k_id3.mp3
head -c 5000 mp3_16k.mp3 > mp3_truncated.mp3
lame --quiet -b 32 src_8k.tmp.wav mp3_8k_mpeg25.mp3

rm -f ./*.tmp.wav
ls -l
du -ch ./*.wav ./*.flac ./*.mp3 ./*.bin | tail -1
