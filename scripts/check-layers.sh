#!/usr/bin/env bash
# The layering rules, checked over the source (comments excluded). Fails, naming each line,
# when:
# - a module below the routes (the application layer and what it uses: src/app, src/orders,
#   src/basket, src/downloads, src/catalog, src/db, src/storage, src/config, src/mail) uses the
#   web layer:
#   actix-web, the HTTP error `ApiError`, the application state, the request extractors, or the
#   modules http, routes, state, startup;
# - the engine crate (actors/) depends on an adapter: sqlx, actix-web, reqwest, or the service's
#   crate, in its manifest or its code.
# Usage: scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

# Code lines of Rust files under the given folders, comments dropped: "path:line:text".
code_lines() {
  grep -rnH --include='*.rs' '' "$@" | grep -vE '^[^:]+:[0-9]+:\s*//' || true
}

report() {
  local rule="$1" hits="$2"
  if [ -n "$hits" ]; then
    echo "layering: $rule" >&2
    echo "$hits" | sed 's/^/  /' >&2
    status=1
  fi
}

below_routes=(src/app src/orders src/basket src/downloads src/catalog src/db src/storage src/config src/mail)
existing=()
for dir in "${below_routes[@]}"; do [ -d "$dir" ] && existing+=("$dir"); done
web='actix_web|actix_multipart|tracing_actix_web|\bApiError\b|\bAppState\b|\bCaller\b|\bAuthorised\b|crate::(http|routes|state|startup)\b|HttpResponse|HttpRequest'
report "a module below the routes uses the web layer" \
  "$(code_lines "${existing[@]}" | grep -E "$web" || true)"

adapters='\b(sqlx|actix_web|reqwest|regards_order)::|use (sqlx|actix_web|reqwest|regards_order)\b'
report "the engine crate uses an adapter" "$(code_lines actors/src | grep -E "$adapters" || true)"
manifest=$(sed -n '/^\[dependencies\]/,/^\[/p' actors/Cargo.toml |
  grep -nE '^(sqlx|actix-web|reqwest|regards-order)\s*=' || true)
report "actors/Cargo.toml depends on an adapter" "$manifest"

[ "$status" = 0 ] && echo "layering: every rule holds" >&2
exit "$status"
