# Sourced by the scripts that need DEPLOY_ENV's entry of terraform/modules/settings.
# workspace_settings EXPR: prints EXPR (a jsonencode(...) over the module's locals) evaluated
# for DEPLOY_ENV, as JSON. No provider and no network: terraform console on a copy.
workspace_settings() {
  local dir
  dir="$(mktemp -d)"
  cp -r "$root/terraform/modules/settings/." "$dir/"
  terraform -chdir="$dir" init -backend=false -input=false >/dev/null
  echo "$1" | TF_VAR_workspace="$DEPLOY_ENV" terraform -chdir="$dir" console \
    | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()))'
  rm -rf "$dir"
}
