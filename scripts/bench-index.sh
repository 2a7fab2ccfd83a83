#!/usr/bin/env bash
# bench-index.sh measures the persistent upstream index end to end with the
# trace command, for the embedded store (SQLite file) and PostgreSQL:
#   cold         empty store: walk, fingerprint and store the whole range
#   warm         the same trace again (everything in the store)
#   incremental  the store holds the range up to 100 commits before the
#                tip (indexed first); the trace then adds those 100
# For each: wall and CPU seconds (user+sys) and peak RSS (GNU time), plus
# the store's bytes per indexed commit. Runs are niced; the machine is
# shared, so compare CPU seconds and run several times (RUNS, default 3;
# the median is printed).
#
#   PATCHTRACE_CURL_GIT=/path/curl.git scripts/bench-index.sh curl
#   PATCHTRACE_GIT_GIT=/path/git.git PATCHTRACE_GIT_TARGET=/path/openela-git@el9 scripts/bench-index.sh git
#
# PostgreSQL: $PATCHTRACE_PG_URL when set, else a throwaway cluster
# (scripts/pg-throwaway.sh). STORES=sqlite limits the run to the embedded
# store.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-curl}" in
curl)
	repo=${PATCHTRACE_CURL_GIT:?set PATCHTRACE_CURL_GIT to a clone of curl/curl}
	base=curl-7_19_7 tip=curl-8_5_0 name=curl
	target=${PATCHTRACE_CURL_TARGET:-../shared/corpus/openela/curl/el8} preset=el8
	;;
git)
	repo=${PATCHTRACE_GIT_GIT:?set PATCHTRACE_GIT_GIT to a clone of git/git}
	base=v2.0.0 tip=v2.45.0 name=git
	target=${PATCHTRACE_GIT_TARGET:?set PATCHTRACE_GIT_TARGET to the target package (e.g. an openela-main/git clone@el9)} preset=el9
	;;
*)
	echo "usage: bench-index.sh curl|git" >&2
	exit 2
	;;
esac
runs=${RUNS:-3}
tmp=$(mktemp -d)
pgdir=
cleanup() {
	[ -n "$pgdir" ] && scripts/pg-throwaway.sh stop "$pgdir"
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/trace" ./examples/trace
go build -o "$tmp/indexstats" ./scripts/indexstats
mid=$(git -C "$repo" rev-parse "$tip~100")
echo "# $name $base..$tip: $(git -C "$repo" rev-list --count "$base..$tip") commits; target $target; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# one LOCATION RANGE: one trace, printing "wall cpu rss_mb".
one() {
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" nice "$tmp/trace" -q -index "$1" -target "$preset" \
		-upstream "$name=$repo@$2" "$target" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	awk '{printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024}' "$tmp/time"
}
# median of column $2 over the lines of file $1
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{a[NR]=$k} END {print a[int((NR+1)/2)]}'; }
report() { # FILE LABEL
	printf "%-12s wall %6s s  cpu %6s s  peak RSS %4s MB  (median of %d)\n" "$2" "$(median "$1" 1)" "$(median "$1" 2)" "$(median "$1" 3)" "$(wc -l <"$1")"
}
fresh() { # STORE N: a new, empty location
	case "$1" in
	sqlite) echo "$tmp/index-$2.db" ;;
	postgres) "$tmp/indexstats" -createdb "$PATCHTRACE_PG_URL" "bench_$2_$$" ;;
	esac
}
for st in ${STORES:-sqlite postgres}; do
	if [ "$st" = postgres ] && [ -z "${PATCHTRACE_PG_URL:-}" ]; then
		eval "$(scripts/pg-throwaway.sh start)"
		pgdir=$PATCHTRACE_PG_DIR
	fi
	: >"$tmp/cold" >"$tmp/warm" >"$tmp/incr"
	for i in $(seq "$runs"); do
		loc=$(fresh "$st" "c$i")
		one "$loc" "$base..$tip" >>"$tmp/cold"
		one "$loc" "$base..$tip" >>"$tmp/warm"
		[ "$i" = 1 ] && stats=$("$tmp/indexstats" "$loc")
		loc=$(fresh "$st" "i$i")
		one "$loc" "$base..$mid" >/dev/null
		one "$loc" "$base..$tip" >>"$tmp/incr"
	done
	echo "## $st"
	report "$tmp/cold" cold
	report "$tmp/warm" warm
	report "$tmp/incr" incremental
	echo "store: $stats"
done
