#!/usr/bin/env bash
# rpm-chroot.sh SUITE... — build (or reuse) a minimal Debian chroot with rpm
# for each SUITE (trixie: rpm 4.20.1, sid: rpm 6.x), for the newer-rpm spec
# oracle tests (specfile's TestOracleRPMSpecChroot). Chroots are kept in
# $PATCHTRACE_RPM_CHROOTS (default /var/cache/patchtrace/rpm-chroots/SUITE);
# a chroot whose rpmspec runs is reused, so only the first run downloads.
# Suites build in parallel. Needs root (debootstrap, chroot) and Debian's
# package mirror. Prints one line per suite: SUITE DIR rpm-version seconds.
set -euo pipefail
base="${PATCHTRACE_RPM_CHROOTS:-/var/cache/patchtrace/rpm-chroots}"
mirror="${PATCHTRACE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
[ $# -gt 0 ] || set -- trixie sid
mkdir -p "$base/debs"

build() { # build SUITE
	local suite=$1 dir="$base/$1" start=$SECONDS
	if [ -x "$dir/usr/bin/rpmspec" ] && chroot "$dir" rpmspec --version >/dev/null 2>&1; then
		echo "$suite $dir $(chroot "$dir" rpm --version | awk '{print $3}') cached"
		return 0
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$base/debs/$suite"
	if ! debootstrap --variant=minbase --include=rpm --cache-dir="$base/debs/$suite" \
		"$suite" "$dir.tmp" "$mirror" >"$base/$suite.log" 2>&1; then
		echo "rpm-chroot: debootstrap $suite failed; last lines of $base/$suite.log:" >&2
		tail -20 "$base/$suite.log" >&2
		return 1
	fi
	# The package cache is kept outside the chroot; drop the copies inside.
	rm -rf "$dir.tmp/var/cache/apt/archives/"*.deb "$dir" 
	mv "$dir.tmp" "$dir"
	echo "$suite $dir $(chroot "$dir" rpm --version | awk '{print $3}') $((SECONDS - start))s"
}

pids=()
for s in "$@"; do
	build "$s" &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
exit $rc
