#!/usr/bin/env bash
# Scores hark on long recordings made by joining held-out real utterances (the dev sets of
# training/prepare-data.sh, which no training or tuning has read), the way people feed it podcasts and lectures:
# how the voice-activity cuts (hark transcribe) and the live endpoint rules (transcribe --stream, listen) hold up
# over minutes rather than seconds. Each recording is one manifest line whose transcript is its utterances'
# transcripts in order.
#
#   pauses    cathy dev, the first take of each sentence, with 0.8 s of silence between them (reading with pauses)
#   nopause   cathy dev, the other takes, back to back (no pause but the recordings' own edges)
#   accented  the first 80 speechocean762 dev utterances back to back (many speakers)
#
# usage: bench/long-audio.sh [hark eval flags]       env: HARK (the hark binary; default: built from this
# checkout), HARK_CACHE (default ~/.cache/hark; the recordings go to $HARK_CACHE/long-audio)
#
# Prints hark eval's WER for each recording and pooled, with --vad (what hark transcribe writes) and with
# --stream (the live path). Needs sox; takes about a minute on one core.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$root/../shared/data
cache=$(realpath -m "${HARK_CACHE:-$HOME/.cache/hark}")
out=$cache/long-audio
hark=${HARK:-}
if [ -z "$hark" ]; then
	hark=$out/hark
	mkdir -p "$out"
	(cd "$root" && go build -o "$hark" ./cmd/hark)
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# join NAME GAP_SECONDS MANIFEST_LINES: decodes each utterance to 16 kHz WAV, joins them with GAP seconds of
# silence and writes NAME.wav and NAME.tsv.
join() {
	local name=$1 gap=$2 i=0 parts=() text="" path transcript
	# -D: no dither, so that the silence is digital zeros and the recordings are the same on every rebuild.
	sox -D -n -r 16000 -c 1 -b 16 "$work/gap.wav" trim 0 "$gap"
	while IFS=$'\t' read -r path _ transcript; do
		sox -D "$path" -r 16000 -c 1 -b 16 "$work/$i.wav"
		parts+=("$work/$i.wav")
		[ "$gap" != 0 ] && parts+=("$work/gap.wav")
		text="$text $transcript"
		i=$((i + 1))
	done
	sox -D "${parts[@]}" "$out/$name.wav"
	printf '%s\t-\t%s\n' "$out/$name.wav" "${text# }" >"$out/$name.tsv"
}
data=$cache/data
"$root/training/prepare-data.sh" "$shared" "$data" >/dev/null
if [ ! -f "$out/pauses.tsv" ] || [ ! -f "$out/nopause.tsv" ] || [ ! -f "$out/accented.tsv" ] || [ "$out/accented.tsv" -ot "$0" ]; then
	awk -F'\t' '!seen[$3]++' "$data/cathy-dev.tsv" | join pauses 0.8
	awk -F'\t' 'seen[$3]++' "$data/cathy-dev.tsv" | join nopause 0
	head -80 "$data/so-dev.tsv" | join accented 0
fi
manifests=$out/pauses.tsv,$out/nopause.tsv,$out/accented.tsv
for mode in --vad --stream; do
	echo "hark eval $mode${*:+ $*}:"
	if ! "$hark" eval "$mode" -t 1 --manifest "$manifests" "$@" >"$work/eval.txt" 2>&1; then
		cat "$work/eval.txt" >&2
		exit 1
	fi
	grep -E '^(WER|pooled|/)' "$work/eval.txt" | sed 's/^/  /'
done
