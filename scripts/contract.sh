#!/usr/bin/env bash
# The API contract: Schemathesis, every check enabled, against the OpenAPI document the service
# publishes (/openapi.json). The service (the test build's debug binary) runs on a fresh SQLite
# database in a temporary folder, seeded with the example catalogue, a basket and orders so
# that the operations have something to work on; requests carry a PROJECT_ADMIN bearer token
# whose user owns the seeded data. Any failure fails the script. Extra arguments go to
# `schemathesis run` (e.g. `--max-examples 100`, `--include-path-regex basket`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/regards-order-target}"
SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-50}"
venv="${REGARDS_ORDER_VENV:-$HOME/.cache/regards-order-venv}"

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION in $venv" >&2
  if ! python3 -m venv "$venv" 2>/dev/null; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# The binary the tests use: after scripts/test.sh this builds nothing.
cargo test --workspace --no-run --quiet
bin="$CARGO_TARGET_DIR/debug/regards-order"

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
cat >"$work/config.toml" <<EOF
bind = "127.0.0.1:0"
data_dir = "$work/data"
log_format = "json"
[auth]
jwt_secret = "$(secret)"
order_secret = "$(secret)"
EOF
export REGARDS_ORDER_CONFIG="$work/config.toml"
# The default storage serves <data_dir>/files: the example catalogue goes there.
mkdir -p "$work/data/files"
cp -r examples/stac "$work/data/files/"
tenant=contract
"$bin" catalog import --tenant "$tenant" "$work/data/files/stac" >/dev/null

"$bin" serve 2>"$work/service.log" &
pid=$!
address=
for _ in $(seq 100); do
  address=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$work/service.log" | head -n 1 | cut -d' ' -f3 || true)
  [ -n "$address" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$address" ] || { echo "the service did not start" >&2; cat "$work/service.log" >&2; exit 1; }
base="http://$address"
token=$("$bin" token --tenant "$tenant" --email admin@example.org --role PROJECT_ADMIN)

call() {
  curl -sS -f -X "$1" "$base$2" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data "$3"
}
selection='{"engineType":"legacy","datasetUrn":"URN:AIP:DATASET:demo:sentinel:V1"}'
# Two orders, whose ids scripts/schemathesis.toml names, then a live basket.
for n in 1 2; do
  call POST /order/basket/selection "$selection" >/dev/null
  id=$(call POST /user/orders "{\"label\":\"contract $n\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["content"]["id"])')
  [ "$id" = "$n" ] || { echo "the seeded order got id $id, not $n" >&2; exit 1; }
done
call POST /order/basket/selection "$selection" >/dev/null

# The live event streams never end (a body read whole would wait forever): they are left
# out here and tested by tests/api/events_sse.rs.
echo "schemathesis $SCHEMATHESIS_VERSION against $base/openapi.json (max $MAX_EXAMPLES examples per operation)" >&2
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$base/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $token" \
  --max-examples "$MAX_EXAMPLES" \
  --seed "${CONTRACT_SEED:-1}" \
  --workers 2 \
  --no-color \
  --exclude-path-regex '/events$' \
  "$@"
