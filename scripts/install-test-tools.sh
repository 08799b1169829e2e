#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain, when it is missing:
# the Postgres client (psql) used to find a test server.
set -euo pipefail
missing=()
command -v psql >/dev/null || missing+=(postgresql-client)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "warning: please install: ${missing[*]}" >&2
  exit 0
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
