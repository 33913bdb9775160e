#!/usr/bin/env bash
# Generates (or resumes, or extends) a synthetic corpus for the default model in the background, on one core at
# low priority so that training keeps the CPU it needs.
#   training/synth.sh NAME SEED N [hark synth flags]    e.g. training/synth.sh synth-v1 1 27000  (≈ 26 audio-hours,
#   1.9 GB); synth-v3: training/synth.sh synth-v3 3 27000 -test-speakers ked,espeak-m7,espeak-f4,espeak-klatt3,espeak-david,espeak-annie
# Output: ~/.cache/hark/NAME/{train,test}.tsv and FLAC shards; log in ~/.cache/hark/NAME.log.
# env:   J (TTS programs in parallel, default 1; J=2 on an idle 2-core machine rebuilds synth-v1 in about 7 minutes,
#        and the corpus is the same for any J)
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 NAME SEED N [hark synth flags]" >&2; exit 2; }
name=$1 seed=$2 n=$3
shift 3
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
bin=$cache/bin/hark-synth-$name
mkdir -p "$cache/bin"
# The corpus is deterministic for a seed only with the same code: keep the binary that started it.
[ -x "$bin" ] || (cd "$root" && go build -o "$bin" ./cmd/hark)
text=$root/../shared/data/text
setsid nohup nice -n 19 "$bin" synth -j "${J:-1}" -n "$n" -seed "$seed" -o "$cache/$name" "$@" \
	"$text/austen.txt" "$text/devil.txt" "$text/fortunes.txt" "$text/web_bible.txt" "$text/wordnet_examples.txt" \
	>>"$cache/$name.log" 2>&1 </dev/null &
echo "started $name (pid $!); progress: tail -f $cache/$name.log"
