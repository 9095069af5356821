#!/usr/bin/env bash
# Offline Terraform checks (make tf-check). Needs python3 (3.11+, with venv), node+npm
# and terraform on PATH; no AWS, no Terraform registry, no Docker.
#   1. terraform fmt -check -recursive terraform/
#   2. terraform test in terraform/modules/settings (provider-less, so init is offline)
#   3. checkov -d terraform --framework terraform --skip-download: 0 failed
#   4. names check: tools/tf-names-check (self-test first, then terraform/)
# Tools are installed once into .tools/ (git-ignored) and tools/tf-names-check/node_modules,
# at the versions pinned in tools/versions.env; later runs only compare stamps.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=/dev/null
set -a; . tools/versions.env; set +a

TOOLS="$ROOT/.tools"
NAMES_DIR="$ROOT/tools/tf-names-check"
: "${CHECKOV_VERSION:?missing in tools/versions.env}"
: "${PYTHON_HCL2_VERSION:?missing in tools/versions.env}"
: "${CDKTF_PROVIDER_AWS_VERSION:?missing in tools/versions.env}"
: "${CDKTF_PROVIDER_RANDOM_VERSION:?missing in tools/versions.env}"

# A TF_CLI_CONFIG_FILE pointing at a missing file only adds warnings to every command.
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "${TF_CLI_CONFIG_FILE}" ]]; then unset TF_CLI_CONFIG_FILE; fi
export TF_IN_AUTOMATION=1 CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false BC_SKIP_MAPPING=TRUE

FAILED=()
pass() { printf '  \033[32mPASS\033[0m %s\n' "$1"; }
fail() { printf '  \033[31mFAIL\033[0m %s\n' "$1"; FAILED+=("$1"); }
step() { printf '==> %s\n' "$1"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "tf-check: '$1' not found on PATH" >&2; exit 2; }; }
need python3; need node; need npm; need terraform

# ---- install (idempotent) ----
# checkov and python-hcl2 get separate venvs: checkov depends on bc-python-hcl2, which
# installs the same "hcl2" import package and would overwrite python-hcl2.
venv() { # venv <dir> <stamp> <pip args...>
  local dir="$1" stamp="$2"; shift 2
  if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$stamp" ]]; then return 0; fi
  step "installing $stamp into ${dir#"$ROOT"/}"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$stamp" > "$dir/.stamp"
}
venv "$TOOLS/checkov" "checkov==$CHECKOV_VERSION" "checkov==$CHECKOV_VERSION"
venv "$TOOLS/hcl2" "python-hcl2==$PYTHON_HCL2_VERSION" "python-hcl2==$PYTHON_HCL2_VERSION"

# The npm pins live in package.json/package-lock.json; versions.env must agree.
for pair in "provider-aws:$CDKTF_PROVIDER_AWS_VERSION" "provider-random:$CDKTF_PROVIDER_RANDOM_VERSION"; do
  pkg="${pair%%:*}" ver="${pair#*:}"
  if ! grep -q "\"@cdktf/$pkg\": \"$ver\"" "$NAMES_DIR/package.json"; then
    echo "tf-check: tools/tf-names-check/package.json must pin @cdktf/$pkg to $ver (tools/versions.env)" >&2; exit 2
  fi
done
lock_sum="$(sha256sum "$NAMES_DIR/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$NAMES_DIR/node_modules/.stamp" || "$(cat "$NAMES_DIR/node_modules/.stamp")" != "$lock_sum" ]]; then
  step "installing @cdktf/provider-aws@$CDKTF_PROVIDER_AWS_VERSION (npm ci, ~400 MB)"
  (cd "$NAMES_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" > "$NAMES_DIR/node_modules/.stamp"
fi

# ---- checks ----
step "terraform fmt -check -recursive terraform/"
if out="$(terraform fmt -check -recursive -diff terraform 2>&1)"; then pass "terraform fmt"; else echo "$out"; fail "terraform fmt (run: terraform fmt -recursive terraform)"; fi

step "terraform test (terraform/modules/settings)"
if out="$(cd terraform/modules/settings && terraform init -input=false -backend=false -no-color >/dev/null 2>&1 && terraform test -no-color 2>&1)"; then
  pass "terraform test: $(grep -Eo '[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)"
else
  echo "$out"; fail "terraform test"
fi

step "checkov (terraform/, --skip-download)"
if out="$("$TOOLS/checkov/bin/checkov" -d terraform --framework terraform --skip-download --quiet --compact -o cli 2>&1)"; then
  pass "checkov: $(grep -Eo 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' <<<"$out" | head -1)"
else
  echo "$out" | grep -v '^$'; fail "checkov"
fi

step "names check (AWS provider schema from @cdktf/provider-aws@$CDKTF_PROVIDER_AWS_VERSION)"
NAMES=("$TOOLS/hcl2/bin/python" "$NAMES_DIR/tf_names_check.py" --cache "$TOOLS/tf-names-check/schema.json")
if out="$("${NAMES[@]}" --self-test 2>&1)"; then pass "names check self-test: ${out##*self-test: }"; else echo "$out"; fail "names check self-test"; fi
if out="$("${NAMES[@]}" terraform 2>&1)"; then pass "${out##*$'\n'}"; else echo "$out"; fail "names check"; fi

if ((${#FAILED[@]})); then
  printf '\033[31mtf-check FAILED:\033[0m %s\n' "${FAILED[*]}"; exit 1
fi
printf '\033[32mtf-check passed\033[0m\n'
