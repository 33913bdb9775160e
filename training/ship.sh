#!/usr/bin/env bash
# Ships a trained run as the embedded default model: copies RUN/model.hark to models/files/en.hark, the default
# LM to models/files/en.lm (building it if needed), scores the model on the recipe's dev sets with greedy decoding
# and with beam search + LM, and writes models/MODEL_CARD.md (the run's card plus those scores).
# usage: training/ship.sh RUN_DIR     e.g. training/ship.sh ~/.cache/hark/runs/en-v1
# env:   TUNED (how the decoding defaults were tuned), HISTORY (for a fine-tuned run: its starting model's story),
#        LMNOTE (how the LM's recipe was chosen),
#        TRIED (runs that were scored against this one and not shipped)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 RUN_DIR" >&2; exit 2; }
run=$1
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
data=$cache/data
lm=$cache/lm/en-mix.lm
hark=$root/bin/hark
(cd "$root" && go build -o bin/hark ./cmd/hark)
# The decoding defaults compiled into hark (recognizer.go), which eval uses below.
const() { sed -n "s/^[[:space:]]*$1[[:space:]]*= \(.*\)$/\1/p" "$root/recognizer.go"; }
beam=$(const DefaultBeam) alpha=$(const DefaultAlpha) beta=$(const DefaultBeta) unk=$(const DefaultUnknownPenalty) blank=$(const DefaultBlankPenalty) look=$([ "$(const DefaultLookahead)" = true ] && echo on || echo off)
tuned=${TUNED:-not tuned for this model}
pscache=${PS_CACHE:-$cache/pocketsphinx}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/training/prepare-data.sh" "$root/../shared/data" "$data" >/dev/null
# The LM (built anew: it takes seconds), with every dev and test transcript left out of its text.
mkdir -p "$(dirname "$lm")"
HARK=$hark "$root/training/build-lm.sh" "$lm" 2>/dev/null
cp "$run/model.hark" "$root/models/files/en.hark.tmp" && mv "$root/models/files/en.hark.tmp" "$root/models/files/en.hark"
cp "$lm" "$root/models/files/en.lm.tmp" && mv "$root/models/files/en.lm.tmp" "$root/models/files/en.lm"

card=$root/models/MODEL_CARD.md
{
	cat "$run/model.md"
	echo
	# A fine-tuned run's card shows only its own stage: HISTORY says where its starting model came from.
	if [ -n "${HISTORY:-}" ]; then
		echo "## How the starting model was made"
		echo
		printf '%s\n' "$HISTORY"
		echo
	fi
	if [ -n "${LMNOTE:-}" ]; then
		echo "## How the language model and the search were chosen"
		echo
		printf '%s\n' "$LMNOTE"
		echo
	fi
	if [ -n "${TRIED:-}" ]; then
		echo "## Tried and not shipped"
		echo
		printf '%s\n' "$TRIED"
		echo
	fi
	echo "## Data and credits (complete list for the shipped model)"
	echo
	echo "- speechocean762 (train split), Apache-2.0 — speechocean762 authors"
	echo "- rhasspy dataset-voice-cathy (CMU ARCTIC prompts), CC0 1.0"
	echo "- Free Spoken Digit Dataset (Jakobovski et al.), CC BY-SA 4.0 — share-alike: the model is CC BY-SA 4.0 too"
	echo "- synthetic speech made here by \`hark synth\` with Debian's espeak-ng, flite, festival (festvox kal/ked/slt"
	echo "  voices) and FreeTTS, reading sentences from Jane Austen, the World English Bible, WordNet examples, fortunes"
	echo "  and the Devil's Dictionary (public domain / permissive, via ../shared/data/text)"
	echo "- language model (models/files/en.lm): the same sentences, 395 Project Gutenberg books (public domain in the"
	echo "  USA) and the transcripts of the real training speech above"
	echo
	echo "## Scores of the shipped model (models/files/en.hark)"
	echo
	echo "Measured by \`training/ship.sh\` on $(date -u +%Y-%m-%d) with \`hark eval\` (one thread; RTF = processing time /"
	echo "audio duration, audio decoding excluded; greedy and beam search ran side by side, one core each, so other load on"
	echo "this 2-core machine can only have raised the RTFs)."
	echo "Beam search: width $beam with models/files/en.lm (\`training/build-lm.sh\`: three 3-gram modified Kneser–Ney"
	echo "models — the Gutenberg books, the prompt sentences, the real training transcripts — interpolated 0.5/0.4/0.1"
	echo "with \`hark lm mix\`, every dev and test transcript left out with \`-exclude\`), α $alpha, β $beta, unknown-word"
	echo "penalty $unk (LM units, weighted by α), blank penalty $blank, LM lookahead $look (hark's defaults; $tuned)."
	echo
	echo "| dev set | utterances | greedy WER | greedy CER | beam+LM WER | beam+LM CER | RTF greedy | RTF beam+LM | PocketSphinx WER |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for m in "$data/so-dev.tsv" "$data/fsdd-dev.tsv" "$data/cathy-dev.tsv" "$cache/synth-v1/test.tsv"; do
		# Greedy and beam search side by side, one core each.
		"$hark" eval -m "$run/model.hark" --manifest "$m" --greedy --json >"$work/g.json" 2>/dev/null &
		"$hark" eval -m "$run/model.hark" --manifest "$m" --lm "$lm" --json >"$work/b.json" 2>/dev/null &
		wait || true
		# PocketSphinx's hypotheses, if bench/compare.sh has cached them for this manifest (same key as there).
		awk -F'\t' -v OFS='\t' -v base="$(cd "$(dirname "$m")" && pwd)" '$1 != "" { if ($1 !~ /^\//) $1 = base "/" $1; print }' "$m" >"$work/abs.tsv"
		key=$( (cat "$work/abs.tsv"; dpkg-query -W -f '${Version}' pocketsphinx 2>/dev/null) | sha256sum | cut -c1-16)
		: >"$work/p.json"
		if [ -f "$pscache/$key.tsv" ]; then
			"$hark" eval --manifest "$work/abs.tsv" --hyp "$pscache/$key.tsv" --json >"$work/p.json" 2>/dev/null || true
		fi
		python3 - "$m" "$work/g.json" "$work/b.json" "$work/p.json" <<'PY'
import json, sys, os
name = sys.argv[1]
def load(path):
    try:
        return json.load(open(path))
    except Exception:
        return None
g, b, p = load(sys.argv[2]), load(sys.argv[3]), load(sys.argv[4])
pct = lambda x: "%.1f %%" % (100 * x) if x is not None else "–"
get = lambda d, k: d.get(k) if d else None
print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
    os.path.basename(os.path.dirname(name)) + "/" + os.path.basename(name) if "synth" in name else os.path.basename(name),
    get(g, "utterances") or get(b, "utterances") or "–",
    pct(get(g, "wer")), pct(get(g, "cer")), pct(get(b, "wer")), pct(get(b, "cer")),
    "%.4f" % get(g, "rtf") if get(g, "rtf") else "–", "%.4f" % get(b, "rtf") if get(b, "rtf") else "–",
    pct(get(p, "wer"))))
PY
	done
	echo
	echo "PocketSphinx: Debian pocketsphinx + pocketsphinx-en-us (stock US English model, LM and dictionary) on the same"
	echo "utterances, hypotheses from \`bench/compare.sh\` (cached in ~/.cache/hark/pocketsphinx); – where not run."
} >"$card.tmp"
mv "$card.tmp" "$card"
ls -la "$root/models/files"
cat "$card" | tail -8
# The package examples print the embedded model's transcripts (ExampleDefault, ExampleRecognizer_NewListener,
# ExampleRecognizer_NewStream): a new model changes them, and their // Output: lines must follow.
if ! (cd "$root" && go test -count=1 -run Example . >/dev/null 2>&1); then
	echo "ship.sh: the examples' // Output: lines no longer match the new model: update example_recognizer_test.go (go test -run Example . shows got/want)" >&2
fi
