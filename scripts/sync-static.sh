#!/usr/bin/env bash
# Upload the hashed /pkg assets to one static bucket of the current workspace (each region
# has one: terraform output regions; scripts/deploy.sh fills every one with the same files).
# Run from terraform/ after `terraform workspace select <env>`; credentials: the
# tooling CI role, which may assume the workspace's deploy role (output deploy_role_arn).
# No --delete: files of earlier releases stay, so pages mid-load during a rolling or
# blue/green deploy still find their old /pkg/hn-reader.<hash>.* files.
set -euo pipefail
src="${1:?usage: sync-static.sh <dir with the pkg files> <bucket>}"
bucket="${2:?usage: sync-static.sh <dir with the pkg files> <bucket> <region>}"
region="${3:?usage: sync-static.sh <dir with the pkg files> <bucket> <region>}"
[[ -d "$src" ]] || { echo "sync-static: $src is not a directory" >&2; exit 1; }
role="$(terraform output -raw deploy_role_arn)"
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN < <(
  aws sts assume-role --role-arn "$role" --role-session-name "sync-static-$(date +%s)" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
aws s3 sync "$src/" "s3://${bucket}/pkg/" --region "$region" --only-show-errors \
  --cache-control "public, max-age=31536000, immutable"
echo "synced $(find "$src" -type f | wc -l) files to s3://${bucket}/pkg/"
