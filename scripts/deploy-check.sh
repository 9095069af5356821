#!/usr/bin/env bash
# make deploy-check: the delivery pipeline offline (docs/pipeline.md).
#   1. zizmor --offline on .github/workflows: no findings (suppressions inline, with a reason)
#   2. OIDC trust policies of terraform/bootstrap, rendered by terraform console, evaluated
#      as IAM does (tools/pipeline/trust_policy_test.py); the self-test of the roles' rights
#      check (tools/pipeline/role_rights_check.py, run on the applied roles by tf-emulated)
#   3. terraform/github against the workflows (tools/pipeline/github_settings_check.py, with
#      planted mistakes it must find)
#   4. deny.toml and the licences of Cargo.lock (tools/pipeline/deny_check.py)
#   5. the deployed-URL smoke test against a local stand-in of a deployment, good and broken
#   6. tools/workflow-rehearsal: the PR, promotion and rollback paths' shell steps in a clean
#      clone of the working tree, with recording stand-ins for docker, aws, terraform and gh
set -euo pipefail
# shellcheck source=scripts/terraform-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/terraform-tools.sh"
cd "$ROOT"
tf_tool_venv "$TOOLS/zizmor" "zizmor==${ZIZMOR_VERSION:?}"
status=0
check() { # check <name> <command...>
  local name="$1"; shift
  if "$@"; then echo "  PASS $name"; else echo "  FAIL $name"; status=1; fi
}

echo "==> zizmor $ZIZMOR_VERSION --offline .github/workflows"
check "zizmor: no findings" "$TOOLS/zizmor/bin/zizmor" --offline --no-progress .github/workflows

echo "==> OIDC trust policies (terraform/bootstrap, evaluated as IAM does)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
render_trust() { # the rendered trust policies (role => JSON) into $WORK/trust.json
  mkdir -p "$WORK/terraform/modules"
  cp -r terraform/bootstrap "$WORK/terraform/" && cp -r terraform/modules/settings "$WORK/terraform/modules/"
  terraform -chdir="$WORK/terraform/bootstrap" init -backend=false -input=false -no-color >/dev/null \
    && echo 'jsonencode(local.github_trust_policies)' | terraform -chdir="$WORK/terraform/bootstrap" console \
       | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()))' > "$WORK/trust.json"
}
check "trust policies rendered (terraform console)" render_trust
check "trust policies admit exactly the intended jobs" python3 tools/pipeline/trust_policy_test.py "$WORK/trust.json"
# The other side, what each role may do: checked on the applied policies in make tf-emulated.
check "role rights check self-test (build: ECR push only; each environment's roles: that environment only)" python3 tools/pipeline/role_rights_check.py --self-test

echo "==> terraform/github against the workflows (offline; validated online by make github-validate)"
check "github settings check self-test" "$TF_PY" tools/pipeline/github_settings_check.py --self-test
check "github settings check" "$TF_PY" tools/pipeline/github_settings_check.py

echo "==> deny.toml (cargo deny runs online in ci.yml)"
check "deny check self-test" python3 tools/pipeline/deny_check.py --self-test
check "deny check" python3 tools/pipeline/deny_check.py

echo "==> deployed-URL smoke test against a local stand-in"
check "smoke test: passes a good deployment, fails broken ones" python3 tools/workflow-rehearsal/fake_deployment.py --self-test tests/smoke/deployed.py

echo "==> workflow rehearsal (stand-ins for docker, aws, terraform, gh)"
check "workflow rehearsal" "$TF_PY" tools/workflow-rehearsal/rehearse.py "$ROOT" "$WORK/trust.json"
exit "$status"
