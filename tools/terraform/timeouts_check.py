#!/usr/bin/env python3
"""Every wait of a first apply ends before the deploy job's time limit (make tf-check).

A job killed by its timeout leaves the Terraform state locked. So each resource that waits
(a create or update timeout, in the table below with the provider's default, hashicorp/aws
5.x docs) must wait at most the job's timeout-minutes (.github/workflows/deploy-env.yml)
less MARGIN for the rest of the job; the effective timeout is its `timeouts` block, or the
provider's default.

Usage: timeouts_check.py TERRAFORM_DIR WORKFLOW
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import hcl2
import yaml

MARGIN = 15  # minutes: init, the asset sync, the other resources, CodeDeploy's own bound
# type: {operation: default minutes}; "wait_for_deployment" marks CloudFront's fixed wait.
DEFAULTS = {
    "aws_acm_certificate_validation": {"create": 75},
    "aws_cloudfront_distribution": {"create": 90, "update": 90, "wait_for_deployment": True},
    "aws_ecs_service": {"create": 20, "update": 20},
    "aws_lb": {"create": 10, "update": 10},
    "aws_nat_gateway": {"create": 10, "update": 10},
    "aws_route53_record": {"create": 30, "update": 30},
    "aws_vpc_endpoint": {"create": 10, "update": 10},
}


def minutes(v: str) -> float:
    total = 0.0
    for n, unit in re.findall(r"(\d+(?:\.\d+)?)([hms])", v):
        total += float(n) * {"h": 60, "m": 1, "s": 1 / 60}[unit]
    return total


def unquote(s):
    s = str(s)
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def main(argv: list[str]) -> int:
    job = yaml.safe_load(Path(argv[1]).read_text())["jobs"]["deploy"]["timeout-minutes"]
    limit = job - MARGIN
    problems, checked = [], 0
    # The root and its local modules (modules/region holds the ECS service and certificates).
    for f in sorted(p for p in Path(argv[0]).rglob("*.tf") if ".terraform" not in p.parts):
        for block in hcl2.loads(f.read_text()).get("resource", []):
            for rtype, named in block.items():
                rtype = unquote(rtype)
                if rtype not in DEFAULTS:
                    continue
                for name, body in named.items():
                    name = unquote(name)
                    d = DEFAULTS[rtype]
                    if d.get("wait_for_deployment") and str(body.get("wait_for_deployment", True)).lower() == "false":
                        continue
                    set_ = {k: minutes(unquote(v)) for t in body.get("timeouts", []) for k, v in t.items() if k in ("create", "update")}
                    for op in ("create", "update"):
                        if op not in d:
                            continue
                        checked += 1
                        m = set_.get(op, d[op])
                        if m > limit:
                            how = "its timeouts block" if op in set_ else "the provider's default"
                            problems.append(f"{f.relative_to(argv[0])}: {rtype}.{name} may wait {m:g} min on {op} ({how}), more than the deploy job's {job} min less {MARGIN}")
    for p in problems:
        print(p)
    print(f"timeouts check: {checked} waits, each at most {limit} min (job {job} min); {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
