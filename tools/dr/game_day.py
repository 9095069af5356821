#!/usr/bin/env python3
"""The game-day drill (make dr-drill, scheduled by .github/workflows/dr-drill.yml against int):
take the primary region away and measure what users see, against the stated objectives.

  1. baseline: GET / and POST /api/stories-html (the Reload server function) answer 200;
  2. the primary's service loses every task: its scalable target is set to 0..0
     (Application Auto Scaling drains it; the ALB then answers 503, CloudFront's origin group
     fails GETs over, the region's health alarm turns Route 53's failover record);
  3. every PROBE seconds until the primary has no task and POST has answered 200 three times
     in a row since (at most the POST objective + SLACK): GET / and POST, counting failures;
  4. always: the scalable target back to what it was, and the primary's tasks running again.
Passes when no GET failed (the origin group's promise) and POST was unavailable no longer
than the stated region_loss_post_seconds + SLACK (Route 53's polling of the alarm, which no
setting states). Writes a Markdown report to --summary.

Credentials: the environment's deploy role (scripts/dr-drill.sh assumes it).
Usage: game_day.py --regions FILE --objectives FILE --url URL [--summary FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

PROBE = float(os.environ.get("GAME_DAY_PROBE_SECONDS", "5"))  # the rehearsal probes faster
SLACK = 60
RESTORE_LIMIT = 600
POST_BODY = b"kind=Top"


def aws(*args: str) -> dict:
    out = subprocess.run(["aws", *args, "--output", "json"], capture_output=True, text=True, timeout=60, check=True).stdout
    return json.loads(out) if out.strip() else {}


def status(url: str, post: bool = False) -> int:
    req = urllib.request.Request(url, data=POST_BODY if post else None, method="POST" if post else "GET",
                                 headers={"User-Agent": "hn-reader-game-day/1", "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


class Primary:
    def __init__(self, region: dict):
        self.region = region["region"]
        self.cluster, self.service = region["ecs_cluster_name"], region["ecs_service_name"]
        self.resource = f"service/{self.cluster}/{self.service}"

    def capacity(self) -> tuple[int, int]:
        t = aws("application-autoscaling", "describe-scalable-targets", "--region", self.region, "--service-namespace", "ecs",
                "--resource-ids", self.resource)["ScalableTargets"][0]
        return int(t["MinCapacity"]), int(t["MaxCapacity"])

    def set_capacity(self, low: int, high: int) -> None:
        aws("application-autoscaling", "register-scalable-target", "--region", self.region, "--service-namespace", "ecs",
            "--resource-id", self.resource, "--scalable-dimension", "ecs:service:DesiredCount",
            "--min-capacity", str(low), "--max-capacity", str(high))

    def running(self) -> int:
        return int(aws("ecs", "describe-services", "--region", self.region, "--cluster", self.cluster, "--services", self.service)["services"][0]["runningCount"])


def drill(regions: dict, objectives: dict, url: str) -> tuple[bool, list[str]]:
    base = url.rstrip("/")
    if "standby" not in regions:
        return False, ["the workspace has no standby region: nothing to fail over to"]
    post_budget = objectives["region_loss_post_seconds"]
    report = [f"Primary {regions['primary']['region']}, standby {regions['standby']['region']}; stated: GET {objectives['region_loss_get_seconds']} s per request, POST {post_budget} s (+{SLACK} s Route 53 polling)"]
    if status(base + "/") != 200 or status(base + "/api/stories-html", post=True) != 200:
        return False, report + ["baseline: GET / or POST /api/stories-html does not answer 200; no drill"]
    primary = Primary(regions["primary"])
    low, high = primary.capacity()
    get_fail = posts_ok_after_down = 0
    t0, down, post_first_fail, post_back = time.monotonic(), None, None, None
    try:
        primary.set_capacity(0, 0)
        report.append(f"primary scaled from {low}..{high} to 0..0")
        while time.monotonic() - t0 < post_budget + SLACK + 300 and not (down and posts_ok_after_down >= 3):
            now = time.monotonic() - t0
            if status(base + "/") != 200:
                get_fail += 1
            ok = status(base + "/api/stories-html", post=True) == 200
            if not ok and post_first_fail is None:
                post_first_fail = now
            if ok and post_first_fail is not None and post_back is None:
                post_back = now
            if down is None and primary.running() == 0:
                down = now
            if down is not None:
                posts_ok_after_down = posts_ok_after_down + 1 if ok else 0
                if not ok:
                    post_back = None
            time.sleep(PROBE)  # the probes' pace; the loop is bounded by the budget above
    finally:
        primary.set_capacity(low, high)
        deadline = time.monotonic() + RESTORE_LIMIT
        while primary.running() < low and time.monotonic() < deadline:
            time.sleep(15)  # ECS starting tasks; bounded by RESTORE_LIMIT
        restored = primary.running() >= low
        report.append(f"primary restored to {low}..{high}: {'running' if restored else 'NOT running after ' + str(RESTORE_LIMIT) + ' s'}")
    outage = 0.0 if post_first_fail is None else ((post_back if post_back is not None else time.monotonic() - t0) - post_first_fail)
    report.append(f"primary without tasks after {down:.0f} s" if down is not None else "the primary never lost its tasks")
    report.append(f"GET /: {get_fail} failed probes (want 0)")
    report.append(f"POST /api/stories-html unavailable for {outage:.0f} s (want <= {post_budget + SLACK} s)")
    ok = down is not None and get_fail == 0 and outage <= post_budget + SLACK and restored
    return ok, report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", required=True)
    ap.add_argument("--objectives", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--summary")
    a = ap.parse_args()
    with open(a.regions) as r, open(a.objectives) as o:
        ok, report = drill(json.load(r), json.load(o), a.url)
    text = "### Game day: primary region lost\n" + "\n".join(f"- {line}" for line in report) + f"\n\n**{'passed' if ok else 'FAILED'}**\n"
    print(text)
    if a.summary:
        with open(a.summary, "a") as f:
            f.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
