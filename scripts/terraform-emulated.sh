#!/usr/bin/env bash
# make tf-emulated / tf-emulated-all: apply, re-plan and destroy bootstrap, deploy-role and the
# main root against moto on loopback (tools/terraform/emulated.py). Arguments: workspaces
# (default dev). Needs terraform and python3; moto[server] is installed into .tools/moto.
set -euo pipefail
# shellcheck source=scripts/terraform-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/terraform-tools.sh"
cd "$ROOT"
tf_tool_venv "$TOOLS/moto" "moto[server]==${MOTO_VERSION:?}"
echo "terraform: provider $TF_PROVIDER_SOURCE; moto $MOTO_VERSION"
gaps_moto="$(python3 -c 'import json; print(json.load(open("tools/terraform/emulator-gaps.json"))["moto"])')"
if [[ "$gaps_moto" != "$MOTO_VERSION" ]]; then
  echo "tools/terraform/emulator-gaps.json was written for moto $gaps_moto, the pin is $MOTO_VERSION: re-run, then update its evidence and version" >&2
fi
args=()
for ws in "${@:-dev}"; do args+=(--workspace "$ws"); done
exec "$TOOLS/moto/bin/python" tools/terraform/emulated.py --moto-server "$TOOLS/moto/bin/moto_server" --iam-python "$TF_PY" \
  --gaps tools/terraform/emulator-gaps.json "${args[@]}"
