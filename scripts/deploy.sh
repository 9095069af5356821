#!/usr/bin/env bash
# make tf-plan / make tf-deploy: one environment's deploy. The pipeline (deploy-env.yml) plans
# with the read-only role, an approver reviews that plan (prod), and the deploy applies it:
#   scripts/deploy.sh plan         DEPLOY_ENV DIGEST TF_STATE_BUCKET [PLAN_ROLE_ARN]
#       terraform plan -out as PLAN_ROLE_ARN (terraform_role_arn); the plan is saved to
#       s3://$TF_STATE_BUCKET/plans/<env>/<run id>.tfplan (KMS, the state bucket); prints
#       "plan s3://... sha256 <hex>" and writes its summary to $PLAN_SUMMARY (default $TMPDIR/plan-<env>.md);
#       PLAN_SAVE=false (the pull request's plan of dev) only summarises
#   scripts/deploy.sh apply-plan   DEPLOY_ENV DIGEST TF_STATE_BUCKET PLAN_URI PLAN_SHA256 PKG_DIR DEPLOY_ROLE_ARN
#       fetches that plan, refuses it if its sha256 differs, uploads /pkg, applies exactly it
#       (Terraform refuses a plan made on an older state), then steps 4-6 below
#   scripts/deploy.sh              DEPLOY_ENV DIGEST TF_STATE_BUCKET PKG_DIR (by hand, plan and apply)
# Credentials: the tooling role of the job (the provider, sync-static.sh and the CodeDeploy
# and metric calls assume the environment's deploy role, or the plan role).
# One apply deploys every region of the workspace (modules/region: primary, and the standby
# where the settings have one) with the one digest; then, region by region, primary first:
#   1. terraform init + workspace;
#   2. upload the /pkg assets into every region's bucket the state has (scripts/sync-static.sh):
#      a failure stops the deploy before any task can reference files that are not there;
#   3. terraform apply -var image_digest=$DIGEST (ROLLING: this deploys and waits);
#   4. per region: the standby waits for the digest in its ECR replica; BLUE_GREEN: a
#      CodeDeploy deployment of the task definition just registered, waited for at most the
#      settings' deployment_timeout_minutes; then the region's ReleaseRun metric (the run
#      number: the dashboards' release-per-region widget shows a region that lags) and its
#      release record (SSM deployed-digest, which every task's /status reads per region);
#   5. tag the image <env>-<run id> in ECR, which the lifecycle policy keeps (rollbacks);
#   6. a deploy event into the tooling account's pipeline log (scripts/pipeline-event.sh).
# A primary whose deployment fails stops the job before the standby changes: the standby
# keeps serving the previous release, and its ReleaseRun and release record stay behind.
# A region new in the apply (a first deploy, or a standby just added to the settings): the
# apply creates its bucket with everything else and the assets are uploaded right after it,
# before the job ends and before the smoke test; a new region's tasks pass their health checks
# without them (the page HTML does not need them to render).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DEPLOY_ENV:?set DEPLOY_ENV (dev, int, prod)}" "${DIGEST:?set DIGEST (sha256:...)}" "${TF_STATE_BUCKET:?set TF_STATE_BUCKET}"
[[ "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "deploy: DIGEST must be sha256:<64 hex>, got '$DIGEST'" >&2; exit 1; }
mode="${1:-plan-and-apply}"
export TF_IN_AUTOMATION=1 TF_INPUT=0
cd "$root/terraform"
[[ -f backend.hcl ]] || cp backend.hcl.example backend.hcl
terraform init -input=false -backend-config=backend.hcl -backend-config="bucket=${TF_STATE_BUCKET}"
terraform workspace select -or-create "$DEPLOY_ENV"
# region -> static bucket of the regional stacks the state has so far (none before the first apply)
buckets() { terraform output -json regions 2>/dev/null | python3 -c 'import json,sys; [print(r["region"], r["static_bucket"]) for r in (json.load(sys.stdin) or {}).values()]' || true; }
sync_all() { # sync_all [skip-list-file]: upload /pkg to each region's bucket not in the list
  local region bucket
  while read -r region bucket; do
    grep -qx "$bucket" "${1:-/dev/null}" 2>/dev/null && continue
    "$root/scripts/sync-static.sh" "$PKG_DIR" "$bucket" "$region"
    echo "$bucket" >> "${SYNCED:-/dev/null}"
  done < <(buckets)
}
SYNCED="$(mktemp)"
run="${GITHUB_RUN_ID:-manual-$(date +%Y%m%d%H%M%S)}-${GITHUB_RUN_ATTEMPT:-1}"

case "$mode" in
  plan)
    role_args=()
    [[ -z "${PLAN_ROLE_ARN:-}" ]] || role_args=(-var "terraform_role_arn=${PLAN_ROLE_ARN}")
    terraform plan -input=false -lock-timeout=5m -var "image_digest=${DIGEST}" "${role_args[@]}" -out=deploy.tfplan
    summary="${PLAN_SUMMARY:-${TMPDIR:-/tmp}/plan-${DEPLOY_ENV}.md}"
    {
      echo "### Plan of $DEPLOY_ENV for \`${DIGEST}\`"
      echo '```'
      terraform show -no-color deploy.tfplan | grep -E '^\s*# |^Plan:|^No changes' || true
      echo '```'
    } > "$summary"
    [[ "${PLAN_SAVE:-true}" == true ]] || { echo "plan of $DEPLOY_ENV not saved (PLAN_SAVE=${PLAN_SAVE})"; exit 0; }
    uri="s3://${TF_STATE_BUCKET}/plans/${DEPLOY_ENV}/${run}.tfplan"
    aws s3 cp --only-show-errors deploy.tfplan "$uri"
    echo "plan $uri sha256 $(sha256sum deploy.tfplan | cut -d' ' -f1)"
    exit 0 ;;
  apply-plan)
    : "${PLAN_URI:?set PLAN_URI (s3://.../plans/<env>/...)}" "${PLAN_SHA256:?set PLAN_SHA256}" "${PKG_DIR:?set PKG_DIR}" "${DEPLOY_ROLE_ARN:?set DEPLOY_ROLE_ARN}"
    trap '"$root/scripts/pipeline-event.sh" deploy "$DEPLOY_ENV" "$DIGEST" "$run" failed ""' ERR
    [[ "$PLAN_URI" == "s3://${TF_STATE_BUCKET}/plans/${DEPLOY_ENV}/"* ]] || { echo "deploy: $PLAN_URI is not a plan of $DEPLOY_ENV" >&2; exit 1; }
    aws s3 cp --only-show-errors "$PLAN_URI" deploy.tfplan
    got="$(sha256sum deploy.tfplan | cut -d' ' -f1)"
    [[ "$got" == "$PLAN_SHA256" ]] || { echo "deploy: the saved plan's sha256 is $got, the reviewed one $PLAN_SHA256: not applying" >&2; exit 1; }
    sync_all
    # The plan was made as the plan role (ephemeral terraform_role_arn): apply as the deploy role.
    terraform apply -input=false -auto-approve -var "terraform_role_arn=${DEPLOY_ROLE_ARN}" deploy.tfplan
    # A region new in this apply (first deploy, or a standby just added): its bucket now exists.
    sync_all "$SYNCED" ;;
  plan-and-apply)
    : "${PKG_DIR:?set PKG_DIR}"
    sync_all
    terraform apply -auto-approve -input=false -var "image_digest=${DIGEST}"
    sync_all "$SYNCED" ;;
  *) echo "deploy: unknown mode $mode (plan, apply-plan, or none)" >&2; exit 2 ;;
esac

# The environment's deploy role, for the calls into its account (CodeDeploy, metrics).
deploy_role_env() {
  local creds
  creds="$(aws sts assume-role --role-arn "$(terraform output -raw deploy_role_arn)" --role-session-name "deploy-${run}" \
           --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"
  read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$creds"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
}

# The standby pulls from its region's replica (terraform/bootstrap/ecr-replication.tf):
# ECR copies a push within minutes; wait at most 15.
wait_for_replica() { # wait_for_replica <repository url>
  local url="$1" region deadline
  region="$(cut -d. -f4 <<<"$url")"
  deadline=$(( $(date +%s) + 900 ))
  until aws ecr describe-images --region "$region" --repository-name "${url#*/}" --image-ids imageDigest="$DIGEST" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || { echo "deploy: $DIGEST not in the replica ${url} after 15 min" >&2; return 1; }
    sleep 20 # replication's pace; bounded by the deadline
  done
  echo "deploy: $DIGEST is in the replica ${url}"
}

codedeploy_region() { # codedeploy_region <region> <codedeploy output JSON>
  local region="$1" codedeploy="$2" appspec revision id deadline status
  field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$codedeploy" "$1"; }
  appspec="$(python3 -c 'import json,sys; c=json.loads(sys.argv[1]); print(json.dumps({"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": c["task_definition_arn"], "LoadBalancerInfo": {"ContainerName": c["container_name"], "ContainerPort": c["container_port"]}}}}]}))' "$codedeploy")"
  revision="$(python3 -c 'import json,sys; print(json.dumps({"revisionType": "AppSpecContent", "appSpecContent": {"content": sys.argv[1]}}))' "$appspec")"
  id="$(aws deploy create-deployment --region "$region" --application-name "$(field application)" --deployment-group-name "$(field deployment_group)" \
        --revision "$revision" --query deploymentId --output text)"
  deadline=$(( $(date +%s) + 60 * $(field timeout_minutes) ))
  echo "deploy: $region: CodeDeploy deployment $id (test listener :$(field test_listener_port), then traffic shift, then bake)"
  while :; do
    status="$(aws deploy get-deployment --region "$region" --deployment-id "$id" --query deploymentInfo.status --output text)"
    case "$status" in
      Succeeded) echo "deploy: $region: $id succeeded"; break ;;
      Failed|Stopped) echo "deploy: $region: $id $status (CodeDeploy rolled back to the previous task set)" >&2; return 1 ;;
    esac
    if (( $(date +%s) > deadline )); then
      aws deploy stop-deployment --region "$region" --deployment-id "$id" --auto-rollback-enabled >/dev/null || true
      echo "deploy: $region: $id still $status after $(field timeout_minutes) min: stopped (rolls back)" >&2; return 1
    fi
    sleep 15 # CodeDeploy's own pace; the loop is bounded by the deadline above
  done
}

regions_json="$(terraform output -json regions)"
for key in $(python3 -c 'import json,sys; print(" ".join(k for k in ("primary", "standby") if k in json.loads(sys.argv[1])))' "$regions_json"); do
  r() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]][sys.argv[3]]; print(json.dumps(v) if isinstance(v, (dict, type(None))) else v)' "$regions_json" "$key" "$1"; }
  region="$(r region)"
  [[ "$key" == primary ]] || wait_for_replica "$(r ecr_repository_url)"
  (
    deploy_role_env
    codedeploy="$(r codedeploy)"
    [[ "$codedeploy" == "null" ]] || codedeploy_region "$region" "$codedeploy"
    aws cloudwatch put-metric-data --region "$region" --namespace "hn-reader/${DEPLOY_ENV}" --metric-name ReleaseRun \
      --dimensions "Region=${region}" --value "${GITHUB_RUN_NUMBER:-0}"
    aws ssm put-parameter --region "$region" --name "$(r deployed_digest_parameter)" --type String \
      --value "$DIGEST" --overwrite >/dev/null
  )
  echo "deploy: $region runs ${DIGEST}"
done

# The deployment tag protects this image from the ECR lifecycle (terraform/bootstrap/ecr-lifecycle.json).
repo_url="$(terraform output -raw ecr_repository_url)"
tag="${DEPLOY_ENV}-${run%-*}"
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
url="$(terraform output -raw public_url)"
"$root/scripts/pipeline-event.sh" deploy "$DEPLOY_ENV" "$DIGEST" "$run" succeeded "$url"
echo "deploy: $DEPLOY_ENV runs ${repo_url}@${DIGEST}: $url"
