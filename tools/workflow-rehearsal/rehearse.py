#!/usr/bin/env python3
"""Rehearse the workflows in a clean clone (make deploy-check): the pull-request path, the
promotion path and a rollback, the way GitHub runs them.

Jobs run in `needs` order with GitHub's rules (a job runs when its needs succeeded, or when
its `if:` says always(); `if:` expressions are evaluated), reusable workflows are called
with their inputs, `run:` steps run in bash -eo pipefail with the job's env, ${{ }}
expressions, vars (repository ones, and the environment's for a job with an environment:
the names terraform/github defines), step and job outputs. `uses:` actions are simulated:
checkout, artifacts (names upload-artifact accepts; a download needs an upload), and
configure-aws-credentials, which takes a role only if its trust policy admits the job's
OIDC token (sub built from the job's context and the workflow file that defines it, as
tools/pipeline/trust_policy_test.py evaluates it). ci.yml (make test itself) is not re-run:
its result is the scenario's. Recording stand-ins for docker, aws, terraform and gh
(standin.py) enforce what the real tools require; the deployed URLs are local stand-ins
of a deployment (fake_deployment.py) that the smoke test checks.

Scenarios (each asserts what happened, from the stand-ins' records):
  pull request    checks, image pr-<n> pushed and pulled back, plan of dev (not applied),
                  one comment on the pull request, updated on the next push; job logs shipped
  fork            only the checks run: no image, no plan, no AWS role, no comment
  red checks      nothing is built, pushed or applied (pull request, main and rollback)
  promotion       main: build once, the same digest planned, then the saved plan applied in
                  dev, int, prod; prod's deploy waits for approval of the plan shown; smoke
                  test of each URL; deploy events and job logs in the pipeline log groups
  re-run          the same commit again: the same digest
  int broken      int's smoke test fails: prod is neither planned nor applied
  tampered plan   the saved plan changes between plan and deploy: the deploy refuses it
  regions         int and prod: /pkg into both regions' buckets, CodeDeploy primary then
                  standby, a ReleaseRun metric per region
  standby lags    int's standby deployment fails: the promotion stops, only the primary's
                  ReleaseRun moves
  rollback        rollback.yml to the first digest: planned, approved, applied in prod
  game day        dr-drill.yml on its schedule: int's drill role, the primary scaled to 0..0
                  and back to what it was, the report in the job summary; against a
                  deployment without failover (pages fail while the primary is down) it fails,
                  and still restores the primary
  design card     `terraform workspace select dev && terraform apply` in terraform/, no input
Static: every job that pushes or applies needs the checks (ci.yml, same run and commit), and
those checks run clippy -D warnings, cargo deny, checkov, zizmor and hadolint (followed from
ci.yml through the Makefile into the scripts); one concurrency group per environment.

Usage: rehearse.py REPO_DIR TRUST_POLICIES.json
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

import hcl2
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pipeline"))
import trust_policy_test as trust  # noqa: E402

REPO = trust.REPO
ACCOUNTS = {"dev": "111111111111", "int": "222222222222", "prod": "333333333333"}
TOOLING = "444444444444"
ECR = f"{TOOLING}.dkr.ecr.eu-west-1.amazonaws.com/hn-reader"
VARS = {
    "AWS_REGION": "eu-west-1",
    "AWS_BUILD_ROLE_ARN": f"arn:aws:iam::{TOOLING}:role/hn-reader-build",
    "AWS_PR_ROLE_ARN": f"arn:aws:iam::{TOOLING}:role/hn-reader-pr",
    "AWS_PIPELINE_LOGS_ROLE_ARN": f"arn:aws:iam::{TOOLING}:role/hn-reader-pipeline-logs",
    "DEV_PLAN_ROLE_ARN": f"arn:aws:iam::{ACCOUNTS['dev']}:role/hn-reader-plan",
    "ECR_REPOSITORY_URL": ECR,
    "ECR_PR_REPOSITORY_URL": f"{ECR}-pr",
    "ECR_CI_REPOSITORY_URL": f"{ECR}-ci",
    "TF_STATE_BUCKET": f"hn-reader-tfstate-{TOOLING}",
}
# actions/upload-artifact refuses these in a name
ARTIFACT_NAME_FORBIDDEN = set('":<>|*?\r\n\\/')
STEP_TIMEOUT = 300


class Failed(Exception):
    pass


def as_list(v):
    return [] if v is None else [v] if isinstance(v, str) else list(v)


def working_tree_commit(repo: Path) -> str:
    """A commit of the working tree as it is (tracked and untracked, not ignored), without touching the index."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp) / "index"))
        run = lambda *a: subprocess.run(["git", "-C", str(repo), *a], env=env, check=True, capture_output=True, text=True).stdout.strip()
        run("read-tree", "HEAD")
        run("add", "-A")
        return run("commit-tree", run("write-tree"), "-p", "HEAD", "-m", "rehearsal: working tree")


def environment_settings(clone: Path) -> tuple[dict, dict]:
    """terraform/github: environment => approval, and the variables of each kind of environment."""
    loc = {}
    for f in sorted((clone / "terraform/github").glob("*.tf")):
        for block in hcl2.load(f.open()).get("locals", []):
            loc.update(block)
    envs = {k.strip('"'): v["approval"] for k, v in loc["environments"].items()}
    kinds = {kind: {name: v["role"].strip('"') for name, v in names.items()} for kind, names in loc["environment_vars"].items()}
    return envs, kinds


class Runner:
    def __init__(self, repo: Path, work: Path, policies: dict):
        self.work, self.policies = work, policies
        self.clone = work / "workspace"
        commit = working_tree_commit(repo)
        subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(repo), str(self.clone)], check=True)
        subprocess.run(["git", "-C", str(self.clone), "fetch", "--quiet", str(repo), commit], check=True)
        subprocess.run(["git", "-C", str(self.clone), "checkout", "--quiet", "FETCH_HEAD"], check=True)
        self.sha = commit
        self.state = work / "state"
        (self.state / "job-logs").mkdir(parents=True)
        self.bin = work / "bin"
        self.bin.mkdir()
        for tool in ("docker", "aws", "terraform", "gh", "curl"):
            (self.bin / tool).symlink_to(HERE / "standin.py")
        self.artifacts = work / "artifacts"
        self.artifacts.mkdir()
        self.write_state({"images": {}, "registry": {ECR: {}, f"{ECR}-pr": {}}, "buckets": [], "terraform": {}, "jobs": {}})
        self.run_id = 1000
        self.approvals: list[tuple[str, str]] = []
        self.approve = True
        self.checks_result = "success"
        self.assumed: list[tuple[str, str]] = []  # (job, role)
        self.env_approval, self.env_kinds = environment_settings(self.clone)
        self.next_job_id = 1

    def read_state(self) -> dict:
        return json.loads((self.state / "state.json").read_text())

    def write_state(self, st: dict) -> None:
        (self.state / "state.json").write_text(json.dumps(st))

    def env(self) -> dict:
        keep = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TERM", "USER", "TMPDIR", "CARGO_HOME")}
        path = os.pathsep.join([str(self.bin), str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
        return dict(keep, PATH=path, REHEARSAL_STATE=str(self.state), CI="true", GITHUB_ACTIONS="true", GITHUB_REPOSITORY=REPO,
                    GITHUB_SHA=self.sha, GITHUB_WORKSPACE=str(self.clone), RUNNER_TEMP=str(self.work / "runner-temp"),
                    GITHUB_RUN_ID=str(self.run_id), GITHUB_RUN_ATTEMPT="1", SMOKE_ATTEMPTS="1", SMOKE_PAUSE="0",
                    GAME_DAY_PROBE_SECONDS="0.1")

    # ---- expressions ----
    def lookup(self, expr: str, ctx: dict):
        cur = ctx
        parts = expr.split(".")
        for i, p in enumerate(parts):
            if not isinstance(cur, dict) or p not in cur:
                # As GitHub: an output a skipped or failed job did not set is ''. Anything else
                # missing (a variable, an input) is a mistake in the workflow.
                if parts[0] in ("needs", "steps") and i >= 2 and parts[2] == "outputs":
                    return ""
                raise Failed(f"expression ${{{{ {expr} }}}} has no value here")
            cur = cur[p]
        return cur

    def expand(self, text, ctx: dict):
        if not isinstance(text, str):
            return text
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(self.lookup(m.group(1).strip(), ctx)), text)

    def condition(self, expr: str | None, ctx: dict, needs_ok: bool) -> bool:
        if expr is None:
            return needs_ok
        e = expr.strip().removeprefix("${{").removesuffix("}}").strip()
        has_always = "always()" in e
        py = re.sub(r"\balways\(\)", "True", e)
        py = re.sub(r"\b((?:github|needs|inputs|vars|steps)(?:\.[\w-]+)+)", lambda m: repr(self.lookup(m.group(1), ctx)), py)
        py = py.replace("&&", " and ").replace("||", " or ").replace("!", " not ").replace(" not =", "!=")
        value = bool(eval(py, {"__builtins__": {}}, {"True": True}))  # noqa: S307 - the repo's own workflow expressions
        return value and (needs_ok or has_always)

    # ---- jobs ----
    def token_context(self, job: dict, ctx: dict) -> str:
        env = job.get("environment")
        if env:
            return f"environment:{self.expand(env['name'] if isinstance(env, dict) else env, ctx)}"
        return "pull_request" if ctx["github"]["event_name"] == "pull_request" else f"ref:{ctx['github']['ref']}"

    def run_job(self, wf_file: str, name: str, job: dict, ctx: dict, log: list[str]) -> dict:
        env = self.env()
        (self.work / "runner-temp").mkdir(exist_ok=True)
        env_name = None
        if job.get("environment"):
            e = job["environment"]
            env_name = self.expand(e["name"] if isinstance(e, dict) else e, ctx)
            kind = "plan" if env_name.endswith("-plan") else "drill" if env_name.endswith("-drill") else "deploy"
            base = env_name.removesuffix("-plan").removesuffix("-drill")
            if env_name not in self.env_approval:
                raise Failed(f"{wf_file} {name}: environment {env_name} is not defined in terraform/github")
            env_vars = {k: f"arn:aws:iam::{TOOLING if v.startswith('hn-reader-%s') else ACCOUNTS[base]}:role/{v.replace('%s', base)}"
                        for k, v in self.env_kinds[kind].items()}
            ctx = dict(ctx, vars=dict(VARS, **env_vars))
            if self.env_approval[env_name]:
                summary = (self.work / "summary.md").read_text() if (self.work / "summary.md").exists() else ""
                self.approvals.append((env_name, summary))
                if not self.approve:
                    return {"result": "failure", "outputs": {}}
        env.update({k: self.expand(v, ctx) for k, v in (job.get("env") or {}).items()})
        if (job.get("permissions") or {}).get("id-token") == "write":  # as GitHub: the job may request an OIDC token
            env.update(ACTIONS_ID_TOKEN_REQUEST_URL="https://token.actions.rehearsal/?api-version=2.0", ACTIONS_ID_TOKEN_REQUEST_TOKEN="rehearsal")
        ctx = dict(ctx, steps={}, env=env)
        job_log = []
        result = "success"
        try:
            for i, step in enumerate(job["steps"]):
                label = step.get("name") or step.get("uses") or f"step {i}"
                if not self.condition(step.get("if"), ctx, True):
                    continue
                step_env = dict(env, **{k: self.expand(v, ctx) for k, v in (step.get("env") or {}).items()})
                outputs: dict[str, str] = {}
                if "uses" in step:
                    self.action(wf_file, name, job, step, ctx, step_env, outputs, env)
                else:
                    out_file = self.work / f"output-{self.next_job_id}-{i}"
                    out_file.write_text("")
                    step_env.update(GITHUB_OUTPUT=str(out_file), GITHUB_STEP_SUMMARY=str(self.work / "summary.md"))
                    script = self.work / f"step-{self.next_job_id}-{i}.sh"
                    script.write_text(self.expand(step["run"], ctx))
                    cwd = self.clone / self.expand(step.get("working-directory", "."), ctx)
                    try:
                        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=step_env,
                                              capture_output=True, text=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
                    except subprocess.TimeoutExpired:
                        raise Failed(f"{name}: step '{label}' did not finish in {STEP_TIMEOUT} s")
                    job_log.append(f"--- {label} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
                    if proc.returncode != 0:
                        raise Failed(f"{wf_file} {name}: step '{label}' failed (exit {proc.returncode}):\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
                    for line in out_file.read_text().splitlines():
                        if "=" in line:
                            k, v = line.split("=", 1)
                            outputs[k] = v
                if "id" in step:
                    ctx["steps"][step["id"]] = {"outputs": outputs}
        except Failed as e:
            job_log.append(f"FAILED: {e}")
            self.failures.append(str(e))
            result = "failure"
        log += job_log
        # GitHub keeps the job's log: the stand-in gh serves it to the log job.
        job_id = self.next_job_id
        self.next_job_id += 1
        (self.state / "job-logs" / f"{job_id}.log").write_text("\n".join(job_log))
        st = self.read_state()
        st["jobs"].setdefault(str(self.run_id), []).append({"id": job_id, "name": job.get("name") and self.expand(job["name"], ctx) or name,
                                                            "status": "completed", "conclusion": result})
        self.write_state(st)
        outs = {k: self.expand(v, ctx) for k, v in (job.get("outputs") or {}).items()} if result == "success" else {}
        return {"result": result, "outputs": outs}

    def action(self, wf_file, name, job, step, ctx, step_env, outputs, job_env) -> None:
        uses = step["uses"].split("@")[0]
        with_ = {k: self.expand(v, ctx) for k, v in (step.get("with") or {}).items()}
        if uses == "docker/setup-buildx-action":
            job_env["REHEARSAL_BUILDX"] = "docker-container"  # buildx's default driver, now the current builder
        elif uses == "aws-actions/configure-aws-credentials":
            perms = job.get("permissions", ctx.get("workflow_permissions")) or {}
            if perms.get("id-token") != "write":
                raise Failed(f"{wf_file} {name}: configure-aws-credentials without id-token: write gets no OIDC token")
            if ctx["github"]["event_name"] == "pull_request" and ctx["github"]["event"]["pull_request"]["head"]["repo"]["full_name"] != REPO:
                raise Failed(f"{wf_file} {name}: GitHub gives a fork's pull request no OIDC token")
            role = with_["role-to-assume"].rsplit("/", 1)[-1]
            ref = ctx["github"]["ref"] if ctx["github"]["event_name"] != "pull_request" else f"refs/pull/{ctx['github']['event']['pull_request']['number']}/merge"
            tok = trust.token(self.token_context(job, ctx), wf_file, ref)
            if role not in self.policies or not trust.admits(self.policies[role], tok):
                raise Failed(f"{wf_file} {name}: role {role} refuses this job's token (sub {tok['sub']})")
            self.assumed.append((f"{wf_file}:{name}", role))
            job_env.update(AWS_REGION=with_["aws-region"], AWS_ACCESS_KEY_ID="ASIAREHEARSAL", AWS_SECRET_ACCESS_KEY="x", AWS_SESSION_TOKEN="x",
                           REHEARSAL_ROLE=role)
        elif uses == "actions/upload-artifact":
            art = with_["name"]
            bad = sorted(set(art) & ARTIFACT_NAME_FORBIDDEN)
            if bad:
                raise Failed(f"upload-artifact refuses the name {art!r}: it contains {bad}")
            src = self.clone / with_["path"]
            if not src.exists() or (src.is_dir() and not any(src.iterdir())):
                raise Failed(f"upload-artifact: no files at {with_['path']} (if-no-files-found: error)")
            dest = self.artifacts / art
            if src.is_dir():
                shutil.copytree(src, dest, dirs_exist_ok=True)
            else:
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, dest / src.name)
        elif uses == "actions/download-artifact":
            art = with_["name"]
            if not (self.artifacts / art).exists():
                raise Failed(f"download-artifact: no artifact named {art!r} was uploaded")
            shutil.copytree(self.artifacts / art, self.clone / with_.get("path", "."), dirs_exist_ok=True)
        elif uses in ("actions/checkout", "hashicorp/setup-terraform", "actions/setup-python", "actions/setup-node"):
            pass
        else:
            raise Failed(f"the rehearsal does not know the action {uses}: teach it (tools/workflow-rehearsal/rehearse.py)")

    def run_workflow(self, wf_path: Path, log: list[str], event: dict, inputs: dict | None = None) -> dict:
        wf = yaml.safe_load(wf_path.read_text())
        results: dict[str, dict] = {}
        github = {"run_id": str(self.run_id), "run_attempt": "1", "sha": self.sha, "repository": REPO, "workspace": str(self.clone), "token": "ghs_rehearsal", **event}
        base = {"vars": VARS, "github": github, "secrets": {}, "runner": {"temp": str(self.work / "runner-temp")},
                "workflow_permissions": wf.get("permissions")}
        if wf_path.name in ("deploy-env.yml", "dr-drill.yml"):  # the workflows that change an environment
            self.concurrency.append(self.expand(wf["concurrency"]["group"], dict(base, inputs=inputs or {})))
        for name, job in wf["jobs"].items():
            needs = as_list(job.get("needs"))
            ctx = dict(base, inputs=inputs or {}, needs={n: results[n] for n in needs})
            needs_ok = all(results[n]["result"] == "success" for n in needs)
            if not self.condition(job.get("if"), ctx, needs_ok):
                results[name] = {"result": "skipped", "outputs": {}}
                continue
            if "uses" in job:
                called = self.clone / job["uses"]
                if called.name == "ci.yml":
                    results[name] = {"result": self.checks_result, "outputs": {}}
                    self.ran.append(f"{wf_path.name}:{name} (ci.yml: {self.checks_result})")
                    continue
                with_ = {k: self.expand(v, ctx) for k, v in (job.get("with") or {}).items()}
                sub = self.run_workflow(called, log, event, with_)
                results[name] = {"result": "success" if all(r["result"] in ("success", "skipped") for r in sub.values()) else "failure", "outputs": {}}
            else:
                results[name] = self.run_job(wf_path.name, name, job, ctx, log)
                self.ran.append(f"{wf_path.name}:{name} ({results[name]['result']})")
        return results

    def start(self, wf: str, event: dict, inputs: dict | None = None) -> dict:
        self.run_id += 1
        self.failures, self.ran, self.concurrency = [], [], []
        (self.work / "summary.md").unlink(missing_ok=True)
        log: list[str] = []
        results = self.run_workflow(self.clone / ".github/workflows" / wf, log, event, inputs)
        (self.work / f"run-{self.run_id}.log").write_text("\n".join(log))
        return results


PUSH_MAIN = {"event_name": "push", "ref": "refs/heads/main", "event": {}}
DISPATCH_MAIN = {"event_name": "workflow_dispatch", "ref": "refs/heads/main", "event": {}}


def pr_event(number: int, head_repo: str = REPO) -> dict:
    return {"event_name": "pull_request", "ref": f"refs/pull/{number}/merge",
            "event": {"pull_request": {"number": number, "head": {"repo": {"full_name": head_repo}}}}}


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise Failed(msg)


# ci-image.yml is the one workflow that pushes without the checks: the checks run on the
# CodeBuild runners, in the CI image it builds (on GitHub's runner), so it cannot wait for
# them. It may push only to the CI repository, and its digest reaches the runners only by a
# reviewed pull request (tooling.ci_image_digest), whose checks then run in it.
GATED_WORKFLOWS = ("deploy.yml", "pr.yml", "rollback.yml")
# dr-drill.yml builds, pushes and applies nothing: it scales int's primary region to zero
# and back as the drill role (docs/disaster-recovery.md), so there is no commit to check.
DRILL_WORKFLOW = "dr-drill.yml"


def static_checks(clone: Path) -> list[str]:
    """Every job that pushes an image or applies needs the checks (the ci.yml call of the same
    run, so the same commit); one concurrency group per environment."""
    wfs = {p.name: yaml.safe_load(p.read_text()) for p in (clone / ".github/workflows").glob("*.yml")}
    found = []
    for wf_name in GATED_WORKFLOWS:
        jobs = wfs[wf_name]["jobs"]
        expect(str(jobs.get("checks", {}).get("uses", "")).endswith("/ci.yml"), f"{wf_name}: no job `checks` calling ci.yml")

        def ancestors(j, seen=None):
            seen = seen or set()
            for n in as_list(jobs[j].get("needs")):
                if n not in seen:
                    seen.add(n)
                    ancestors(n, seen)
            return seen
        for j, job in jobs.items():
            if j == "checks" or str(job.get("uses", "")).endswith("pipeline-log.yml"):
                continue
            expect("checks" in ancestors(j), f"{wf_name} job {j} does not wait for the checks")
    for wf_name in sorted(set(wfs) - set(GATED_WORKFLOWS) - {"ci.yml", "deploy-env.yml", "pipeline-log.yml", "ci-image.yml", DRILL_WORKFLOW}):
        raise Failed(f"{wf_name}: a new workflow; gate it on the checks (GATED_WORKFLOWS in tools/workflow-rehearsal/rehearse.py) or say why not")
    drill = yaml.safe_dump(wfs[DRILL_WORKFLOW])
    expect(not re.search(r"tf-deploy|tf-plan|image-push|pr-image|terraform apply|docker push", drill),
           f"{DRILL_WORKFLOW} (not gated on the checks) may run the drill only: no build, push, plan or apply")
    ci_image = yaml.safe_dump(wfs["ci-image.yml"])
    expect("make ci-image-push" in ci_image and set(re.findall(r"vars\.(ECR_\w+)", ci_image)) == {"ECR_CI_REPOSITORY_URL"},
           "ci-image.yml (not gated on the checks) may push the CI image only, to the CI repository")
    expect(wfs["deploy-env.yml"].get("concurrency", {}).get("group") == "deploy-${{ inputs.environment }}",
           "deploy-env.yml: the concurrency group must be one per environment")
    for wf_name in GATED_WORKFLOWS:
        if wf_name != "pr.yml":
            expect("concurrency" not in wfs[wf_name], f"{wf_name}: a workflow-wide concurrency group would make prod's approval block dev and int")
    found.append("every push and apply waits for the checks (deploy.yml, pr.yml, rollback.yml); one concurrency group per environment")
    found.append(gate_contents(clone, wfs))
    return found


# What the checks must contain (issue 12, row 1): (what, pattern over the text that ci.yml's
# jobs run: their make targets' recipes, the targets those call, and the scripts they name).
GATE = [
    ("clippy -D warnings, server build", r"cargo clippy --all-targets[^\n]*-- -D warnings"),
    ("clippy -D warnings, WASM build", r"cargo clippy [^\n]*--target wasm32-unknown-unknown[^\n]*-- -D warnings"),
    ("cargo deny: advisories and licences", r"cargo deny [^\n]*check advisories licenses"),
    ("checkov over terraform/", r"-d terraform --framework terraform"),
    ("zizmor over .github/workflows", r"/zizmor\"? --offline[^\n]*\.github/workflows"),
    ("hadolint, failing on every severity", r"hadolint\"? [^\n]*--failure-threshold style"),
    ("hadolint over both Dockerfiles", r"for file in Dockerfile ci/Dockerfile"),
]


def make_targets(makefile: str) -> dict[str, tuple[list[str], list[str]]]:
    """target => (prerequisites, recipe lines) of a Makefile (the forms ours uses)."""
    targets: dict[str, tuple[list[str], list[str]]] = {}
    current = None
    for line in makefile.splitlines():
        m = re.match(r"^([A-Za-z0-9_-]+):(?!=)([^#]*)", line)
        if m and not line.startswith("\t"):
            current = m.group(1)
            targets[current] = (m.group(2).split(), [])
        elif line.startswith("\t") and current:
            targets[current][1].append(line.strip())
        elif line.strip() and not line.startswith("#"):
            current = None
    return targets


def script_part(path: Path, arg: str) -> str:
    """What a script runs for `script.sh ARG`: its `ARG)` case arm if it has one (a
    multi-command script such as scripts/pipeline.sh), else all of it; comments dropped, so
    a comment naming a tool does not count as running it."""
    code = "\n".join(ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("#"))
    arm = re.search(rf"^\s*{re.escape(arg)}\)(.*?);;", code, re.M | re.S) if arg else None
    return arm.group(1) if arm else code


def gate_contents(clone: Path, wfs: dict) -> str:
    """The checks job (ci.yml) really runs clippy -D warnings, cargo deny, checkov, zizmor and
    hadolint: follow its `make` targets through the Makefile into the scripts they run."""
    targets = make_targets((clone / "Makefile").read_text())
    runs = [s["run"] for job in wfs["ci.yml"]["jobs"].values() for s in job["steps"] if "run" in s]
    todo = [t for r in runs for t in re.findall(r"\bmake ([a-z0-9-]+)", r)]
    expect(bool(todo), "ci.yml runs no make target")
    seen, text = set(), []
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        expect(t in targets, f"ci.yml (or the Makefile) calls make {t}, which the Makefile does not define")
        prereqs, recipe = targets[t]
        todo += [p for p in prereqs if p in targets]
        for line in recipe:
            text.append(line)
            if "$(MAKE)" in line:
                todo += [w for w in line.split("$(MAKE)", 1)[1].split() if w in targets]
            for script, arg in re.findall(r"(scripts/[\w.-]+\.sh)(?:[ \t]+([\w-]+))?", line):
                text.append(script_part(clone / script, arg))
    body = "\n".join(text)
    missing = [what for what, pattern in GATE if not re.search(pattern, body)]
    expect(not missing, f"the checks do not run: {'; '.join(missing)} (ci.yml: make {', '.join(sorted(seen))})")
    return f"the checks run {'; '.join(w for w, _ in GATE)} (ci.yml -> make {' '.join(sorted(seen))})"


def main(argv: list[str]) -> int:
    repo = Path(argv[0]).resolve()
    policies = {k: json.loads(v) for k, v in json.loads(Path(argv[1]).read_text()).items()}
    work = Path(tempfile.mkdtemp(prefix="workflow-rehearsal-"))
    servers = []
    ok = False
    try:
        r = Runner(repo, work, policies)
        import fake_deployment
        for ws in ("dev", "int", "prod"):
            servers.append(fake_deployment.serve(None))
        st = r.read_state()
        st["urls"] = {ws: url for ws, (_, url) in zip(("dev", "int", "prod"), servers)}
        r.write_state(st)

        for line in static_checks(r.clone):
            print(f"PASS static: {line}")

        # ---- pull requests ----
        res = r.start("pr.yml", pr_event(42))
        expect(all(res[j]["result"] == "success" for j in ("image", "plan", "report", "logs")), f"pull request: {r.failures or res}")
        st = r.read_state()
        pr_digest = st["registry"][f"{ECR}-pr"].get("pr-42")
        expect(bool(pr_digest), "pull request: no pr-42 tag in the PR repository")
        expect(not st["registry"][ECR], "pull request: pushed to the release repository")
        expect(not st.get("applied"), "pull request: something was applied")
        comments = st["comments"]["42"]
        expect(len(comments) == 1 and "Plan of dev" in comments[0]["body"] and "success" in comments[0]["body"], f"pull request: comment {comments}")
        expect(any(k.startswith("/hn-reader/pipeline/jobs|") for k in st.get("logs", {})), "pull request: no job log shipped")
        r.start("pr.yml", pr_event(42))
        expect(len(r.read_state()["comments"]["42"]) == 1, "pull request: a second push posted a second comment instead of updating the first")
        print(f"PASS pull request: checks, pr-42 = {pr_digest[:19]}... pushed and pulled back, dev planned (not applied), one comment kept up to date, job logs shipped")

        before = r.assumed[:]
        res = r.start("pr.yml", pr_event(43, head_repo="mallory/hn-reader"))
        expect(res["checks"]["result"] == "success" and all(res[j]["result"] == "skipped" for j in ("image", "plan", "report", "logs")), f"fork: {res}")
        expect(r.assumed == before and "43" not in r.read_state().get("comments", {}), "fork: a role was assumed or a comment posted")
        print("PASS fork: only the checks run (no image, plan, role or comment)")

        r.checks_result = "failure"
        res = r.start("pr.yml", pr_event(44))
        expect(res["image"]["result"] == "skipped" and res["plan"]["result"] == "skipped", f"red pull request: {res}")
        expect("failure" in r.read_state()["comments"]["44"][0]["body"], "red pull request: the comment does not say the checks failed")
        res = r.start("deploy.yml", PUSH_MAIN)
        expect(res["build"]["result"] == "skipped" and not r.read_state()["registry"][ECR] and not r.read_state().get("applied"), f"red main: {res}")
        res = r.start("rollback.yml", DISPATCH_MAIN, {"environment": "prod", "digest": "sha256:" + "1" * 64})
        expect(res["pkg"]["result"] == "skipped" and res["deploy"]["result"] == "skipped" and not r.read_state().get("applied"), f"red rollback: {res}")
        r.checks_result = "success"
        print("PASS red checks: nothing built, pushed or applied (pull request, main and rollback); the comment says so")

        # ---- promotion ----
        res = r.start("deploy.yml", PUSH_MAIN)
        expect(all(res[e]["result"] == "success" for e in ("build", "dev", "int", "prod")), f"promotion: {r.failures or res}")
        st = r.read_state()
        digest = res["build"]["outputs"]["digest"]
        applied = [a for a in st["applied"]]
        expect([a["workspace"] for a in applied] == ["dev", "int", "prod"], f"promotion: applies {applied}")
        expect(all(a["digest"] == digest and a["saved_plan"] and a["role"].endswith("/hn-reader-deploy") for a in applied), f"promotion: applies {applied}")
        expect([e for e, _ in r.approvals] == ["prod"] and digest in r.approvals[0][1], f"promotion: approvals {r.approvals}")
        events = [json.loads(m) for k, v in st["logs"].items() if k.startswith("/hn-reader/pipeline/events|") for m in v]
        # queryable by commit and environment: each event names both
        expect(sorted(e.get("env") for e in events if e.get("result") == "succeeded" and e.get("digest") == digest and e.get("commit") == r.sha) == ["dev", "int", "prod"],
               f"promotion: deploy events (one succeeded event per environment with this commit and digest): {events}")
        expect(sorted(r.concurrency) == ["deploy-dev", "deploy-int", "deploy-prod"], f"promotion: concurrency {r.concurrency}")
        print(f"PASS promotion: built once ({digest[:19]}...), the saved plan applied in dev, int, prod as the deploy role; "
              "prod approved on its plan; smoke tests passed; deploy events by commit and environment")
        # Every region of a workspace: its bucket synced before the deploy, CodeDeploy primary
        # first, then the region's release metric.
        for ws in ("int", "prod"):
            expect({f"hn-reader-{ws}-static-rehearsal", f"hn-reader-{ws}-euc1-static-rehearsal"} <= set(st.get("synced", [])), f"regions: {ws}'s buckets not both synced: {st.get('synced')}")
        deploys = [(d["group"], d["region"]) for d in st.get("codedeploy", [])]
        expect(deploys == [("hn-reader-int", "eu-west-1"), ("hn-reader-int-euc1", "eu-central-1"), ("hn-reader-prod", "eu-west-1"), ("hn-reader-prod-euc1", "eu-central-1")],
               f"regions: CodeDeploy deployments {deploys}")
        runs = {(m["namespace"], m["dimensions"]) for m in st.get("metrics", []) if m["name"] == "ReleaseRun" and m["region"] in m["dimensions"]}
        expect(runs == {(f"hn-reader/{ws}", f"Region={r}") for ws, rs in (("dev", ["eu-west-1"]), ("int", ["eu-west-1", "eu-central-1"]), ("prod", ["eu-west-1", "eu-central-1"])) for r in rs},
               f"regions: ReleaseRun metrics {runs}")
        records = st.get("ssm_parameters", {})
        expect(records == {f"{r}|/hn-reader/{ws}/release/deployed-digest": digest for ws, rs in (("dev", ["eu-west-1"]), ("int", ["eu-west-1", "eu-central-1"]), ("prod", ["eu-west-1", "eu-central-1"])) for r in rs},
               f"regions: release records {records}")
        print("PASS regions: /pkg synced into both regions' buckets, CodeDeploy primary then standby (int, prod), a ReleaseRun metric and a release record per region")
        second = st.get("second_cloud_applied", [])
        expect([(a["workspace"], a["digest"]) for a in second] == [("int", digest), ("prod", digest)], f"second cloud: applies {second}")
        for ws, project in (("int", "hn-reader-int"), ("prod", "hn-reader-prod")):
            expect(any(r.startswith(f"europe-west1-docker.pkg.dev/{project}/hn-reader/hn-reader") and digest in tags.values() for r, tags in st["registry"].items()),
                   f"second cloud: {digest} not mirrored into {project}")
        expect(len([c for c in st.get("route53_changes", []) if "authorization" in c]) == 2, f"second cloud: certificate CNAMEs {st.get('route53_changes')}")
        print("PASS second cloud: int and prod mirror the digest into Artifact Registry (same digest), apply terraform/dr-gcp with it, keep the certificate CNAME")

        n = len(st["applied"])
        res = r.start("deploy.yml", PUSH_MAIN)
        expect(res["build"]["outputs"].get("digest") == digest and len(r.read_state()["applied"]) == n + 3, f"re-run: {r.failures or res}")
        print("PASS re-run on the same commit: same digest, promoted again")

        # int serves a broken page: its smoke test fails the promotion
        broken, url = fake_deployment.serve("no-csp")
        servers.append((broken, url))
        st = r.read_state()
        good_int = st["urls"]["int"]
        st["urls"]["int"] = url
        r.write_state(st)
        n = len(st["applied"])
        res = r.start("deploy.yml", PUSH_MAIN)
        st = r.read_state()
        expect(res["int"]["result"] == "failure" and res["prod"]["result"] == "skipped", f"int broken: {res}")
        expect([a["workspace"] for a in st["applied"][n:]] == ["dev", "int"], f"int broken: applies {st['applied'][n:]}")
        st["urls"]["int"] = good_int
        r.write_state(st)
        print("PASS int broken: its smoke test fails the promotion; prod neither planned nor applied")

        # the standby's deployment fails: the job fails, the standby's ReleaseRun stays behind
        st = r.read_state()
        st["fail_codedeploy_region"], n_metrics = "eu-central-1", len(st.get("metrics", []))
        planted = "sha256:" + "0" * 64  # the release each region ran before this run
        st["ssm_parameters"] = {key: planted for key in st["ssm_parameters"]}
        r.write_state(st)
        res = r.start("deploy.yml", PUSH_MAIN)
        st = r.read_state()
        new = [(m["namespace"], m["region"]) for m in st["metrics"][n_metrics:]]
        expect(res["int"]["result"] == "failure" and res["prod"]["result"] == "skipped", f"standby lags: {res}")
        expect(("hn-reader/int", "eu-west-1") in new and ("hn-reader/int", "eu-central-1") not in new, f"standby lags: metrics {new}")
        records = st["ssm_parameters"]
        expect(records["eu-west-1|/hn-reader/int/release/deployed-digest"] == digest and records["eu-central-1|/hn-reader/int/release/deployed-digest"] == planted,
               f"standby lags: release records {records}")
        del st["fail_codedeploy_region"]
        r.write_state(st)
        print("PASS standby lags: int's standby deployment fails the promotion; only the primary's ReleaseRun and release record move (the dashboard and /status show the lag)")

        # the saved plan is replaced between plan and deploy
        original = Runner.run_job

        def tamper(self, wf_file, name, job, ctx, log):
            if wf_file == "deploy-env.yml" and name == "deploy":
                for f in (self.state / "s3").rglob("*.tfplan"):
                    f.write_text(f.read_text().replace('"nonce": "', '"nonce": "x'))
            return original(self, wf_file, name, job, ctx, log)
        Runner.run_job = tamper
        try:
            n = len(r.read_state()["applied"])
            res = r.start("deploy.yml", PUSH_MAIN)
        finally:
            Runner.run_job = original
        expect(res["dev"]["result"] == "failure" and len(r.read_state()["applied"]) == n and any("sha256" in f for f in r.failures), f"tampered plan: {r.failures}")
        print("PASS tampered plan: the deploy refuses a saved plan other than the one planned")

        # ---- rollback ----
        n = len(r.read_state()["applied"])
        r.approvals.clear()
        res = r.start("rollback.yml", DISPATCH_MAIN, {"environment": "prod", "digest": digest})
        applied = r.read_state()["applied"][n:]
        expect(res["deploy"]["result"] == "success" and [(a["workspace"], a["digest"]) for a in applied] == [("prod", digest)] and r.approvals,
               f"rollback: {r.failures or res} {applied}")
        print("PASS rollback: prod planned, approved and applied with the earlier digest, no build")

        # ---- game day ----
        # Without failover (pages fail while the primary has no task) the drill must fail,
        # and still restore the primary.
        os.environ["REHEARSAL_STATE"] = str(r.state)
        no_failover, no_failover_url = fake_deployment.serve("no-failover")
        servers.append((no_failover, no_failover_url))
        st = r.read_state()
        good_int = st["urls"]["int"]
        st["urls"]["int"] = no_failover_url
        st["terraform"]["int"]["outputs"]["public_url"] = no_failover_url
        r.write_state(st)
        res = r.start("dr-drill.yml", {"event_name": "schedule", "ref": "refs/heads/main", "event": {}})
        st = r.read_state()
        key = "eu-west-1|service/hn-reader-int/hn-reader-int"
        expect(res["drill"]["result"] == "failure" and any("GET /:" in f and "FAILED" in f for f in r.failures), f"game day without failover: {res} {r.failures}")
        expect(st.get("capacity_changes") == [[key, 0, 0], [key, 2, 4]], f"game day without failover: capacity changes {st.get('capacity_changes')}")
        st["urls"]["int"], st["terraform"]["int"]["outputs"]["public_url"], st["capacity_changes"] = good_int, good_int, []
        r.write_state(st)
        print("PASS game day without failover: pages fail while the primary is down, the drill fails, the primary is restored")

        n_assumed = len(r.assumed)
        res = r.start("dr-drill.yml", {"event_name": "schedule", "ref": "refs/heads/main", "event": {}})
        st = r.read_state()
        expect(res["drill"]["result"] == "success" and res["logs"]["result"] == "success", f"game day: {r.failures or res}")
        expect(("dr-drill.yml:drill", "hn-reader-int-drill") in r.assumed[n_assumed:], f"game day: roles {r.assumed[n_assumed:]}")
        expect(st.get("capacity_changes") == [[key, 0, 0], [key, 2, 4]], f"game day: capacity changes {st.get('capacity_changes')}")
        expect(r.concurrency == ["deploy-int"], f"game day: concurrency {r.concurrency}")
        print("PASS game day: dr-drill.yml as hn-reader-int-drill in int's deploy group; the primary scaled to 0..0, measured, restored to 2..4")

        env = dict(r.env(), TF_INPUT="0")
        card = subprocess.run(["bash", "-eo", "pipefail", "-c", "terraform workspace select dev && terraform apply -auto-approve"],
                              cwd=r.clone / "terraform", env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
        expect(card.returncode == 0, f"design card `terraform workspace select dev && terraform apply` failed:\n{card.stdout}{card.stderr}")
        print("PASS design card: terraform workspace select dev && terraform apply needs no input")
        ok = True
    except Failed as e:
        print(f"FAIL {e}")
        print(f"(step logs: {work}/run-*.log)")
    finally:
        for server, _ in servers:
            server.shutdown()
        if ok:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main(sys.argv[1:]))
