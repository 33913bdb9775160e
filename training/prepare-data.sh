#!/usr/bin/env bash
# Writes the train/dev manifests of the default model's recipe from ../shared/data into OUT (default
# ~/.cache/hark/data), with absolute audio paths so that the manifests can live anywhere:
#   cathy-train.tsv / cathy-dev.tsv   split by transcript (a prompt read twice never straddles the split): every
#                                     transcript whose cksum is 0 mod 20, plus testdata/sample.wav's, is dev
#   fsdd-train.tsv / fsdd-dev.tsv     recordings numbered 5–9 of every speaker and digit are dev (the set's own
#                                     test recordings 0–4 are not in ../shared)
#   so-train.tsv / so-dev.tsv         speechocean762 as shipped (speakers are already disjoint)
# usage: training/prepare-data.sh [SHARED_DATA_DIR] [OUT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(cd "${1:-$root/../shared/data}" && pwd)
out=${2:-$HOME/.cache/hark/data}
mkdir -p "$out"
# Scratch files of our own and one writer at a time: the training and shipping scripts all call this, and two of
# them starting together once emptied cathy-dev.tsv and put its utterances into cathy-train.tsv.
tmp=$(mktemp -d "$out/.prepare.XXXXXX") # beside the outputs, so that mv is a rename
trap 'rm -rf "$tmp"' EXIT
exec 9>"$out/.lock"
flock 9
sample_text="I AM SURE IT MUST HAVE BEEN SOME ADVENTURE"

absolute() { awk -F'\t' -v OFS='\t' -v dir="$1" '{ $1 = dir "/" $1; print }'; }

atomic() { cat >"$tmp/part" && mv "$tmp/part" "$1"; }

# cathy: decide per distinct transcript.
absolute "$data/cathy" <"$data/cathy/train.tsv" >"$tmp/cathy.all"
cut -f3 "$tmp/cathy.all" | sort -u | while IFS= read -r text; do
	sum=$(printf '%s' "$text" | cksum | cut -d' ' -f1)
	if [ $((sum % 20)) -eq 0 ] || [ "$text" = "$sample_text" ]; then printf '%s\n' "$text"; fi
done >"$tmp/cathy.devtexts"
awk -F'\t' 'NR == FNR { dev[$0] = 1; next } ($3 in dev)' "$tmp/cathy.devtexts" "$tmp/cathy.all" | atomic "$out/cathy-dev.tsv"
awk -F'\t' 'NR == FNR { dev[$0] = 1; next } !($3 in dev)' "$tmp/cathy.devtexts" "$tmp/cathy.all" | atomic "$out/cathy-train.tsv"

absolute "$data/fsdd" <"$data/fsdd/train.tsv" >"$tmp/fsdd.all"
awk -F'\t' '{ n = $1; sub(/\.flac$/, "", n); sub(/.*_/, "", n); if (n + 0 >= 5 && n + 0 <= 9) print }' "$tmp/fsdd.all" | atomic "$out/fsdd-dev.tsv"
awk -F'\t' '{ n = $1; sub(/\.flac$/, "", n); sub(/.*_/, "", n); if (!(n + 0 >= 5 && n + 0 <= 9)) print }' "$tmp/fsdd.all" | atomic "$out/fsdd-train.tsv"

absolute "$data/speechocean762" <"$data/speechocean762/train.tsv" | atomic "$out/so-train.tsv"
absolute "$data/speechocean762" <"$data/speechocean762/dev.tsv" | atomic "$out/so-dev.tsv"

for f in "$out"/*.tsv; do
	printf '%-40s %5d utterances %6.1f min\n' "$(basename "$f")" "$(wc -l <"$f")" "$(awk -F'\t' '{ s += $2 } END { print s / 60 }' "$f")"
done
