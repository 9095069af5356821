#!/usr/bin/env bash
# Offline Terraform checks (make tf-check). Needs terraform and python3 on PATH; no AWS, no
# Docker, and no network where the provider mirror is present (scripts/terraform-tools.sh).
#   1. terraform fmt -check -recursive terraform/
#   2. terraform init -backend=false && validate: every root and module (main and
#      deploy-role once per workspace)
#   3. terraform test: modules/settings, modules/region (each workspace's regional stack), and
#      the main root's plan of each workspace with a mocked provider
#      (terraform/tests/plan_<workspace>.tftest.hcl: edge, regions' wiring, failover)
#   4. checkov -d terraform --skip-download, with the repo's graph policies
#      (--external-checks-dir terraform/checkov): 0 failed; and each of those policies fails
#      its fixture (tools/terraform/checkov_policies_check.py)
#   5. moved blocks: what terraform does not check (tools/terraform/moved_check.py)
#   6. first-apply ordering: terraform graph of each workspace against
#      terraform/tests/ordering.txt (tools/terraform/ordering_check.py)
#   7. every wait of an apply ends well before the deploy job's limit
#      (tools/terraform/timeouts_check.py)
#   8. the ECR lifecycle keeps what each environment runs or may roll back to
#      (tools/terraform/ecr_lifecycle_check.py)
#   9. the second cloud (terraform/dr-gcp; its provider is not in the mirror, so validate runs
#      online in ci.yml): fmt and checkov above, and every name against the google provider's
#      schema (tools/terraform/gcp_names_check.py, with a self-test on planted mistakes)
#  10. disaster recovery: the settings' regions, the recovery objectives the READMEs state
#      (tools/terraform/dr_check.py, with a self-test)
# Runs on a temporary copy of terraform/, so no .terraform/ or lock file lands in the tree.
set -euo pipefail
# shellcheck source=scripts/terraform-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/terraform-tools.sh"
cd "$ROOT"
CHECKOV="$(scripts/container-tools.sh)/checkov"
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false BC_SKIP_MAPPING=TRUE

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -r terraform "$WORK/terraform"
TF="$WORK/terraform"
WORKSPACES=(dev int prod)

FAILED=()
pass() { printf '  \033[32mPASS\033[0m %s\n' "$1"; }
fail() { printf '  \033[31mFAIL\033[0m %s\n' "$1"; FAILED+=("$1"); }
step() { printf '==> %s\n' "$1"; }
# run_check <name> <command...>: PASS with the command's last line, or FAIL with its output.
run_check() {
  local name="$1" out; shift
  if out="$("$@" 2>&1)"; then pass "$name: ${out##*$'\n'}"; else echo "$out"; fail "$name"; fi
}

echo "terraform $(terraform version -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])'), provider $TF_PROVIDER_SOURCE"

step "terraform fmt -check -recursive terraform/"
fmt_check() { terraform fmt -check -recursive -diff terraform && echo "formatted"; }
run_check "terraform fmt" fmt_check

step "terraform init -backend=false && validate (every root and module)"
validate() { # validate <dir> [workspace...]
  local dir="$1"; shift
  terraform -chdir="$TF/$dir" init -backend=false -input=false -no-color >/dev/null || return 1
  if (($#)); then
    local ws
    for ws in "$@"; do TF_WORKSPACE="$ws" terraform -chdir="$TF/$dir" validate -no-color >/dev/null || return 1; done
    echo "valid in ${*}"
  else
    terraform -chdir="$TF/$dir" validate -no-color >/dev/null && echo "valid"
  fi
}
run_check "validate terraform/" validate . "${WORKSPACES[@]}"
run_check "validate terraform/bootstrap" validate bootstrap
run_check "validate terraform/deploy-role" validate deploy-role "${WORKSPACES[@]}"
run_check "validate terraform/modules/private-bucket" validate modules/private-bucket
run_check "validate terraform/modules/settings" validate modules/settings
run_check "validate terraform/modules/region" validate modules/region
run_check "validate terraform/modules/key-policy" validate modules/key-policy

step "terraform test"
run_check "terraform test (modules/settings)" terraform -chdir="$TF/modules/settings" test -no-color
run_check "terraform test (modules/region: each workspace's regional stack, mocked provider)" terraform -chdir="$TF/modules/region" test -no-color
for ws in "${WORKSPACES[@]}"; do
  run_check "terraform test (plan of $ws, mocked provider)" env TF_WORKSPACE="$ws" terraform -chdir="$TF" test -no-color -filter="tests/plan_$ws.tftest.hcl"
done
run_check "terraform test (bootstrap planned, mocked provider)" terraform -chdir="$TF/bootstrap" test -no-color
for ws in "${WORKSPACES[@]}"; do
  run_check "terraform test (deploy-role of $ws planned, mocked provider)" env TF_WORKSPACE="$ws" terraform -chdir="$TF/deploy-role" test -no-color
done

step "checkov (terraform/, --skip-download, graph policies of terraform/checkov)"
checkov_summary() {
  local out
  out="$("$CHECKOV" -d terraform --framework terraform --skip-download --external-checks-dir terraform/checkov --quiet --compact -o cli 2>&1)" || { echo "$out" | grep -v '^$'; return 1; }
  grep -Eo 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' <<<"$out" | head -1
}
run_check "checkov" checkov_summary
run_check "checkov policies fail their fixtures" python3 tools/terraform/checkov_policies_check.py "$CHECKOV" terraform/checkov tools/terraform/checkov-fixtures

step "moved blocks"
run_check "moved check self-test" "$TF_PY" tools/terraform/moved_check.py --self-test
run_check "moved check" "$TF_PY" tools/terraform/moved_check.py terraform

step "first-apply ordering (terraform graph of each workspace)"
graphs() {
  # The graph needs an initialised backend: a local one, in the temporary copy only.
  printf 'terraform {\n  backend "local" {}\n}\n' > "$TF/backend_override.tf"
  terraform -chdir="$TF" init -input=false -reconfigure -no-color >/dev/null || return 1
  local ws args=()
  for ws in "${WORKSPACES[@]}"; do
    TF_WORKSPACE="$ws" terraform -chdir="$TF" graph > "$WORK/graph-$ws.dot" || return 1
    args+=("$ws=$WORK/graph-$ws.dot")
  done
  python3 tools/terraform/ordering_check.py terraform/tests/ordering.txt "${args[@]}"
}
run_check "ordering check" graphs

step "waits below the deploy job's time limit"
run_check "timeouts check" "$TF_PY" tools/terraform/timeouts_check.py terraform .github/workflows/deploy-env.yml

step "ECR lifecycle (simulated on 400 builds)"
run_check "ECR lifecycle check" python3 tools/terraform/ecr_lifecycle_check.py terraform/bootstrap/ecr-lifecycle.json

step "second cloud (terraform/dr-gcp): names against the google provider's schema"
gcp_names() { gcp_schema && "$TF_PY" tools/terraform/gcp_names_check.py --self-test >/dev/null && "$TF_PY" tools/terraform/gcp_names_check.py terraform/dr-gcp; }
run_check "gcp names check" gcp_names

step "disaster recovery: regions and recovery objectives"
run_check "dr check self-test" "$TF_PY" tools/terraform/dr_check.py --self-test
run_check "dr check" "$TF_PY" tools/terraform/dr_check.py

if ((${#FAILED[@]})); then
  printf '\033[31mtf-check FAILED:\033[0m %s\n' "${FAILED[*]}"; exit 1
fi
printf '\033[32mtf-check passed\033[0m\n'
