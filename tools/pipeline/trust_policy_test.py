#!/usr/bin/env python3
"""The GitHub OIDC trust policies (terraform/bootstrap/github-oidc.tf) admit exactly the
intended jobs, evaluated as IAM evaluates AssumeRoleWithWebIdentity.

The policies are rendered from the Terraform code (`terraform console`, offline) into the
JSON given as the first argument. Tokens are built as GitHub builds them: sub from the
repository's claim template (terraform/github/oidc.tf, include_claim_keys). IAM's request
context from a GitHub token holds only aud and sub (AWS takes no custom claims): a
condition on any other key, e.g. :job_workflow_ref, has no value and so never matches.

Usage: trust_policy_test.py POLICIES.json   (make deploy-check)
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "token.actions.githubusercontent.com"
REPO = "example-org/hn-reader"  # modules/settings tooling.github_repo
OIDC_ARN = f"arn:aws:iam::444444444444:oidc-provider/{ISSUER}"
POLICIES: dict[str, dict] = {}


def claim_keys() -> list[str]:
    text = (ROOT / "terraform/github/oidc.tf").read_text()
    return re.findall(r'"(\w+)"', re.search(r"include_claim_keys\s*=\s*\[([^\]]*)\]", text).group(1))


def token(context: str, workflow: str, ref: str, repo: str = REPO, aud: str = "sts.amazonaws.com", run_ref: str | None = None,
          workflow_repo: str | None = None) -> dict:
    """The claims of a job's token. context: ref:refs/heads/main | environment:<name> | pull_request.
    ref: the ref of the workflow file that defines the job (job_workflow_ref); run_ref: the
    run's own ref (claim `ref`), the same unless a workflow calls another at a fixed ref
    (`uses: owner/repo/.github/workflows/x.yml@main` from a pull request's or a branch's run);
    workflow_repo: the repository of that workflow file, the run's own unless another
    repository's run (a fork's) calls ours."""
    claims = {"repo": repo, "context": context, "ref": run_ref or ref, "job_workflow_ref": f"{workflow_repo or repo}/.github/workflows/{workflow}@{ref}", "aud": aud}
    # GitHub writes each key as key:value, but context as its value alone (it starts with its kind)
    sub = ":".join(claims[k] if k == "context" else f"{k}:{claims[k]}" for k in claim_keys())
    return {"aud": aud, "sub": sub, "job_workflow_ref": claims["job_workflow_ref"]}


def request_context(tok: dict) -> dict:
    # What STS puts in the request context from the token: aud and sub only.
    return {f"{ISSUER}:aud": tok["aud"], f"{ISSUER}:sub": tok["sub"]}


def as_list(v):
    return v if isinstance(v, list) else [v]


def condition_holds(op: str, key: str, wanted, ctx: dict) -> bool:
    if key not in ctx:  # no value: every operator but ...IfExists/Null fails
        return op.endswith("IfExists")
    value = ctx[key]
    base = op.removesuffix("IfExists")
    if base == "StringEquals":
        return any(value == w for w in as_list(wanted))
    if base == "StringLike":
        # IAM: * and ? are wildcards, case-sensitive; fnmatch's [ ] are not IAM's, escape them
        return any(fnmatch.fnmatchcase(value, w.replace("[", "[[]")) for w in as_list(wanted))
    raise AssertionError(f"operator {op} not modelled: add it before using it in a trust policy")


def admits(policy: dict, tok: dict, action: str = "sts:AssumeRoleWithWebIdentity", federated: str = OIDC_ARN) -> bool:
    ctx = request_context(tok)
    allowed = False
    for st in as_list(policy["Statement"]):
        if action not in as_list(st.get("Action")) or federated not in as_list(st.get("Principal", {}).get("Federated")):
            continue
        holds = all(condition_holds(op, k, v, ctx) for op, kv in st.get("Condition", {}).items() for k, v in kv.items())
        if holds and st["Effect"] == "Deny":
            return False
        allowed |= holds and st["Effect"] == "Allow"
    return allowed


def roles_admitting(tok: dict) -> set[str]:
    return {r for r, p in POLICIES.items() if admits(p, tok)}


MAIN = "refs/heads/main"
# Every job that holds a role, and the one role it must get.
INTENDED = {
    ("ref:refs/heads/main", "deploy.yml", MAIN): "hn-reader-build",
    ("ref:refs/heads/main", "rollback.yml", MAIN): "hn-reader-build",
    ("ref:refs/heads/main", "ci-image.yml", MAIN): "hn-reader-build",
    ("pull_request", "pr.yml", "refs/pull/42/merge"): "hn-reader-pr",
    ("ref:refs/heads/main", "pipeline-log.yml", MAIN): "hn-reader-pipeline-logs",
    ("pull_request", "pipeline-log.yml", "refs/pull/42/merge"): "hn-reader-pipeline-logs",
    **{(f"environment:{e}", "deploy-env.yml", MAIN): f"hn-reader-{e}-deploy" for e in ("dev", "int", "prod")},
    **{(f"environment:{e}-plan", "deploy-env.yml", MAIN): f"hn-reader-{e}-plan" for e in ("dev", "int", "prod")},
    ("environment:int-drill", "dr-drill.yml", MAIN): "hn-reader-int-drill",
}


class TrustPolicies(unittest.TestCase):
    def test_every_role_is_rendered_and_intended(self):
        self.assertEqual(set(POLICIES), set(INTENDED.values()))

    def test_each_intended_job_gets_exactly_its_role(self):
        for (context, wf, ref), role in INTENDED.items():
            with self.subTest(context=context, workflow=wf):
                self.assertEqual(roles_admitting(token(context, wf, ref)), {role})

    def test_prod_deploy_admits_the_approved_prod_job_only(self):
        prod = POLICIES["hn-reader-prod-deploy"]
        self.assertTrue(admits(prod, token("environment:prod", "deploy-env.yml", MAIN)))
        refused = {
            "another environment (int)": token("environment:int", "deploy-env.yml", MAIN),
            "the unapproved plan environment": token("environment:prod-plan", "deploy-env.yml", MAIN),
            "a branch's copy of deploy-env.yml": token("environment:prod", "deploy-env.yml", "refs/heads/feature"),
            "a tag's copy": token("environment:prod", "deploy-env.yml", "refs/tags/v1"),
            "another workflow in the prod environment": token("environment:prod", "pr.yml", MAIN),
            "a fork": token("environment:prod", "deploy-env.yml", MAIN, repo="mallory/hn-reader"),
            "a fork's run calling this repository's deploy-env.yml@main": token("environment:prod", "deploy-env.yml", MAIN, repo="mallory/hn-reader", workflow_repo=REPO),
            "a look-alike repository": token("environment:prod", "deploy-env.yml", MAIN, repo="example-org/hn-reader-fork"),
            "another audience": token("environment:prod", "deploy-env.yml", MAIN, aud="https://example.com"),
            "a pull request": token("pull_request", "deploy-env.yml", "refs/pull/42/merge"),
            "main without the environment": token("ref:refs/heads/main", "deploy-env.yml", MAIN),
        }
        for why, tok in refused.items():
            with self.subTest(why):
                self.assertFalse(admits(prod, tok))

    def test_environment_roles_refuse_runs_not_on_main_that_call_mains_deploy_env(self):
        # A pull request (or a branch push) may edit its own workflow to call
        # deploy-env.yml@main in an environment: job_workflow_ref and context are then the
        # approved ones, only the run's ref tells it apart. GitHub's deployment branch
        # policy (main only) stops that job too; the trust policy must not rely on it.
        for env in ("dev", "int", "prod"):
            for suffix, kind in (("", "deploy"), ("-plan", "plan")):
                role = POLICIES[f"hn-reader-{env}-{kind}"]
                for why, run_ref in {"a pull request's run": "refs/pull/7/merge", "a branch's run": "refs/heads/feature", "a tag's run": "refs/tags/v1"}.items():
                    with self.subTest(role=f"hn-reader-{env}-{kind}", run=why):
                        self.assertFalse(admits(role, token(f"environment:{env}{suffix}", "deploy-env.yml", MAIN, run_ref=run_ref)))
        build = POLICIES["hn-reader-build"]
        self.assertFalse(admits(build, token("ref:refs/heads/feature", "deploy.yml", MAIN, run_ref="refs/heads/feature")))

    def test_build_role_refuses_branches_forks_and_environments(self):
        build = POLICIES["hn-reader-build"]
        for why, tok in {
            "a branch push": token("ref:refs/heads/feature", "deploy.yml", "refs/heads/feature"),
            "main's context with a branch's workflow": token("ref:refs/heads/main", "deploy.yml", "refs/heads/feature"),
            "a fork's main": token("ref:refs/heads/main", "deploy.yml", MAIN, repo="mallory/hn-reader"),
            "a fork's main calling this repository's deploy.yml@main": token("ref:refs/heads/main", "deploy.yml", MAIN, repo="mallory/hn-reader", workflow_repo=REPO),
            "an environment job": token("environment:dev", "deploy.yml", MAIN),
            "a pull request": token("pull_request", "deploy.yml", "refs/pull/1/merge"),
            "another workflow on main": token("ref:refs/heads/main", "evil.yml", MAIN),
        }.items():
            with self.subTest(why):
                self.assertFalse(admits(build, tok))

    def test_pr_role_admits_pull_requests_of_this_repository_only(self):
        pr = POLICIES["hn-reader-pr"]
        self.assertTrue(admits(pr, token("pull_request", "pr.yml", "refs/pull/7/merge")))
        for why, tok in {
            "a fork's pull request token": token("pull_request", "pr.yml", "refs/pull/7/merge", repo="mallory/hn-reader"),
            "pr.yml pushed on a branch": token("ref:refs/heads/feature", "pr.yml", "refs/heads/feature"),
            "another workflow in a pull request": token("pull_request", "deploy-env.yml", "refs/pull/7/merge"),
            "a dev environment job": token("environment:dev", "pr.yml", "refs/pull/7/merge"),
        }.items():
            with self.subTest(why):
                self.assertFalse(admits(pr, tok))

    def test_no_role_admits_a_job_outside_the_intended_set(self):
        contexts = ["ref:refs/heads/main", "ref:refs/heads/feature", "pull_request", *[f"environment:{e}{s}" for e in ("dev", "int", "prod") for s in ("", "-plan")], "environment:staging"]
        workflows = ["deploy.yml", "deploy-env.yml", "pr.yml", "rollback.yml", "ci-image.yml", "pipeline-log.yml", "ci.yml", "evil.yml"]
        refs = [MAIN, "refs/heads/feature", "refs/pull/3/merge", "refs/tags/v1"]
        intended = {(c, w, r) for (c, w, r0) in INTENDED for r in refs if r == r0 or (r0.startswith("refs/pull/") and r.startswith("refs/pull/"))}
        for repo in (REPO, "mallory/hn-reader"):
            for c in contexts:
                for w in workflows:
                    for r in refs:
                        for run_ref in refs:  # the run's ref: the workflow's own, or a caller's at another ref
                            if repo == REPO and (c, w, r) in intended and run_ref == r:
                                continue
                            with self.subTest(repo=repo, context=c, workflow=w, ref=r, run_ref=run_ref):
                                self.assertEqual(roles_admitting(token(c, w, r, repo=repo, run_ref=run_ref)), set())

    def test_a_condition_on_job_workflow_ref_itself_never_matches(self):
        # Why the workflow is in sub: AWS has no value for custom claims, so this fails closed.
        policy = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": OIDC_ARN},
                                 "Condition": {"StringEquals": {f"{ISSUER}:job_workflow_ref": f"{REPO}/.github/workflows/deploy-env.yml@{MAIN}"}}}]}
        self.assertFalse(admits(policy, token("environment:prod", "deploy-env.yml", MAIN)))

    def test_the_evaluator_refuses_what_iam_refuses(self):
        # Sanity of the model: StringLike is case-sensitive and * spans '/', StringEquals is exact.
        self.assertTrue(condition_holds("StringLike", "k", "repo:a/*", {"k": "repo:a/b/c"}))
        self.assertFalse(condition_holds("StringLike", "k", "repo:A/*", {"k": "repo:a/b"}))
        self.assertFalse(condition_holds("StringEquals", "k", "x", {"k": "x "}))
        self.assertFalse(condition_holds("StringEquals", "k", "x", {}))


if __name__ == "__main__":
    POLICIES.update({k: json.loads(v) for k, v in json.loads(Path(sys.argv.pop(1)).read_text()).items()})
    unittest.main(verbosity=1)
