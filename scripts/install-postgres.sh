#!/usr/bin/env bash
# The PostgreSQL pass of the tests starts its own throwaway cluster from Debian's server binaries (no containers).
set -euo pipefail
bindir="$(pg_config --bindir 2>/dev/null || true)"
if [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ]; then
  exit 0
fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL's server binaries (initdb, pg_ctl) are missing and this user cannot install them: run 'apt-get install -y postgresql' as root." >&2
  exit 1
fi
echo "Installing Debian's PostgreSQL server binaries for the PostgreSQL test pass..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb
