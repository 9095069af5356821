#!/usr/bin/env bash
# Sourced by scripts/terraform-*.sh: pinned tools (tools/versions.env) installed once into
# .tools/, and the Terraform CLI configuration every terraform command of those scripts uses.
#   TF_CLI_CONFIG_FILE  the machine's provider mirror when it holds AWS_PROVIDER_MIRROR_VERSION
#                       (offline), else the registry; a plugin cache either way (one copy of
#                       the 700 MB provider, symlinked into each root)
#   TF_PY               python of .tools/terraform-py (python-hcl2, policy_sentry)
#   tf_tool_venv DIR PKG...   an idempotent venv, re-created when the pins change
#   gcp_schema                the google provider's schema (npm, tools/gcp-schema) in
#                             .tools/gcp-schema, installed once per lock file
set -euo pipefail
# Our CLI configuration replaces any other (a missing one only adds warnings).
unset TF_CLI_CONFIG_FILE
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
set -a; . "$ROOT/tools/versions.env"; set +a
: "${AWS_PROVIDER_MIRROR_VERSION:?missing in tools/versions.env}"
TOOLS="$ROOT/.tools"
TF_PROVIDER_MIRROR="${TF_PROVIDER_MIRROR:-/opt/tf-plugins}"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

command -v terraform >/dev/null 2>&1 || { echo "terraform not found on PATH (Terraform >= 1.10)" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found on PATH (3.11+, with venv)" >&2; exit 2; }

tf_tool_venv() { # tf_tool_venv <dir> <pip requirement>...
  local dir="$1" stamp; shift
  stamp="$*"
  if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$stamp" ]]; then return 0; fi
  echo "==> installing $stamp into ${dir#"$ROOT"/}" >&2
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
  echo "$stamp" > "$dir/.stamp"
}

tf_cli_config() {
  local platform conf="$TOOLS/terraform/cli.tfrc" cache="$TOOLS/terraform/plugin-cache"
  platform="$(terraform version -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["platform"])')"
  mkdir -p "$cache"
  if [[ -d "$TF_PROVIDER_MIRROR/registry.terraform.io/hashicorp/aws/$AWS_PROVIDER_MIRROR_VERSION/$platform" ]]; then
    TF_PROVIDER_SOURCE="hashicorp/aws $AWS_PROVIDER_MIRROR_VERSION from $TF_PROVIDER_MIRROR (offline)"
    cat > "$conf" <<TFRC
disable_checkpoint = true
plugin_cache_dir   = "$cache"
provider_installation {
  filesystem_mirror {
    path    = "$TF_PROVIDER_MIRROR"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
TFRC
  else
    TF_PROVIDER_SOURCE="registry (online): no hashicorp/aws $AWS_PROVIDER_MIRROR_VERSION in $TF_PROVIDER_MIRROR, falling back to the Terraform registry"
    printf 'disable_checkpoint = true\nplugin_cache_dir   = "%s"\n' "$cache" > "$conf"
  fi
  export TF_CLI_CONFIG_FILE="$conf" TF_PROVIDER_SOURCE
}

mkdir -p "$TOOLS/terraform"
tf_cli_config
tf_tool_venv "$TOOLS/terraform-py" "python-hcl2==${PYTHON_HCL2_VERSION:?}" "policy_sentry==${POLICY_SENTRY_VERSION:?}"
TF_PY="$TOOLS/terraform-py/bin/python"

gcp_schema() {
  local dir="$TOOLS/gcp-schema" src="$ROOT/tools/gcp-schema" stamp
  grep -q "\"@cdktf/provider-google\": \"${GCP_PROVIDER_SCHEMA_NPM_VERSION:?}\"" "$src/package.json" \
    || { echo "tools/gcp-schema/package.json does not pin @cdktf/provider-google $GCP_PROVIDER_SCHEMA_NPM_VERSION (tools/versions.env)" >&2; return 1; }
  stamp="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
  if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$stamp" ]]; then return 0; fi
  echo "==> installing @cdktf/provider-google $GCP_PROVIDER_SCHEMA_NPM_VERSION into ${dir#"$ROOT"/}" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$src/.npmrc" "$dir/"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$stamp" > "$dir/.stamp"
}
