# syntax=docker/dockerfile:1
#
# hn-reader: Leptos SSR + hydration, built by cargo-leptos, run on ECS Fargate.
#
#   toolchain  pinned Rust image + the pinned build tools (versions from tools/versions.env)
#   lockinfo   extracts the wasm-bindgen version from Cargo.lock
#   planner    cargo-chef recipe (only Cargo.toml/Cargo.lock shapes end up in it)
#   builder    wasm-bindgen-cli, cached dependency layer, then `cargo leptos build`
#   runtime    distroless cc (glibc, CA certificates, no shell), nonroot, read-only friendly
#
# tests/smoke/container_smoke.py parses the runtime stage (ENV, WORKDIR, USER, COPY --from,
# ENTRYPOINT, CMD, EXPOSE, HEALTHCHECK) and runs the host's release build laid out the same
# way, so keep those lines in their simple form (one instruction per line, exec-form JSON).
#
# The Rust tag below must equal RUST_TOOLCHAIN in tools/versions.env (the smoke test's
# self-check fails otherwise). It must stay on bookworm: the runtime is Debian 12 (glibc 2.36).

FROM rust:1.95.0-slim-bookworm AS toolchain
SHELL ["/bin/bash", "-eo", "pipefail", "-c"]
# nodejs/npm run binaryen's npm package (wasm-opt); make and perl build the vendored
# OpenSSL that cargo-leptos pulls in (via cargo-generate). Debian's archive keeps only the current
# point-release build of each package, so an exact `=version` pin would break the build at
# the next bookworm security update; the pinned base image tag fixes the Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends make nodejs npm perl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY tools/versions.env tools/versions.env
# One source of truth for tool versions: tools/versions.env, shared with the Makefile.
# cargo-leptos is built with no_downloads so it can only use the pinned tools on PATH.
RUN . ./tools/versions.env \
 && test "$(rustc --version | cut -d' ' -f2)" = "$RUST_TOOLCHAIN" \
 && rustup target add wasm32-unknown-unknown \
 && cargo install --locked cargo-chef --version "$CARGO_CHEF_VERSION" \
 && cargo install --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION" --features no_downloads \
 && npm install --global --no-audit --no-fund "binaryen@${BINARYEN_NPM_VERSION}" \
 && wasm-opt --version \
 && rm -rf "$CARGO_HOME/registry" "$CARGO_HOME/git" /root/.npm

FROM toolchain AS lockinfo
# SHELL is inherited from toolchain; restated so linters see pipefail in this stage.
SHELL ["/bin/bash", "-eo", "pipefail", "-c"]
COPY Cargo.lock Cargo.lock
# Only this one-line file flows on, so a Cargo.lock change that keeps the wasm-bindgen
# version leaves the wasm-bindgen-cli layer below cached.
RUN awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print }' Cargo.lock \
      | sort -u > /wasm-bindgen.version \
 && test "$(wc -l < /wasm-bindgen.version)" -eq 1

FROM toolchain AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM toolchain AS builder
SHELL ["/bin/bash", "-eo", "pipefail", "-c"]
COPY --from=lockinfo /wasm-bindgen.version /wasm-bindgen.version
# Like scripts/bootstrap.sh: wasm-bindgen-cli's own lockfile can name a crate version the
# registry has since yanked; then it resolves afresh (still exactly this wasm-bindgen-cli).
RUN { cargo install --locked wasm-bindgen-cli --version "$(cat /wasm-bindgen.version)" \
      || cargo install wasm-bindgen-cli --version "$(cat /wasm-bindgen.version)"; } \
 && test "$(wasm-bindgen --version | cut -d' ' -f2)" = "$(cat /wasm-bindgen.version)" \
 && rm -rf "$CARGO_HOME/registry" "$CARGO_HOME/git"
# Dependency layer: recipe.json only changes when Cargo.toml/Cargo.lock change. The flags
# mirror what cargo-leptos runs (Cargo.toml [package.metadata.leptos]): the server with
# --features ssr in release, the wasm lib with --features hydrate in the wasm-release
# profile and its own target dir (target/front).
COPY --from=planner /build/recipe.json recipe.json
RUN cargo chef cook --locked --release --no-default-features --features ssr \
      --recipe-path recipe.json \
 && cargo chef cook --locked --profile wasm-release --target wasm32-unknown-unknown \
      --target-dir target/front --no-default-features --features hydrate \
      --recipe-path recipe.json
# build.rs stamps HN_GIT_SHA/HN_BUILD_UNIX from these (there is no .git in the context).
# Declared after the dependency layer, so a new commit does not invalidate it.
ARG GIT_SHA=unknown
ARG SOURCE_DATE_EPOCH
COPY . .
RUN cargo leptos build --release --precompress \
 && test -x target/release/hn-reader \
 && test -s target/release/hash.txt \
 && test -n "$(find target/site/pkg -name 'hn-reader.*.wasm.br')"

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG SOURCE_URL=https://github.com/hn-reader/hn-reader
ARG REVISION=unknown
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="hn-reader" \
      org.opencontainers.image.description="Hacker News reader (Leptos SSR + hydration)" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
# Owned by root and not writable by the app user, so the tree is immutable at run time
# even without a read-only root filesystem. The hash file sits next to the binary, where
# leptos looks for it when LEPTOS_HASH_FILES=true.
COPY --from=builder /build/target/release/hn-reader /app/hn-reader
COPY --from=builder /build/target/release/hash.txt /app/hash.txt
COPY --from=builder /build/target/site /app/site
ENV LEPTOS_SITE_ADDR=0.0.0.0:8080
ENV LEPTOS_SITE_ROOT=site
ENV LEPTOS_SITE_PKG_DIR=pkg
ENV LEPTOS_OUTPUT_NAME=hn-reader
ENV LEPTOS_HASH_FILES=true
ENV LEPTOS_ENV=PROD
ENV LOG_FORMAT=json
ENV RUST_LOG=info
ENV HSTS_ENABLED=true
ENV SHUTDOWN_GRACE_SECS=20
ENV METRICS_ADDR=127.0.0.1:9100
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 CMD ["/app/hn-reader", "healthcheck"]
ENTRYPOINT ["/app/hn-reader"]
