#!/usr/bin/env bash
# The default English model's recipe: synthetic speech (hark synth) plus every real training set in ../shared/data,
# scored on the four dev sets. Re-running it resumes the run from its last checkpoint.
#
# usage: training/train-default.sh [extra hark train flags]
# env:   HARK_CACHE (default ~/.cache/hark), RUN (run name, default en-v1), SYNTH (synthetic corpus folder),
#        EXTRA (more training manifests, ",path:weight..." appended to --train), INIT (start from this model
#        instead of random weights; ignored when the run has a checkpoint)
#
# The follow-up run (started 2026-11-26, resumes the same way; cut to 2 epochs, 11,997 steps, at step 5782 to fit
# one session):
#   RUN=en-v2 INIT=$HOME/.cache/hark/runs/en-v1-ft/model.hark EXTRA=,$HOME/.cache/hark/synth-v2/train.tsv:1 \
#     training/train-default.sh --epochs 2 --lr 0.001
#
# The next step (started 2026-11-26): a wider network (GRU 3×384, 3.0 M weights; ~1.35× the inference cost) from
# random weights on the same data; started for 6 epochs, cut to 3 (17,997 steps) at step 2925 to fit a session:
#   RUN=en-v3 EXTRA=,$HOME/.cache/hark/synth-v2/train.tsv:1 training/train-default.sh \
#     --config training/configs/wide.json --epochs 3
#
# Without on-the-fly augmentation (run en-v5-noaug, 2026-11-26; started for 10 epochs with -t 1 beside a VTLP run,
# cut to 5 epochs at step 2365 and resumed on both cores; fitted faster, lost with the LM, not shipped):
#   RUN=en-v5-noaug training/train-default.sh --augment=false --epochs 5
#
# Without the added noise only (speed perturbation and SpecAugment kept; started 2026-11-26 at the end of a
# session, resumes the same way):
#   RUN=en-v7-nonoise training/train-default.sh --noise 0
#
# Speed perturbation as the only on-the-fly augmentation (started 2026-11-27 on a fresh machine, resumes the same way):
#   RUN=en-v9-speed training/train-default.sh --noise 0 --specaugment=false
#
# en-v5's recipe without on-the-fly augmentation for all 10 epochs (started 2026-11-27, resumes the same way;
# ~/.cache/hark/chain-v10.sh then fine-tunes it without augmentation and scores it with training/score.sh):
#   RUN=en-v10-noaug training/train-default.sh --augment=false
#
# Telephone-band augmentation and synth-v3's voices from random weights (started 2026-11-27 at the end of a session,
# resumes the same way):
#   SYNTH=$HOME/.cache/hark/synth-v3 RUN=en-v13-tel training/train-default.sh --narrowband 0.15
# (paused at step 1,699 for the next one). Per-utterance feature normalisation, en-v1's recipe otherwise (run
# 2026-11-27, 10 epochs; fine-tuned as usual, not shipped: models/MODEL_CARD.md):
#   RUN=en-v14-cmvn training/train-default.sh --normalize
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
run=${RUN:-en-v1}
synth=${SYNTH:-$cache/synth-v1}
data=$cache/data
out=$cache/runs/$run
bin=$cache/bin/hark-train-$run

[ -f "$synth/train.tsv" ] || { echo "no synthetic corpus in $synth: run hark synth first (see training/README.md)" >&2; exit 1; }
"$root/training/prepare-data.sh" "$root/../shared/data" "$data" >/dev/null
# Keep a copy of the binary that started the run, so that a resume uses the same code even if the tree moves on.
mkdir -p "$cache/bin"
if [ ! -x "$bin" ]; then (cd "$root" && go build -o "$bin" ./cmd/hark); fi

resume=()
[ -n "${INIT:-}" ] && resume=(--init "$(realpath "$INIT")")
[ -f "$out/checkpoint.ckpt" ] && resume=(--resume)
exec nice -n 5 "$bin" train "${resume[@]}" \
	--train "$synth/train.tsv:1,$data/so-train.tsv:2,$data/cathy-train.tsv:1,$data/fsdd-train.tsv:1${EXTRA:-}" \
	--dev "$data/so-dev.tsv,$data/fsdd-dev.tsv,$data/cathy-dev.tsv,$synth/test.tsv" \
	--out "$out" --name "$run" --config default --batch 16 --epochs 10 --lr 0.0015 --warmup 500 \
	--eval-every 1500 --patience 0 --checkpoint-every 5m --max-seconds 20 -t "$(nproc)" "$@"
