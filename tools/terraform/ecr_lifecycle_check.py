#!/usr/bin/env python3
"""The ECR lifecycle policy keeps what an environment runs or may roll back to (make tf-check).

Simulates ECR's rule evaluation (lowest rulePriority first; an image a rule selects is
never expired by a lower-priority rule; imageCountMoreThan keeps the newest N it selects,
sinceImagePushed expires older than N days) on a history: 400 builds, one a day, each
tagged with its commit as scripts/image.sh pushes it; every build deployed to dev, every
3rd to int, every 7th to prod, each deployment tagged <env>-<run id> as scripts/deploy.sh
does. Then, RETAIN newest deployments of each environment (what it runs and what it may
roll back to) must still exist.

Usage: ecr_lifecycle_check.py POLICY.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RETAIN = {"dev": 5, "int": 10, "prod": 20}
BUILDS = 400


def history():
    images = []  # {digest, pushed (day), tags}
    deployed = {env: [] for env in RETAIN}
    for day in range(BUILDS):
        img = {"digest": f"sha256:{day:064x}", "pushed": day, "tags": [f"{day:040x}"]}
        for env, every in (("dev", 1), ("int", 3), ("prod", 7)):
            if day % every == 0:
                img["tags"].append(f"{env}-{10000 + day}")
                deployed[env].append(img["digest"])
        images.append(img)
    return images, deployed


def selects(rule: dict, img: dict) -> bool:
    sel = rule["selection"]
    status = sel["tagStatus"]
    if status == "untagged":
        return not img["tags"]
    if status == "tagged":
        prefixes = sel.get("tagPrefixList", [])
        return bool(img["tags"]) and all(any(t.startswith(p) for t in img["tags"]) for p in prefixes)
    return True  # any


def expired(policy: dict, images: list[dict], today: int) -> set[str]:
    taken, gone = set(), set()
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        mine = [i for i in images if i["digest"] not in taken and selects(rule, i)]
        taken |= {i["digest"] for i in mine}
        sel = rule["selection"]
        if sel["countType"] == "imageCountMoreThan":
            newest_first = sorted(mine, key=lambda i: -i["pushed"])
            gone |= {i["digest"] for i in newest_first[sel["countNumber"]:]}
        else:
            gone |= {i["digest"] for i in mine if today - i["pushed"] > sel["countNumber"]}
    return gone


def main(argv: list[str]) -> int:
    policy = json.loads(Path(argv[0]).read_text())
    images, deployed = history()
    gone = expired(policy, images, BUILDS)
    problems = []
    for env, n in RETAIN.items():
        lost = [d for d in deployed[env][-n:] if d in gone]
        if lost:
            problems.append(f"{env}: {len(lost)} of its last {n} deployed images expire (oldest lost: build {int(lost[0][7:], 16)} of {BUILDS}); running: {'expired' if deployed[env][-1] in gone else 'kept'}")
    for p in problems:
        print(p)
    print(f"ECR lifecycle check: {BUILDS} builds, {len(gone)} expire; last {RETAIN} deployments of dev/int/prod {'kept' if not problems else 'NOT all kept'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
