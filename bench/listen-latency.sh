#!/usr/bin/env bash
# Measures how far `hark listen` lags behind live speech, on one core: BenchmarkListenLatency (cmd/hark) plays a
# recording through PortAudio's real capture path (ALSA's file plugin, see ../shared/notes/mic-testing.md),
# paced to real time, into the streaming recognizer with the default endpoint rules, and reports
#   partial-lag-p50/p90/max-ms  time from a word's end (the model's word end time) to the first partial with it
#   word-onset-p50/p90-ms       time from a word's start to the first partial with something in its place
#   partial-rewrites-%          partials that do not extend the one before them (flicker)
#   final-delay-p50/max-ms      time from an utterance's last word end to its final (endpoint rule: 1.2 s)
#   processing-lag-p50/max-ms   time from the end of the audio an event covers to the event (computing only)
#
# usage: bench/listen-latency.sh [--lm LM] MODEL.hark [SPEECH.wav]
#
# --lm decodes with beam search and that language model (e.g. models/files/en.lm); without it, no LM.
# HARK_LISTEN_BEAM and HARK_LISTEN_BLANK in the environment override hark listen's beam width (64) and the blank
# penalty, HARK_LISTEN_BETA and HARK_LISTEN_LOOKAHEAD (true/false) the word bonus and the LM lookahead.
# Without SPEECH.wav it uses eight Free Spoken Digit Dataset clips (from ../shared/data/fsdd) with 1.5 s of
# faint noise between them, so that each digit is an utterance. Run from the repository root; needs cgo,
# portaudio19-dev, libasound2-plugins and sox. One core: taskset -c 1, GOMAXPROCS=1, OPENBLAS_NUM_THREADS=1 (the
# file plugin's thread runs on the same core, so the figures are a little pessimistic).
set -euo pipefail
usage() { echo "usage: $0 [--lm LM] MODEL.hark [SPEECH.wav]" >&2; exit 2; }
lm=
if [ "${1:-}" = --lm ]; then
	[ $# -ge 2 ] || usage
	lm=$(realpath "$2")
	shift 2
fi
[ $# -ge 1 ] && [ $# -le 2 ] || usage
model=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -eq 2 ]; then
	wav=$(realpath "$2")
else
	fsdd=../shared/data/fsdd/train
	[ -d "$fsdd" ] || { echo "$0: $fsdd missing: give SPEECH.wav" >&2; exit 1; }
	sox -n -r 16000 -c 1 -b 16 "$work/gap.wav" synth 1.5 whitenoise vol 0.002
	sox -n -r 16000 -c 1 -b 16 "$work/lead.wav" synth 0.3 whitenoise vol 0.002
	parts=("$work/lead.wav")
	i=0
	for clip in 0_george_31 1_jackson_39 1_nicolas_19 2_nicolas_18 2_yweweler_30 3_nicolas_12 4_jackson_41 4_yweweler_11; do
		i=$((i + 1))
		sox "$fsdd/$clip.flac" -r 16000 -c 1 -b 16 "$work/c$i.wav"
		parts+=("$work/c$i.wav" "$work/gap.wav")
	done
	wav=$work/digits.wav
	sox "${parts[@]}" "$wav"
fi
echo "model $model, LM ${lm:-none}, speech $wav ($(soxi -D "$wav") s), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
HARK_LISTEN_MODEL=$model HARK_LISTEN_WAV=$wav HARK_LISTEN_LM=$lm OPENBLAS_NUM_THREADS=1 GOMAXPROCS=1 \
	taskset -c 1 go test -run '^$' -bench '^BenchmarkListenLatency$' -benchtime 1x -v ./cmd/hark
