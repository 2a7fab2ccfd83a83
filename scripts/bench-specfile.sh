#!/usr/bin/env bash
# Compare specfile.Parse with rpm's rpmspec on all specs of the corpus's
# fedora-specs/ directory: our Go benchmark parses all 1,478 specs per
# iteration; rpmspec is run once per spec (a parse and an SRPM header
# query, the cheapest rpmspec operation that reads the whole spec).
# Both are run RUNS times; medians and the ratio are printed.
#
# usage: scripts/bench-specfile.sh [RUNS]   (default 3)
# env:   PATCHTRACE_CORPUS (default ../shared/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-3}"
corpus="${PATCHTRACE_CORPUS:-$(cd .. && pwd)/shared/corpus}"
specs_dir="$corpus/fedora-specs"
command -v rpmspec >/dev/null || { echo "rpmspec not found (apt-get install rpm)" >&2; exit 1; }
[ -d "$specs_dir" ] || { echo "no corpus at $specs_dir" >&2; exit 1; }
nspecs=$(ls "$specs_dir"/*.spec | wc -l)

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

go_times=()
rpm_times=()
for i in $(seq "$runs"); do
	# Go: one benchmark iteration = all specs; report seconds per iteration.
	ns=$(go test ./specfile -run '^$' -bench '^BenchmarkParseFedoraSpecs$' -benchtime 5x -count 1 \
		| awk '/^BenchmarkParseFedoraSpecs/ {print $3}')
	go_times+=("$(awk -v ns="$ns" 'BEGIN {printf "%.4f", ns/1e9}')")

	# rpmspec: once per spec, sequentially, in a scratch directory (it
	# executes the spec's shell).
	start=$(date +%s.%N)
	(cd "$scratch" && for s in "$specs_dir"/*.spec; do
		HOME="$scratch" rpmspec -q --srpm --qf '%{NAME}\n' \
			--define 'dist .fc44' --define 'fedora 44' "$s" >/dev/null 2>&1 || true
	done)
	end=$(date +%s.%N)
	rpm_times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b-a}')")
	echo "run $i: specfile ${go_times[-1]} s, rpmspec ${rpm_times[-1]} s ($nspecs specs)"
done

go_med=$(printf '%s\n' "${go_times[@]}" | median)
rpm_med=$(printf '%s\n' "${rpm_times[@]}" | median)
echo
echo "specs:               $nspecs"
echo "specfile median:     $go_med s (all specs, one process)"
echo "rpmspec median:      $rpm_med s (one rpmspec per spec)"
awk -v g="$go_med" -v r="$rpm_med" 'BEGIN {printf "ratio:               %.0fx faster\n", r/g}'
go test ./specfile -run '^$' -bench '^BenchmarkParseLargest$' -benchtime 20x -count 1 | awk '/^BenchmarkParseLargest/ {printf "largest spec:        %.1f ms per parse\n", $3/1e6}'
