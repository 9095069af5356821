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

.PHONY: tf-check
tf-check: ## Offline Terraform checks: fmt, settings tests, checkov, provider names check
	@scripts/terraform-check.sh
