#!/usr/bin/env bash
# Installs what the app's build and tests need, from crates.io, npm, apt and rustup only.
# Idempotent: every step checks first, so a second run takes a second or two.
# Usage: scripts/bootstrap.sh [--e2e | --bench]
#   --e2e    also Chromium and the Playwright packages
#   --bench  also wrk (the load generator), nginx (the ceiling), Chromium and Lighthouse
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../tools/versions.env
. tools/versions.env

TOOLS_DIR="$PWD/.tools"
say() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; exit 1; fi
}

# 1. Rust toolchain: the machine's stable, at least the pinned version, plus the wasm target.
rustc_version=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$RUST_TOOLCHAIN" "$rustc_version" | sort -V | head -1)" != "$RUST_TOOLCHAIN" ]; then
  say "rustc $rustc_version is older than $RUST_TOOLCHAIN: run 'rustup update stable'"; exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. cargo-leptos, pinned. no_downloads: it may only use the pinned tools installed here.
if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

# 3. wasm-bindgen-cli: exactly the wasm-bindgen version in Cargo.lock, or the bundle will not load.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$wbg_version" ]; then say "no wasm-bindgen in Cargo.lock"; exit 1; fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg_version" ]; then
  say "installing wasm-bindgen-cli $wbg_version (a few minutes, once)"
  # Its lockfile can name a crate version the registry has since yanked; then resolve afresh.
  cargo install wasm-bindgen-cli --version "$wbg_version" --locked --force ||
    cargo install wasm-bindgen-cli --version "$wbg_version" --force
fi

# 4. wasm-opt from npm's binaryen (Debian's is too old for current wasm-bindgen output).
wasm_opt="$TOOLS_DIR/binaryen/node_modules/.bin/wasm-opt"
if ! [ -x "$wasm_opt" ] || [ "$(cat "$TOOLS_DIR/binaryen/.version" 2>/dev/null)" != "$BINARYEN_NPM_VERSION" ]; then
  say "installing binaryen $BINARYEN_NPM_VERSION (wasm-opt) from npm"
  mkdir -p "$TOOLS_DIR/binaryen"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR/binaryen" "binaryen@$BINARYEN_NPM_VERSION"
  echo "$BINARYEN_NPM_VERSION" > "$TOOLS_DIR/binaryen/.version"
fi

apt_install() { # apt_install <package>...: Debian packages, without starting their services
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "$@" >/dev/null
}

# npm_ci <dir>: a package-lock.json's packages, once per lockfile.
npm_ci() {
  local stamp="$1/node_modules/.lock-sha" lock_sha
  lock_sha=$(sha256sum "$1/package-lock.json" | awk '{print $1}')
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sha" ]; then
    say "installing the $1 packages (npm ci)"
    (cd "$1" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
    echo "$lock_sha" > "$stamp"
  fi
}

if [ "${1:-}" = "--e2e" ] || [ "${1:-}" = "--bench" ]; then
  # 5. Debian's Chromium: Playwright and Lighthouse cannot download their own browser here.
  #    CHROMIUM_PATH points elsewhere where a browser is already installed (GitHub's runners ship Chrome).
  if ! [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    say "installing Debian's chromium"
    apt_install chromium
  fi
fi
if [ "${1:-}" = "--e2e" ]; then
  # 6. The end-to-end suite's packages, from its committed lockfile.
  npm_ci end2end
fi
if [ "${1:-}" = "--bench" ]; then
  # 7. wrk and nginx (the ceiling), and Lighthouse at the version tools/versions.env pins.
  if ! command -v wrk >/dev/null || ! [ -x /usr/sbin/nginx ]; then
    say "installing Debian's wrk and nginx-light"
    apt_install wrk nginx-light
  fi
  if ! grep -q "\"lighthouse\": \"$LIGHTHOUSE_VERSION\"" bench/lighthouse/package.json; then
    say "bench/lighthouse/package.json must pin lighthouse $LIGHTHOUSE_VERSION (tools/versions.env)"; exit 1
  fi
  npm_ci bench/lighthouse
fi
say "tools ready"
