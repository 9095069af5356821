#!/usr/bin/env python3
"""IAM checks on rendered policies (make tf-emulated runs it on what it applied).

  actions   every action (and wildcard) in every policy exists in policy_sentry's offline
            copy of the AWS Service Authorization Reference;
  coverage  the deploy role allows every call of terraform/deploy-role/required-actions.toml
            for every resource type the main root declares, evaluated the way IAM does:
            explicit Deny wins, Resource and NotResource patterns, and the condition
            operators the policies use, with the request context of that call (at creation
            the resource has no tags yet, the request carries them; iam:PassedToService,
            iam:PermissionsBoundary, iam:AWSServiceName, aws:RequestedRegion). A type the
            table lacks fails;
  boundary  every grant of the stack's roles (the main root's inline role policies: task,
            execution, CodeDeploy, flow logs) is inside their permissions boundary
            (terraform/deploy-role/boundary.tf); IAM denies a grant outside it at run time,
            so e.g. a task role allowed to read a record the boundary leaves out fails on AWS.

Usage: iam_check.py INPUT.json   (written by tools/terraform/emulated.py:
  {"policies": [{"name", "document"}...], "deploy_role": [documents], "declared_types": [...],
   "types": {type with instances in the workspace: [regions]}, "env", "account", "region",
   "names": {region: its stack's name prefix}, "zone", "boundary_arn", "tags": {k: v},
   "stack_role_policies": [{"name", "document"}...], "boundary": document})
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
import tomllib
from pathlib import Path

from policy_sentry.querying.all import get_all_actions

TABLE = Path(__file__).resolve().parents[2] / "terraform/deploy-role/required-actions.toml"
GLOBAL = {"iam": ("", True), "s3": ("", False), "route53": ("", False), "cloudfront": ("", True)}  # service: (region, has account)


def as_list(v):
    return [] if v is None else [v] if isinstance(v, str) else list(v)


def statements(doc: dict) -> list[dict]:
    return as_list(doc.get("Statement")) if isinstance(doc.get("Statement"), list) else [doc["Statement"]]


# ---------------------------------------------------------------------------

def check_actions(policies: list[dict]) -> list[str]:
    known = {a.lower() for a in get_all_actions()}
    problems = []
    for p in policies:
        for st in statements(p["document"]):
            for a in as_list(st.get("Action")) + as_list(st.get("NotAction")):
                if a == "*":
                    continue
                pat = a.lower()
                if not any(fnmatch.fnmatchcase(k, pat) for k in known):
                    problems.append(f"{p['name']}: {a} matches no IAM action (policy_sentry database)")
    return problems


# ---------------------------------------------------------------------------

def match(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower().replace("?", "[?]").replace("[?]", "?"))


def condition_holds(op: str, key: str, expected, ctx: dict) -> bool:
    if_exists = op.endswith("IfExists")
    base = op.removesuffix("IfExists")
    values = as_list(expected)
    actual = ctx.get(key)
    if base == "Null":
        return (actual is None) == (str(values[0]).lower() == "true")
    if actual is None:
        return if_exists or base.startswith(("StringNot", "ArnNot"))
    actual_l = as_list(actual)
    if base in ("StringEquals", "ArnEquals"):
        return any(a == v for a in actual_l for v in values)
    if base in ("StringLike", "ArnLike"):
        return any(match(v, a) for a in actual_l for v in values)
    if base in ("StringNotEquals", "ArnNotEquals"):
        return all(a != v for a in actual_l for v in values)
    if base in ("StringNotLike", "ArnNotLike"):
        return not any(match(v, a) for a in actual_l for v in values)
    if base == "Bool":
        return any(str(a).lower() == str(v).lower() for a in actual_l for v in values)
    raise ValueError(f"condition operator {op} not supported by the check: teach it")


def statement_applies(st: dict, action: str, resource: str, ctx: dict) -> bool:
    if "Action" in st and not any(match(a, action) for a in as_list(st["Action"])):
        return False
    if "NotAction" in st and any(match(a, action) for a in as_list(st["NotAction"])):
        return False
    if "Resource" in st and not any(match(r, resource) for r in as_list(st["Resource"])):
        return False
    if "NotResource" in st and any(match(r, resource) for r in as_list(st["NotResource"])):
        return False
    for op, kv in (st.get("Condition") or {}).items():
        for key, expected in kv.items():
            if not condition_holds(op, key, expected, ctx):
                return False
    return True


def allowed(docs: list[dict], action: str, resource: str, ctx: dict) -> tuple[bool, str]:
    allow = None
    for doc in docs:
        for st in statements(doc):
            if statement_applies(st, action, resource, ctx):
                if st["Effect"] == "Deny":
                    return False, f"denied by {st.get('Sid', '?')}"
                allow = allow or st.get("Sid", "?")
    return (True, allow) if allow else (False, "no statement allows it")


def call_context(spec: str, arn_template: str, region: str, inp: dict) -> tuple[str, str, dict]:
    """(action, resource ARN, request context) of one table entry."""
    action, _, qualifier = spec.partition("@")
    action, _, service_arg = action.partition(">")
    svc = action.split(":")[0]
    name = inp.get("names", {}).get(region, f"hn-reader-{inp['env']}")
    subst = {"region": region, "account": inp["account"], "name": name, "env": inp["env"], "zone": inp.get("zone") or "Z0000000000000"}
    fill = lambda s: s.format(**subst)
    resource = fill(arn_template)
    ctx: dict = {"aws:RequestedRegion": region}
    tags = inp["tags"]
    create = qualifier == "create"
    if qualifier == "*":
        resource = "*"
    elif qualifier == "us-east-1":
        ctx["aws:RequestedRegion"] = "us-east-1"
    elif qualifier and not create:
        reg, acct = GLOBAL.get(svc, (region, True))
        acct_part = inp["account"] if acct else ""
        resource = f"arn:aws:{svc}:{reg}:{acct_part}:{fill(qualifier)}"
        if svc == "s3":
            resource = f"arn:aws:s3:::{fill(qualifier)}"
    if create:
        ctx.update({f"aws:RequestTag/{k}": v for k, v in tags.items()})
        ctx["aws:TagKeys"] = list(tags)
    elif resource != "*":
        ctx.update({f"aws:ResourceTag/{k}": v for k, v in tags.items()})
    if action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy"):
        ctx["iam:PermissionsBoundary"] = inp["boundary_arn"]
    if action == "iam:PassRole":
        ctx["iam:PassedToService"] = service_arg
    if action == "iam:CreateServiceLinkedRole":
        ctx["iam:AWSServiceName"] = service_arg
        resource = f"arn:aws:iam::{inp['account']}:role/aws-service-role/{service_arg}/AWSServiceRole"
    return action, resource, ctx


def check_coverage(inp: dict, table: dict) -> tuple[list[str], int]:
    problems, checked = [], 0
    for rtype in sorted(set(inp["declared_types"]) - set(table["types"])):
        problems.append(f"{rtype}: not in {TABLE.name}: add the calls its create, read, update and delete make")
    for rtype, regions in sorted(inp["types"].items()):
        entry = table["types"].get(rtype)
        if entry is None:
            continue
        for region in regions:
            arn = entry.get("arn_us_east_1", entry["arn"]) if region == "us-east-1" else entry["arn"]
            for spec in entry["calls"]:
                action, resource, ctx = call_context(spec, arn, region, inp)
                ok, why = allowed(inp["deploy_role"], action, resource, ctx)
                checked += 1
                if not ok:
                    when = " at creation" if spec.endswith("@create") else ""
                    problems.append(f"{rtype} ({region}): {action}{when} on {resource}: {why}")
    return problems, checked


def check_boundary(inp: dict) -> tuple[list[str], int]:
    """Each (action, resource) an Allow of a stack role names, against the boundary, with the
    request context the statement's own conditions describe."""
    problems, checked = [], 0
    for policy in inp["stack_role_policies"]:
        for st in statements(policy["document"]):
            if st["Effect"] != "Allow":
                continue
            ctx = {key: as_list(values)[0] for op, kv in (st.get("Condition") or {}).items() if op in ("StringEquals", "StringLike", "ArnLike", "ArnEquals")
                   for key, values in kv.items()}
            for action in as_list(st.get("Action")):
                for resource in as_list(st.get("Resource")):
                    parts = resource.split(":")
                    ctx["aws:RequestedRegion"] = parts[3] if len(parts) > 3 and parts[3] else inp["region"]
                    ok, why = allowed([inp["boundary"]], action, resource, ctx)
                    checked += 1
                    if not ok:
                        problems.append(f"{policy['name']}: {action} on {resource} is outside the permissions boundary ({why})")
    return problems, checked


def main(argv: list[str]) -> int:
    inp = json.loads(Path(argv[0]).read_text())
    table = tomllib.loads(TABLE.read_text())
    problems = check_actions(inp["policies"])
    n_actions = sum(len(as_list(s.get("Action")) + as_list(s.get("NotAction"))) for p in inp["policies"] for s in statements(p["document"]))
    coverage, checked = check_coverage(inp, table)
    outside, bounded = check_boundary(inp)
    problems += coverage + outside
    for p in problems:
        print(p)
    print(f"iam check ({inp['env']}): {n_actions} actions in {len(inp['policies'])} policies exist; {len(inp['declared_types'])} declared types in the table; "
          f"{checked} calls of the {len(inp['types'])} types {inp['env']} has checked against the deploy role; "
          f"{bounded} grants of the stack's roles inside their boundary; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
