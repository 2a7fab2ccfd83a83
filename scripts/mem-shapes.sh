#!/usr/bin/env bash
# Peak RSS of examples/trace on the hostile input shapes of issue 14
# (written by TestWriteShapes in provenance/source): an SRPM of 20 × 60 MiB
# zero-filled patch members, a spec with 1e6 PatchN: lines, a patch with
# 1e6 hunks. For each shape it prints the exit status, the first line of
# stderr (the error, if any), wall time and peak RSS (GNU time's maximum
# resident set size), median of ROUNDS runs (default 3).
#
# Usage: scripts/mem-shapes.sh [TRACE-FLAGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
echo "building examples/trace, writing shapes to $tmp" >&2
go build -o "$tmp/trace" ./examples/trace
PATCHTRACE_SHAPES_DIR=$tmp go test -count=1 -run '^TestWriteShapes$' ./provenance/source >/dev/null
printf 'shape\texit\tseconds\tpeak_rss_MiB\tmessage\n'
for shape in srpm-20x60MiB.src.rpm spec-1e6-patches patch-1e6-hunks; do
	rss=() secs=()
	for ((i = 0; i < rounds; i++)); do
		set +e
		nice /usr/bin/time -f '%e %M' -o "$tmp/time" "$tmp/trace" "$@" "$tmp/$shape" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		set -e
		read -r s m < <(tail -1 "$tmp/time")
		secs+=("$s") rss+=("$m")
	done
	med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
	msg=$(grep -v '^Command exited' "$tmp/err" | head -1 | cut -c1-160 || true)
	printf '%s\t%s\t%s\t%s\t%s\n' "$shape" "$rc" "$(med "${secs[@]}")" "$(($(med "${rss[@]}") / 1024))" "$msg"
done
