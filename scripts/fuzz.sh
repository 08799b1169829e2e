#!/usr/bin/env bash
# Fuzzes every target of fuzz/ (cargo-fuzz, libFuzzer) for a bounded time each: the `q`
# parser, STAC documents, multihashes, Range headers and zip entry names. Fails on the first
# crash, leaving the input under fuzz/artifacts/<target>/. Usage: scripts/fuzz.sh [seconds per
# target, default 20] [target...]. Installs cargo-fuzz when missing; on a stable toolchain,
# RUSTC_BOOTSTRAP=1 lets it use the nightly flags it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/regards-order-target}"
export RUSTC_BOOTSTRAP=1
# The fuzz build (instrumented, release) lives beside the normal one, not in the clone.
target_dir="$CARGO_TARGET_DIR/fuzz"
# Inputs found by earlier runs are kept, so that each run starts where the last one ended.
corpus_root="${FUZZ_CORPUS_DIR:-$HOME/.cache/regards-order-fuzz-corpus}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install cargo-fuzz --version 0.13.2 --locked --quiet
fi

cd fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
cargo fuzz build --target-dir "$target_dir"
for target in "${targets[@]}"; do
  corpus="$corpus_root/$target"
  log="$corpus_root/$target.log"
  mkdir -p "$corpus"
  # New inputs go to the first folder; the committed seeds are only read.
  if ! cargo fuzz run --target-dir "$target_dir" "$target" "$corpus" "corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz target $target failed; the input is under fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz $target: ${runs:-?} runs in ${seconds} s, no crash" >&2
done
