#!/usr/bin/env bash
# Compare examples/patchid --stable with git patch-id --stable on a large
# stream: the curl history curl-7_19_7..curl-8_5_0 as `git log -p` output
# (~111 MB). The stream is produced once into a temporary file; then both
# tools run alternately ROUNDS times on it. Outputs must be identical.
# Prints the median wall time of each, throughput and the speed ratio.
#
# Usage: scripts/bench-patchid.sh [GITDIR] [RANGE]
#   GITDIR defaults to $PATCHTRACE_CURL_GIT or /work/.mirror/curl+curl/repo
#   RANGE  defaults to curl-7_19_7..curl-8_5_0
set -euo pipefail

gitdir=${1:-${PATCHTRACE_CURL_GIT:-/work/.mirror/curl+curl/repo}}
range=${2:-curl-7_19_7..curl-8_5_0}
rounds=${ROUNDS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "building examples/patchid" >&2
(cd "$root" && go build -o "$tmp/patchid" ./examples/patchid)

echo "producing git log -p $range from $gitdir" >&2
git -C "$gitdir" log -p "$range" >"$tmp/stream"
size=$(stat -c %s "$tmp/stream")
echo "stream: $size bytes, $(grep -c '^commit ' "$tmp/stream") commits" >&2

# Keep the user's config out of it (patchid.stable/verbatim).
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

# Wall and user+sys CPU seconds of a command, via bash's time keyword.
TIMEFORMAT='%R %U %S'
timed() { { time "$@" >"$out" 2>/dev/null; } 2>&1; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
git_times=() our_times=() git_cpu=() our_cpu=()
for ((i = 1; i <= rounds; i++)); do
	out="$tmp/git.out"
	read -r w u s < <(timed git patch-id --stable <"$tmp/stream")
	git_times+=("$w") git_cpu+=("$(echo "$u + $s" | bc -l)")
	out="$tmp/our.out"
	read -r w u s < <(timed "$tmp/patchid" --stable <"$tmp/stream")
	our_times+=("$w") our_cpu+=("$(echo "$u + $s" | bc -l)")
	if ! cmp -s "$tmp/git.out" "$tmp/our.out"; then
		echo "round $i: outputs differ" >&2
		diff "$tmp/git.out" "$tmp/our.out" | head >&2
		exit 1
	fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
gm=$(median "${git_times[@]}")
om=$(median "${our_times[@]}")
ids=$(wc -l <"$tmp/git.out")
echo "load average before/after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "outputs identical: $ids ids in each of $rounds rounds"
printf 'git patch-id --stable:     median %.3f s  (%.0f MB/s)  runs: %s\n' "$gm" "$(echo "$size / $gm / 1000000" | bc -l)" "${git_times[*]}"
printf 'patchid --stable (Go):     median %.3f s  (%.0f MB/s)  runs: %s\n' "$om" "$(echo "$size / $om / 1000000" | bc -l)" "${our_times[*]}"
printf 'ratio (git / Go):          %.2fx wall\n' "$(echo "$gm / $om" | bc -l)"
gc=$(median "${git_cpu[@]}")
oc=$(median "${our_cpu[@]}")
printf 'CPU seconds (user+sys):    git %.3f, Go %.3f (Go scans on %s CPUs), ratio %.2fx\n' "$gc" "$oc" "$(nproc)" "$(echo "$gc / $oc" | bc -l)"
