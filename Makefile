# The one entry point. README, .ci/run and the GitHub workflows call these targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

include tools/versions.env
export

FAKE_HN_ADDR ?= 127.0.0.1:3100

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: setup
setup: ## Install every tool the project needs (idempotent)
	@scripts/bootstrap.sh

# ---- app (issue: App) ----
# Tools installed by scripts/bootstrap.sh live on this PATH.
export PATH := $(CURDIR)/.tools/binaryen/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
FAKE_HN_URL := http://$(FAKE_HN_ADDR)/v0
# The same LEPTOS_* values cargo-leptos sets, so cargo test and clippy reuse its build.
CARGO_ENV := LEPTOS_OUTPUT_NAME=hn-reader LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
	LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=. LEPTOS_BIN_DIR=. \
	LEPTOS_HASH_FILES=true LEPTOS_HASH_FILE_NAME=hash.txt

.PHONY: setup-e2e dev demo run fmt lint test-rust e2e release bench fuzz budgets test
setup-e2e: ## setup, plus Chromium and the Playwright packages
	@scripts/bootstrap.sh --e2e

dev: setup ## Live-reloading dev server on http://127.0.0.1:3000 (real Hacker News)
	cargo leptos watch

# The release binary, served from target/release so it finds cargo-leptos's hash file.
# $(1): extra environment, e.g. HN_API_URL=…
SERVE_RELEASE = cd target/release && LEPTOS_SITE_ROOT=../site LEPTOS_HASH_FILES=true $(1) ./hn-reader

demo: release ## The release build on http://127.0.0.1:3000 against the offline fake Hacker News
	target/release/fake-hn --addr $(FAKE_HN_ADDR) & trap "kill $$!" EXIT; \
	$(call SERVE_RELEASE,HN_API_URL=$(FAKE_HN_URL))

run: release ## The release build on http://127.0.0.1:3000 against the real Hacker News
	$(call SERVE_RELEASE)

fmt: ## Format the code
	cargo fmt

lint: setup ## rustfmt check, and clippy with warnings denied for the server and the browser builds
	cargo fmt --check
	$(CARGO_ENV) cargo clippy --all-targets --features fake-hn -- -D warnings
	$(CARGO_ENV) cargo clippy --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

test-rust: setup ## Unit and integration tests (real server, fake upstream, loopback only)
	$(CARGO_ENV) cargo test --features fake-hn

release: setup ## Release build: server, hashed + precompressed site, and the fake upstream
	cargo leptos build --release --precompress
	$(CARGO_ENV) cargo build --release --features ssr --bin fake-hn

e2e: setup-e2e ## Playwright in Debian's Chromium: cargo leptos end-to-end on the release build (the suite starts the fake upstream and the app it tests)
	$(CARGO_ENV) cargo build --release --features ssr --bin fake-hn
	@# cargo-leptos 0.3.10's end-to-end exits 0 without running a test when its build fails:
	@# the build runs on its own first, and the suite's report must exist afterwards.
	cargo leptos build --release --precompress
	rm -f end2end/test-results/results.json
	FAKE_HN_BIN=target/release/fake-hn FAKE_HN_ADDR=$(FAKE_HN_ADDR) cargo leptos end-to-end --release --precompress
	@test -s end2end/test-results/results.json || { echo "e2e: the Playwright suite did not run"; exit 1; }

bench: setup release ## Throughput/latency/RSS/size figures against an in-run baseline (not part of make test)
	@scripts/bootstrap.sh --bench
	$(CARGO_ENV) cargo build --release --features ssr --bin bench-baseline
	python3 bench/run.py

fuzz: ## cargo-fuzz: each target for FUZZ_SECONDS (60) over fuzz/corpus (nightly; not part of make test)
	@scripts/fuzz.sh

budgets: ## Size budgets (bench/budgets.env) for the release WASM+JS bundle and binary
	@scripts/check-budgets.sh

test: setup-e2e ## Every test: lints, unit, integration, e2e, container and Terraform checks
	$(MAKE) --no-print-directory docker-lint tf-check tf-emulated deploy-check smoke-dockerfile
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory e2e
	$(MAKE) --no-print-directory smoke budgets
	@echo "make test: all passed"


# ---- container (issue: Container image) ----
# image, image-run, image-push and image-base-digest need Docker; they stop with one clear
# message without it and are not part of the test command. docker-lint and smoke need no Docker.

.PHONY: image image-run image-push image-base-digest docker-lint smoke smoke-dockerfile smoke-selftest
image: ## Build the container image, tagged <git sha>[-dirty] (needs Docker)
	@scripts/image.sh build

image-run: ## Run the image like the ECS task: read-only root, tmpfs /tmp, port 8080 (needs Docker)
	@scripts/image.sh run

image-push: ## Log in to ECR and push <repo>:<git sha>, print the digest; clean tree only (needs Docker)
	@scripts/image.sh push

image-base-digest: ## Print the runtime base image's current digest, to pin it (needs Docker)
	@scripts/image.sh base-digest

docker-lint: ## hadolint + checkov on the Dockerfile (pinned, in .tools/container-venv)
	@scripts/docker-lint.sh

smoke-dockerfile: ## Parse and self-check the Dockerfile only (no build needed)
	@python3 tests/smoke/container_smoke.py --parse-only

smoke: ## Container-equivalent smoke test of the release build (needs target/release/{hn-reader,fake-hn}, target/site)
	@python3 tests/smoke/container_smoke.py

smoke-selftest: ## The smoke harness against stand-in binaries (tests/smoke/mock), no build needed
	@python3 tests/smoke/container_smoke.py --mock

# ---- terraform (issue: Terraform) ----

.PHONY: tf-check tf-emulated tf-emulated-all tf-deploy deploy-check dr-drill failover-cloud failback-cloud mirror-image dr-gcp-deploy
tf-check: ## Offline Terraform checks: fmt, validate and plan tests of every root (real provider), checkov
	@scripts/terraform-check.sh

tf-emulated: ## Apply, re-plan and destroy bootstrap, deploy-role and dev against moto (offline)
	@scripts/terraform-emulated.sh dev

tf-emulated-all: ## tf-emulated for dev, int and prod (not part of make test)
	@scripts/terraform-emulated.sh dev int prod

tf-deploy: ## Deploy DEPLOY_ENV with DIGEST, PKG_DIR, TF_STATE_BUCKET; with PLAN_URI, PLAN_SHA256: apply that saved plan (needs AWS)
	@scripts/deploy.sh $(if $(PLAN_URI),apply-plan,)

deploy-check: ## zizmor, OIDC trust test, GitHub settings check, smoke self-test, workflow rehearsal (offline)
	@scripts/deploy-check.sh

# ---- disaster recovery (issue 13; docs/disaster-recovery.md) ----

dr-drill: ## Game day: DEPLOY_ENV's primary loses its tasks, measured against the stated RTO, restored (needs AWS)
	@scripts/dr-drill.sh

mirror-image: ## Copy DIGEST from ECR into DEPLOY_ENV's second-cloud registry, same digest (needs Docker, AWS, GCP)
	@scripts/second-cloud.sh mirror

dr-gcp-deploy: ## Apply terraform/dr-gcp for DEPLOY_ENV with DIGEST, then its certificate CNAME into Route 53 (needs GCP, AWS)
	@scripts/second-cloud.sh deploy
	@scripts/failover-cloud.sh prepare

failover-cloud: ## DEPLOY_ENV's public records to the second cloud (terraform/dr-gcp); prints what it changed (needs AWS, GCP)
	@scripts/failover-cloud.sh failover

failback-cloud: ## DEPLOY_ENV's public records back to CloudFront (needs AWS)
	@scripts/failover-cloud.sh failback

# ---- pipeline (issue: Delivery pipeline; docs/pipeline.md) ----
# Steps of the workflows; each says what it needs (AWS, GitHub, Docker or the network).

.PHONY: tf-plan smoke-deployed pr-image pr-report image-pkg pipeline-logs deny ci-image ci-image-push github-validate dr-gcp-validate
tf-plan: ## Plan DEPLOY_ENV with DIGEST as PLAN_ROLE_ARN and save it to the state bucket (the plan job; needs AWS)
	@scripts/deploy.sh plan

smoke-deployed: ## API smoke test of a deployed URL=https://...: pages, /healthz, headers, /pkg from the CDN
	@python3 tests/smoke/deployed.py "$(URL)"

pr-image: ## Push the pull request's image, tag it pr-<PR_NUMBER>, pull it back (needs Docker, AWS)
	@scripts/pipeline.sh pr-image

pr-report: ## Post or update the pull request's status and plan comment (needs GitHub)
	@scripts/pipeline.sh pr-report

image-pkg: ## Copy /app/site/pkg of IMAGE into PKG_OUT (needs Docker)
	@scripts/pipeline.sh image-pkg

pipeline-logs: ## Ship this run's finished job logs to CloudWatch Logs (needs GitHub, AWS)
	@python3 tools/pipeline/ship_logs.py

deny: ## cargo deny: RustSec advisories (online), licences, bans, sources (deny.toml)
	@scripts/pipeline.sh deny

ci-image: ## Build the CI image from ci/Dockerfile (needs Docker)
	@scripts/pipeline.sh ci-image

ci-image-push: ## Build and push the CI image to ECR_REPOSITORY_URL, print its digest (needs Docker, AWS)
	@scripts/pipeline.sh ci-image-push

github-validate: ## terraform init + validate of terraform/github (online: its provider is not in the mirror)
	@scripts/pipeline.sh github-validate

dr-gcp-validate: ## terraform init + validate of terraform/dr-gcp in int and prod (online: the google provider is not in the mirror)
	@scripts/pipeline.sh dr-gcp-validate
