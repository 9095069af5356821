#!/usr/bin/env bash
# The second cloud's part of a deploy (terraform/dr-gcp; docs/disaster-recovery.md):
#   scripts/second-cloud.sh mirror   DEPLOY_ENV DIGEST: copy the image from the tooling ECR
#       repository into the workspace's Artifact Registry repository, tagged <env>-<run>, and
#       refuse a copy whose digest differs (make mirror-image)
#   scripts/second-cloud.sh deploy   DEPLOY_ENV DIGEST: terraform apply of terraform/dr-gcp
#       with that digest (make dr-gcp-deploy)
# Google credentials: GOOGLE_OAUTH_ACCESS_TOKEN if set (an operator: gcloud auth
# print-access-token); in GitHub Actions, the job's OIDC token exchanged through the
# project's workload identity pool "github" for hn-reader-deployer@<project>. AWS: the
# job's tooling role (ECR pull). A workspace without second_cloud does nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DEPLOY_ENV:?set DEPLOY_ENV}" "${DIGEST:?set DIGEST (sha256:...)}"
[[ "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "second-cloud: DIGEST must be sha256:<64 hex>" >&2; exit 1; }
mode="${1:?usage: second-cloud.sh mirror|deploy}"
export TF_IN_AUTOMATION=1 TF_INPUT=0

# The workspace's entry of modules/settings (no provider, no network).
# shellcheck source=scripts/workspace-settings.sh
. "$root/scripts/workspace-settings.sh"
conf="$(workspace_settings 'jsonencode({ cloud = local.current.second_cloud, ecr = local.tooling.ecr_repository_url })')"
get() { # get <key>...: a value of $conf, "" for null
  python3 -c 'import functools,json,sys; v=functools.reduce(lambda d, k: None if d is None else d[k], sys.argv[2:], json.loads(sys.argv[1])); print("" if v is None else v)' "$conf" "$@"
}
[[ -n "$(get cloud)" ]] || { echo "second-cloud: $DEPLOY_ENV has no second_cloud (modules/settings): nothing to do"; exit 0; }
project="$(get cloud project_id)"
gcp_region="$(get cloud region)"
target="${gcp_region}-docker.pkg.dev/${project}/hn-reader/hn-reader"

google_token() {
  if [[ -n "${GOOGLE_OAUTH_ACCESS_TOKEN:-}" ]]; then echo "$GOOGLE_OAUTH_ACCESS_TOKEN"; return; fi
  : "${ACTIONS_ID_TOKEN_REQUEST_URL:?no GOOGLE_OAUTH_ACCESS_TOKEN and no GitHub OIDC token (id-token: write)}"
  local audience oidc federated
  audience="//iam.googleapis.com/projects/$(get cloud project_number)/locations/global/workloadIdentityPools/github/providers/github"
  oidc="$(curl -fsS -H "Authorization: bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}" "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${audience}" | jq -r .value)"
  federated="$(curl -fsS https://sts.googleapis.com/v1/token \
    --data-urlencode grant_type=urn:ietf:params:oauth:grant-type:token-exchange --data-urlencode "audience=${audience}" \
    --data-urlencode scope=https://www.googleapis.com/auth/cloud-platform \
    --data-urlencode requested_token_type=urn:ietf:params:oauth:token-type:access_token \
    --data-urlencode subject_token_type=urn:ietf:params:oauth:token-type:jwt --data-urlencode "subject_token=${oidc}" | jq -r .access_token)"
  curl -fsS -H "Authorization: Bearer ${federated}" -H 'Content-Type: application/json' \
    -d '{"scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "3600s"}' \
    "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/hn-reader-deployer@${project}.iam.gserviceaccount.com:generateAccessToken" \
    | jq -r .accessToken
}
GOOGLE_OAUTH_ACCESS_TOKEN="$(google_token)"
export GOOGLE_OAUTH_ACCESS_TOKEN
run="${GITHUB_RUN_ID:-manual-$(date +%Y%m%d%H%M%S)}"

case "$mode" in
  mirror)
    source_repo="$(get ecr)"
    aws ecr get-login-password --region "$(cut -d. -f4 <<<"$source_repo")" | docker login --username AWS --password-stdin "${source_repo%%/*}"
    docker login --username oauth2accesstoken --password-stdin "https://${gcp_region}-docker.pkg.dev" <<<"$GOOGLE_OAUTH_ACCESS_TOKEN"
    docker pull "${source_repo}@${DIGEST}"
    docker tag "${source_repo}@${DIGEST}" "${target}:${DEPLOY_ENV}-${run}"
    pushed="$(docker push "${target}:${DEPLOY_ENV}-${run}" | sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p' | tail -n1)"
    [[ "$pushed" == "$DIGEST" ]] || { echo "second-cloud: the copy in ${target} has digest '${pushed}', not ${DIGEST}: refusing it" >&2; exit 1; }
    echo "second-cloud: ${target}@${DIGEST} (the digest AWS runs)" ;;
  deploy)
    cd "$root/terraform/dr-gcp"
    [[ -f backend.hcl ]] || cp backend.hcl.example backend.hcl
    terraform init -input=false -backend-config=backend.hcl
    terraform workspace select -or-create "$DEPLOY_ENV"
    terraform apply -input=false -auto-approve -var "image_digest=${DIGEST}"
    echo "second-cloud: $DEPLOY_ENV's Cloud Run service runs ${target}@${DIGEST}" ;;
  *) echo "second-cloud: unknown mode $mode (mirror, deploy)" >&2; exit 2 ;;
esac
