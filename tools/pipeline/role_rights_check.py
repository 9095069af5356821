#!/usr/bin/env python3
"""What each GitHub role of the tooling account may do, checked on the policies IAM holds
(make tf-emulated reads them from moto after applying terraform/bootstrap; issue 12, row 6).

The trust side (who may take a role) is tools/pipeline/trust_policy_test.py. This is the
other side: every (action, resource) that an Allow statement of a role's inline policies
grants must fall inside that role's envelope below, and no role has a managed policy
attached. So the build job holds ECR push rights and nothing else, and a job can reach an
environment's account only through that environment's own plan or deploy role.

Usage: role_rights_check.py ROLES.json   ({role: {"inline": [policy, ...], "attached": [arn, ...]}})
       role_rights_check.py --self-test  (planted mistakes must be found)
"""

from __future__ import annotations

import copy
import fnmatch
import json
import sys
from pathlib import Path

TOOLING = "444444444444"  # modules/settings var.tooling
ACCOUNTS = {"dev": "111111111111", "int": "222222222222", "prod": "333333333333"}
REGION = "eu-west-1"
ECR = f"arn:aws:ecr:{REGION}:{TOOLING}:repository/hn-reader"
# The release repository's replica in the standby region (bootstrap/ecr-replication.tf).
ECR_REPLICA = f"arn:aws:ecr:eu-central-1:{TOOLING}:repository/hn-reader"
STATE = f"arn:aws:s3:::hn-reader-tfstate-{TOOLING}"
TOOLING_KEY = f"arn:aws:kms:{REGION}:{TOOLING}:key/*"
EVENTS = f"arn:aws:logs:{REGION}:{TOOLING}:log-group:/hn-reader/pipeline/events"
JOBS = f"arn:aws:logs:{REGION}:{TOOLING}:log-group:/hn-reader/pipeline/jobs"
ECR_PUSH = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
            "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"]
ECR_AUTH = [("ecr:GetAuthorizationToken", "*")]


def state_of(env: str) -> list[str]:
    key = f"{STATE}/env:/{env}/hn-reader/terraform.tfstate"
    return [key, f"{key}.tflock"]


def env_envelope(env: str, kind: str) -> list[tuple[str, str]]:
    """<env>'s plan or deploy role: its own state, its own saved plans, its own account's role."""
    key, lock = state_of(env)
    common = [("s3:ListBucket", STATE), *[(a, TOOLING_KEY) for a in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")],
              *[(a, f"arn:aws:iam::{ACCOUNTS[env]}:role/hn-reader-{kind}") for a in ("sts:AssumeRole", "sts:TagSession")]]
    if kind == "plan":
        return common + [("s3:GetObject", key), *[(a, lock) for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")],
                         ("s3:PutObject", f"{STATE}/plans/{env}/*")]
    return common + [*[(a, r) for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject") for r in (key, lock)],
                     ("s3:GetObject", f"{STATE}/plans/{env}/*"),
                     *[(a, ECR) for a in ("ecr:BatchGetImage", "ecr:PutImage", "ecr:DescribeImages")],
                     # the digest in the standby's replica; pulling it to mirror into the second cloud
                     ("ecr:DescribeImages", ECR_REPLICA),
                     *[(a, ECR) for a in ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer")],
                     *[(a, f"{EVENTS}:log-stream:{env}-*") for a in ("logs:CreateLogStream", "logs:PutLogEvents")]]


def drill_envelope(env: str) -> list[tuple[str, str]]:
    """The game day's role (dr-drill.yml): read <env>'s state, take its deploy role, log the drill."""
    return [("s3:GetObject", state_of(env)[0]), ("s3:ListBucket", STATE), ("kms:Decrypt", TOOLING_KEY),
            *[(a, f"arn:aws:iam::{ACCOUNTS[env]}:role/hn-reader-deploy") for a in ("sts:AssumeRole", "sts:TagSession")],
            *[(a, f"{EVENTS}:log-stream:{env}-drill-*") for a in ("logs:CreateLogStream", "logs:PutLogEvents")]]


# role => the (action, resource) pairs it may be granted; a granted resource must be one of
# these patterns (or narrower: a pattern the envelope's pattern covers).
ENVELOPES: dict[str, list[tuple[str, str]]] = {
    "hn-reader-build": ECR_AUTH + [(a, r) for a in ECR_PUSH for r in (ECR, f"{ECR}-ci")],
    "hn-reader-pr": ECR_AUTH + [(a, f"{ECR}-pr") for a in ECR_PUSH] + [
        ("s3:GetObject", state_of("dev")[0]), *[(a, state_of("dev")[1]) for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")],
        ("s3:ListBucket", STATE), *[(a, TOOLING_KEY) for a in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")],
        *[(a, f"arn:aws:iam::{ACCOUNTS['dev']}:role/hn-reader-plan") for a in ("sts:AssumeRole", "sts:TagSession")]],
    "hn-reader-pipeline-logs": [(a, r) for a in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams") for r in (JOBS, f"{JOBS}:log-stream:*")],
    **{f"hn-reader-{e}-{k}": env_envelope(e, k) for e in ACCOUNTS for k in ("plan", "deploy")},
    "hn-reader-int-drill": drill_envelope("int"),
}


def as_list(v) -> list:
    return v if isinstance(v, list) else [v]


def problems(roles: dict[str, dict]) -> list[str]:
    found = []
    for role in sorted(set(ENVELOPES) - set(roles)):
        found.append(f"{role}: not found (every GitHub role must be checked)")
    for role, got in sorted(roles.items()):
        envelope = ENVELOPES.get(role)
        if envelope is None:
            found.append(f"{role}: a GitHub role this check does not know; give it an envelope in tools/pipeline/role_rights_check.py")
            continue
        for arn in got.get("attached", []):
            found.append(f"{role}: managed policy {arn} attached (only the reviewed inline policy may grant)")
        for doc in got.get("inline", []):
            for st in as_list(doc["Statement"]):
                if st["Effect"] != "Allow":
                    continue
                if "NotAction" in st or "NotResource" in st:
                    found.append(f"{role}: NotAction/NotResource in {st.get('Sid', '?')} grants more than it names")
                    continue
                for action in as_list(st["Action"]):
                    for resource in as_list(st["Resource"]):
                        # the grant must be covered: same action, and a resource the envelope's pattern matches
                        if not any(action == a and fnmatch.fnmatchcase(resource, r) for a, r in envelope):
                            found.append(f"{role}: {st.get('Sid', '?')} grants {action} on {resource}, outside its envelope")
    return found


def planted_roles() -> dict[str, dict]:
    """The roles as terraform/bootstrap writes them: the envelopes themselves, as policies."""
    return {role: {"inline": [{"Version": "2012-10-17", "Statement": [{"Sid": f"S{i}", "Effect": "Allow", "Action": a, "Resource": r}
                                                                      for i, (a, r) in enumerate(env)]}], "attached": []}
            for role, env in ENVELOPES.items()}


PLANTED = [  # (what, mutation of the roles, text the check must report)
    ("build role assumes the prod deploy role", lambda r: r["hn-reader-build"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNTS['prod']}:role/hn-reader-deploy"}), "hn-reader-build: X grants sts:AssumeRole"),
    ("build role reads the state", lambda r: r["hn-reader-build"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{STATE}/*"]}), "hn-reader-build: X grants s3:GetObject"),
    ("build role pushes anywhere", lambda r: r["hn-reader-build"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}), "hn-reader-build: X grants ecr:PutImage on *"),
    ("build role with a managed policy", lambda r: r["hn-reader-build"]["attached"].append("arn:aws:iam::aws:policy/PowerUserAccess"), "managed policy"),
    ("dev deploy role assumes prod's", lambda r: r["hn-reader-dev-deploy"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNTS['prod']}:role/hn-reader-deploy"}), "hn-reader-dev-deploy: X"),
    ("prod plan role assumes prod's deploy role", lambda r: r["hn-reader-prod-plan"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNTS['prod']}:role/hn-reader-deploy"}), "hn-reader-prod-plan: X"),
    ("pr role reads int's state", lambda r: r["hn-reader-pr"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "Action": "s3:GetObject", "Resource": state_of("int")[0]}), "hn-reader-pr: X"),
    ("int deploy role reads prod's saved plans", lambda r: r["hn-reader-int-deploy"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{STATE}/plans/*"}), "hn-reader-int-deploy: X"),
    ("NotAction", lambda r: r["hn-reader-pipeline-logs"]["inline"][0]["Statement"].append(
        {"Sid": "X", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "NotAction"),
    ("a role missing", lambda r: r.pop("hn-reader-int-plan"), "hn-reader-int-plan: not found"),
    ("an unknown role", lambda r: r.setdefault("hn-reader-staging-deploy", {"inline": [], "attached": []}), "does not know"),
]


def self_test() -> int:
    base = planted_roles()
    if problems(base):
        print(f"role rights self-test: the envelopes as policies are refused: {problems(base)}")
        return 1
    missed = []
    for what, mutate, expect in PLANTED:
        roles = copy.deepcopy(base)
        mutate(roles)
        if not any(expect in p for p in problems(roles)):
            missed.append(what)
    print(f"role rights self-test: {len(PLANTED) - len(missed)} of {len(PLANTED)} planted mistakes found" + (f"; missed: {missed}" if missed else ""))
    return 1 if missed else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--self-test"]:
        return self_test()
    found = problems(json.loads(Path(argv[0]).read_text()))
    for p in found:
        print(p)
    print(f"role rights: {len(ENVELOPES)} GitHub roles within their envelopes; {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
