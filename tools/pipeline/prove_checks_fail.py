#!/usr/bin/env python3
"""Each pipeline check of docs/pipeline-evidence.md fails on broken input: in a throwaway
clone of HEAD, break one thing, run the check that covers it, expect a failure naming it,
restore, next. The check must pass on the unbroken clone first. Prints a Markdown table.

Not in make test (it reruns the rehearsal, checkov and terraform test several times: about
10 minutes on 2 cores). Usage: prove_checks_fail.py [--only SUBSTRING]   (needs .tools/ from
make deploy-check and make tf-check)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
TF_PY = str(TOOLS / "terraform-py/bin/python")
ENV = dict(os.environ, TF_CLI_CONFIG_FILE=str(TOOLS / "terraform/cli.tfrc"), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0")


def sh(cmd: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)


# The checks, as commands run in the clone ($PWD). {trust} is rendered from the clone first.
# Scratch directories sit beside the clone (../t, ../tft), so the rehearsal's copy of the
# working tree does not carry them.
RENDER_TRUST = ("rm -rf ../t && mkdir -p ../t/terraform/modules && cp -r terraform/bootstrap ../t/terraform/ && cp -r terraform/modules/settings ../t/terraform/modules/"
                " && terraform -chdir=../t/terraform/bootstrap init -backend=false -input=false -no-color >/dev/null"
                " && echo 'jsonencode(local.github_trust_policies)' | terraform -chdir=../t/terraform/bootstrap console"
                " | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()))' > ../t/trust.json")
CHECKS = {
    "rehearsal": f"{RENDER_TRUST} && {TF_PY} tools/workflow-rehearsal/rehearse.py \"$PWD\" ../t/trust.json",
    "trust test": f"{RENDER_TRUST} && python3 tools/pipeline/trust_policy_test.py ../t/trust.json",
    "zizmor": f"{TOOLS}/zizmor/bin/zizmor --offline --no-progress .github/workflows",
    "github settings check": f"{TF_PY} tools/pipeline/github_settings_check.py",
    "role rights self-test": "python3 tools/pipeline/role_rights_check.py --self-test",
    "checkov (bootstrap)": "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false BC_SKIP_MAPPING=TRUE \"$(scripts/container-tools.sh)/checkov\" -d terraform/bootstrap --framework terraform --skip-download --quiet --compact",
    "terraform test (plan of prod)": "rm -rf ../tft && cp -r terraform ../tft && terraform -chdir=../tft init -backend=false -input=false -no-color >/dev/null"
                                     " && TF_WORKSPACE=prod terraform -chdir=../tft test -no-color -filter=tests/plan_prod.tftest.hcl",
}

# (row, what is broken, file, text, replacement, check, text the failure must contain)
MUTATIONS = [
    ("1 gate", "deploy.yml's build no longer needs the checks", ".github/workflows/deploy.yml",
     "    name: build image once, push to ECR\n    needs: checks\n", "    name: build image once, push to ECR\n", "rehearsal", "job build does not wait for the checks"),
    ("1 gate", "pr.yml's image no longer needs the checks", ".github/workflows/pr.yml",
     "    needs: checks\n    if: github.event.pull_request.head.repo.full_name == github.repository\n",
     "    if: github.event.pull_request.head.repo.full_name == github.repository\n", "rehearsal", "pr.yml job image does not wait for the checks"),
    ("1 gate", "rollback.yml's pkg job no longer needs the checks", ".github/workflows/rollback.yml",
     "    name: assets of ${{ inputs.digest }}\n    needs: checks\n", "    name: assets of ${{ inputs.digest }}\n", "rehearsal", "rollback.yml job pkg does not wait"),
    ("1 gate", "clippy of the WASM build without -D warnings", "Makefile",
     "--target wasm32-unknown-unknown --features hydrate -- -D warnings", "--target wasm32-unknown-unknown --features hydrate", "rehearsal", "clippy -D warnings, WASM build"),
    ("1 gate", "make test no longer runs docker-lint (hadolint)", "Makefile",
     "$(MAKE) --no-print-directory docker-lint tf-check", "$(MAKE) --no-print-directory tf-check", "rehearsal", "hadolint"),
    ("1 gate", "ci.yml's online job no longer runs make deny", ".github/workflows/ci.yml",
     "        run: make deny\n", "        run: echo skipped\n", "rehearsal", "cargo deny"),
    ("1 gate", "deploy-check no longer runs zizmor", "scripts/deploy-check.sh",
     "--offline --no-progress .github/workflows", "--version", "rehearsal", "zizmor over .github/workflows"),
    ("2 API test", "the deploy job no longer runs the smoke test", ".github/workflows/deploy-env.yml",
     "        run: make smoke-deployed\n", "        run: echo smoke skipped\n", "rehearsal", "int broken"),
    ("6 OIDC", "prod's deploy role trusts any workflow file", "terraform/bootstrap/github-oidc.tf",
     'deploy = "repo:${local.repo}:environment:${e}:ref:refs/heads/main:job_workflow_ref:${local.repo}/.github/workflows/deploy-env.yml@refs/heads/main"',
     'deploy = "repo:${local.repo}:environment:${e}:ref:refs/heads/main:job_workflow_ref:${local.repo}/.github/workflows/*@refs/heads/main"', "trust test", "another workflow in the prod environment"),
    ("6 OIDC", "deploy roles trust any ref of deploy-env.yml (branches)", "terraform/bootstrap/github-oidc.tf",
     'deploy = "repo:${local.repo}:environment:${e}:ref:refs/heads/main:job_workflow_ref:${local.repo}/.github/workflows/deploy-env.yml@refs/heads/main"',
     'deploy = "repo:${local.repo}:environment:${e}:ref:refs/heads/main:job_workflow_ref:${local.repo}/.github/workflows/deploy-env.yml@*"', "trust test", "FAILED (failures="),
    ("6 OIDC", "deploy roles trust a pull request's run calling deploy-env.yml@main (no ref in sub)", "terraform/bootstrap/github-oidc.tf",
     'deploy = "repo:${local.repo}:environment:${e}:ref:refs/heads/main:job_workflow_ref:',
     'deploy = "repo:${local.repo}:environment:${e}:ref:*:job_workflow_ref:', "trust test", "a pull request's run"),
    ("6 OIDC", "deploy roles trust any environment", "terraform/bootstrap/github-oidc.tf",
     'deploy = "repo:${local.repo}:environment:${e}:ref:',
     'deploy = "repo:${local.repo}:environment:*:ref:', "trust test", "another environment"),
    ("6 OIDC", "the build role trusts a fork's run of this repository's workflow (any owner in repo)", "terraform/bootstrap/github-oidc.tf",
     '} : k => "repo:${local.repo}:${v[0]}', '} : k => "repo:*/hn-reader:${v[0]}', "trust test", "a fork's main calling"),
    ("6 OIDC", "the build role may assume prod's deploy role (role rights check, planted)", "tools/pipeline/role_rights_check.py",
     '    "hn-reader-build": ECR_AUTH + [(a, r) for a in ECR_PUSH for r in (ECR, f"{ECR}-ci")],',
     '    "hn-reader-build": ECR_AUTH + [(a, r) for a in ECR_PUSH for r in (ECR, f"{ECR}-ci")] + [("sts:AssumeRole", "*")],',
     "role rights self-test", "missed"),
    ("7 promotion", "the deploy applies a saved plan without checking its sha256", "scripts/deploy.sh",
     '[[ "$got" == "$PLAN_SHA256" ]] ||', "true ||", "rehearsal", "tampered plan"),
    ("7 promotion", "prod needs no reviewer", "terraform/github/environments.tf",
     '"prod"      = { approval = true }', '"prod"      = { approval = false }', "github settings check", "environment prod: approval"),
    ("7 promotion", "the deploy job re-plans instead of applying the reviewed plan", "Makefile",
     "@scripts/deploy.sh $(if $(PLAN_URI),apply-plan,)", "@scripts/deploy.sh", "rehearsal", "promotion"),
    ("8 canary", "prod gets int's linear shift instead of the canary", "terraform/modules/settings/variables.tf",
     '"CodeDeployDefault.ECSCanary10Percent5Minutes"', '"CodeDeployDefault.ECSLinear10PercentEvery1Minutes"', "terraform test (plan of prod)", "ECSCanary10Percent5Minutes"),
    ("8 canary", "prod's CodeDeploy does not roll back on alarms", "terraform/codedeploy.tf",
     '"DEPLOYMENT_STOP_ON_ALARM"', '"DEPLOYMENT_STOP_ON_REQUEST"', "terraform test (plan of prod)", "roll back"),
    ("3 logs", "pipeline logs kept 30 days", "terraform/bootstrap/pipeline-logs.tf",
     "retention_in_days = 365", "retention_in_days = 30", "checkov (bootstrap)", "CKV_AWS_338"),
    ("3 logs", "pipeline logs without KMS", "terraform/bootstrap/pipeline-logs.tf",
     "  kms_key_id        = aws_kms_key.pipeline_logs.arn\n", "", "checkov (bootstrap)", "CKV_AWS_158"),
    ("3 logs", "deploy events without the commit", "scripts/pipeline-event.sh",
     'k=["event","env","digest","run","result","url","commit"]', 'k=["event","env","digest","run","result","url"]', "rehearsal", "deploy events"),
    ("9 concurrency", "one workflow-wide concurrency group on deploy.yml", ".github/workflows/deploy.yml",
     "permissions: {} # each job asks for what it needs\n", "permissions: {} # each job asks for what it needs\nconcurrency: deploy\n", "rehearsal", "workflow-wide concurrency"),
    ("9 concurrency", "one concurrency group for every environment", ".github/workflows/deploy-env.yml",
     "  group: deploy-${{ inputs.environment }}\n", "  group: deploy\n", "rehearsal", "one per environment"),
    ("10 branching", "the ruleset allows merge commits (no linear history)", "terraform/github/branches.tf",
     "required_linear_history = true", "required_linear_history = false", "github settings check", "linear history"),
    ("10 branching", "branches need not be up to date with main", "terraform/github/branches.tf",
     "strict_required_status_checks_policy = true", "strict_required_status_checks_policy = false", "github settings check", "up to date"),
    ("11 zizmor", "a checkout keeps its credentials", ".github/workflows/deploy.yml",
     "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n        with:\n          persist-credentials: false\n      - uses: docker/setup-buildx-action",
     "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - uses: docker/setup-buildx-action", "zizmor", "artipacked"),
    ("11 zizmor", "an action pinned by tag, not SHA", ".github/workflows/deploy.yml",
     "docker/setup-buildx-action@c47758b77c9736f4b2ef4073d4d51994fabfe349 # v3.7.1", "docker/setup-buildx-action@v3", "zizmor", "unpinned-uses"),
]


def main(argv: list[str]) -> int:
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    # Tools are installed here first: the clone reaches .tools through a symlink, and a venv
    # created through it would name the clone's path in its scripts' shebangs.
    subprocess.run([str(ROOT / "scripts/container-tools.sh")], check=True, stdout=subprocess.DEVNULL)
    work = Path(tempfile.mkdtemp(prefix="prove-checks-"))
    clone = work / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    (clone / ".tools").symlink_to(TOOLS)
    rows, ok = [], True
    try:
        mutations = [m for m in MUTATIONS if not only or only in m[0] or only in m[1]]
        for check in sorted({m[5] for m in mutations}):
            t = time.monotonic()
            res = sh(CHECKS[check], clone)
            if res.returncode != 0:
                print(f"BASELINE FAILS: {check}\n{res.stdout[-3000:]}{res.stderr[-3000:]}")
                return 1
            print(f"baseline passes: {check} ({time.monotonic() - t:.0f} s)", flush=True)
        for row, what, rel, old, new, check, expect in mutations:
            f = clone / rel
            text = f.read_text()
            if old not in text:
                print(f"STALE MUTATION ({what}): {old!r} not in {rel}")
                ok = False
                continue
            f.write_text(text.replace(old, new, 1))
            try:
                res = sh(CHECKS[check], clone)
            finally:  # restore: tracked files back, untracked ones gone (.tools is ignored, stays)
                subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", "--", "."], check=True)
                subprocess.run(["git", "-C", str(clone), "clean", "-fdq"], check=True)
            out = res.stdout + res.stderr
            line = next((ln.strip() for ln in out.splitlines() if expect in ln), "")
            caught = res.returncode != 0 and bool(line)
            ok &= caught
            rows.append((row, what, rel, check, res.returncode, line[:220] if line else out.strip().splitlines()[-1][:220] if out.strip() else ""))
            print(f"{'CAUGHT' if caught else 'MISSED'} [{row}] {what}: {check} exit {res.returncode}: {rows[-1][-1]}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n| row | broken on purpose | check | exit | what it printed |\n|---|---|---|---|---|")
    for row, what, rel, check, rc, line in rows:
        print(f"| {row} | {what} (`{rel}`) | {check} | {rc} | `{line.replace('|', '/')}` |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
