#!/usr/bin/env bash
# Build issue 9's visible tree case in OUT (default /tmp/patchtrace-tree-curl),
# from public data only (nothing is committed):
#   base.tar.xz        git archive of curl's tag curl-7_61_1
#   target.tar.xz      that tree with ../shared/corpus/openela/curl/el8's
#                      patches applied in its %prep order (specfile's plan,
#                      from examples/specinfo) and %prep's own sed/printf
#                      edits (expanded by rpmspec -P), packed with a top
#                      directory curl-7.61.1/
#   rhel/              a copy of the el8 packaging dir whose citation lines
#                      (Upstream-commit:, cherry picked from, the From <sha>
#                      of format-patch mails) are removed
#   cited.txt          the full ids of the commits the applied patches cite
#                      with Upstream-commit: (the ground truth), one a line
#   prep-edits.txt     the own edits applied (for the record)
# Usage: PATCHTRACE_CURL_GIT=/work/.mirror/curl+curl/repo scripts/tree-curl-build.sh [OUT]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
gitdir=${PATCHTRACE_CURL_GIT:-/work/.mirror/curl+curl/repo}
pkg=${PATCHTRACE_CURL_EL8:-$root/../shared/corpus/openela/curl/el8}
out=${1:-/tmp/patchtrace-tree-curl}
base_tag=curl-7_61_1
top=curl-7.61.1

for need in git rpmspec jq xz patch; do
	command -v "$need" >/dev/null || { echo "need $need" >&2; exit 2; }
done
[ -d "$gitdir" ] || { echo "no curl clone at $gitdir (set PATCHTRACE_CURL_GIT)" >&2; exit 2; }
[ -f "$pkg/curl.spec" ] || { echo "no $pkg/curl.spec" >&2; exit 2; }

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The base.
git --git-dir="$gitdir" archive --format=tar --prefix="$top/" "$base_tag" >"$work/base.tar"
xz -T1 -c "$work/base.tar" >"$out/base.tar.xz"
mkdir "$work/tree"
tar -x -C "$work/tree" -f "$work/base.tar"
tree="$work/tree/$top"

# The plan: patches from specfile's plan; %prep's own edits (sed and
# printf lines) placed by their spec line and expanded by rpmspec -P.
(cd "$root" && go run ./examples/specinfo -target el8 -json "$pkg/curl.spec") >"$work/spec.json"
jq -r '.plan[] | "\(.line)\tpatch\t\(.file)\t\(.strip)\t\(.form)"' "$work/spec.json" >"$work/events"
awk '/^%prep/{p=1; next} /^%(build|install|check)/{p=0} p && /^(sed|printf) /{print NR}' "$pkg/curl.spec" >"$work/edit-lines"
# rpmspec -P runs no %prep: it only expands macros (in a scratch dir), for
# x86_64 with EL8's python. Its output keeps the order of the spec's lines,
# so the first N sed/printf lines after %prep are the N of the spec's %prep.
(cd "$work" && rpmspec -P --define "_sourcedir $pkg" --define '__isa_bits 64' \
	--define '__python3 /usr/libexec/platform-python' "$pkg/curl.spec" 2>/dev/null) |
	awk '/^%prep/{p=1; next} p && /^(sed|printf) /' | head -n "$(wc -l <"$work/edit-lines")" >"$work/edit-cmds"
paste "$work/edit-lines" "$work/edit-cmds" | awk -F'\t' '{print $1 "\tedit\t" $2}' >>"$work/events"
sort -n -k1,1 "$work/events" >"$work/plan"

: >"$out/prep-edits.txt"
: >"$out/skipped.txt"
(cd "$tree" && git init -q)
while IFS=$'\t' read -r line kind a b form; do
	case "$kind" in
	patch)
		if [ "$form" = shell ]; then
			(cd "$tree" && git apply "$pkg/$a") # the spec's own git apply, -p1
		else
			# git archive lacks the release tarball's generated files
			# (configure): hunks for files absent from the base are
			# skipped and recorded; any other failure stops the build.
			if ! patch -d "$tree" -p"$b" --fuzz=0 --no-backup-if-mismatch -f <"$pkg/$a" >"$work/patch.out" 2>&1; then
				if grep -q 'hunks\? FAILED\|malformed\|Reversed' "$work/patch.out"; then
					cat "$work/patch.out" >&2
					echo "patch $a failed" >&2
					exit 1
				fi
				awk -v p="$a" '/^\|\+\+\+ /{f=$2} /No file to patch/{print p ": skipped " f " (not in the base)"}' "$work/patch.out" >>"$out/skipped.txt"
			fi
		fi
		;;
	edit)
		echo "$a" >>"$out/prep-edits.txt"
		(cd "$tree" && bash -c "$a")
		;;
	esac
done <"$work/plan"
rm -rf "$tree/.git"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/tree" -cf - "$top" | xz -T1 >"$out/target.tar.xz"

# The ground truth: commits cited by applied patches.
jq -r '.plan[].file' "$work/spec.json" | sort -u | while read -r f; do
	{ grep -ohiE '^Upstream-commit: *[0-9a-f]{7,40}' "$pkg/$f" || true; } | awk '{print $2}'
done | sort -u | while read -r c; do
	git --git-dir="$gitdir" rev-parse --verify -q "$c^{commit}" || echo "unknown-$c"
done | sort -u >"$out/cited.txt"

# The packaging dir without citations.
rm -rf "$out/rhel"
cp -r "$pkg" "$out/rhel"
chmod -R u+w "$out/rhel"
for f in "$out"/rhel/*.patch; do
	sed -i -E -e '/^Upstream-commit:/Id' -e '/cherry[- ]picked from commit/Id' \
		-e 's/^From [0-9a-f]{40} /From 0000000000000000000000000000000000000000 /' "$f"
done

echo "built $out: base.tar.xz target.tar.xz rhel/ ($(ls "$out"/rhel/*.patch | wc -l) patches), $(wc -l <"$out/cited.txt") cited commits, $(wc -l <"$out/prep-edits.txt") %prep edits"
