#!/usr/bin/env bash
# Makes a "greedy soup" (Wortsman et al., 2022) of models fine-tuned from one starting model: ranks them by WER on
# the recipe's pooled dev sets (the 779 utterances tune-decoding.sh uses), starts from the best, and adds each of
# the others to the weight average in turn, keeping it only if the pooled WER does not rise. Models from
# different random starts cannot be averaged usefully; fine-tunes of one model with other seeds or settings can.
# usage: training/soup.sh OUT.hark MODEL.hark MODEL.hark...
#   e.g. training/soup.sh ~/.cache/hark/runs/soup/model.hark ~/.cache/hark/runs/en-v1-ft*/model.hark
# env:   HARK_CACHE (default ~/.cache/hark), SYNTH (synthetic corpus folder, default $HARK_CACHE/synth-v1),
#        DECODE (default lm: beam search, width 64, with the shipped LM and hark's default α, β and blank penalty, which
#        is what the shipped model is judged by; greedy: no LM, which can rank models differently)
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OUT.hark MODEL.hark MODEL.hark..." >&2; exit 2; }
out=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
hark=$root/bin/hark
(cd "$root" && go build -o bin/hark ./cmd/hark)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$root/training/dev-pool.sh" "$work/dev.tsv"

case ${DECODE:-lm} in
lm) decode=(--beam 64 --lm "$root/models/files/en.lm") ;;
greedy) decode=(--greedy) ;;
*) echo "$0: DECODE=$DECODE: want lm or greedy" >&2; exit 2 ;;
esac
wer() { # MODEL -> pooled WER, in percent; a failed evaluation stops the script with hark's message
	local w
	if ! "$hark" eval -m "$1" --manifest "$work/dev.tsv" "${decode[@]}" -t "$(nproc)" --json >"$work/eval.json" 2>"$work/eval.err"; then
		echo "$0: hark eval -m $1 failed:" >&2
		cat "$work/eval.err" >&2
		exit 1
	fi
	w=$(python3 -c 'import json, sys; print("%.3f" % (100 * json.load(open(sys.argv[1]))["wer"]))' "$work/eval.json")
	[ -n "$w" ] || { echo "$0: no WER for $1" >&2; exit 1; }
	echo "$w"
}

for m in "$@"; do
	m=$(realpath "$m")
	w=$(wer "$m")
	echo "$w $m" >>"$work/scores"
done
sort -n "$work/scores" >"$work/ranked"
cat "$work/ranked"
mapfile -t ranked < <(cut -d' ' -f2- "$work/ranked")
best=$(head -1 "$work/ranked" | cut -d' ' -f1)
soup=("${ranked[0]}")
for m in "${ranked[@]:1}"; do
	"$hark" average -o "$work/try.hark" "${soup[@]}" "$m" 2>"$work/average.err" || { cat "$work/average.err" >&2; exit 1; }
	w=$(wer "$work/try.hark")
	if python3 -c "import sys; sys.exit(0 if $w <= $best else 1)"; then
		soup+=("$m")
		best=$w
		echo "added $m: pooled ${DECODE:-lm} WER $w"
	else
		echo "left out $m: pooled ${DECODE:-lm} WER $w"
	fi
done
mkdir -p "$(dirname "$out")"
"$hark" average -o "$out" "${soup[@]}"
echo "soup of ${#soup[@]} models, pooled ${DECODE:-lm} WER $best: $out"
printf '%s\n' "${soup[@]}" >"$out.ingredients"
