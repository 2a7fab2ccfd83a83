#!/usr/bin/env bash
# Attribution accuracy of provenance/upstream on the RHEL curl patches
# (openela/curl/el8 and el9) that cite exactly one upstream commit, with
# every citing line removed before parsing (content alone). Prints each
# hit/miss, then recall and precision. Needs a local clone of curl/curl:
#     PATCHTRACE_CURL_GIT=/work/.mirror/curl+curl/repo scripts/accuracy-upstream.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export PATCHTRACE_CURL_GIT=${PATCHTRACE_CURL_GIT:-/work/.mirror/curl+curl/repo}
if [ ! -d "$PATCHTRACE_CURL_GIT" ]; then
	echo "no curl clone at $PATCHTRACE_CURL_GIT (set PATCHTRACE_CURL_GIT)" >&2
	exit 2
fi
cd "$root"
status=0
go test -count=1 -run '^TestCurlAccuracy$' -v ./provenance/upstream >"${TMPDIR:-/tmp}/accuracy-upstream.$$" 2>&1 || status=$?
sed -n 's/^ *curl_test.go:[0-9]*: //p; /^--- /p; /^FAIL\|^ok/p' "${TMPDIR:-/tmp}/accuracy-upstream.$$"
rm -f "${TMPDIR:-/tmp}/accuracy-upstream.$$"
exit $status
