#!/usr/bin/env bash
# make dr-drill: the game-day drill against DEPLOY_ENV (tools/dr/game_day.py): the primary
# region loses its tasks, users must keep getting pages and, within the stated time, the
# Reload server function; the primary is restored whatever happens.
# Needs: DEPLOY_ENV, TF_STATE_BUCKET, DEPLOY_ROLE_ARN; the credentials of the drill's tooling
# role (reads the state's outputs, assumes DEPLOY_ROLE_ARN). Optional: SUMMARY (a file).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DEPLOY_ENV:?set DEPLOY_ENV}" "${TF_STATE_BUCKET:?set TF_STATE_BUCKET}" "${DEPLOY_ROLE_ARN:?set DEPLOY_ROLE_ARN}"
export TF_IN_AUTOMATION=1 TF_INPUT=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root/terraform"
[[ -f backend.hcl ]] || cp backend.hcl.example backend.hcl
terraform init -input=false -backend-config=backend.hcl -backend-config="bucket=${TF_STATE_BUCKET}" >/dev/null
terraform workspace select "$DEPLOY_ENV"
terraform output -json regions > "$work/regions.json"
terraform output -json recovery_objectives > "$work/objectives.json"
url="$(terraform output -raw public_url)"
creds="$(aws sts assume-role --role-arn "$DEPLOY_ROLE_ARN" --role-session-name "game-day-${GITHUB_RUN_ID:-manual}" \
         --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$creds"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
python3 "$root/tools/dr/game_day.py" --regions "$work/regions.json" --objectives "$work/objectives.json" --url "$url" \
  ${SUMMARY:+--summary "$SUMMARY"}
