#!/usr/bin/env bash
# pg-throwaway.sh starts or stops a throwaway PostgreSQL cluster for the
# store tests: initdb and pg_ctl run as an unprivileged user (the
# "postgres" user, else "nobody", when called as root; the caller
# otherwise) on a fresh temporary directory, listening only on a Unix
# socket in that directory. PostgreSQL comes from Debian's packages and is
# installed when missing.
#
#   eval "$(scripts/pg-throwaway.sh start)"   # exports PATCHTRACE_PG_URL, PATCHTRACE_PG_DIR
#   go test ./provenance/store
#   scripts/pg-throwaway.sh stop "$PATCHTRACE_PG_DIR"
#
# Messages go to stderr; start prints only the export lines on stdout.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pgbin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
		echo "pg-throwaway: installing postgresql from Debian's packages" >&2
		as_root apt-get update >&2
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
		d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	fi
	echo "$d"
}

# run CMD... as the cluster's user.
runas() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PGUSER_OS" -- "$@"
	else
		"$@"
	fi
}

case "${1:-}" in
start)
	bin=$(pgbin)
	if [ "$(id -u)" -eq 0 ]; then
		if id postgres >/dev/null 2>&1; then PGUSER_OS=postgres; else PGUSER_OS=nobody; fi
	else
		PGUSER_OS=$(id -un)
	fi
	dir=$(mktemp -d /tmp/patchtrace-pg.XXXXXX)
	chmod 755 "$dir"
	if [ "$(id -u)" -eq 0 ]; then chown "$PGUSER_OS" "$dir"; fi
	runas "$bin/initdb" -D "$dir/data" -U patchtrace -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	runas "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-k $dir -c listen_addresses= -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
		start >&2 || { cat "$dir/server.log" >&2; exit 1; }
	echo "pg-throwaway: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') running as $PGUSER_OS in $dir" >&2
	echo "export PATCHTRACE_PG_DIR='$dir'"
	echo "export PATCHTRACE_PG_URL='postgres://patchtrace@/postgres?host=$dir&port=5432&sslmode=disable'"
	;;
stop)
	dir=${2:?usage: pg-throwaway.sh stop DIR}
	case "$dir" in /tmp/patchtrace-pg.*) ;; *) echo "pg-throwaway: refusing to stop $dir" >&2; exit 2 ;; esac
	[ -d "$dir/data" ] || exit 0
	bin=$(pgbin)
	owner=$(stat -c %U "$dir/data")
	if [ "$(id -u)" -eq 0 ]; then PGUSER_OS=$owner; fi
	runas "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: pg-throwaway.sh start | stop DIR" >&2
	exit 2
	;;
esac
