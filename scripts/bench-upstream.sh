#!/usr/bin/env bash
# Compare tracing openela/curl/el8 against curl's upstream history with
# provenance/upstream (open + index curl-7_19_7..curl-8_5_0 along the
# patches' paths + Find for every patch) against computing git patch-ids
# of the same range with git alone:
#     git log -p curl-7_19_7..curl-8_5_0 | git patch-id --stable
# Both run ROUNDS times (default 3), alternating; medians and the ratio are
# printed. Needs a local clone of curl/curl:
#     PATCHTRACE_CURL_GIT=/work/.mirror/curl+curl/repo scripts/bench-upstream.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
gitdir=${PATCHTRACE_CURL_GIT:-/work/.mirror/curl+curl/repo}
rounds=${ROUNDS:-3}
range=curl-7_19_7..curl-8_5_0

if [ ! -d "$gitdir" ]; then
	echo "no curl clone at $gitdir (set PATCHTRACE_CURL_GIT)" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && go test -c -o "$tmp/upstream.test" ./provenance/upstream)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$tmp/git.times"
: >"$tmp/ours.times"
: >"$tmp/git.cpu"
: >"$tmp/ours.cpu"
TIMEFORMAT='%R %U %S'
for i in $(seq 1 "$rounds"); do
	{ time git --git-dir="$gitdir" log -p "$range" | git patch-id --stable >"$tmp/patchids"; } 2>"$tmp/t"
	read -r real user sys <"$tmp/t"
	echo "$real" >>"$tmp/git.times"
	echo "$user + $sys" | bc -l >>"$tmp/git.cpu"

	{ time (cd "$root/provenance/upstream" && PATCHTRACE_CURL_GIT="$gitdir" "$tmp/upstream.test" \
		-test.run '^$' -test.bench '^BenchmarkCurlEL8$' -test.benchtime 1x >"$tmp/bench.out"); } 2>"$tmp/t"
	read -r real user sys <"$tmp/t"
	echo "$real" >>"$tmp/ours.times"
	echo "$user + $sys" | bc -l >>"$tmp/ours.cpu"
	if ! grep -q '^BenchmarkCurlEL8' "$tmp/bench.out"; then
		cat "$tmp/bench.out" >&2
		echo "benchmark did not run" >&2
		exit 1
	fi
	printf 'round %d: git log -p | git patch-id %6.2fs (cpu %6.2fs)   patchtrace upstream %6.2fs (cpu %6.2fs)\n' "$i" \
		"$(tail -1 "$tmp/git.times")" "$(tail -1 "$tmp/git.cpu")" "$(tail -1 "$tmp/ours.times")" "$(tail -1 "$tmp/ours.cpu")"
done

g=$(median <"$tmp/git.times")
o=$(median <"$tmp/ours.times")
gc=$(median <"$tmp/git.cpu")
oc=$(median <"$tmp/ours.cpu")
echo "git patch-ids: $(wc -l <"$tmp/patchids") commits hashed; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
grep '^BenchmarkCurlEL8' "$tmp/bench.out"
printf 'median git log -p | git patch-id --stable: %.2fs wall, %.2fs cpu\n' "$g" "$gc"
printf 'median patchtrace upstream trace (el8):    %.2fs wall, %.2fs cpu\n' "$o" "$oc"
printf 'ratio patchtrace/git: %.2f wall, %.2f cpu\n' "$(echo "$o / $g" | bc -l)" "$(echo "$oc / $gc" | bc -l)"
