#!/usr/bin/env bash
# Compare patchset.PairSeries with git range-diff on two synthetic N-commit
# series (default 500) built in a scratch repository with git fast-import:
# series B is series A shuffled, with 10% dropped, 20% edited (one changed
# line differs) and N/10 new commits. Because B applies in another order,
# most of its diffs have other context and offsets than A's.
#
# Both tools run alternately ROUNDS times: `git range-diff base..A base..B`
# (it runs git log -p itself) and the Go benchmark BenchmarkPairMbox (parses
# the two `git format-patch` mboxes, fingerprints and pairs them). Prints
# median wall times and the ratio, then how far the two pairings agree
# (TestPairMboxAgreesWithRangeDiff).
#
# Usage: scripts/bench-pair.sh [N]     (ROUNDS=5 by default)
set -euo pipefail

n=${1:-500}
rounds=${ROUNDS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

echo "generating two $n-commit series" >&2
git init -q "$tmp/repo"
awk -v n="$n" '
function emit_file(f,   j, s, len) {
	s = ""
	for (j = 0; j < 200; j++) s = s text[f, j] "\n"
	len = length(s)   # ASCII only: bytes == chars
	printf "M 644 inline f%02d.c\ndata %d\n%s\n", f, len, s
}
function commit(ref, mark, parent, msg, files,   k, m) {
	printf "commit %s\nmark :%d\ncommitter T <t@example.com> %d +0000\ndata %d\n%s\n", ref, mark, 1700000000 + mark, length(msg), msg
	if (parent != "") printf "from %s\n", parent
	m = split(files, fl, " ")
	for (k = 1; k <= m; k++) if (fl[k] != "") emit_file(fl[k])
	printf "\n"
}
# change k touches file k%50, lines block*18 + 0..2, block = int(k/50) % 11
function apply(k, variant,   f, b, j) {
	f = k % 50; b = (int(k / 50) % 11) * 18
	for (j = 0; j < 3; j++) {
		text[f, b + j] = "\tvalue_" f "_" (b + j) " = compute(" k ", " j ");"
		if (variant && j == 1) text[f, b + j] = "\tvalue_" f "_" (b + j) " = compute(" k ", " j ", EXTRA);"
	}
	text[f, b + 3] = text[f, b + 3] "\n\tlog_change(" k ");"
	return f
}
function reset(   f, j) {
	for (f = 0; f < 50; f++) for (j = 0; j < 200; j++) text[f, j] = "\tline_" f "_" j " = base(" f * 1000 + j ");"
}
BEGIN {
	srand(42)
	reset()
	all = ""
	for (f = 0; f < 50; f++) all = all " " f
	commit("refs/heads/base", 1, "", "base\n", all)
	mark = 2; parent = ":1"
	for (k = 0; k < n; k++) {
		f = apply(k, 0)
		commit("refs/heads/A", mark, parent, "change " k "\n", f)
		parent = ":" mark; mark++
	}
	# B: keep 90%, shuffle, edit 20%, add n/10 new changes
	m = 0
	for (k = 0; k < n; k++) if (rand() >= 0.10) order[m++] = k
	for (k = n; k < n + int(n / 10); k++) order[m++] = k
	for (i = m - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = order[i]; order[i] = order[j]; order[j] = t }
	reset()
	parent = ":1"
	for (i = 0; i < m; i++) {
		k = order[i]
		f = apply(k, (k < n && rand() < 0.20))
		commit("refs/heads/B", mark, parent, "change " k "\n", f)
		parent = ":" mark; mark++
	}
}' | git -C "$tmp/repo" fast-import --quiet
git -C "$tmp/repo" format-patch -q --stdout base..A >"$tmp/a.mbox"
git -C "$tmp/repo" format-patch -q --stdout base..B >"$tmp/b.mbox"
echo "A: $(grep -c '^From [0-9a-f]\{40\} ' "$tmp/a.mbox") commits, B: $(grep -c '^From [0-9a-f]\{40\} ' "$tmp/b.mbox") commits" >&2

echo "building the patchset test binary" >&2
(cd "$root" && go test -c -o "$tmp/patchset.test" ./patchset)

export PATCHTRACE_PAIR_A="$tmp/a.mbox" PATCHTRACE_PAIR_B="$tmp/b.mbox"
now() { date +%s.%N; }
git_times=() our_times=()
for ((i = 1; i <= rounds; i++)); do
	t0=$(now)
	git -C "$tmp/repo" range-diff --no-color base..A base..B >"$tmp/range-diff.out"
	t1=$(now)
	out=$("$tmp/patchset.test" -test.run '^$' -test.bench '^BenchmarkPairMbox$' -test.benchtime 1x)
	ns=$(echo "$out" | awk '/^BenchmarkPairMbox/ {print $3}')
	git_times+=("$(echo "$t1 - $t0" | bc -l)")
	our_times+=("$(echo "$ns / 1000000000" | bc -l)")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
gm=$(median "${git_times[@]}")
om=$(median "${our_times[@]}")
printf 'git range-diff:           median %.3f s  runs: %s\n' "$gm" "${git_times[*]}"
printf 'patchset.PairSeries (Go): median %.3f s  runs: %s  (parse + fingerprint + pair)\n' "$om" "${our_times[*]}"
printf 'ratio (range-diff / Go):  %.2fx\n' "$(echo "$gm / $om" | bc -l)"

PATCHTRACE_RANGE_DIFF="$tmp/range-diff.out" "$tmp/patchset.test" -test.run '^TestPairMboxAgreesWithRangeDiff$' -test.v | grep -E 'agree|FAIL|ok|PASS' || true
