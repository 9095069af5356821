#!/usr/bin/env bash
# make deploy-check: the deploy workflows offline.
#   1. zizmor --offline on .github/workflows: no findings (suppressions inline, with a reason)
#   2. tools/workflow-rehearsal: deploy.yml's shell steps in a clean clone of the working
#      tree, with recording stand-ins for docker, aws and terraform
set -euo pipefail
# shellcheck source=scripts/terraform-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/terraform-tools.sh"
cd "$ROOT"
tf_tool_venv "$TOOLS/zizmor" "zizmor==${ZIZMOR_VERSION:?}"
status=0
echo "==> zizmor $ZIZMOR_VERSION --offline .github/workflows"
if "$TOOLS/zizmor/bin/zizmor" --offline --no-progress .github/workflows; then
  echo "  PASS zizmor: no findings"
else
  echo "  FAIL zizmor"; status=1
fi
echo "==> workflow rehearsal (stand-ins for docker, aws, terraform)"
if "$TF_PY" tools/workflow-rehearsal/rehearse.py "$ROOT"; then echo "  PASS workflow rehearsal"; else echo "  FAIL workflow rehearsal"; status=1; fi
exit "$status"
