#!/usr/bin/env bash
# Batch transcription throughput: hark transcribe -j 1, 4, 8, 16 over 32 two-minute WAV files (testdata speech
# with 0.8 s pauses, repeated; made with python3's wave module, so no sox is needed), and one file with -t 1 and
# -t 16 (segments recognised in parallel). Prints seconds of audio and wall-clock seconds for each.
#
# usage: bench/throughput.sh [hark transcribe flags, e.g. -m models/files/en.hark --lm models/files/en.lm]
# env:   HARK (the binary; default: built from this checkout)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hark=${HARK:-}
if [ -z "$hark" ]; then
	hark=$work/hark
	(cd "$root" && go build -o "$hark" ./cmd/hark)
fi
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
python3 - "$root/testdata" "$work" <<'PY'
import sys, wave
src, out = sys.argv[1], sys.argv[2]
frames = []
for name in ("sample.wav", "native.wav"):
    w = wave.open(f"{src}/{name}")
    assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    frames.append(w.readframes(w.getnframes()))
    w.close()
one = b"".join(f + b"\0\0" * 12800 for f in frames)
data = (one * (120 * 32000 // len(one) + 1))[: 120 * 32000]
for i in range(32):
    o = wave.open(f"{out}/long{i:02d}.wav", "wb")
    o.setnchannels(1); o.setsampwidth(2); o.setframerate(16000); o.writeframes(data); o.close()
PY
now() { python3 -c 'import time; print(time.time())'; }
run() { # LABEL AUDIO_SECONDS ARGS...
	local label=$1 audio=$2 s e
	shift 2
	s=$(now)
	"$hark" transcribe "$@" -f txt >/dev/null
	e=$(now)
	python3 -c "a=$audio; w=$e-$s; print(f'$label: {a} s of audio in {w:.2f} s, {a/w:.0f}x real time')"
}
run "-j 1, 4 files" 480 "$@" -j 1 "$work"/long0[0-3].wav
for j in 4 8 16; do
	run "-j $j, 32 files" 3840 "$@" -j "$j" "$work"/long*.wav
done
run "one file, -t 1" 120 "$@" -t 1 "$work/long00.wav"
run "one file, -t 16" 120 "$@" -t 16 "$work/long00.wav"
