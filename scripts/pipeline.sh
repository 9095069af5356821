#!/usr/bin/env bash
# The pipeline's steps that are not deploys (make pr-image, pr-report, image-pkg, deny,
# ci-image, ci-image-push, github-validate). The workflows call the make targets only.
#   pr-image         make image-push into ECR_REPOSITORY_URL (the PR repository), tag the
#                    digest pr-$PR_NUMBER, pull it back by digest; prints "digest ..." and
#                    writes digest= to $GITHUB_OUTPUT when set
#   pr-report        one comment on pull request $PR_NUMBER (gh, GH_TOKEN), kept up to date:
#                    the checks' result, the image, the plan of dev ($PLAN_SUMMARY)
#   image-pkg        /app/site/pkg of $IMAGE into $PKG_OUT (docker create + cp)
#   deny             cargo deny check (deny.toml): RustSec advisories (fetched: online),
#                    licences, bans, sources
#   ci-image         docker build of ci/Dockerfile, tagged hn-reader-ci:<git sha>
#   ci-image-push    ci-image, pushed to ECR_REPOSITORY_URL (the CI repository); prints its digest
#   github-validate  terraform init + validate of terraform/github (the GitHub provider comes
#                    from the registry: online)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
. tools/versions.env
die() { echo "pipeline: $*" >&2; exit 1; }
sha="$(git rev-parse HEAD)"

case "${1:-}" in
  pr-image)
    : "${PR_NUMBER:?set PR_NUMBER}" "${ECR_REPOSITORY_URL:?set ECR_REPOSITORY_URL (the PR repository)}"
    out="$(mktemp)"; trap 'rm -f "$out"' EXIT
    scripts/image.sh push | tee "$out"
    digest="$(sed -n 's/^digest .*@\(sha256:[0-9a-f]\{64\}\)$/\1/p' "$out" | tail -n1)"
    [[ -n "$digest" ]] || die "no digest in the push output"
    repo="${ECR_REPOSITORY_URL#*/}" region="$(cut -d. -f4 <<<"$ECR_REPOSITORY_URL")"
    manifest="$(aws ecr batch-get-image --region "$region" --repository-name "$repo" --image-ids imageDigest="$digest" \
                --query 'images[0].imageManifest' --output text)"
    # The repository is mutable: pr-<n> moves to this push.
    aws ecr put-image --region "$region" --repository-name "$repo" --image-tag "pr-${PR_NUMBER}" \
      --image-manifest "$manifest" --image-digest "$digest" >/dev/null 2>&1 \
      || aws ecr describe-images --region "$region" --repository-name "$repo" --image-ids imageTag="pr-${PR_NUMBER}",imageDigest="$digest" >/dev/null \
      || die "could not tag ${digest} pr-${PR_NUMBER}"
    # Pullable: drop the local copy, pull it back by digest.
    docker image rm "${ECR_REPOSITORY_URL}:${sha}" >/dev/null 2>&1 || true
    docker pull --quiet "${ECR_REPOSITORY_URL}@${digest}" >/dev/null
    echo "pr-${PR_NUMBER}: ${ECR_REPOSITORY_URL}@${digest} (pulled back)"
    echo "digest ${ECR_REPOSITORY_URL}@${digest}"
    [[ -z "${GITHUB_OUTPUT:-}" ]] || echo "digest=${digest}" >> "$GITHUB_OUTPUT" ;;
  pr-report)
    : "${PR_NUMBER:?set PR_NUMBER}"
    marker="<!-- hn-reader pipeline report -->"
    body="$(mktemp)"; trap 'rm -f "$body"' EXIT
    {
      echo "$marker"
      echo "### Pipeline for \`${sha:0:12}\`"
      echo "| stage | result |"
      echo "|---|---|"
      echo "| checks (make test, online checks) | ${CHECKS:-unknown} |"
      echo "| image pr-${PR_NUMBER} | ${IMAGE:-unknown}${DIGEST:+: \`${ECR_REPOSITORY_URL:-}@${DIGEST}\`} |"
      echo "| plan of dev (read-only) | ${PLAN:-unknown} |"
      echo
      if [[ -s "${PLAN_SUMMARY:-/nonexistent}" ]]; then cat "$PLAN_SUMMARY"; else echo "_No plan: an earlier stage did not pass._"; fi
    } > "$body"
    repo="${GITHUB_REPOSITORY:?}"
    id="$(gh api "repos/${repo}/issues/${PR_NUMBER}/comments" --paginate --jq ".[] | select(.body | startswith(\"${marker}\")) | .id" | head -n1)"
    if [[ -n "$id" ]]; then
      gh api --method PATCH "repos/${repo}/issues/comments/${id}" -F "body=@${body}" >/dev/null
    else
      gh api --method POST "repos/${repo}/issues/${PR_NUMBER}/comments" -F "body=@${body}" >/dev/null
    fi
    echo "pr-report: posted on #${PR_NUMBER}" ;;
  image-pkg)
    : "${IMAGE:?set IMAGE (<repo>@sha256:...)}" "${PKG_OUT:?set PKG_OUT}"
    cid="$(docker create "$IMAGE")"
    trap 'docker rm "$cid" >/dev/null' EXIT
    docker cp "$cid:/app/site/pkg" "$PKG_OUT"
    ls -la "$PKG_OUT" ;;
  deny)
    if [[ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "${CARGO_DENY_VERSION:?}" ]]; then
      cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
    fi
    cargo deny --all-features check advisories licenses bans sources ;;
  ci-image|ci-image-push)
    command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || die "needs Docker (a CLI and a running daemon)"
    docker build --file ci/Dockerfile --tag "hn-reader-ci:${sha}" .
    echo "built hn-reader-ci:${sha}"
    if [[ "$1" == ci-image-push ]]; then
      : "${ECR_REPOSITORY_URL:?set ECR_REPOSITORY_URL (the CI repository)}"
      registry="${ECR_REPOSITORY_URL%%/*}"
      aws ecr get-login-password --region "$(cut -d. -f4 <<<"$registry")" | docker login --username AWS --password-stdin "$registry"
      docker tag "hn-reader-ci:${sha}" "${ECR_REPOSITORY_URL}:${sha}"
      docker push "${ECR_REPOSITORY_URL}:${sha}"
      digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "${ECR_REPOSITORY_URL}:${sha}" | grep -F "${ECR_REPOSITORY_URL}@" | head -n1)"
      echo "CI image ${digest}: set tooling.ci_image_digest = \"${digest#*@}\" in terraform/modules/settings and apply terraform/bootstrap"
    fi ;;
  github-validate)
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
    cp -r terraform "$work/"
    terraform -chdir="$work/terraform/github" init -backend=false -input=false -no-color >/dev/null
    terraform -chdir="$work/terraform/github" validate -no-color ;;
  dr-gcp-validate)
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
    cp -r terraform "$work/"
    terraform -chdir="$work/terraform/dr-gcp" init -backend=false -input=false -no-color >/dev/null
    for ws in int prod; do TF_WORKSPACE="$ws" terraform -chdir="$work/terraform/dr-gcp" validate -no-color; done ;;
  *) die "usage: scripts/pipeline.sh pr-image|pr-report|image-pkg|deny|ci-image|ci-image-push|github-validate|dr-gcp-validate" ;;
esac
