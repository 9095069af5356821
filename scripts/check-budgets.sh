#!/usr/bin/env bash
# Fails when the release build outgrows bench/budgets.env: the browser bundle (WASM + JS,
# brotli, as served) and the server binary.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/budgets.env

pkg=target/site/pkg
binary=target/release/hn-reader
shopt -s nullglob
bundle=("$pkg"/hn-reader.*.wasm.br "$pkg"/hn-reader.*.js.br)
if [ ! -x "$binary" ] || [ "${#bundle[@]}" -ne 2 ]; then
  echo "budgets: need a release build with precompressed assets (make release)"; exit 1
fi
wasm_js=$(stat -c %s "${bundle[@]}" | awk '{s += $1} END {print s}')
server=$(stat -c %s "$binary")

failed=0
check() { # name actual budget
  if [ "$2" -le "$3" ]; then echo "PASS budget $1: $2 <= $3 bytes"; else echo "FAIL budget $1: $2 > $3 bytes"; failed=1; fi
}
check "WASM+JS brotli" "$wasm_js" "$WASM_JS_BROTLI_MAX_BYTES"
check "server binary" "$server" "$SERVER_BINARY_MAX_BYTES"
exit "$failed"
