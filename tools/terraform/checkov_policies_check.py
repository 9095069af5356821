#!/usr/bin/env python3
"""The repo's checkov graph policies (terraform/checkov/*.yaml) fail what they must.

checkov (with --external-checks-dir terraform/checkov) runs on the fixtures of
tools/terraform/checkov-fixtures: in fail/, each resource named ckv2_hnr_<n>[_...] must
fail policy CKV2_HNR_<n>, and every policy must fail at least one resource; in pass/
no policy may fail. A policy that checkov cannot load, or that passes what it should
catch, fails here.

Usage: checkov_policies_check.py CHECKOV POLICY_DIR FIXTURE_DIR
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    checkov, policy_dir, fixtures = argv[0], Path(argv[1]), Path(argv[2])
    ids = sorted(re.search(r'id: "([^"]+)"', p.read_text()).group(1) for p in policy_dir.glob("*.yaml"))
    if not ids:
        print(f"no policies in {policy_dir}")
        return 1
    env = dict(os.environ, CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false", BC_SKIP_MAPPING="TRUE")
    results: dict[str, list[tuple[str, str]]] = {}  # fixture -> (check id, resource) failed
    passed = 0
    for case in ("fail", "pass"):
        proc = subprocess.run([checkov, "-d", str(fixtures / case), "--framework", "terraform", "--skip-download",
                               "--external-checks-dir", str(policy_dir), "-c", ",".join(ids), "-o", "json"],
                              capture_output=True, text=True, env=env, timeout=300)
        reports = json.loads(proc.stdout)
        reports = reports if isinstance(reports, list) else [reports]
        results[case] = [(c["check_id"], c["resource"]) for r in reports for c in r.get("results", {}).get("failed_checks", [])]
        passed += sum(len(r.get("results", {}).get("passed_checks", [])) for r in reports)
    problems = []
    failed = set(results["fail"])
    expected = set()
    for rtype, name in re.findall(r'^resource "([^"]+)" "(ckv2_hnr_[^"]+)"', (fixtures / "fail" / "main.tf").read_text(), re.M):
        check = "CKV2_HNR_" + re.match(r"ckv2_hnr_(\d+)", name).group(1)
        expected.add((check, f"{rtype}.{name}"))
    for check, resource in sorted(expected - failed):
        problems.append(f"{check} does not fail {resource} (fixtures/fail)")
    for check, resource in sorted(failed - expected):
        problems.append(f"{check} fails {resource}, which breaks no rule (fixtures/fail)")
    for check in ids:
        if not any(c == check for c, _ in expected):
            problems.append(f"{check} has no failing fixture in fixtures/fail")
    for check, resource in results["pass"]:
        problems.append(f"{check} fails {resource} (fixtures/pass)")
    for p in problems:
        print(p)
    print(f"checkov policies: {len(ids)} policies, {len(expected)} failing fixtures caught, {passed} passes; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
