#!/usr/bin/env bash
# The default model's last stage: a short fine-tune of run en-v1's best model on the real speech (speechocean762
# train three times over, cathy, FSDD), with a tenth of the synthetic corpus mixed in each epoch so that the
# synthetic voices are not forgotten, at a fifth of the main run's learning rate. Same dev sets as the main run;
# the best dev checkpoint is kept. Re-running it resumes.
#
# usage: training/finetune-default.sh [extra hark train flags]
# env:   HARK_CACHE (default ~/.cache/hark), FROM (model to start from, default runs/en-v1/model.hark),
#        RUN (default en-v1-ft), SYNTH (synthetic corpus folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
run=${RUN:-en-v1-ft}
from=${FROM:-$cache/runs/en-v1/model.hark}
synth=${SYNTH:-$cache/synth-v1}
data=$cache/data
out=$cache/runs/$run
bin=$cache/bin/hark-train-$run

[ -f "$from" ] || { echo "no model to fine-tune at $from: run training/train-default.sh first" >&2; exit 1; }
"$root/training/prepare-data.sh" "$root/../shared/data" "$data" >/dev/null
mkdir -p "$cache/bin"
if [ ! -x "$bin" ]; then (cd "$root" && go build -o "$bin" ./cmd/hark); fi

start=(--init "$from")
[ -f "$out/checkpoint.ckpt" ] && start=(--resume)
exec nice -n 5 "$bin" train "${start[@]}" \
	--train "$synth/train.tsv:0.1,$data/so-train.tsv:3,$data/cathy-train.tsv:1,$data/fsdd-train.tsv:1" \
	--dev "$data/so-dev.tsv,$data/fsdd-dev.tsv,$data/cathy-dev.tsv,$synth/test.tsv" \
	--out "$out" --name "$run" --batch 16 --epochs 2 --lr 0.0003 --warmup 100 \
	--eval-every 0 --patience 0 --no-sortagrad --checkpoint-every 5m --max-seconds 20 -t "$(nproc)" "$@"
