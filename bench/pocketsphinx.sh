#!/usr/bin/env bash
# Transcribes every utterance of a manifest with CMU PocketSphinx (Debian's pocketsphinx + pocketsphinx-en-us, its
# stock US English acoustic model, 3-gram LM and dictionary) and writes a hypothesis file: one line per utterance,
# "PATH<TAB>TEXT", PATH as written in the manifest. Score it with `hark eval --manifest M --hyp OUT`.
#
# usage: bench/pocketsphinx.sh MANIFEST.tsv OUT.tsv
#
# MANIFEST is the shared TSV format: path<TAB>duration<TAB>TRANSCRIPT[<TAB>speaker], relative paths resolved
# against the manifest's folder (absolute paths are used as they are). On standard error it ends with
#   pocketsphinx: N utterances, W s wall, C s CPU
# where W and C are the decoder's own wall-clock and CPU (user+sys) seconds, audio conversion not included.
# A file that sox cannot read is reported and gets no hypothesis (hark eval --hyp counts it as deletions).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 MANIFEST.tsv OUT.tsv" >&2; exit 2; }
manifest=$1 out=$2
model=/usr/share/pocketsphinx/model/en-us
for tool in pocketsphinx_batch sox; do
	command -v $tool >/dev/null || { echo "$0: $tool not found (apt-get install pocketsphinx pocketsphinx-en-us sox libsox-fmt-mp3)" >&2; exit 1; }
done
[ -d "$model" ] || { echo "$0: $model missing (apt-get install pocketsphinx-en-us)" >&2; exit 1; }
[ -f "$manifest" ] || { echo "$0: $manifest: not a file" >&2; exit 1; }

base=$(cd "$(dirname "$manifest")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# PocketSphinx reads 16 kHz 16-bit mono raw PCM: convert each file, naming it by its position.
n=0
: >"$work/ctl"
: >"$work/paths"
while IFS=$'\t' read -r path _ || [ -n "$path" ]; do
	path=${path%$'\r'}
	[ -n "$path" ] || continue
	case $path in
	/*) src=$path ;;
	*) src=$base/$path ;;
	esac
	n=$((n + 1))
	if ! sox -V1 -D "$src" -t raw -r 16000 -c 1 -b 16 -e signed-integer "$work/u$n.raw" 2>"$work/sox.log"; then
		echo "$0: $path: sox cannot convert it ($(tr '\n' ' ' <"$work/sox.log")); it gets no hypothesis" >&2
		continue
	fi
	echo "u$n" >>"$work/ctl"
	printf 'u%d\t%s\n' "$n" "$path" >>"$work/paths"
done <"$manifest"
[ -s "$work/ctl" ] || { echo "$0: $manifest: no audio to decode" >&2; exit 1; }

TIMEFORMAT='%R %U %S'
{ time pocketsphinx_batch -adcin yes -cepdir "$work" -cepext .raw -ctl "$work/ctl" -hyp "$work/hyp" \
	-hmm "$model/en-us" -lm "$model/en-us.lm.bin" -dict "$model/cmudict-en-us.dict" >"$work/log" 2>&1; } 2>"$work/time" ||
	{ tail -20 "$work/log" >&2; exit 1; }
read -r wall user sys <"$work/time"

# The hyp file has "text (uN score)" lines; map uN back to the manifest path, uppercase like the manifests, and
# drop the pronunciation-variant suffixes ("read(2)").
tmp=$(mktemp "$out.XXXXXX")
awk -v paths="$work/paths" '
	BEGIN { FS = "\t"; while ((getline l < paths) > 0) { split(l, f, "\t"); path[f[1]] = f[2] } FS = " " }
	match($0, /\(u[0-9]+ [-0-9]+\)$/) {
		id = substr($0, RSTART + 1); sub(/ .*/, "", id)
		text = RSTART > 1 ? toupper(substr($0, 1, RSTART - 2)) : ""
		gsub(/\([0-9]+\)/, "", text)
		if (id in path) printf "%s\t%s\n", path[id], text
	}' "$work/hyp" >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
awk -v n="$(wc -l <"$work/ctl")" -v w="$wall" -v u="$user" -v s="$sys" \
	'BEGIN { printf "pocketsphinx: %d utterances, %.2f s wall, %.2f s CPU\n", n, w, u + s }' >&2
