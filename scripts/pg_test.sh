#!/usr/bin/env bash
# Runs a command with OCOP_TEST_DATABASE_URL pointing at PostgreSQL 15.
# Uses the server on 127.0.0.1:5432 when one answers; otherwise starts a
# throwaway cluster (initdb in a temp dir, a spare port), runs, stops, deletes.
#   scripts/pg_test.sh python -m pytest -q
# PG_THROWAWAY=1 forces the throwaway cluster even when a server runs.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "${PG_BIN}" ] || [ ! -x "${PG_BIN}/initdb" ]; then
  echo "pg_test: installing PostgreSQL (apt-get)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

if [ -z "${OCOP_TEST_DATABASE_URL:-}" ] && [ -z "${PG_THROWAWAY:-}" ] && "${PG_BIN}/pg_isready" -q -h 127.0.0.1 -p 5432 \
   && psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' >/dev/null 2>&1; then
  export OCOP_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
fi

if [ -n "${OCOP_TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

# No server: a throwaway cluster. PostgreSQL refuses to run as root.
dir=$(mktemp -d /tmp/ocop-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() {
  as_pg "${PG_BIN}/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_pg "${PG_BIN}/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
as_pg "${PG_BIN}/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-h 127.0.0.1 -p ${port} -k $dir -F" start >/dev/null
as_pg "${PG_BIN}/createdb" -h 127.0.0.1 -p "${port}" -U postgres test
export OCOP_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:${port}/test"
echo "pg_test: throwaway PostgreSQL on 127.0.0.1:${port}" >&2
"$@"
