#!/usr/bin/env bash
# make tf-deploy: deploy one environment (what .github/workflows/deploy-env.yml runs).
#   DEPLOY_ENV   dev | int | prod          DIGEST   sha256:... of the image to deploy
#   PKG_DIR      the image's /app/site/pkg  TF_STATE_BUCKET   the state bucket (terraform/bootstrap)
# Credentials: the tooling CI role (the provider and sync-static.sh assume the deploy role).
#   1. terraform init + workspace; on the first deploy, create the static bucket first;
#   2. upload the /pkg assets (scripts/sync-static.sh): a failure stops the deploy before any
#      task can reference files that are not there;
#   3. terraform apply -var image_digest=$DIGEST (ROLLING: this deploys and waits);
#   4. BLUE_GREEN: a CodeDeploy deployment of the task definition just registered, waited for
#      at most the settings' deployment_timeout_minutes;
#   5. tag the image <env>-<run id> in ECR, which the lifecycle policy keeps (rollbacks).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DEPLOY_ENV:?set DEPLOY_ENV (dev, int, prod)}" "${DIGEST:?set DIGEST (sha256:...)}" "${PKG_DIR:?set PKG_DIR}" "${TF_STATE_BUCKET:?set TF_STATE_BUCKET}"
[[ "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "deploy: DIGEST must be sha256:<64 hex>, got '$DIGEST'" >&2; exit 1; }
export TF_IN_AUTOMATION=1 TF_INPUT=0
cd "$root/terraform"
[[ -f backend.hcl ]] || cp backend.hcl.example backend.hcl
terraform init -input=false -backend-config=backend.hcl -backend-config="bucket=${TF_STATE_BUCKET}"
terraform workspace select -or-create "$DEPLOY_ENV"

if ! terraform state list module.static.aws_s3_bucket.this | grep -q .; then
  echo "deploy: first deploy of $DEPLOY_ENV: creating the static bucket before uploading the assets"
  terraform apply -auto-approve -input=false -var "image_digest=${DIGEST}" \
    -target=module.static.aws_s3_bucket_server_side_encryption_configuration.this \
    -target=module.static.aws_s3_bucket_public_access_block.this
fi
"$root/scripts/sync-static.sh" "$PKG_DIR"
terraform apply -auto-approve -input=false -var "image_digest=${DIGEST}"

codedeploy="$(terraform output -json codedeploy)"
if [[ "$codedeploy" != "null" ]]; then
  field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$codedeploy" "$1"; }
  appspec="$(python3 -c 'import json,sys; c=json.loads(sys.argv[1]); print(json.dumps({"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": c["task_definition_arn"], "LoadBalancerInfo": {"ContainerName": c["container_name"], "ContainerPort": c["container_port"]}}}}]}))' "$codedeploy")"
  revision="$(python3 -c 'import json,sys; print(json.dumps({"revisionType": "AppSpecContent", "appSpecContent": {"content": sys.argv[1]}}))' "$appspec")"
  id="$(aws deploy create-deployment --application-name "$(field application)" --deployment-group-name "$(field deployment_group)" \
        --revision "$revision" --query deploymentId --output text)"
  deadline=$(( $(date +%s) + 60 * $(field timeout_minutes) ))
  echo "deploy: CodeDeploy deployment $id (test listener :$(field test_listener_port), then traffic shift, then bake)"
  while :; do
    status="$(aws deploy get-deployment --deployment-id "$id" --query deploymentInfo.status --output text)"
    case "$status" in
      Succeeded) echo "deploy: $id succeeded"; break ;;
      Failed|Stopped) echo "deploy: $id $status (CodeDeploy rolled back to the previous task set)" >&2; exit 1 ;;
    esac
    if (( $(date +%s) > deadline )); then
      aws deploy stop-deployment --deployment-id "$id" --auto-rollback-enabled >/dev/null || true
      echo "deploy: $id still $status after $(field timeout_minutes) min: stopped (rolls back)" >&2; exit 1
    fi
    sleep 15 # CodeDeploy's own pace; the loop is bounded by the deadline above
  done
fi

# The deployment tag protects this image from the ECR lifecycle (terraform/bootstrap/ecr-lifecycle.json).
repo_url="$(terraform output -raw ecr_repository_url)"
tag="${DEPLOY_ENV}-${GITHUB_RUN_ID:-manual-$(date +%Y%m%d%H%M%S)}"
manifest="$(aws ecr batch-get-image --region "$(cut -d. -f4 <<<"$repo_url")" --repository-name "${repo_url#*/}" \
            --image-ids imageDigest="$DIGEST" --query 'images[0].imageManifest' --output text)"
if out="$(aws ecr put-image --region "$(cut -d. -f4 <<<"$repo_url")" --repository-name "${repo_url#*/}" \
          --image-tag "$tag" --image-manifest "$manifest" --image-digest "$DIGEST" 2>&1)"; then
  echo "deploy: tagged ${repo_url}@${DIGEST} as ${tag}"
elif grep -q ImageAlreadyExistsException <<<"$out"; then
  echo "deploy: ${tag} already tags ${DIGEST} (re-run)"
else
  echo "$out" >&2; exit 1
fi
echo "deploy: $DEPLOY_ENV runs ${repo_url}@${DIGEST}: $(terraform output -raw public_url)"
