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
go_cpu=()
rpm_times=()
rpm_cpu=()
TIMEFORMAT='%R %U %S'
for i in $(seq "$runs"); do
	# Go: one benchmark iteration = all specs; wall and CPU seconds per iteration.
	line=$(go test ./specfile -run '^$' -bench '^BenchmarkParseFedoraSpecs$' -benchtime 10x -count 1 \
		| grep '^BenchmarkParseFedoraSpecs')
	go_times+=("$(awk '{printf "%.4f", $3/1e9}' <<<"$line")")
	go_cpu+=("$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "cpu-ns/op") printf "%.4f", $i/1e9}' <<<"$line")")

	# rpmspec: once per spec, sequentially, in a scratch directory (it
	# executes the spec's shell).
	t=$( { time (cd "$scratch" && for s in "$specs_dir"/*.spec; do
		HOME="$scratch" rpmspec -q --srpm --qf '%{NAME}\n' \
			--define 'dist .fc44' --define 'fedora 44' "$s" >/dev/null 2>&1 || true
	done) ; } 2>&1 )
	rpm_times+=("$(awk '{printf "%.4f", $1}' <<<"$t")")
	rpm_cpu+=("$(awk '{printf "%.4f", $2+$3}' <<<"$t")")
	echo "run $i: specfile ${go_times[-1]} s wall / ${go_cpu[-1]} s cpu; rpmspec ${rpm_times[-1]} s wall / ${rpm_cpu[-1]} s cpu ($nspecs specs)"
done

go_med=$(printf '%s\n' "${go_times[@]}" | median)
go_cmed=$(printf '%s\n' "${go_cpu[@]}" | median)
rpm_med=$(printf '%s\n' "${rpm_times[@]}" | median)
rpm_cmed=$(printf '%s\n' "${rpm_cpu[@]}" | median)
echo
echo "specs:               $nspecs"
echo "specfile median:     $go_med s wall, $go_cmed s cpu (all specs, one process)"
echo "rpmspec median:      $rpm_med s wall, $rpm_cmed s cpu (one rpmspec per spec)"
awk -v g="$go_med" -v r="$rpm_med" 'BEGIN {printf "ratio (wall):        %.0fx faster\n", r/g}'
awk -v g="$go_cmed" -v r="$rpm_cmed" 'BEGIN {if (g > 0) printf "ratio (cpu):         %.0fx less CPU\n", r/g}'
go test ./specfile -run '^$' -bench '^BenchmarkParseLargest$' -benchtime 20x -count 1 | awk '/^BenchmarkParseLargest/ {printf "largest spec:        %.1f ms per parse\n", $3/1e6}'
