#!/usr/bin/env bash
# Run every Go fuzz target of the module, one at a time, each for a fixed
# time (default 10 minutes), and print one record line per target:
#
#   package  target  minutes  execs  new-corpus-entries  result
#
# minutes is the fuzzing time go test reports (its last "elapsed"),
# without the instrumented build that precedes it.
# New corpus entries are the "new interesting" inputs the fuzzer added to
# its cache ($(go env GOCACHE)/fuzz) during the run. A failing input is
# written by `go test` to the package's testdata/fuzz/TARGET/ directory:
# commit it with the fix, it then runs as a regression seed in every
# plain `go test`. This script is not part of CI; it takes hours.
#
# Usage: scripts/fuzz.sh [-t DURATION] [-p WORKERS] [-o FILE] [REGEXP]
#   -t DURATION  fuzz time per target (go test -fuzztime), default 10m
#   -p WORKERS   fuzz workers (go test -parallel), default 1, so that a
#                shared machine keeps a core
#   -o FILE      also append the record lines (TSV) to FILE
#   REGEXP       only targets whose "package.Target" matches (grep -E)
#
# New interesting inputs are minimized for at most 10 s each (go test
# -fuzzminimizetime; the default, 60 s, leaves the progress counters
# frozen for minutes and fuzzes less). Runs under nice. Exits non-zero
# when any target failed; the failing target's output is kept in the log
# directory printed at the end.
set -euo pipefail

fuzztime=10m workers=1 out=""
while getopts "t:p:o:h" opt; do
	case $opt in
	t) fuzztime=$OPTARG ;;
	p) workers=$OPTARG ;;
	o) out=$OPTARG ;;
	h | *)
		sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'
		[ "$opt" = h ] && exit 0 || exit 2
		;;
	esac
done
shift $((OPTIND - 1))
filter=${1:-.}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logdir=$(mktemp -d "${TMPDIR:-/tmp}/patchtrace-fuzz.XXXXXX")
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

# Every package's fuzz targets, as "importpath Target".
targets=()
while read -r pkg; do
	while read -r name; do
		[[ $name == Fuzz* ]] && targets+=("$pkg $name")
	done < <(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
done < <(go list ./...)

printf '# commit %s, %s per target, %s worker(s), %s\n' "$commit" "$fuzztime" "$workers" "$(date -u +%FT%TZ)"
printf 'package\ttarget\tminutes\texecs\tnew\tresult\n'
failed=0
for t in "${targets[@]}"; do
	pkg=${t% *} name=${t#* }
	short=${pkg#github.com/patchtrace/patchtrace/}
	echo "$short.$name" | grep -Eq -- "$filter" || continue
	log="$logdir/${short//\//_}.$name.log"
	result=ok
	if ! nice -n 19 go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" -fuzzminimizetime 10s -parallel "$workers" "$pkg" >"$log" 2>&1; then
		result=FAIL
		failed=1
	fi
	# the last progress line: "fuzz: elapsed: 10m0s, execs: N (R/sec), new interesting: K (total: T)"
	last=$(grep -E '^fuzz: elapsed: .*execs: ' "$log" | tail -1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	new=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	elapsed=$(sed -nE 's/^fuzz: elapsed: ([0-9hms.]+),.*/\1/p' <<<"$last")
	mins=$(awk -v d="${elapsed:-0s}" 'BEGIN {
		t = 0; n = ""
		for (i = 1; i <= length(d); i++) {
			c = substr(d, i, 1)
			if (c ~ /[0-9.]/) { n = n c; continue }
			t += n * (c == "h" ? 3600 : c == "m" ? 60 : 1); n = ""
		}
		printf "%.1f", t / 60 }')
	line=$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$short" "$name" "$mins" "${execs:-0}" "${new:-0}" "$result")
	echo "$line"
	[ -n "$out" ] && echo "$line" >>"$out"
	if [ "$result" = FAIL ]; then
		grep -E -- '--- FAIL|Failing input|panic:|Error' "$log" | head -5 | sed 's/^/    /' >&2
	fi
done
echo "logs: $logdir" >&2
exit $failed
