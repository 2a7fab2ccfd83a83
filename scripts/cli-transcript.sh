#!/usr/bin/env bash
# cli-transcript.sh — re-run every point of issue 12 (CLIs and exports a
# maintainer can trust) on the built-in example and the real corpus, and
# write what the programs answer, exit codes included, to
# docs/cli-transcript.md. The same points are checked, with assertions, by
# examples/trace's TestCommandLine, examples/specinfo's TestCommandLine,
# examples/patchid's TestOptions and provenance's TestExportsValidOnCorpus.
#
#   scripts/cli-transcript.sh [OUT.md]
#
# Uses $PATCHTRACE_CORPUS (default ../shared/corpus beside the module),
# $PATCHTRACE_CURL_GIT (a curl clone, for the reversed range; default
# /work/.mirror/curl+curl/repo), the npm validators in $PATCHTRACE_NPM and
# the sid chroot in $PATCHTRACE_RPM_CHROOTS when present. Exports are dated
# SOURCE_DATE_EPOCH=1714000000 so that re-runs compare.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/cli-transcript.md}
corpus=${PATCHTRACE_CORPUS:-$(dirname "$root")/shared/corpus}
curlgit=${PATCHTRACE_CURL_GIT:-/work/.mirror/curl+curl/repo}
npm=${PATCHTRACE_NPM:-/var/cache/patchtrace/npm}
sid=${PATCHTRACE_RPM_CHROOTS:-/var/cache/patchtrace/rpm-chroots}/sid
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/bin/" ./examples/trace ./examples/specinfo ./examples/patchid)
export PATH="$work/bin:$PATH" SOURCE_DATE_EPOCH=1714000000
cd "$work"
ln -s "$corpus" corpus
cp -r "$root/testdata/trace" example
# Fixtures: a malformed patch, a missing one, one that is a symlink out of
# the directory, a spec with %include, a spec with warnings.
cp -r example/target bad && printf 'Subject: x\n\ndiff --git a/greet.conf b/greet.conf\n--- a/greet.conf\n+++ b/greet.conf\n@@ -1,3 +1,3 @@\n-a\n+b\n' >bad/greet-1.0-debrand.patch
cp -r example/target missing && rm missing/greet-1.0-leak-fix.patch
cp -r example/target link && rm link/greet-1.0-debrand.patch && ln -s "$work/bad/greet-1.0-debrand.patch" link/greet-1.0-debrand.patch
cp -r example/target include && sed -i 's/^Patch1000: .*/Source9: patches.inc\n%include %{SOURCE9}/' include/greet.spec && echo 'Patch1000: greet-1.0-debrand.patch' >include/patches.inc
git init -q -b main gitrepo && git -C gitrepo -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
mkdir warn && printf 'Name: w\nVersion: 1\nRelease: %%{expr:1/0}\nSummary: x\nLicense: MIT\nURL: %%{unterminated\n%%description\nx\n' >warn/w.spec

exec >"$out.tmp"
n=0
# run TITLE COMMAND [LINES]: run COMMAND with bash, show it, its first LINES
# lines of stdout (default 12), its stderr and its exit status (that of the
# command line's last command).
run() {
	n=$((n + 1))
	local title=$1 cmd=$2 lines=${3:-12} rc
	local shown=${cmd//$curlgit/\$PATCHTRACE_CURL_GIT}
	shown=${shown//$npm/\$PATCHTRACE_NPM}
	shown=${shown//$sid/\$PATCHTRACE_RPM_CHROOTS\/sid}
	shown=${shown//$root/.}
	shown=${shown//$work/\$PWD}
	printf '#### %d. %s\n\n```console\n$ %s\n' "$n" "$title" "$shown"
	set +e
	bash -c "$cmd" >stdout 2>stderr
	rc=$?
	set -e
	head -n "$lines" stdout
	[ "$(wc -l <stdout)" -gt "$lines" ] && echo "[... $(($(wc -l <stdout) - lines)) more lines]"
	sed 's/^/[stderr] /' stderr | head -n 8
	printf '[exit %d]\n```\n\n' "$rc"
}
section() { printf '### %s\n\n' "$1"; }

cat <<'HEAD'
# Issue 12, re-run: CLIs and exports a maintainer can trust

Produced by `scripts/cli-transcript.sh` (re-run it to regenerate this file).
Every command runs the programs built from this checkout on the built-in
example (`example/`, a copy of testdata/trace), small fixtures the script
makes (`bad/` a malformed patch, `missing/` a declared patch removed,
`link/` a patch that is a symlink out of the directory, `include/` a spec
with `%include`, `warn/` a spec with warnings) and the real corpus
(`corpus/` = ../shared/corpus). Exit status: 0 ok, 1 findings asked for,
2 usage error, 3 input error. Output is cut to its first lines.

HEAD

section "Exports"
SSL="-target el9 -from ciq=corpus/ciq-rocky-fips/openssl/dist-git -from fedora=corpus/fedora/openssl/rawhide corpus/openela/openssl/el9"
CURL="-target el8 -from ciq=corpus/ciq-rocky-lts/curl/el-8.6 corpus/openela/curl/el8"
run "SPDX of real curl: lookaside tarballs have checksums (none is null)" "trace -export spdx $CURL | grep -c '\"checksums\": null'; trace -export spdx $CURL | grep -A 9 '\"name\": \"curl-7.61.1.tar.xz\"'" 14
run "SPDX metadata: created, versioned tool, unique namespace" "trace -export spdx $SSL | grep -E '\"created\"|\"Tool: |documentNamespace'; SOURCE_DATE_EPOCH=1714000001 trace -export spdx $SSL | grep documentNamespace"
run "CycloneDX: serialNumber, timestamp, tool entry" "trace -export cyclonedx $CURL | grep -E '\"serialNumber\"|\"timestamp\"|\"name\": \"patchtrace\"|\"version\": \"(v|devel)'"
run "CycloneDX: resolves.description" "trace -export cyclonedx $CURL | grep -m 3 '\"description\": \"Security vulnerability'"
if [ -d "$npm/node_modules/@cyclonedx/cyclonedx-library" ]; then
	for f in curl openssl; do
		args=$CURL; [ $f = openssl ] && args=$SSL
		trace -export cyclonedx $args >$f.cdx.json 2>/dev/null
		trace -export spdx $args >$f.spdx.json 2>/dev/null
	done
	run "CycloneDX 1.6 validated against the official schema (@cyclonedx/cyclonedx-library, npm)" "NODE_PATH=$npm/node_modules node $root/scripts/validate-sbom.cjs curl.cdx.json openssl.cdx.json"
fi
if [ -x "$sid/usr/bin/pyspdxtools" ]; then
	mkdir -p "$sid/tmp/transcript" && cp curl.spdx.json openssl.spdx.json "$sid/tmp/transcript/"
	run "SPDX 2.3 validated by the SPDX project's validator (spdx-tools, Debian sid)" "for f in curl openssl; do chroot $sid pyspdxtools -i /tmp/transcript/\$f.spdx.json && echo \"\$f.spdx.json: valid\"; done"
	rm -rf "$sid/tmp/transcript"
fi
run "DOT: clusters per origin, no literal \\\\n, verdict colours" "trace -export dot example/target -from c9s=example/c9s -target c9s | grep -E 'subgraph|->' | head -8; echo \"literal backslash-n in labels: \$(trace -export dot | grep -c '\\\\\\\\n')\"" 10
run "DOT filter: only what needs review" "trace -export dot -only review $SSL | grep -E 'label=|->' | head -6"

section "Names, paths and presets"
run "-name names the target (header, purl)" "trace -name almalinux | head -1; trace -name almalinux -export cyclonedx | grep -m1 purl"
run "purl vendor from the release suffix, never 'target'" "trace -export spdx | grep -m2 'pkg:rpm'"
run "-basedir: recorded paths relative, never absolute" "trace -basedir corpus -export spdx $SSL | grep sourceInfo; trace -export spdx $SSL | grep -c '$work' || true"
run "each origin read with its own preset (Fedora rawhide is .fc46, not .el9)" "trace $SSL | head -4"
run "-from NAME:PRESET=SOURCE" "trace -from fedora:f40=corpus/fedora/openssl/rawhide -target el9 corpus/openela/openssl/el9 | head -3"
run "presets el6, el7, ol8-ol10, rpm 6 for Fedora 43+" "specinfo -target el6 corpus/eurolinux/curl/el6 | head -1; specinfo -target el7 corpus/eurolinux/expat/el7 | head -1; for p in ol8 ol9 ol10; do specinfo -target \$p -json corpus/openela/expat/el8 | grep -m1 release; done; printf 'Name: x\nVersion: %%{rpmversion}\nRelease: 1%%{?dist}\nSummary: s\nLicense: MIT\n%%description\nx\n' >rv.spec; specinfo -target f43 rv.spec | head -1; specinfo -target f42 rv.spec | head -1"
run "-target el9 on an el8 package warns" "trace -target el9 -from openela=corpus/openela/curl/el8 corpus/srpms/curl-7.61.1-33.el8.src.rpm | head -3"
run "a release without dist warns" "cp -r example/target nodist; trace nodist | head -2"

section "Silent failures, exit codes and help"
if [ -d "$curlgit" ]; then
	run "a reversed range warns and is a finding" "trace -from c9s=example/c9s -upstream curl=$curlgit@curl-8_5_0..curl-7_19_7 example/target | head -6"
else
	run "a reversed range warns and is a finding (greet's history; no curl clone here)" "echo 'set PATCHTRACE_CURL_GIT to a curl clone'"
fi
run "no -from warns" "trace example/target | head -3"
run "-json with -graph is a usage error" "trace -json -graph"
run "-json with -export is a usage error" "trace -json -export spdx example/target"
run "flags after the target work" "trace example/target -from c9s=example/c9s -target c9s -json | head -3"
run "a stray second argument gets a hint" "trace example/target example/c9s"
run "exit 3 for a missing directory" "trace /nonexistent/dir"
run "exit 3 for a bad revision" "trace -from c9s=example/c9s -upstream x=gitrepo@nosuchref example/target"
run "-fail-on-own: exit 1 when asked" "trace -fail-on-own >/dev/null"
run "patchid -h and --help" "patchid -h | head -4; patchid --help >/dev/null; echo \$?" 6
run "trace -h: examples and exit codes" "trace -h | sed -n '/^Examples/,\$p'" 20
run "specinfo -h" "specinfo -h | tail -6" 6
run "specinfo accepts a directory" "specinfo -target el8 corpus/openela/curl/el8 | head -3"

section "Hidden errors"
run "a parse error in the table (not 'own')" "trace -from c9s=example/c9s -target c9s bad | sed -n '1,7p;/^greet-1.0-debrand/p'" 12
run "... in -json" "trace -json -from c9s=example/c9s -target c9s bad | grep -A3 '\"findings\"'"
run "... in -graph" "trace -graph -from c9s=example/c9s -target c9s bad | grep -m1 '\"error\"'"
run "... in SPDX (REVIEW annotation) and CycloneDX (property)" "trace -export spdx -from c9s=example/c9s -target c9s bad | grep -m1 -B1 'could not read'; trace -export cyclonedx -from c9s=example/c9s -target c9s bad | grep -m1 -A1 'patchtrace:finding'"
run "... in DOT" "trace -export dot -from c9s=example/c9s -target c9s bad | grep -m1 '⚠'"
run "-fail-on-error: exit 1" "trace -fail-on-error -from c9s=example/c9s -target c9s bad >/dev/null"
run "specinfo prints warnings in text mode" "specinfo warn" 12
run "a missing declared patch is a finding with its reason" "trace -from c9s=example/c9s -target c9s missing | sed -n '/findings/,/^\$/p;/leak-fix/p'"
run "a patch that is a symlink out of the directory is a finding" "trace -from c9s=example/c9s -target c9s link 2>&1 >/dev/null | grep debrand"
run "trace reads a spec with %include" "trace -from c9s=example/c9s -target c9s include | grep -E 'debrand|cannot include'"

section "Explanations"
run "a verdict legend in the text output" "trace | sed -n '/^verdicts/,\$p'" 12
run "-v: evidence and the interdiff of rebased, partial and similar matches" "trace -v | sed -n '/leak-fix.patch/,/cites/p'" 16
exec >&-
mv "$out.tmp" "$out"
echo "wrote $out ($n commands)" >&2
