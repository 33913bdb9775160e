#!/bin/sh
# Regenerates the espeak-ng fixtures used by acoustic/train's overfitting test (Debian: espeak-ng, sox).
# Edge silence is trimmed so that each file stays a few KB.
set -e
cd "$(dirname "$0")"
for p in "yes:yes" "no:no" "go_left:go left"; do
	f=${p%%:*}
	t=${p#*:}
	espeak-ng -v en-us -s 150 -w "/tmp/$f.22k.wav" "$t"
	sox "/tmp/$f.22k.wav" -r 16000 -c 1 -b 16 "$f.wav" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
	rm "/tmp/$f.22k.wav"
done
