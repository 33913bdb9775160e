#!/usr/bin/env bash
# Writes the pooled dev manifest the default model is tuned and judged on: speechocean762 dev (200), FSDD dev
# (300), cathy dev (79) and the first 200 synthetic test utterances — the 779 utterances of tune-decoding.sh —
# with absolute paths (manifest paths are relative to their own folder), for `hark eval --manifest`.
# usage: training/dev-pool.sh OUT.tsv
# env:   HARK_CACHE (default ~/.cache/hark), SYNTH (synthetic corpus folder, default $HARK_CACHE/synth-v1)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT.tsv" >&2; exit 2; }
cache=${HARK_CACHE:-$HOME/.cache/hark}
data=$cache/data
synth=${SYNTH:-$cache/synth-v1}
for m in "$data/so-dev.tsv" "$data/fsdd-dev.tsv" "$data/cathy-dev.tsv" "$synth/test.tsv"; do
	[ -f "$m" ] || { echo "$0: $m missing: run training/prepare-data.sh and training/synth.sh first" >&2; exit 1; }
done
tmp=$1.tmp.$$
trap 'rm -f "$tmp"' EXIT
for m in "$data/so-dev.tsv" "$data/fsdd-dev.tsv" "$data/cathy-dev.tsv" "$synth/test.tsv"; do
	n=0
	[ "$m" = "$synth/test.tsv" ] && n=200
	awk -v dir="$(dirname "$(realpath "$m")")" -v n="$n" -F'\t' -v OFS='\t' \
		'NF == 0 { next } n && ++kept > n { exit } { if ($1 !~ /^\//) $1 = dir "/" $1; print }' "$m"
done >"$tmp"
mv "$tmp" "$1"
