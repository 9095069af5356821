#!/usr/bin/env bash
# `make fuzz`: each cargo-fuzz target for FUZZ_SECONDS (default 60) over the committed corpus
# in fuzz/corpus/<target>. New inputs go to a scratch copy, so the tree stays clean. A crash
# leaves its input in fuzz/artifacts/<target>/: turn it into a unit test beside the code, fix,
# and add the input to the corpus.
# Nightly is for cargo-fuzz's sanitizer flags only; the app itself builds on stable.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/versions.env
seconds="${FUZZ_SECONDS:-60}"

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "[fuzz] installing the nightly toolchain (for cargo-fuzz only)"
  rustup toolchain install nightly --profile minimal
fi
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  echo "[fuzz] installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

status=0
for target in upstream_json sanitize_html query_and_path; do
  scratch=$(mktemp -d)
  echo "[fuzz] $target for ${seconds}s"
  if ! (cd fuzz && cargo +nightly fuzz run "$target" "$scratch" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1); then
    echo "[fuzz] $target FOUND A FAILURE: see fuzz/artifacts/$target/"
    status=1
  fi
  rm -rf "$scratch"
done
exit "$status"
