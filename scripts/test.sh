#!/usr/bin/env bash
# Runs every test of the workspace. Each black-box test runs on SQLite, and on Postgres too
# when one is reachable: TEST_DATABASE_URL if set, else the local server on 127.0.0.1:5432,
# else a throwaway cluster started here when the Postgres server binaries are installed.
# Extra arguments go to the test runner (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/regards-order-target}"

scripts/install-test-tools.sh

reachable() { psql "$1" -qtAc 'SELECT 1' >/dev/null 2>&1; }

if [ -z "${TEST_DATABASE_URL:-}" ] && command -v psql >/dev/null; then
  if reachable postgres://postgres@127.0.0.1:5432/postgres; then
    export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
  elif initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1) && [ -n "$initdb" ]; then
    bin=$(dirname "$initdb")
    pgtmp=$(mktemp -d)
    # initdb refuses to run as root: the throwaway cluster belongs to nobody.
    run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
    [ "$(id -u)" = 0 ] && chown nobody "$pgtmp"
    run_pg "$bin/initdb" -D "$pgtmp/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
    run_pg "$bin/pg_ctl" -D "$pgtmp/data" -l "$pgtmp/log" -w start \
      -o "-p 55432 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pgtmp" >/dev/null
    trap 'run_pg "$bin/pg_ctl" -D "$pgtmp/data" -m fast -w stop >/dev/null; rm -rf "$pgtmp"' EXIT
    export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres
  fi
fi

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "tests run on SQLite and on Postgres (${TEST_DATABASE_URL%%@*}@…)" >&2
else
  echo "warning: no Postgres reachable: only the SQLite variants run" >&2
fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
