#!/usr/bin/env bash
# Transcribes every utterance of a manifest with CMU PocketSphinx (Debian's pocketsphinx + pocketsphinx-en-us, its
# stock US English acoustic model, 3-gram LM and dictionary) and writes a hypothesis file: one line per utterance,
# "PATH<TAB>TEXT", PATH as written in the manifest. Score it with `hark eval --manifest M --hyp OUT`.
#
# usage: bench/pocketsphinx.sh MANIFEST.tsv OUT.tsv
# MANIFEST is the shared format: relative/path<TAB>duration<TAB>TRANSCRIPT, paths relative to its folder.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 MANIFEST.tsv OUT.tsv" >&2; exit 2; }
manifest=$1 out=$2
model=/usr/share/pocketsphinx/model/en-us
for tool in pocketsphinx_batch sox; do
	command -v $tool >/dev/null || { echo "$0: $tool not found (apt-get install pocketsphinx pocketsphinx-en-us sox libsox-fmt-mp3)" >&2; exit 1; }
done
[ -d "$model" ] || { echo "$0: $model missing (apt-get install pocketsphinx-en-us)" >&2; exit 1; }

base=$(cd "$(dirname "$manifest")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# PocketSphinx reads 16 kHz 16-bit mono WAV only: convert each file, naming it by its line number.
n=0
: >"$work/ctl"
: >"$work/paths"
while IFS=$'\t' read -r path _ _; do
	[ -n "$path" ] || continue
	n=$((n + 1))
	sox "$base/$path" -r 16000 -c 1 -b 16 -e signed-integer "$work/u$n.wav"
	echo "u$n" >>"$work/ctl"
	printf '%s\n' "$path" >>"$work/paths"
done <"$manifest"

start=$(date +%s.%N)
pocketsphinx_batch -adcin yes -cepdir "$work" -cepext .wav -ctl "$work/ctl" -hyp "$work/hyp" \
	-hmm "$model/en-us" -lm "$model/en-us.lm.bin" -dict "$model/cmudict-en-us.dict" >"$work/log" 2>&1 ||
	{ tail -20 "$work/log" >&2; exit 1; }
end=$(date +%s.%N)

# The hyp file has "text (uN score)" lines; map uN back to the manifest path, uppercase like the manifests.
awk -v paths="$work/paths" '
	BEGIN { i = 0; while ((getline p < paths) > 0) path["u" (++i)] = p }
	{
		match($0, /\(u[0-9]+ [-0-9]+\)$/)
		id = substr($0, RSTART + 1); sub(/ .*/, "", id)
		text = toupper(substr($0, 1, RSTART - 2))
		gsub(/\([0-9]+\)/, "", text)
		printf "%s\t%s\n", path[id], text
	}' "$work/hyp" >"$out.tmp"
mv "$out.tmp" "$out"
awk -v s="$start" -v e="$end" -v n="$n" 'BEGIN { printf "pocketsphinx: %d utterances in %.1f s\n", n, e - s }' >&2
