#!/usr/bin/env python3
"""Disaster-recovery checks over the settings map (make tf-check).

Reads each workspace's settings, regions and recovery objectives from terraform/modules/settings
(terraform console: no provider, no network) and checks:
  * prod has a standby region; every standby is another region, has an ECR replica
    (tooling.ecr_replicas, which terraform/bootstrap replicates into) and a second cloud;
  * the regions' name prefixes are distinct and short enough for ALB target groups
    (<name>-green, 32 characters);
  * the recovery objectives README.md and docs/disaster-recovery.md state, between
    `<!-- recovery-objectives -->` and `<!-- /recovery-objectives -->`, are exactly the table
    this script renders from the settings (`--print` shows it): the figures cannot drift.

Usage: dr_check.py [--print] | dr_check.py --self-test
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "terraform" / "modules" / "settings"
DOCS = [ROOT / "README.md", ROOT / "docs" / "disaster-recovery.md"]
WORKSPACES = ["dev", "int", "prod"]
MARK = re.compile(r"<!-- recovery-objectives -->\n(.*?)<!-- /recovery-objectives -->", re.S)
TARGET_GROUP_NAME_MAX = 32


def read_settings() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TF_DATA_DIR=tmp)
        subprocess.run(["terraform", "init", "-backend=false", "-input=false"], cwd=SETTINGS, env=env, capture_output=True, check=True, timeout=120)
        out = {}
        for ws in WORKSPACES:
            proc = subprocess.run(["terraform", "console"], cwd=SETTINGS, capture_output=True, text=True, timeout=120,
                                  input="jsonencode({ settings = local.current, regions = local.regions, objectives = local.recovery_objectives, failover = var.failover, replicas = local.standby_regions })\n",
                                  env=dict(env, TF_VAR_workspace=ws))
            if proc.returncode != 0:
                sys.exit(f"terraform console on modules/settings ({ws}) failed:\n{proc.stderr}")
            out[ws] = json.loads(json.loads(proc.stdout.strip()))
        return out


def check_regions(data: dict) -> list[str]:
    problems = []
    if not data["prod"]["settings"].get("standby_region"):
        problems.append("prod has no standby_region")
    for ws, d in data.items():
        s, regions = d["settings"], d["regions"]
        names = [r["name"] for r in regions.values()]
        if len(set(names)) != len(names):
            problems.append(f"{ws}: the regions share a name prefix {names}")
        for r in regions.values():
            if len(f"{r['name']}-green") > TARGET_GROUP_NAME_MAX:
                problems.append(f"{ws}: {r['name']}-green is longer than {TARGET_GROUP_NAME_MAX} characters (ALB target group names)")
        standby = s.get("standby_region")
        if standby:
            if standby == s["region"]:
                problems.append(f"{ws}: the standby region is the primary region")
            if standby not in d["replicas"]:
                problems.append(f"{ws}: no ECR replica in {standby} (tooling.ecr_replicas)")
            if set(regions) != {"primary", "standby"}:
                problems.append(f"{ws}: a standby_region but regions are {sorted(regions)}")
        if ws == "prod" and not s.get("second_cloud"):
            problems.append("prod has no second_cloud")
    return problems


def fmt_seconds(v) -> str:
    if v is None:
        return "not covered"
    return f"{v} s" if v < 120 else f"{v} s ({v / 60:g} min)"


def render(data: dict) -> str:
    """The table the docs must carry, one column per workspace."""
    f = data["prod"]["failover"]
    rows = [
        ("Region lost, GET/HEAD (pages, /pkg): CloudFront origin group", "region_loss_get_seconds",
         f"{f['origin_connection_attempts']} tries x {f['origin_connection_timeout']} s connection timeout"),
        ("Region hangs, GET/HEAD: origin group after the read timeout", "region_hang_get_seconds",
         f"origin read timeout {f['origin_read_timeout']} s"),
        ("Region lost, POST server functions (Reload): Route 53 failover record", "region_loss_post_seconds",
         f"health alarm {f['health_alarm_periods']} x {f['health_alarm_period']} s + alias TTL {f['alias_ttl']} s"),
        ("AWS or CloudFront lost: make failover-cloud", "cloud_loss_seconds",
         f"uptime check {f['cloud_uptime_check_period']} s + decision {f['cloud_failover_decision_secs']} s + alias TTL {f['alias_ttl']} s"),
        ("Back from the second cloud: make failback-cloud", "cloud_failback_seconds", f"record TTL {f['cloud_dns_ttl']} s"),
        ("RPO (data lost)", "rpo_seconds", "the app keeps no data"),
    ]
    lines = ["| Failure | " + " | ".join(WORKSPACES) + " | Derived from (modules/settings, variable failover) |",
             "|---|" + "---|" * len(WORKSPACES) + "---|"]
    for label, key, how in rows:
        lines.append(f"| {label} | " + " | ".join(fmt_seconds(data[ws]["objectives"][key]) for ws in WORKSPACES) + f" | {how} |")
    lag = " | ".join(f"{data[ws]['objectives']['release_lag_limit_minutes']} min" for ws in WORKSPACES)
    lines.append(f"| Longest a region may run the previous release (deployment shift + bake + 10) | {lag} | deployment settings |")
    return "\n".join(lines) + "\n"


def check_docs(table: str, docs: dict[str, str]) -> list[str]:
    problems = []
    for name, text in docs.items():
        found = MARK.findall(text)
        if not found:
            problems.append(f"{name}: no <!-- recovery-objectives --> table")
        for t in found:
            if t != table:
                problems.append(f"{name}: the recovery objectives differ from the settings (dr_check.py --print gives the table)")
    return problems


def self_test(data: dict) -> int:
    table = render(data)
    good_doc = {"doc": f"x\n<!-- recovery-objectives -->\n{table}<!-- /recovery-objectives -->\n"}
    broken = []
    no_standby = copy.deepcopy(data)
    no_standby["prod"]["settings"]["standby_region"] = None
    broken.append(("prod without a standby", check_regions(no_standby)))
    long_name = copy.deepcopy(data)
    long_name["prod"]["regions"]["standby"]["name"] = "hn-reader-prod-eu-central-1"
    broken.append(("a standby name too long for target groups", check_regions(long_name)))
    no_replica = copy.deepcopy(data)
    no_replica["prod"]["replicas"] = []
    broken.append(("a standby without an ECR replica", check_regions(no_replica)))
    stale = {"doc": good_doc["doc"].replace("| 6 s |", "| 5 s |", 1)}
    broken.append(("a README figure that differs from the settings", check_docs(table, stale)))
    broken.append(("a README without the table", check_docs(table, {"doc": "nothing"})))
    ok = not check_regions(data) and not check_docs(table, good_doc) and all(p for _, p in broken)
    for what, problems in broken:
        print(f"  {'found' if problems else 'MISSED'}: {what}")
    print(f"dr check self-test: {'the real settings pass, each of ' + str(len(broken)) + ' broken inputs fails' if ok else 'FAILED'}")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    data = read_settings()
    if argv == ["--self-test"]:
        return self_test(data)
    table = render(data)
    if argv == ["--print"]:
        print(table, end="")
        return 0
    docs = {str(p.relative_to(ROOT)): p.read_text() for p in DOCS if p.exists()}
    missing = [str(p.relative_to(ROOT)) for p in DOCS if not p.exists()]
    problems = check_regions(data) + check_docs(table, docs) + [f"{m}: missing" for m in missing]
    for p in problems:
        print(p)
    print(f"dr check: {len(WORKSPACES)} workspaces, {sum(len(d['regions']) for d in data.values())} regional stacks, "
          f"recovery objectives in {len(docs)} documents; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
