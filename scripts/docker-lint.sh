#!/usr/bin/env bash
# Lints the Dockerfiles (the app's, and ci/Dockerfile, the CI image): hadolint (every severity fails; ignores only inline, with a reason)
# and checkov's dockerfile framework (0 failed). Tools: scripts/container-tools.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="$(scripts/container-tools.sh)"
status=0

for file in Dockerfile ci/Dockerfile; do
  echo "== hadolint $("$bin/hadolint" --version | awk '{print $NF}') $file"
  # (The OCI labels are checked by the smoke test's Dockerfile self-check: hadolint's
  # --require-label would demand them on the builder stages too.)
  if "$bin/hadolint" --no-color --failure-threshold style "$file"; then
    echo "PASS hadolint: no findings"
  else
    echo "FAIL hadolint: findings above"; status=1
  fi
  # Every inline ignore must carry a reason: a comment line right above it.
  awk '/^# *hadolint ignore=/ { if (prev !~ /^#/ || prev ~ /^# *hadolint/) { print FILENAME ":" NR ": hadolint ignore without a reason comment above it"; bad=1 } } { prev=$0 } END { exit bad }' "$file" \
    && echo "PASS hadolint ignores: each has a reason" || { echo "FAIL hadolint ignores"; status=1; }

  echo "== checkov $("$bin/checkov" --version) --framework dockerfile $file"
  out="$(mktemp)"; trap 'rm -f "$out"' EXIT
  if "$bin/checkov" --framework dockerfile --skip-download -f "$file" --compact --quiet -o json > "$out"; then :; fi
  python3 - "$out" <<'PY' || status=1
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
failed = sum(r.get("summary", {}).get("failed", 0) for r in reports)
passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
skipped = sum(r.get("summary", {}).get("skipped", 0) for r in reports)
for r in reports:
    for c in r.get("results", {}).get("failed_checks", []):
        print(f"  {c['check_id']} {c['check_name']} (line {c.get('file_line_range')})")
if passed == 0 and failed == 0:
    print("FAIL checkov: nothing was checked"); sys.exit(1)
print(f"{'PASS' if failed == 0 else 'FAIL'} checkov: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
done
exit "$status"
