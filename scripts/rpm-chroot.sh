#!/usr/bin/env bash
# rpm-chroot.sh SUITE... — build (or reuse) a minimal Debian chroot with rpm
# for each SUITE (trixie: rpm 4.20.1, sid: rpm 6.x; sid also carries
# python3-spdx-tools, the SPDX project's validator), for the newer-rpm
# oracle tests (specfile's TestOracleRPMSpecChroot, the string built-ins)
# and the SPDX export validation. Chroots are kept in
# $PATCHTRACE_RPM_CHROOTS (default /var/cache/patchtrace/rpm-chroots/SUITE);
# a chroot whose rpmspec runs is reused, so only the first run downloads.
# Suites build in parallel. Needs root (debootstrap, chroot) and Debian's
# package mirror. Prints one line per suite: SUITE DIR rpm-version seconds.
set -euo pipefail
base="${PATCHTRACE_RPM_CHROOTS:-/var/cache/patchtrace/rpm-chroots}"
mirror="${PATCHTRACE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
[ $# -gt 0 ] || set -- trixie sid
mkdir -p "$base/debs"

# packages SUITE: what the chroot of SUITE holds besides minbase.
packages() {
	case $1 in
	sid) echo rpm,python3-spdx-tools ;;
	*) echo rpm ;;
	esac
}

# complete DIR PKGS: install what a cached chroot lacks of PKGS.
complete() {
	local dir=$1 missing=()
	for p in ${2//,/ }; do
		chroot "$dir" dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	cp /etc/resolv.conf "$dir/etc/resolv.conf"
	# The mirror may serve a dated snapshot whose Release has expired.
	local apt=(apt-get -o Acquire::Check-Valid-Until=false -qq)
	if ! chroot "$dir" "${apt[@]}" update >"$dir.apt.log" 2>&1 ||
		! chroot "$dir" env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >>"$dir.apt.log" 2>&1; then
		echo "rpm-chroot: installing ${missing[*]} in $dir failed; last lines of $dir.apt.log:" >&2
		tail -20 "$dir.apt.log" >&2
		return 1
	fi
	chroot "$dir" apt-get clean
}

build() { # build SUITE
	local suite=$1 dir="$base/$1" start=$SECONDS pkgs
	pkgs=$(packages "$1")
	if [ -x "$dir/usr/bin/rpmspec" ] && chroot "$dir" rpmspec --version >/dev/null 2>&1; then
		complete "$dir" "$pkgs"
		echo "$suite $dir $(chroot "$dir" rpm --version | awk '{print $3}') cached $((SECONDS - start))s"
		return 0
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$base/debs/$suite"
	if ! debootstrap --variant=minbase --include="$pkgs" --cache-dir="$base/debs/$suite" \
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
