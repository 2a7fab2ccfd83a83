#!/usr/bin/env bash
# Accuracy of patchtrace's upstream matching on data nobody here wrote.
#
# For every evaluation set of scripts/accuracy/sets.tsv (a RHEL-family
# packaging branch and the upstream history its patches cite), copy the
# packaging, strip every citation from the copy, trace it against the
# upstream range with provenance.Trace, and compare the commits reported
# for each patch with the citations of the original. Prints recall,
# precision and counts per set, then every miss and wrong with a one-line
# diagnosis. See scripts/accuracy/main.go for the rules.
#
# Needs the packaging and upstream repositories fetched under the mirror
# root ($PATCHTRACE_MIRROR, default /work/.mirror: OWNER+NAME/repo), or
# the variables the manifest names (PATCHTRACE_CURL_GIT, ...), and the
# shared corpus ($PATCHTRACE_CORPUS, default ../shared/corpus).
#
#     bash scripts/accuracy.sh                      # every set
#     bash scripts/accuracy.sh -only '^curl-' -v    # some sets, hits too
#     bash scripts/accuracy.sh -md /tmp/misses.md   # also a markdown report
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${TMPDIR:-/tmp}/patchtrace-accuracy.$$
trap 'rm -f "$bin"' EXIT
go build -o "$bin" ./scripts/accuracy
nice -n 10 "$bin" "$@"
