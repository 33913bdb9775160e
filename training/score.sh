#!/usr/bin/env bash
# Scores a model the way the default model is judged (training/README.md, "How much one fine-tune's score is
# luck"): beam search with the LM on
#   pool779  speechocean762 dev, FSDD dev, cathy dev and the first 200 synthetic test utterances, per set and
#            pooled, at beam 64 (the pool the decoding defaults are tuned on);
#   rest610  the other 610 synthetic test utterances at beam 128, which no tuning or selection has seen.
# usage: training/score.sh MODEL.hark [extra hark eval flags, e.g. --lm other.lm --alpha 0.7]
# env:   HARK_CACHE (default ~/.cache/hark), SYNTH (synthetic corpus, default $HARK_CACHE/synth-v1), T (threads,
#        default nproc)
# Prints one line per set, then "MODEL so fsdd cathy synth200 pool779 rest610" (WER %) on one line.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MODEL.hark [hark eval flags]" >&2; exit 2; }
model=$(realpath "$1")
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
data=$cache/data
synth=$(realpath "${SYNTH:-$cache/synth-v1}")
threads=${T:-$(nproc)}
[ -f "$synth/test.tsv" ] || { echo "$0: no $synth/test.tsv: run training/synth.sh first" >&2; exit 1; }
"$root/training/prepare-data.sh" "$root/../shared/data" "$data" >/dev/null
(cd "$root" && go build -o bin/hark ./cmd/hark)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Manifest paths are relative to their own folder: make them absolute so that the slices can live in $work.
absolute() { awk -v dir="$synth" -F'\t' -v OFS='\t' 'NF { if ($1 !~ /^\//) $1 = dir "/" $1; print }'; }
head -n 200 "$synth/test.tsv" | absolute >"$work/synth200.tsv"
tail -n +201 "$synth/test.tsv" | absolute >"$work/rest610.tsv"

"$root/bin/hark" eval -m "$model" -t "$threads" --beam 64 --json "$@" \
	--manifest "$data/so-dev.tsv,$data/fsdd-dev.tsv,$data/cathy-dev.tsv,$work/synth200.tsv" >"$work/pool.json"
"$root/bin/hark" eval -m "$model" -t "$threads" --beam 128 --json "$@" --manifest "$work/rest610.tsv" >"$work/rest.json"
python3 - "$model" "$work/pool.json" "$work/rest.json" <<'EOF'
import json, sys
model, pool, rest = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
rows = list(zip(["so", "fsdd", "cathy", "synth200"], pool["sets"])) + [("pool779", pool), ("rest610", rest)]
for name, d in rows:
    print("%-9s WER %6.2f  CER %6.2f  %4d utterances" % (name, 100 * d["wer"], 100 * d["cer"], d["utterances"]))
print(model, " ".join("%.2f" % (100 * d["wer"]) for _, d in rows))
EOF
