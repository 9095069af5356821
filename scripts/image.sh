#!/usr/bin/env bash
# Container image tasks behind `make image`, `make image-run`, `make image-push`,
# `make image-base-digest`. They need a Docker CLI and daemon; without them they stop
# with one clear message (use `make smoke` for the Docker-free, container-equivalent test).
#
#   scripts/image.sh build        docker build, tagged <name>:<git sha>[-dirty]
#   scripts/image.sh run          run it like the ECS task: read-only root, tmpfs /tmp, :8080
#   scripts/image.sh push         ECR login + push <repo>:<git sha>; refuses a dirty tree
#   scripts/image.sh base-digest  print the current digest of the runtime base image
#
# Environment (all optional):
#   IMAGE_NAME (hn-reader)  IMAGE_PLATFORM (linux/amd64, Fargate's X86_64 default)
#   IMAGE_VERSION (Cargo.toml version + git sha)  IMAGE_SOURCE_URL (Cargo.toml repository)
#   RUN_PORT (8080)  RUN_ENV_FILE (extra docker --env-file, e.g. the task's env)
#   HN_API_URL, RUST_LOG, LOG_FORMAT, ... (passed through to `run` when set)
#   ECR_REPOSITORY_URL, or AWS_ACCOUNT_ID + AWS_REGION (+ ECR_REPOSITORY, default hn-reader),
#   else `terraform -chdir=terraform output -raw ecr_repository_url`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

die() { echo "error: $*" >&2; exit 1; }

require_docker() {
  command -v docker >/dev/null 2>&1 \
    || die "docker CLI not found: 'make $1' needs Docker (not available on this machine). 'make smoke' runs the container-equivalent test without it."
  docker info >/dev/null 2>&1 \
    || die "docker CLI found but no Docker daemon answers ('docker info' failed): 'make $1' needs a running daemon. 'make smoke' runs the container-equivalent test without it."
}

name="${IMAGE_NAME:-hn-reader}"
platform="${IMAGE_PLATFORM:-linux/amd64}"
sha="$(git rev-parse HEAD 2>/dev/null)" || die "not a git checkout with a commit: the image is tagged with the git sha"
dirty=""
[[ -z "$(git status --porcelain --untracked-files=normal)" ]] || dirty="-dirty"
tag="${sha}${dirty}"
cargo_field() { sed -n "s/^$1 = \"\(.*\)\"/\1/p" Cargo.toml | head -n1; }
version="${IMAGE_VERSION:-$(cargo_field version)+g${sha:0:12}${dirty}}"
source_url="${IMAGE_SOURCE_URL:-$(cargo_field repository)}"
grace="$(sed -n 's/^ENV SHUTDOWN_GRACE_SECS=//p' Dockerfile | tail -n1)"

build() {
  require_docker image
  echo "building ${name}:${tag} (${platform}, version ${version})"
  # --load: with a buildx docker-container builder (docker/setup-buildx-action in CI) the
  # image would otherwise stay in the build cache, and tag/push would find nothing.
  DOCKER_BUILDKIT=1 docker build \
    --platform "$platform" \
    --build-arg "REVISION=${sha}${dirty}" \
    --build-arg "GIT_SHA=${sha:0:12}${dirty}" \
    --build-arg "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" \
    --build-arg "VERSION=${version}" \
    --build-arg "SOURCE_URL=${source_url}" \
    --tag "${name}:${tag}" \
    --load \
    .
  echo "built ${name}:${tag} ($(docker image inspect --format '{{.Size}}' "${name}:${tag}" | awk '{printf "%.1f MB", $1/1e6}'))"
}

run() {
  require_docker image-run
  docker image inspect "${name}:${tag}" >/dev/null 2>&1 \
    || die "image ${name}:${tag} not found locally: run 'make image' first"
  local port="${RUN_PORT:-8080}" args=()
  # The ECS task: read-only root filesystem, a writable /tmp, no capabilities, no privilege
  # escalation, the app as PID 1 (no --init) with the task's stop timeout.
  args+=(--rm --name "${name}-local" --read-only --tmpfs /tmp:rw,nosuid,nodev,noexec,size=64m
         --cap-drop ALL --security-opt no-new-privileges
         --stop-timeout "$(( ${grace:-20} + 10 ))" -p "127.0.0.1:${port}:8080")
  if [[ -n "${RUN_ENV_FILE:-}" ]]; then args+=(--env-file "$RUN_ENV_FILE"); fi
  local v
  for v in HN_API_URL RUST_LOG LOG_FORMAT HSTS_ENABLED SHUTDOWN_GRACE_SECS REQUEST_TIMEOUT_SECS \
           UPSTREAM_TIMEOUT_MS CACHE_LIST_TTL_SECS CACHE_ITEM_TTL_SECS CACHE_MAX_BYTES; do
    if [[ -n "${!v:-}" ]]; then args+=(-e "$v"); fi
  done
  echo "running ${name}:${tag} on http://127.0.0.1:${port} (Ctrl-C stops it with SIGTERM)"
  exec docker run "${args[@]}" "${name}:${tag}"
}

ecr_repository_url() {
  if [[ -n "${ECR_REPOSITORY_URL:-}" ]]; then
    echo "$ECR_REPOSITORY_URL"
  elif [[ -n "${AWS_ACCOUNT_ID:-}" && -n "${AWS_REGION:-}" ]]; then
    echo "${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com/${ECR_REPOSITORY:-hn-reader}"
  elif command -v terraform >/dev/null 2>&1 \
       && url="$(terraform -chdir=terraform output -raw ecr_repository_url 2>/dev/null)" && [[ -n "$url" ]]; then
    echo "$url"
  else
    die "no ECR repository: set ECR_REPOSITORY_URL, or AWS_ACCOUNT_ID and AWS_REGION, or apply terraform/ (output ecr_repository_url)"
  fi
}

push() {
  require_docker image-push
  [[ -z "$dirty" ]] || {
    git status --short >&2
    die "refusing to push from a dirty tree (above): commit or stash first, so the tag ${sha} means exactly that commit"
  }
  command -v aws >/dev/null 2>&1 || die "aws CLI not found: needed for the ECR login"
  local repo registry region
  repo="$(ecr_repository_url)"
  registry="${repo%%/*}"
  region="$(sed -n 's/^[0-9]*\.dkr\.ecr\.\([a-z0-9-]*\)\.amazonaws\.com.*/\1/p' <<<"$registry")"
  region="${region:-${AWS_REGION:-}}"
  [[ -n "$region" ]] || die "cannot tell the AWS region of ${registry}: set AWS_REGION"
  echo "logging in to ${registry}"
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
  # Tags are immutable: a commit already pushed (a re-run) keeps its image and digest.
  local existing
  if existing="$(aws ecr describe-images --region "$region" --repository-name "${repo#*/}" \
                 --image-ids imageTag="$sha" --query 'imageDetails[0].imageDigest' --output text 2>/dev/null)" \
     && [[ "$existing" == sha256:* ]]; then
    echo "${repo}:${sha} is already pushed: not rebuilding"
    echo "digest ${repo}@${existing}"
    return 0
  fi
  build
  docker tag "${name}:${tag}" "${repo}:${sha}"
  docker push "${repo}:${sha}"
  local digest
  digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "${repo}:${sha}" \
            | grep -F "${repo}@" | head -n1)"
  [[ -n "$digest" ]] || die "pushed ${repo}:${sha} but could not read its digest"
  echo "pushed ${repo}:${sha}"
  echo "digest ${digest}"
}

base_digest() {
  require_docker image-base-digest
  local base
  base="$(awk 'toupper($1)=="FROM"{img=$2} END{print img}' Dockerfile)"
  base="${base%@*}"
  echo "${base}@$(docker buildx imagetools inspect "$base" --format '{{json .Manifest.Digest}}' | tr -d '"')"
  echo "(pin it in the Dockerfile's runtime FROM, keeping the tag for readability)"
}

case "${1:-}" in
  build) build ;;
  run) run ;;
  push) push ;;
  base-digest) base_digest ;;
  *) die "usage: $0 build|run|push|base-digest" ;;
esac
