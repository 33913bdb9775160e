#!/usr/bin/env bash
# Tunes the beam search for a model: dumps its log-probabilities on the recipe's four dev sets (synthetic test
# limited to 200 utterances: 779 in all), then runs `hark lm tune` over α and β for a few blank penalties, with
# the shipped LM built the way training/ship.sh builds it. Put the winner into recognizer.go's Default* constants.
# usage: training/tune-decoding.sh MODEL.hark [WORK_DIR]     e.g. training/tune-decoding.sh ~/.cache/hark/runs/en-v1-ft/model.hark
# env:   HARK_CACHE (default ~/.cache/hark), BEAM (default 64: the grid is 4× faster than at 128, and the best
#        α/β carry over), LM (default: the LM ship.sh builds)
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 MODEL.hark [WORK_DIR]" >&2; exit 2; }
model=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
data=$cache/data
work=${2:-$(mktemp -d)}
lm=${LM:-$cache/lm/en-mix.lm}
hark=$root/bin/hark
(cd "$root" && go build -o bin/hark ./cmd/hark)
[ -f "$lm" ] || { echo "no LM at $lm: run training/ship.sh once, or set LM" >&2; exit 1; }
rm -rf "$work/pool" && mkdir -p "$work/pool"
dump() { # NAME MANIFEST [hark eval flags]
	local name=$1 manifest=$2
	shift 2
	rm -rf "${work:?}/$name"
	"$hark" eval -m "$model" --manifest "$manifest" --greedy --dump "$work/$name" "$@" >"$work/$name.txt" 2>&1
}
dump so "$data/so-dev.tsv" & dump fsdd "$data/fsdd-dev.tsv"; wait
dump cathy "$data/cathy-dev.tsv" & dump synth "$cache/synth-v1/test.tsv" --limit 200; wait
for s in so fsdd cathy synth; do
	for f in "$work/$s"/*.npy; do ln -s "$f" "$work/pool/$s-$(basename "$f")"; done
	awk -v p="$s-" -F'\t' '{ print p $0 }' "$work/$s/refs.tsv" >>"$work/pool/refs.tsv"
	grep -h '^WER' "$work/$s.txt" | sed "s/^/$s greedy: /"
done
cp "$work/so/vocab.txt" "$work/pool/"
for b in 0 0.5 1 1.5; do
	echo -n "blank penalty $b: "
	"$hark" lm tune -lm "$lm" -alpha 0.3:0.9:0.1 -beta -2.5:0.5:0.5 -beam "${BEAM:-64}" -blank-penalty "$b" "$work/pool" 2>/dev/null | tail -1
done
echo "dumps in $work"
