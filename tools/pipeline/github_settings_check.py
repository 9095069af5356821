#!/usr/bin/env python3
"""terraform/github against what the workflows expect, offline (make deploy-check). The
GitHub provider is not in this machine's mirror, so this is the strongest check short of
`terraform validate` (online: make github-validate in ci.yml):

  environments  exactly the ones deploy-env.yml's jobs name for the environments its
                callers pass (<env>-plan and <env>), each deployable from main only, no
                admin bypass; prod (and only prod) has required reviewers and no self-review
  variables     every vars.X a job reads is defined: a repository variable, or a variable
                of every environment that job runs in
  branch rules  the ruleset on the default branch requires pull requests (1 approval, stale
                ones dismissed), linear history, no force push or deletion, up-to-date
                branches, and exactly the status checks pr.yml produces
  OIDC          the sub claim template is repo, context, ref, job_workflow_ref (what the
                trust policies of terraform/bootstrap match)

Usage: github_settings_check.py [REPO_DIR] | --self-test (planted mistakes must be found)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import hcl2
import yaml


def unq(v):
    if isinstance(v, str) and len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    if isinstance(v, dict):
        return {unq(k): unq(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unq(x) for x in v]
    return v


def load_hcl(root: Path) -> dict:
    merged: dict = {"locals": {}, "resource": {}}
    for f in sorted((root / "terraform/github").glob("*.tf")):
        d = unq(hcl2.load(f.open()))
        for block in d.get("locals", []):
            merged["locals"].update(block)
        for block in d.get("resource", []):
            for rtype, by_name in block.items():
                merged["resource"].setdefault(rtype, {}).update(by_name)
    return merged


def workflows(root: Path) -> dict[str, dict]:
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted((root / ".github/workflows").glob("*.yml"))}


def called_environments(wfs: dict) -> set[str]:
    """Values the callers pass as deploy-env.yml's `environment` input."""
    envs = set()
    for name, wf in wfs.items():
        for job in (wf.get("jobs") or {}).values():
            if str(job.get("uses", "")).endswith("deploy-env.yml"):
                value = job["with"]["environment"]
                if "${{" in str(value):  # e.g. rollback.yml: a choice input
                    inp = re.search(r"inputs\.(\w+)", value).group(1)
                    on = wf.get("on") or wf.get(True)
                    envs |= set(on["workflow_dispatch"]["inputs"][inp]["options"])
                else:
                    envs.add(value)
    return envs


def job_environments(job: dict, called: set[str]) -> set[str] | None:
    env = job.get("environment")
    if env is None:
        return None
    name = env["name"] if isinstance(env, dict) else env
    return {name.replace("${{ inputs.environment }}", e) for e in called} if "${{" in name else {name}


def check(root: Path) -> list[str]:
    tf, wfs = load_hcl(root), workflows(root)
    loc, res = tf["locals"], tf["resource"]
    problems: list[str] = []
    called = called_environments(wfs)
    wanted_envs: set[str] = set()
    jobs = [(wf_name, job_id, job) for wf_name, wf in wfs.items() for job_id, job in (wf.get("jobs") or {}).items()]
    for wf_name, job_id, job in jobs:
        envs = job_environments(job, called) if wf_name == "deploy-env.yml" else job_environments(job, set())
        wanted_envs |= envs or set()
    defined = loc.get("environments", {})
    for e in sorted(wanted_envs - set(defined)):
        problems.append(f"environment {e}: the workflows use it, terraform/github does not define it")
    for e in sorted(set(defined) - wanted_envs):
        problems.append(f"environment {e}: defined in terraform/github, used by no workflow")
    for e, c in defined.items():
        if c.get("approval") != (e == "prod"):
            problems.append(f"environment {e}: approval must be {e == 'prod'} (only prod waits for a reviewer)")
    env_res = res.get("github_repository_environment", {}).get("this", {})
    if env_res.get("can_admins_bypass") is not False:
        problems.append("github_repository_environment.this: can_admins_bypass must be false")
    if env_res.get("prevent_self_review") != "${each.value.approval}":
        problems.append("github_repository_environment.this: prevent_self_review must follow approval")
    if "reviewers" not in str(env_res.get("dynamic", "")):
        problems.append("github_repository_environment.this: no reviewers block")
    policy = (env_res.get("deployment_branch_policy") or [{}])[0]
    dep = res.get("github_repository_environment_deployment_policy", {}).get("main_only", {})
    if not (policy.get("custom_branch_policies") is True and policy.get("protected_branches") is False and dep.get("branch_pattern") == "main"
            and dep.get("for_each") == "${local.environments}"):
        problems.append("environments: every one must be deployable from main only (custom branch policy 'main')")

    # variables
    repo_vars = set(loc.get("repository_vars", {}))
    env_vars = {kind: set(v) for kind, v in loc.get("environment_vars", {}).items()}
    for wf_name, job_id, job in jobs:
        used = set(re.findall(r"vars\.(\w+)", yaml.safe_dump(job)))
        envs = job_environments(job, called) if wf_name == "deploy-env.yml" else job_environments(job, set())
        for v in sorted(used - repo_vars):
            if envs and all(v in env_vars.get("plan" if e.endswith("-plan") else "deploy", set()) for e in envs):
                continue
            problems.append(f"{wf_name} job {job_id}: vars.{v} is defined neither for the repository nor for its environment(s) {sorted(envs or [])}")

    # branch rules
    rs = res.get("github_repository_ruleset", {}).get("main", {})
    rules = (rs.get("rules") or [{}])[0]
    pr = (rules.get("pull_request") or [{}])[0]
    checks = (rules.get("required_status_checks") or [{}])[0]
    want = {"enforcement": rs.get("enforcement") == "active", "target branch": rs.get("target") == "branch",
            "default branch": (rs.get("conditions") or [{}])[0].get("ref_name", [{}])[0].get("include") == ["~DEFAULT_BRANCH"],
            "no bypass actors": "bypass_actors" not in rs,
            "no deletion": rules.get("deletion") is True, "no force push": rules.get("non_fast_forward") is True,
            "linear history": rules.get("required_linear_history") is True,
            "1 approval": (pr.get("required_approving_review_count") or 0) >= 1, "stale reviews dismissed": pr.get("dismiss_stale_reviews_on_push") is True,
            "up to date with main": checks.get("strict_required_status_checks_policy") is True}
    problems += [f"ruleset main: {k} not set" for k, ok in want.items() if not ok]
    produced = set()
    pr_wf = wfs.get("pr.yml", {})
    for job_id, job in (pr_wf.get("jobs") or {}).items():
        if str(job.get("uses", "")).endswith("ci.yml"):
            for called_job in wfs["ci.yml"]["jobs"].values():
                produced.add(f"{job.get('name', job_id)} / {called_job['name']}")
    required = set(loc.get("required_checks", []))
    for c in sorted(required - produced):
        problems.append(f"ruleset main: required check {c!r} is produced by no pr.yml job")
    for c in sorted(produced - required):
        problems.append(f"ruleset main: pr.yml's check {c!r} is not required")

    # OIDC
    oidc = res.get("github_actions_repository_oidc_subject_claim_customization_template", {}).get("this", {})
    if oidc.get("use_default") is not False or oidc.get("include_claim_keys") != ["repo", "context", "ref", "job_workflow_ref"]:
        problems.append("oidc.tf: the sub claim must be repo, context, ref, job_workflow_ref (terraform/bootstrap/github-oidc.tf matches it)")
    return problems


PLANTED = [  # (file, text, replacement, what the check must then report)
    ("terraform/github/environments.tf", '"prod"      = { approval = true }', '"prod"      = { approval = false }', "environment prod: approval"),
    ("terraform/github/variables.tf", "    AWS_PR_ROLE_ARN ", "    AWS_PR_ROLE ", "vars.AWS_PR_ROLE_ARN"),
    (".github/workflows/ci.yml", "    name: make test\n", "    name: tests\n", "required check 'checks / make test'"),
    ("terraform/github/oidc.tf", '"context", "ref", "job_workflow_ref"', '"context", "job_workflow_ref"', "oidc.tf"),
    ("terraform/github/environments.tf", '    "int"       = { approval = false }\n', "", "environment int: the workflows use it"),
]


def self_test(root: Path) -> int:
    import shutil
    import tempfile
    missed = []
    for rel, old, new, expect in PLANTED:
        with tempfile.TemporaryDirectory() as tmp:
            for d in ("terraform/github", ".github/workflows"):
                shutil.copytree(root / d, Path(tmp) / d)
            f = Path(tmp) / rel
            text = f.read_text()
            assert old in text, f"self-test fixture out of date: {old!r} not in {rel}"
            f.write_text(text.replace(old, new, 1))
            if not any(expect in p for p in check(Path(tmp))):
                missed.append(expect)
    print(f"github settings check self-test: {len(PLANTED) - len(missed)} of {len(PLANTED)} planted mistakes found" + (f"; missed: {missed}" if missed else ""))
    return 1 if missed else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--self-test"]:
        return self_test(Path(__file__).resolve().parents[2])
    root = Path(argv[0] if argv else Path(__file__).resolve().parents[2])
    problems = check(root)
    for p in problems:
        print(p)
    print(f"github settings check: environments, variables, branch rules, OIDC claim; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
