#!/usr/bin/env bash
# Builds the default English LM (models/files/en.lm) into OUT: three 3-gram modified Kneser–Ney models, one per
# kind of text, interpolated with `hark lm mix`:
#   books  0.5   395 Project Gutenberg books (../shared/data/text/books.txt.gz), pruned -prune 0,1,1
#   sent   0.4   the TTS prompt sentences (Austen, the Bible, WordNet examples, fortunes, the Devil's Dictionary)
#   train  0.1   the transcripts of the real training speech (speechocean762, cathy and FSDD train)
# Every dev and test transcript is left out of all three (-exclude): the synthetic test sentences come from the
# sentence files. Mixing separate models instead of counting all the text in one model keeps the small sets from
# drowning in the books: adding the training transcripts to the one model's text changed nothing, mixing them in
# lowered speechocean762 dev WER by 1.5 points (weights chosen on the 779 pooled dev utterances; training/README.md).
# usage: training/build-lm.sh OUT.lm        env: HARK (the hark binary), HARK_CACHE
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT.lm" >&2; exit 2; }
out=$1
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
data=$cache/data
text=$root/../shared/data/text
hark=${HARK:-$root/bin/hark}
[ -x "$hark" ] || (cd "$root" && go build -o bin/hark ./cmd/hark)
"$root/training/prepare-data.sh" "$root/../shared/data" "$data" >/dev/null
held=$data/so-dev.tsv,$data/fsdd-dev.tsv,$data/cathy-dev.tsv
for t in "$cache"/synth-v*/test.tsv; do [ -f "$t" ] && held=$held,$t; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for s in so-train cathy-train fsdd-train; do cut -f3- "$data/$s.tsv"; done >"$work/train.txt"
"$hark" lm build -prune 0,1,1 -exclude "$held" -o "$work/books.lm" "$text/books.txt.gz" 2>/dev/null
"$hark" lm build -exclude "$held" -o "$work/sent.lm" "$text/austen.txt" "$text/devil.txt" "$text/fortunes.txt" \
	"$text/web_bible.txt" "$text/wordnet_examples.txt" 2>/dev/null
"$hark" lm build -exclude "$held" -o "$work/train.lm" "$work/train.txt" 2>/dev/null
"$hark" lm mix -w 0.5,0.4,0.1 -o "$out" "$work/books.lm" "$work/sent.lm" "$work/train.lm"
