#!/usr/bin/env bash
# Scores Hark and CMU PocketSphinx on the same manifests and prints one side-by-side Markdown table: word and
# character error rates (pooled, normalised; `hark eval`) and real-time factors in CPU seconds per audio second.
#
# usage: bench/compare.sh [-m MODEL] [--lm LM] [--beam N] [--alpha A] [--beta B] [--limit N] [-t N] MANIFEST...
#
#   -m MODEL    Hark acoustic model (default: the model embedded in hark)
#   --lm LM     also score Hark's beam search with this language model (--beam/--alpha/--beta tune it)
#   --limit N   only the first N utterances of each manifest (PocketSphinx needs ~0.45 CPU-s per audio second)
#   -t N        Hark recognises N utterances at once (its RTF is per thread)
#
# PocketSphinx's hypotheses do not depend on Hark's model, so they are kept in $PS_CACHE (default
# ~/.cache/hark/pocketsphinx), keyed by the manifest's content and the pocketsphinx package version: comparing a
# new checkpoint reruns only Hark. PS_CACHE=none turns the cache off.
#
# For each manifest it runs `hark eval --greedy`, `hark eval --lm LM` when an LM is given, bench/pocketsphinx.sh
# and `hark eval --hyp` on PocketSphinx's output. Manifests are TSV (path<TAB>seconds<TAB>TRANSCRIPT). The hark
# binary is $HARK if set, else built from this checkout. RTFs: Hark's counts features, network and decoding on
# the recognising thread; PocketSphinx's is pocketsphinx_batch's user+sys time (model loading included, audio
# conversion not). Neither counts audio decoding.
set -euo pipefail
usage() {
	echo "usage: $0 [-m MODEL] [--lm LM] [--beam N] [--alpha A] [--beta B] [--limit N] [-t N] MANIFEST..." >&2
	exit 2
}
model= lm= limit=0 threads=1
lmflags=()
while [ $# -gt 0 ]; do
	case $1 in
	-m | --model) [ $# -ge 2 ] || usage; model=$2; shift 2 ;;
	--lm) [ $# -ge 2 ] || usage; lm=$2; shift 2 ;;
	--beam | --alpha | --beta) [ $# -ge 2 ] || usage; lmflags+=("$1" "$2"); shift 2 ;;
	--limit) [ $# -ge 2 ] || usage; limit=$2; shift 2 ;;
	-t) [ $# -ge 2 ] || usage; threads=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
[[ $limit =~ ^[0-9]+$ ]] || { echo "$0: --limit $limit: not a number" >&2; exit 2; }

bench=$(cd "$(dirname "$0")" && pwd)
pscache=${PS_CACHE:-${HARK_CACHE:-$HOME/.cache/hark}/pocketsphinx}
[ "$pscache" != none ] || pscache=
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hark=${HARK:-}
if [ -z "$hark" ]; then
	(cd "$bench/.." && go build -o "$work/hark" ./cmd/hark)
	hark=$work/hark
fi
modelflags=()
[ -z "$model" ] || modelflags=(-m "$model")

# field FILE KEY prints a top-level number of hark eval's indented --json output ("-" when absent).
field() {
	local v
	v=$(sed -n 's/^  "'"$2"'": \([^,]*\),*$/\1/p' "$1" 2>/dev/null)
	echo "${v:--}"
}

# evaljson OUT ARGS... runs hark eval --json; hark exits 1 when some utterances could not be scored but still
# prints the figures, so only a missing summary is a failure.
evaljson() {
	local out=$1
	shift
	"$hark" eval --json "$@" >"$out" 2>"$out.err" || true
	if [ "$(field "$out" wer)" = - ]; then
		echo "$0: hark eval $*:" >&2
		tail -5 "$out.err" >&2
		status=1
	elif [ -s "$out.err" ]; then
		sed 's/^/  /' "$out.err" | head -12 >&2
	fi
}

status=0
rows=$work/rows
: >"$rows"
i=0
for manifest in "$@"; do
	i=$((i + 1))
	[ -f "$manifest" ] || { echo "$0: $manifest: not a file" >&2; status=1; continue; }
	# One copy of the (limited) manifest with absolute paths, so that Hark and PocketSphinx see the same utterances
	# and PocketSphinx's PATH column matches it as written.
	base=$(cd "$(dirname "$manifest")" && pwd)
	m=$work/m$i.tsv
	awk -F'\t' -v OFS='\t' -v base="$base" -v lim="$limit" '
		$1 != "" {
			if ($1 !~ /^\//) $1 = base "/" $1
			print
			if (lim > 0 && ++k >= lim) exit
		}' "$manifest" >"$m"

	echo "== $manifest: Hark greedy" >&2
	evaljson "$work/g$i.json" "${modelflags[@]}" --greedy -t "$threads" --manifest "$m"
	if [ -n "$lm" ]; then
		echo "== $manifest: Hark beam + LM $lm" >&2
		evaljson "$work/l$i.json" "${modelflags[@]}" --lm "$lm" "${lmflags[@]}" -t "$threads" --manifest "$m"
	fi
	echo "== $manifest: PocketSphinx" >&2
	pscpu=-
	key=$( (cat "$m"; dpkg-query -W -f '${Version}' pocketsphinx 2>/dev/null) | sha256sum | cut -c1-16)
	cached=${pscache:+$pscache/$key}
	if [ -n "$cached" ] && [ -f "$cached.tsv" ] && [ -f "$cached.err" ]; then
		echo "   (cached: $cached.tsv)" >&2
		cp "$cached.tsv" "$work/ps$i.tsv"
		cp "$cached.err" "$work/ps$i.err"
	fi
	if [ -f "$work/ps$i.tsv" ] || "$bench/pocketsphinx.sh" "$m" "$work/ps$i.tsv" 2>"$work/ps$i.err"; then
		if [ -n "$cached" ] && [ ! -f "$cached.tsv" ]; then
			mkdir -p "$pscache"
			cp "$work/ps$i.err" "$cached.err.tmp" && mv "$cached.err.tmp" "$cached.err"
			cp "$work/ps$i.tsv" "$cached.tsv.tmp" && mv "$cached.tsv.tmp" "$cached.tsv"
		fi
		pscpu=$(sed -n 's/^pocketsphinx: .* s wall, \(.*\) s CPU$/\1/p' "$work/ps$i.err")
		grep -v '^pocketsphinx: ' "$work/ps$i.err" >&2 || true
		evaljson "$work/p$i.json" --manifest "$m" --hyp "$work/ps$i.tsv"
	else
		tail -5 "$work/ps$i.err" >&2
		status=1
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$manifest" \
		"$(field "$work/g$i.json" utterances)" \
		"$(field "$work/g$i.json" wer)" "$(field "$work/g$i.json" cer)" \
		"$(field "$work/l$i.json" wer)" "$(field "$work/l$i.json" cer)" \
		"$(field "$work/p$i.json" wer)" "$(field "$work/p$i.json" cer)" \
		"$(field "$work/g$i.json" cpu_rtf)" "$(field "$work/l$i.json" cpu_rtf)" \
		"$pscpu" "$(field "$work/p$i.json" audio_seconds)" "$(field "$work/p$i.json" missing)" >>"$rows"
done

echo
lmdesc=
[ -z "$lm" ] || lmdesc="; beam search with LM $lm${lmflags[*]:+ (${lmflags[*]})}"
echo "Hark: ${model:-embedded model}$lmdesc. PocketSphinx: Debian pocketsphinx-en-us (stock model, LM, dictionary)."
echo
awk -F'\t' -v haslm="$lm" '
	function pct(x) { return x == "-" || x == "null" ? "-" : sprintf("%.2f", 100 * x) }
	function num(x) { return x == "-" ? "-" : sprintf("%.4f", x) }
	BEGIN {
		print "| manifest | utts | Hark greedy WER / CER % | Hark +LM WER / CER % | PocketSphinx WER / CER % | CPU RTF greedy / +LM / PocketSphinx |"
		print "|---|---|---|---|---|---|"
	}
	{
		psrtf = ($11 == "-" || $12 == "-" || $12 == 0) ? "-" : $11 / $12
		lmcol = haslm == "" ? "(no LM)" : pct($5) " / " pct($6)
		note = ($13 != "-" && $13 > 0) ? sprintf(" (%d without output)", $13) : ""
		printf "| %s | %s | %s / %s | %s | %s / %s%s | %s / %s / %s |\n", $1, $2, pct($3), pct($4), lmcol,
			pct($7), pct($8), note, num($9), haslm == "" ? "-" : num($10), num(psrtf)
	}' "$rows"
exit $status
