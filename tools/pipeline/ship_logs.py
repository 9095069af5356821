#!/usr/bin/env python3
"""make pipeline-logs: the logs of this run's finished jobs into CloudWatch Logs in the
tooling account, /hn-reader/pipeline/jobs, one stream per job:
<commit>/<run id>-<attempt>/<job name>. A stream that exists already was shipped by an
earlier log job of the same run: skipped. GitHub through `gh api` (GH_TOKEN, actions: read),
AWS through the aws CLI (the hn-reader-pipeline-logs role).

Environment: GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_SHA (set by Actions).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time

GROUP = "/hn-reader/pipeline/jobs"
MAX_EVENT = 200_000     # bytes per event (CloudWatch: 256 KiB with overhead)
MAX_BATCH = 900_000     # bytes per PutLogEvents (1 MiB with overhead)


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def jobs(repo: str, run_id: str, attempt: str) -> list[dict]:
    proc = run("gh", "api", "--paginate", f"repos/{repo}/actions/runs/{run_id}/attempts/{attempt}/jobs", "--jq", ".jobs[]")
    if proc.returncode != 0:
        raise SystemExit(f"pipeline-logs: listing the run's jobs failed: {proc.stderr}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def events(text: str, start_ms: int) -> list[dict]:
    out, chunk = [], ""
    for line in text.splitlines(keepends=True):
        if len(chunk) + len(line) > MAX_EVENT and chunk:
            out.append(chunk)
            chunk = ""
        chunk += line[:MAX_EVENT]
    if chunk:
        out.append(chunk)
    return [{"timestamp": start_ms + i, "message": m} for i, m in enumerate(out)]  # in order, one ms apart


def main() -> int:
    repo, run_id = os.environ["GITHUB_REPOSITORY"], os.environ["GITHUB_RUN_ID"]
    attempt, sha = os.environ.get("GITHUB_RUN_ATTEMPT", "1"), os.environ["GITHUB_SHA"]
    shipped = skipped = 0
    for job in jobs(repo, run_id, attempt):
        if job.get("status") != "completed":
            continue
        stream = f"{sha}/{run_id}-{attempt}/" + re.sub(r"[:*]", "-", job["name"])
        create = run("aws", "logs", "create-log-stream", "--log-group-name", GROUP, "--log-stream-name", stream)
        if create.returncode != 0:
            if "ResourceAlreadyExistsException" in create.stderr:
                skipped += 1
                continue
            raise SystemExit(f"pipeline-logs: {stream}: {create.stderr}")
        log = run("gh", "api", f"repos/{repo}/actions/jobs/{job['id']}/logs")
        text = f"job {job['name']} conclusion={job.get('conclusion')} commit={sha} run={run_id}-{attempt}\n" + (log.stdout if log.returncode == 0 else f"(no log: {log.stderr.strip()})\n")
        batch, size = [], 0
        for ev in events(text, int(time.time() * 1000)) + [None]:
            if ev is None or size + len(ev["message"]) > MAX_BATCH:
                if batch:
                    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
                        json.dump(batch, f)
                        f.flush()
                        put = run("aws", "logs", "put-log-events", "--log-group-name", GROUP, "--log-stream-name", stream, "--log-events", f"file://{f.name}")
                    if put.returncode != 0:
                        raise SystemExit(f"pipeline-logs: {stream}: {put.stderr}")
                batch, size = [], 0
            if ev is not None:
                batch.append(ev)
                size += len(ev["message"])
        shipped += 1
    print(f"pipeline-logs: {shipped} job logs shipped to {GROUP}, {skipped} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
