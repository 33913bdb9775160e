#!/usr/bin/env bash
# Scores hark on telephone-quality copies of held-out real speech: speechocean762 dev and cathy dev (the dev
# sets of training/prepare-data.sh) sent through sox to 8 kHz G.711 mu-law WAVs, as a phone line or a call
# recording gives them, beside the 16 kHz originals.
#
# usage: bench/telephone.sh [hark eval flags, e.g. -m MODEL]      env: HARK (the hark binary; default: built from
# this checkout), HARK_CACHE (default ~/.cache/hark; the copies go to $HARK_CACHE/telephone)
#
# Prints WER for each set, original and telephone. Needs sox; about a minute on two cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=$(realpath -m "${HARK_CACHE:-$HOME/.cache/hark}")
out=$cache/telephone
data=$cache/data
mkdir -p "$out"
hark=${HARK:-}
if [ -z "$hark" ]; then
	hark=$out/hark
	(cd "$root" && go build -o "$hark" ./cmd/hark)
fi
"$root/training/prepare-data.sh" "$root/../shared/data" "$data" >/dev/null
for set in so-dev cathy-dev; do
	manifest=$out/$set-8k.tsv
	if [ ! -s "$manifest" ]; then
		while IFS=$'\t' read -r path dur text _; do
			[ -n "$path" ] || continue
			case $path in /*) src=$path ;; *) src=$data/$path ;; esac
			wav=$out/$set-$(basename "${path%.*}").wav
			sox -D "$src" -r 8000 -e mu-law "$wav" # -D: no dither, the same file every time
			printf '%s\t%s\t%s\n' "$wav" "$dur" "$text"
		done <"$data/$set.tsv" >"$manifest.tmp"
		mv "$manifest.tmp" "$manifest"
	fi
	for m in "$data/$set.tsv" "$manifest"; do
		wer=$("$hark" eval -t "$(nproc)" "$@" --manifest "$m" 2>&1 | sed -n 's/^WER \([0-9.]*%\).*/\1/p')
		printf '%-10s %-9s WER %s\n' "$set" "$([ "$m" = "$manifest" ] && echo 8k-mulaw || echo 16k)" "$wer"
	done
done
