#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain, when it is missing: the Postgres
# client (psql, to find a test server), xmllint (metalinks are validated against their XSD),
# aria2c (metalinks are downloaded end to end), unzip and python3 (zips are read back).
set -euo pipefail
missing=()
command -v psql >/dev/null || missing+=(postgresql-client)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v aria2c >/dev/null || missing+=(aria2)
command -v unzip >/dev/null || missing+=(unzip)
command -v python3 >/dev/null || missing+=(python3)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "warning: please install: ${missing[*]}" >&2
  exit 0
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
