#!/usr/bin/env python3
"""Rehearse the deploy workflows' shell steps in a clean clone (make deploy-check).

Runs .github/workflows/deploy.yml the way a GitHub runner would run its `run:` steps
(bash -eo pipefail, the job's env and working directory, ${{ }} expressions, step and job
outputs), with the `uses:` actions simulated and recording stand-ins for docker, aws and
terraform first on PATH (standin.py, which enforce what the real tools require).
Scenarios:
  first deploy   build, then deploy dev into an account where nothing exists yet
  re-run         the same workflow again on the same commit (ECR tags are immutable)
  design card    `terraform workspace select dev && terraform apply` in terraform/, no input
Also checked here: artifact names that actions/upload-artifact accepts, and that every
artifact a job downloads was uploaded.

Usage: rehearse.py REPO_DIR
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
VARS = {
    "AWS_REGION": "eu-west-1",
    "AWS_CI_ROLE_ARN": "arn:aws:iam::444444444444:role/hn-reader-ci",
    "ECR_REPOSITORY_URL": "444444444444.dkr.ecr.eu-west-1.amazonaws.com/hn-reader",
    "TF_STATE_BUCKET": "hn-reader-tfstate-444444444444",
}
# actions/upload-artifact refuses these in a name
ARTIFACT_NAME_FORBIDDEN = set('":<>|*?\r\n\\/')
STEP_TIMEOUT = 300


class Failed(Exception):
    pass


def working_tree_commit(repo: Path) -> str:
    """A commit of the working tree as it is (tracked and untracked, not ignored), without touching the index."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp) / "index"))
        run = lambda *a: subprocess.run(["git", "-C", str(repo), *a], env=env, check=True, capture_output=True, text=True).stdout.strip()
        run("read-tree", "HEAD")
        run("add", "-A")
        tree = run("write-tree")
        return run("commit-tree", tree, "-p", "HEAD", "-m", "rehearsal: working tree")


class Runner:
    def __init__(self, repo: Path, work: Path):
        self.work = work
        self.clone = work / "workspace"
        commit = working_tree_commit(repo)
        subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(repo), str(self.clone)], check=True)
        subprocess.run(["git", "-C", str(self.clone), "fetch", "--quiet", str(repo), commit], check=True)
        subprocess.run(["git", "-C", str(self.clone), "checkout", "--quiet", "FETCH_HEAD"], check=True)
        self.state = work / "state"
        self.state.mkdir()
        self.bin = work / "bin"
        self.bin.mkdir()
        for tool in ("docker", "aws", "terraform"):
            (self.bin / tool).symlink_to(HERE / "standin.py")
        self.artifacts = work / "artifacts"
        self.artifacts.mkdir()
        (self.state / "state.json").write_text(json.dumps({"images": {}, "registry": {VARS["ECR_REPOSITORY_URL"]: {}}, "buckets": [], "terraform": {}}))
        self.run_id = 1000

    def env(self) -> dict:
        keep = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TERM", "USER", "TMPDIR")}
        path = os.pathsep.join([str(self.bin), str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
        return dict(keep, PATH=path, REHEARSAL_STATE=str(self.state), CI="true", GITHUB_ACTIONS="true",
                    GITHUB_WORKSPACE=str(self.clone), RUNNER_TEMP=str(self.work / "runner-temp"), GITHUB_RUN_ID=str(self.run_id))

    # ---- expressions ----
    def expand(self, text, ctx: dict):
        if not isinstance(text, str):
            return text

        def value(m):
            expr = m.group(1).strip()
            parts = expr.split(".")
            cur = ctx
            for p in parts:
                if not isinstance(cur, dict) or p not in cur:
                    raise Failed(f"expression ${{{{ {expr} }}}} has no value here")
                cur = cur[p]
            return str(cur)

        return re.sub(r"\$\{\{(.*?)\}\}", value, text)

    # ---- jobs ----
    def run_job(self, name: str, job: dict, ctx: dict, log: list[str]) -> dict:
        env = self.env()
        (self.work / "runner-temp").mkdir(exist_ok=True)
        env.update({k: self.expand(v, ctx) for k, v in (job.get("env") or {}).items()})
        workdir = ((job.get("defaults") or {}).get("run") or {}).get("working-directory", ".")
        ctx = dict(ctx, steps={}, env=env)
        for i, step in enumerate(job["steps"]):
            label = step.get("name") or step.get("uses") or f"step {i}"
            step_env = dict(env, **{k: self.expand(v, ctx) for k, v in (step.get("env") or {}).items()})
            outputs: dict[str, str] = {}
            if "uses" in step:
                self.action(step, ctx, step_env, outputs, env)
            else:
                out_file = self.work / f"output-{name}-{i}"
                out_file.write_text("")
                step_env.update(GITHUB_OUTPUT=str(out_file), GITHUB_STEP_SUMMARY=str(self.work / "summary.md"))
                script = self.work / f"step-{name}-{i}.sh"
                script.write_text(self.expand(step["run"], ctx))
                cwd = self.clone / self.expand(step.get("working-directory", workdir), ctx)
                try:
                    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=step_env,
                                          capture_output=True, text=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
                except subprocess.TimeoutExpired:
                    raise Failed(f"{name}: step '{label}' did not finish in {STEP_TIMEOUT} s")
                log.append(f"--- {name}: {label} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
                if proc.returncode != 0:
                    raise Failed(f"{name}: step '{label}' failed (exit {proc.returncode}):\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
                for line in out_file.read_text().splitlines():
                    if "=" in line:
                        k, v = line.split("=", 1)
                        outputs[k] = v
            if "id" in step:
                ctx["steps"][step["id"]] = {"outputs": outputs}
        return {k: self.expand(v, ctx) for k, v in (job.get("outputs") or {}).items()}

    def action(self, step: dict, ctx: dict, step_env: dict, outputs: dict, job_env: dict) -> None:
        uses = step["uses"].split("@")[0]
        with_ = {k: self.expand(v, ctx) for k, v in (step.get("with") or {}).items()}
        if uses == "docker/setup-buildx-action":
            job_env["REHEARSAL_BUILDX"] = "docker-container"  # buildx's default driver, now the current builder
        elif uses == "aws-actions/configure-aws-credentials":
            job_env.update(AWS_REGION=with_["aws-region"], AWS_ACCESS_KEY_ID="ASIAREHEARSAL", AWS_SECRET_ACCESS_KEY="x", AWS_SESSION_TOKEN="x")
        elif uses == "actions/upload-artifact":
            name = with_["name"]
            bad = sorted(set(name) & ARTIFACT_NAME_FORBIDDEN)
            if bad:
                raise Failed(f"upload-artifact refuses the name {name!r}: it contains {bad}")
            src = self.clone / with_["path"]
            if not src.exists() or not any(src.iterdir()):
                raise Failed(f"upload-artifact: no files at {with_['path']} (if-no-files-found: error)")
            shutil.copytree(src, self.artifacts / name, dirs_exist_ok=True)
        elif uses == "actions/download-artifact":
            name = with_["name"]
            if not (self.artifacts / name).exists():
                raise Failed(f"download-artifact: no artifact named {name!r} was uploaded")
            shutil.copytree(self.artifacts / name, self.clone / with_.get("path", "."), dirs_exist_ok=True)
        elif uses in ("actions/checkout", "hashicorp/setup-terraform", "actions/setup-python", "actions/setup-node"):
            pass
        else:
            raise Failed(f"the rehearsal does not know the action {uses}: teach it (tools/workflow-rehearsal/rehearse.py)")

    def run_workflow(self, wf_path: Path, log: list[str], inputs: dict | None = None) -> dict:
        wf = yaml.safe_load(wf_path.read_text())
        results: dict[str, dict] = {}
        base = {"vars": VARS, "github": {"run_id": str(self.run_id), "sha": "rehearsal", "workspace": str(self.clone)}, "secrets": {},
                "runner": {"temp": str(self.work / "runner-temp")}}
        for name, job in wf["jobs"].items():
            ctx = dict(base, inputs=inputs or {}, needs={n: {"outputs": results[n]} for n in as_list(job.get("needs")) if n in results})
            if "uses" in job:
                if name not in self.environments:
                    continue
                called = self.clone / job["uses"]
                with_ = {k: self.expand(v, ctx) for k, v in (job.get("with") or {}).items()}
                results[name] = self.run_workflow(called, log, with_)
            else:
                results[name] = self.run_job(name, job, ctx, log)
        return results


def as_list(v):
    return [] if v is None else [v] if isinstance(v, str) else list(v)


def main(argv: list[str]) -> int:
    repo = Path(argv[0]).resolve()
    work = Path(tempfile.mkdtemp(prefix="workflow-rehearsal-"))
    log: list[str] = []
    ok = False
    try:
        r = Runner(repo, work)
        r.environments = {"dev"}
        wf = r.clone / ".github/workflows/deploy.yml"
        first = r.run_workflow(wf, log)
        digest = first["build"]["digest"]
        print(f"PASS first deploy: build pushed {digest}, dev deployed")
        r.run_id += 1
        again = r.run_workflow(wf, log)
        if again["build"]["digest"] != digest:
            raise Failed(f"re-run on the same commit gave another digest: {again['build']['digest']} != {digest}")
        print("PASS re-run on the same commit: same digest, dev deployed again")
        env = dict(r.env(), TF_INPUT="0")
        card = subprocess.run(["bash", "-eo", "pipefail", "-c", "terraform workspace select dev && terraform apply -auto-approve"],
                              cwd=r.clone / "terraform", env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
        if card.returncode != 0:
            raise Failed(f"design card `terraform workspace select dev && terraform apply` failed:\n{card.stdout}{card.stderr}")
        print("PASS design card: terraform workspace select dev && terraform apply needs no input")
        ok = True
    except Failed as e:
        print(f"FAIL {e}")
        (work / "rehearsal.log").write_text("\n".join(log))
        print(f"(step logs: {work / 'rehearsal.log'})")
    finally:
        if ok:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
