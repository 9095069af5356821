#!/usr/bin/env python3
"""Apply, re-plan and destroy the Terraform roots against moto (make tf-emulated).

On a free loopback port, moto answers the AWS APIs the real provider calls. On a
temporary copy of terraform/, with an emulator_override.tf in each root (endpoints, a
local backend; nothing else changes), for each workspace:

  1. apply terraform/bootstrap (tooling account), then terraform/deploy-role (the
     workspace's account), as an administrator;
  2. switch moto's IAM enforcement on and apply the main root the way the pipeline does:
     with the tooling CI role's credentials, the provider assuming the deploy role, so a
     call the deploy role does not allow fails (as far as moto evaluates policies, see
     moto_policy below);
  3. re-plan with -detailed-exitcode: no changes allowed (a perpetual diff fails), but
     for the single attributes of "attribute_gaps" that moto does not return, which must
     still differ (when moto starts returning one, the run fails);
  4. destroy in reverse order: every state must end empty.

Emulator gaps (resource types moto does not implement) are listed in
tools/terraform/emulator-gaps.json. They and whatever depends on them are left out with
-target; anything else that fails fails the run. Each gap is probed after the apply: if
moto now creates it, the run fails and says to drop it from the file.

Every terraform command has a time limit; a hang fails with the resources still in
progress.

The tooling account (bootstrap) gets the same treatment for its gaps, and its GitHub roles'
policies, as IAM holds them, are checked against their envelopes
(tools/pipeline/role_rights_check.py: the build role ECR push only); after the main
root's re-plan, a second re-plan runs as the pipeline's plan job does (read-only
hn-reader-plan role, IAM enforced).

Usage: emulated.py --moto-server PATH --gaps FILE [--workspace dev ...] [--keep] [--terraform-dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
TOOLING_ACCOUNT = "444444444444"  # modules/settings var.tooling
ACCOUNTS = {"dev": "111111111111", "int": "222222222222", "prod": "333333333333"}
ALL_SERVICES = [
    "acm", "appautoscaling", "cloudfront", "cloudwatch", "codebuild", "codestarconnections", "deploy", "ec2", "ecr", "ecs",
    "elbv2", "iam", "kms", "logs", "route53", "s3", "secretsmanager", "sns", "ssm", "sts",
    "wafv2",
]
# moto authorizes S3 calls against the bucket or object; every other call against "*"
# (moto/core/responses.py call_action; IAM resolves a role only once it exists), see moto_policy.
MOTO_RESOURCE_AWARE = {"s3"}
# moto names CloudWatch actions by the API's signing name (monitoring:PutMetricAlarm).
MOTO_ACTION_ALIASES = {"cloudwatch": "monitoring"}
DIGEST = "sha256:" + "0" * 64
TIMEOUTS = {"init": 120, "apply": 600, "plan": 300, "destroy": 600, "probe": 180}
# Concurrent operations per apply/destroy (terraform's default is 10): moto answers at once,
# so the graph's width, not AWS, bounds it.
PARALLELISM = 20
# Destroys skip the refresh: the re-plan read every resource and found no change since.
DESTROY_ARGS = ["-auto-approve", "-input=false", "-no-color", "-refresh=false", f"-parallelism={PARALLELISM}"]


def log(msg: str) -> None:
    print(msg, flush=True)


class Failure(Exception):
    pass


def stop_on_signal(signum, _frame):
    # make (or a CI time limit) ends the run: unwind, so the finally blocks stop terraform and moto
    raise Failure(f"stopped by signal {signum}")


# ---------------------------------------------------------------------------
# moto
# ---------------------------------------------------------------------------

class Moto:
    def __init__(self, server: str, workdir: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "moto.log"
        self.proc = subprocess.Popen(
            [server, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log_path.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
            env=dict(os.environ, MOTO_ACM_VALIDATION_WAIT="5"),  # DNS-validated certificates issue after 5 s
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"moto_server exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    log(f"moto listening on {self.url}")
                    return
            except OSError:
                time.sleep(0.2)  # bounded poll on the port, not a synchronisation sleep
        self.stop()
        raise Failure("moto_server did not accept connections within 30 s")

    def set_auth(self, enforced: bool) -> None:
        # moto counts requests and enforces IAM after INITIAL_NO_AUTH_ACTION_COUNT of them.
        req = urllib.request.Request(f"{self.url}/moto-api/reset-auth", data=b"0" if enforced else b"inf", method="POST",
                                     headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    @contextlib.contextmanager
    def auth(self, enforced: bool = True):
        self.set_auth(enforced)
        try:
            yield
        finally:
            self.set_auth(False)

    def client(self, service: str, creds: dict, region: str = "eu-west-1"):
        return boto3.client(service, endpoint_url=self.url, region_name=region, **creds)

    def admin(self, account: str) -> dict:
        """Credentials of an administrator of `account` (moto: assume any role, even one that does not exist)."""
        sts = self.client("sts", {"aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"})
        return creds(sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/administrator", RoleSessionName="emulated-admin"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def creds(resp: dict) -> dict:
    c = resp["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}


def moto_policy(document: dict) -> tuple[dict, int, int]:
    """The deploy role's policy as moto can evaluate it: (policy, statements widened, denies dropped).

    moto ignores Condition on identity policies, checks every call but S3's against the
    resource "*", names CloudWatch actions monitoring:* and HeadBucket s3:HeadBucket. So, for
    the emulated run only:
    Deny statements are dropped (with their conditions ignored they would deny what AWS
    allows), Allow statements outside S3 get Resource "*", and cloudwatch: actions get their
    monitoring: twin. What remains enforced: every API call the provider makes must be an
    action some Allow statement lists (resource-scoped for S3). Conditions and the other
    resource scopes are checked by the IAM check instead.
    """
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    out, widened, dropped = [], 0, 0
    for st in statements:
        if st["Effect"] == "Deny":
            dropped += 1
            continue
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        aliases = [f"{MOTO_ACTION_ALIASES[a.split(':')[0]]}:{a.split(':', 1)[1]}" for a in actions if a.split(":")[0] in MOTO_ACTION_ALIASES]
        # AWS authorizes HeadBucket as s3:ListBucket; moto asks for an action s3:HeadBucket.
        if any(fnmatch.fnmatchcase("s3:ListBucket", a) for a in actions) and not any(fnmatch.fnmatchcase("s3:HeadBucket", a) for a in actions):
            aliases.append("s3:HeadBucket")
        if aliases:
            st = dict(st, Action=actions + aliases)
        if any(a.split(":")[0] not in MOTO_RESOURCE_AWARE for a in actions):
            st = dict(st, Resource="*")
            widened += 1
        out.append(st)
    return dict(document, Statement=out), widened, dropped


# ---------------------------------------------------------------------------
# terraform
# ---------------------------------------------------------------------------

def override(moto_url: str, provider_aliases: list[str | None], local_backend: bool, extra: str = "") -> str:
    endpoints = "\n".join(f"    {s} = \"{moto_url}\"" for s in ALL_SERVICES)
    blocks = []
    for alias in provider_aliases:
        alias_line = f'  alias = "{alias}"\n' if alias else ""
        blocks.append(f'''provider "aws" {{
{alias_line}  skip_metadata_api_check = true
  s3_use_path_style       = true
  max_retries             = 2 # moto answers a bug with a 500: fail, do not retry for minutes
  endpoints {{
{endpoints}
  }}
}}''')
    if local_backend:
        blocks.append('terraform {\n  backend "local" {}\n}')
    return "# Written by tools/terraform/emulated.py into a temporary copy: moto endpoints only.\n" + "\n\n".join(blocks) + "\n" + extra


class Root:
    def __init__(self, name: str, path: Path, env: dict, logdir: Path):
        self.name, self.path, self.env, self.logdir = name, path, env, logdir

    def tf(self, args: list[str], kind: str, creds: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(self.env)
        if creds:
            env.update({"AWS_ACCESS_KEY_ID": creds["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"], "AWS_SESSION_TOKEN": creds.get("aws_session_token", "")})
        logfile = self.logdir / f"{self.name}-{kind}-{int(time.time() * 1000)}.log"
        with logfile.open("w") as out:
            proc = subprocess.Popen(["terraform", f"-chdir={self.path}", *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                proc.wait(timeout=TIMEOUTS[kind])
            except Failure:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                text = logfile.read_text()
                raise Failure(f"{self.name}: terraform {args[0]} did not finish within {TIMEOUTS[kind]} s; still in progress: {', '.join(in_progress(text)) or '(none reported)'}\n{tail(text)}")
        text = logfile.read_text()
        result = subprocess.CompletedProcess(args, proc.returncode, text, "")
        if check and proc.returncode != 0:
            raise Failure(f"{self.name}: terraform {' '.join(a for a in args if not a.startswith('-target'))} failed ({proc.returncode}):\n{tail(text)}")
        return result


def in_progress(text: str) -> list[str]:
    started = re.findall(r"^(\S+): (?:Creating|Modifying|Destroying)\.\.\.", text, re.M)
    done = set(re.findall(r"^(\S+): (?:Creation|Modifications|Destruction) complete", text, re.M))
    return sorted(set(started) - done)


def tail(text: str, lines: int = 60) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return "\n".join(text.splitlines()[-lines:])


def errors(text: str) -> list[str]:
    """(address, error summary) lines of a failed apply."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    found = []
    for block in re.split(r"\n(?=│ Error: |Error: )", text):
        m = re.search(r"Error: (.*)", block)
        if not m:
            continue
        where = re.search(r"with ([\w.\[\]\"-]+),", block)
        found.append(f"{where.group(1) if where else '?'}: {m.group(1).strip()}")
    return found


def dependents(graph_dot: str, roots: set[str]) -> set[str]:
    """Every graph node that depends, directly or not, on one of `roots`."""
    rdeps: dict[str, set[str]] = {}
    for a, b in re.findall(r'^\s*"([^"]+)" -> "([^"]+)"', graph_dot, re.M):
        rdeps.setdefault(b, set()).add(a)
    seen, todo = set(roots), list(roots)
    while todo:
        for d in rdeps.get(todo.pop(), ()):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def strip_index(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def managed_addresses(plan: dict) -> list[str]:
    return [rc["address"] for rc in plan.get("resource_changes", []) if rc["mode"] == "managed" and "create" in rc["change"]["actions"]]


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------

def run(args) -> int:
    gaps_file = json.loads(Path(args.gaps).read_text())
    DESTROY_GAPS[:] = gaps_file["destroy_gaps"]
    work = Path(tempfile.mkdtemp(prefix="tf-emulated-"))
    logdir = work / "logs"
    logdir.mkdir()
    shutil.copytree(Path(args.terraform_dir), work / "terraform", ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_WORKSPACE"))}
    env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1", "AWS_EC2_METADATA_DISABLED": "true"})
    moto = Moto(args.moto_server, work)
    MOTO_URL.append(moto.url)
    started = time.monotonic()
    figures: dict[str, dict] = {}
    destroy_stack: list[tuple[Root, dict, str | None]] = []
    ok = False
    try:
        tf = work / "terraform"
        bootstrap_extra = '''
# Lets the harness destroy the state bucket at the end (prevent_destroy guards it in AWS).
resource "aws_s3_bucket" "state" {
  lifecycle {
    prevent_destroy = false
  }
}
'''
        (tf / "bootstrap" / "emulator_override.tf").write_text(override(moto.url, [None, "replica"], False, extra=bootstrap_extra))
        (tf / "deploy-role" / "emulator_override.tf").write_text(override(moto.url, [None], False))
        # The overridden resources live in the regional stack (modules/region): its own
        # override file (an override of a resource the root does not declare is an error).
        # One block per resource: an override file may not declare a resource twice.
        arguments: dict[str, list[str]] = {}
        for o in gaps_file["behaviour_overrides"]:
            arguments.setdefault(o["resource"], []).append(f'  {o["argument"]} = {json.dumps(o["value"])}\n')
        behaviour = "# Written by tools/terraform/emulated.py: behaviour_overrides of emulator-gaps.json.\n" + "".join(
            f'\nresource "{address.split(".")[0]}" "{address.split(".")[1]}" {{\n{"".join(lines)}}}\n'
            for address, lines in arguments.items()
        )
        (tf / REGION_MODULE / "emulator_override.tf").write_text(behaviour)
        (tf / "emulator_override.tf").write_text(override(moto.url, MAIN_PROVIDER_ALIASES, True))

        tooling_admin = moto.admin(TOOLING_ACCOUNT)
        bootstrap = Root("bootstrap", tf / "bootstrap", env, logdir)
        bootstrap.tf(["init", "-input=false", "-no-color"], "init")
        destroy_stack.append((bootstrap, tooling_admin, None))
        # The settings as committed (no CI image digest yet) must plan no runner: no job runs
        # in an image other than the pinned CI image (runners.tf). Then the run goes on as
        # after ci-image.yml's first push, with a digest, so the runner is planned too.
        no_runner_without_ci_image(bootstrap, tooling_admin, tf)
        (tf / "bootstrap" / "emulator_override.tf").write_text(override(moto.url, [None, "replica"], False, extra=bootstrap_extra + ci_image_settings(tf)))
        figures["bootstrap"] = apply_bootstrap(bootstrap, tooling_admin, gaps_file)
        log(f"bootstrap: {figures['bootstrap']}")
        figures["bootstrap"]["checks"] = [github_role_rights(moto, tooling_admin, work)]

        deploy_role = Root("deploy-role", tf / "deploy-role", env, logdir)
        main = Root("main", tf, env, logdir)
        deploy_role.tf(["init", "-input=false", "-no-color"], "init")
        main.tf(["init", "-input=false", "-no-color"], "init")
        for ws in args.workspace:
            admin = moto.admin(ACCOUNTS[ws])
            hosted_zone(moto, admin, tf, ws)
            deploy_role.tf(["workspace", "new", ws, "-no-color"], "init", admin)
            t = time.monotonic()
            deploy_role.tf(["apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={PARALLELISM}"], "apply", admin)
            destroy_stack.append((deploy_role, admin, ws))
            figures[f"deploy-role {ws}"] = {"created": count_state(deploy_role, admin), "apply_s": round(time.monotonic() - t)}
            replan(deploy_role, admin, [], None, figures[f"deploy-role {ws}"])
            log(f"deploy-role {ws}: {figures[f'deploy-role {ws}']}")

            widened = restrict_deploy_role_for_moto(moto, admin)
            restrict_deploy_role_for_moto(moto, admin, "hn-reader-plan")
            # The tooling roles of this environment's deploy and plan jobs (bootstrap/github-oidc.tf).
            ci, plan_ci = (creds(moto.client("sts", tooling_admin).assume_role(RoleArn=f"arn:aws:iam::{TOOLING_ACCOUNT}:role/hn-reader-{ws}-{kind}", RoleSessionName=f"emulated-{kind}"))
                           for kind in ("deploy", "plan"))
            destroy_stack.append((main, ci, ws))
            figures[f"main {ws}"] = apply_main(main, moto, ci, ws, gaps_file, widened)
            plan_as_plan_role(main, moto, plan_ci, ws, figures[f"main {ws}"], gaps_file)
            figures[f"main {ws}"]["checks"] = policy_checks(args.iam_python, work, ws, bootstrap, deploy_role, main)
            log(f"main {ws}: {figures[f'main {ws}']}")

        # Destroy in reverse order, each as the identity that applied it.
        for root, who, ws in reversed(destroy_stack):
            t = time.monotonic()
            key = f"{root.name} {ws}" if ws else root.name
            if ws:
                write_overrides(tf, ws)
            if root is main:
                destroy_main(main, moto, who, ws, figures[key])
            else:
                if ws:
                    root.tf(["workspace", "select", ws, "-no-color"], "init", who)
                # deploy-role: refreshed, the harness rewrote its policies for moto (restrict_deploy_role_for_moto)
                root.tf(["destroy", *(DESTROY_ARGS if root is bootstrap else [a for a in DESTROY_ARGS if a != "-refresh=false"])], "destroy", who)
            left = root.tf(["state", "list"], "init", who).stdout.split()
            if left:
                raise Failure(f"{key}: destroy left {left}")
            figures[key]["destroy_s"] = round(time.monotonic() - t)
        destroy_stack.clear()
        ok = True
    except Exception as e:  # noqa: BLE001 - every failure ends in the same report
        detail = "" if isinstance(e, Failure) else f" ({type(e).__name__})"
        log(f"tf-emulated FAILED{detail}: {e}")
    finally:
        moto.stop()
        log(f"logs: {logdir}" if (not ok or args.keep) else "")
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    log(json.dumps(figures, indent=1))
    if ok:
        m = [v for k, v in figures.items() if k.startswith("main ")]
        log(f"tf-emulated: {len(figures)} applies, {sum(v['created'] for v in figures.values())} resources created, "
            f"{sum(v['left_out'] for v in m)} left out as emulator gaps, 0 failed; re-plans clean; destroyed; "
            f"{round(time.monotonic() - started)} s")
    return 0 if ok else 1


ZONES: dict[str, str] = {}  # workspace -> the moto hosted zone id standing in for its settings' one


def settings_of(tf: Path, ws: str) -> dict:
    """The workspace's entry of modules/settings."""
    return all_settings(tf, ws)[ws]


def all_settings(tf: Path, ws: str) -> dict:
    """Every workspace's entry of modules/settings, read with terraform console (no provider involved)."""
    subprocess.run(["terraform", "init", "-backend=false", "-input=false"], cwd=tf / "modules" / "settings", capture_output=True, timeout=120, check=True)
    proc = subprocess.run(["terraform", "console"], cwd=tf / "modules" / "settings", input="jsonencode(var.environments)\n",
                          capture_output=True, text=True, timeout=120, env=dict(os.environ, TF_VAR_workspace=ws))
    if proc.returncode != 0:
        raise Failure(f"terraform console on modules/settings failed: {proc.stderr}")
    return json.loads(json.loads(proc.stdout.strip()))


def write_overrides(tf: Path, ws: str) -> None:
    """A workspace with a domain gets its settings with the moto zone's id (placeholder ids exist nowhere)."""
    module = ""
    if ws in ZONES:
        # The whole map, this workspace's entry changed: the settings' rules read other entries
        # too (game_day_workspace must be one with a standby).
        entries = all_settings(tf, ws)
        entries[ws] = dict(entries[ws], hosted_zone_id=ZONES[ws])
        module = f'\nmodule "settings" {{\n  environments = {json.dumps(entries)}\n}}\n'
    (tf / "deploy-role" / "emulator_override.tf").write_text(override(MOTO_URL[0], [None], False, extra=module))
    (tf / "emulator_override.tf").write_text(override(MOTO_URL[0], MAIN_PROVIDER_ALIASES, True, extra=module))


MOTO_URL: list[str] = []
MAIN_PROVIDER_ALIASES = [None, "us_east_1", "standby"]
REGION_MODULE = Path("modules/region")  # the regional stack, instantiated per region by the main root


def regional(address: str, resource: str) -> bool:
    """A resource of the regional stack, in any of its instances (module.primary, module.standby[0])."""
    return strip_index(address) == resource or strip_index(address).endswith("." + resource)


def hosted_zone(moto: Moto, admin: dict, tf: Path, ws: str) -> None:
    domain = settings_of(tf, ws).get("domain_name")
    if domain:
        zone = moto.client("route53", admin).create_hosted_zone(Name=domain, CallerReference=f"emulated-{ws}")
        ZONES[ws] = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    write_overrides(tf, ws)


def count_state(root: Root, who: dict) -> int:
    """Managed resources in the state (data sources are listed too)."""
    return sum(1 for a in root.tf(["state", "list"], "init", who).stdout.split() if not (a.startswith("data.") or ".data." in a))


def replan(root: Root, who: dict, targets: list[str], var_args: list[str] | None, fig: dict,
           attribute_gaps: list[dict] | None = None) -> None:
    """Re-plan with -detailed-exitcode: no change allowed, except the attributes of
    `attribute_gaps` (emulator-gaps.json) on their resource, which must still differ: an
    excused attribute that moto now returns fails the run (the file only shrinks)."""
    t = time.monotonic()
    planfile = root.path / "replan.tfplan"
    res = root.tf(["plan", "-detailed-exitcode", "-input=false", "-no-color", "-out", str(planfile), *(var_args or []), *targets], "plan", who, check=False)
    if res.returncode not in (0, 2):
        raise Failure(f"{root.name}: re-plan failed:\n{tail(res.stdout)}")
    changed = {}
    if res.returncode == 2:
        plan = json.loads(root.tf(["show", "-json", str(planfile)], "plan", who).stdout)
        changed = {rc["address"]: (rc["change"]["actions"], changed_attributes(rc["change"]))
                   for rc in plan.get("resource_changes", []) if rc["change"]["actions"] != ["no-op"] and rc["mode"] == "managed"}
    fig["replan_s"] = round(time.monotonic() - t)
    excused = {}
    for g in attribute_gaps or []:
        excused.setdefault(g["resource"], set()).add(g["attribute"])
    perpetual = [f"{a}: {'/'.join(acts)} {', '.join(sorted(attrs))}" for a, (acts, attrs) in sorted(changed.items())
                 if acts != ["update"] or not attrs <= set().union(*[v for r, v in excused.items() if regional(a, r)])]
    if perpetual:
        raise Failure(f"{root.name}: re-plan after apply is not empty (perpetual diff):\n  " + "\n  ".join(perpetual) + "\n" + tail(res.stdout, 80))
    # Each excused attribute of a resource this plan covered must still be what moto gets
    # wrong. A targeted plan covers its targets only: the plan role's re-plan leaves out
    # what was applied without IAM enforcement (int's CodeDeploy group and service among them).
    in_state = set(root.tf(["state", "list"], "init", who).stdout.split())
    targeted = {t.removeprefix("-target=") for t in targets}
    covered = {a for a in in_state if not targeted or a in targeted}
    seen, now_returned = [], []
    for g in attribute_gaps or []:
        addresses = [a for a in covered if regional(a, g["resource"])]
        if not addresses:
            continue
        if any(g["attribute"] in changed.get(a, ((), set()))[1] for a in addresses):
            seen.append(f"{g['resource']}.{g['attribute']}")
        else:
            now_returned.append(f"{g['resource']}.{g['attribute']}")
    if now_returned:
        raise Failure(f"{root.name}: moto now returns {now_returned} (the re-plan no longer differs there): remove them from attribute_gaps in tools/terraform/emulator-gaps.json")
    if seen:
        fig["replan_excused_attributes"] = seen


def changed_attributes(change: dict) -> set[str]:
    """Top-level attributes an update changes: before != after, or unknown after."""
    before, after, unknown = change.get("before") or {}, change.get("after") or {}, change.get("after_unknown") or {}
    return {k for k in set(before) | set(after) | set(unknown) if before.get(k) != after.get(k) or has_true(unknown.get(k))}


def has_true(v) -> bool:
    return v is True or (isinstance(v, dict) and any(map(has_true, v.values()))) or (isinstance(v, list) and any(map(has_true, v)))


def restrict_deploy_role_for_moto(moto: Moto, admin: dict, role: str = "hn-reader-deploy") -> dict:
    iam = moto.client("iam", admin)
    stats = {"widened": 0, "dropped": 0}
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        new, widened, dropped = moto_policy(doc)
        stats["widened"] += widened
        stats["dropped"] += dropped
        if new["Statement"]:
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(new))
        else:  # the guardrails: only denies
            iam.delete_role_policy(RoleName=role, PolicyName=name)
    return stats


def apply_main(main: Root, moto: Moto, ci: dict, ws: str, gaps_file: dict, policy_stats: dict) -> dict:
    gap_types = {g["type"] for g in gaps_file["gaps"]}
    unsigned = tuple(g["resource_prefix"] for g in gaps_file["iam_enforcement_gaps"])
    main.tf(["workspace", "new", ws, "-no-color"], "init", ci)
    var_args = ["-var", f"image_digest={DIGEST}"]
    planfile = main.path / f"{ws}.tfplan"
    with moto.auth():
        main.tf(["plan", "-input=false", "-no-color", "-out", str(planfile), *var_args], "plan", ci)
    plan_text = main.tf(["show", "-json", str(planfile)], "plan", ci).stdout
    (main.path.parent / f"plan-{ws}.json").write_text(plan_text)
    plan = json.loads(plan_text)
    graph = main.tf(["graph"], "plan", ci).stdout
    planned = managed_addresses(plan)
    excluded = dependents(graph, {strip_index(a) for a in planned if resource_type(a) in gap_types})
    targets = [a for a in planned if strip_index(a) not in excluded]
    left_out = [a for a in planned if strip_index(a) in excluded]
    no_auth = dependents(graph, {strip_index(a) for a in targets if resource_type(a).startswith(unsigned)})
    enforced = [a for a in targets if strip_index(a) not in no_auth]
    fig = {"planned": len(planned), "left_out": len(left_out),
           "left_out_gaps": sorted(a for a in left_out if resource_type(a) in gap_types),
           "left_out_dependents": sorted(a for a in left_out if resource_type(a) not in gap_types),
           "applied_with_iam_enforced": len(enforced), "applied_without_iam_enforcement": sorted(a for a in targets if strip_index(a) in no_auth),
           "deploy_role_policy_for_moto": policy_stats}
    t = time.monotonic()
    # First everything moto can authorize, as the deploy role; then the rest without
    # enforcement (only those: applying every target again would refresh all of them a
    # second time, and update in passing what moto's create dropped, hiding its gaps).
    unenforced = fig["applied_without_iam_enforcement"]
    for phase, addresses, enforce in (("enforced", enforced, True), ("unenforced", unenforced, False)):
        if not addresses:
            continue
        with moto.auth(enforce):
            res = main.tf(["apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={PARALLELISM}", *var_args, *[f"-target={a}" for a in addresses]], "apply", ci, check=False)
        if res.returncode != 0:
            raise Failure(f"main {ws}: apply ({phase} IAM) failed on resources that are not emulator gaps:\n  " + "\n  ".join(errors(res.stdout)) + "\n" + tail(res.stdout, 30))
    fig["created"] = count_state(main, ci)
    fig["apply_s"] = round(time.monotonic() - t)
    fig["applied_targets"], fig["no_auth"] = targets, sorted(no_auth)
    # No -var: the operator's plain `terraform apply` must find nothing to do (release.tf).
    # Here the resources applied without IAM enforcement; the others are re-planned as the
    # plan role with IAM enforced (plan_as_plan_role), so each is refreshed once.
    if unenforced:
        replan(main, ci, [f"-target={a}" for a in unenforced], None, fig, gaps_file["attribute_gaps"])
    probe_gaps(main, ci, fig["left_out_gaps"], var_args, gaps_file["moto"])
    return fig


def probe_gaps(root: Root, who: dict, addresses: list[str], var_args: list[str], moto_version: str) -> None:
    """A gap that moto now implements must leave the gaps file: probe them, in one apply
    (independent resources: terraform goes on with the others when one fails)."""
    if not addresses:
        return
    probe = root.tf(["apply", "-auto-approve", "-input=false", "-no-color", "-refresh=false", f"-parallelism={PARALLELISM}", *var_args,
                     *[f"-target={a}" for a in addresses]], "probe", who, check=False)
    created = set(re.findall(r"^(\S+): Creation complete", probe.stdout, re.M))
    implemented = [a for a in addresses if a in created]
    in_state = set(root.tf(["state", "list"], "init", who).stdout.split())
    for address in addresses:
        if address in in_state and address not in created:
            # Created, then failed on a call moto lacks (tainted): forget it, or destroy trips on it.
            root.tf(["state", "rm", address], "init", who)
    if implemented:
        raise Failure(f"moto {moto_version} now creates {implemented}: remove their types from tools/terraform/emulator-gaps.json")


CI_IMAGE_DIGEST = "sha256:" + "c" * 64  # stands in for the digest ci-image.yml prints


def ci_image_settings(tf: Path) -> str:
    """modules/settings' tooling entry with a CI image digest (as the reviewed pull request sets it)."""
    proc = subprocess.run(["terraform", "console"], cwd=tf / "modules" / "settings", input="jsonencode(var.tooling)\n",
                          capture_output=True, text=True, timeout=120, env=dict(os.environ, TF_VAR_workspace="prod"))
    if proc.returncode != 0:
        raise Failure(f"terraform console on modules/settings failed: {proc.stderr}")
    tooling = dict(json.loads(json.loads(proc.stdout.strip())), ci_image_digest=CI_IMAGE_DIGEST)
    return f'\nmodule "settings" {{\n  tooling = {json.dumps(tooling)}\n}}\n'


def no_runner_without_ci_image(root: Root, who: dict, tf: Path) -> None:
    settings_of(tf, "dev")  # initialises modules/settings for the console
    planfile = root.path / "no-ci-image.tfplan"
    root.tf(["plan", "-input=false", "-no-color", "-out", str(planfile)], "plan", who)
    plan = json.loads(root.tf(["show", "-json", str(planfile)], "plan", who).stdout)
    runners = [a for a in managed_addresses(plan) if resource_type(a) in ("aws_codebuild_project", "aws_codebuild_webhook")]
    if runners:
        raise Failure(f"bootstrap: without tooling.ci_image_digest the plan still creates {runners}: jobs would run in an unpinned image")
    log("bootstrap: no CI image digest -> no runner planned")


def apply_bootstrap(root: Root, who: dict, gaps_file: dict) -> dict:
    """The tooling account as its administrator, with the emulator gaps and their dependents left out."""
    gap_types = {g["type"] for g in gaps_file["gaps"]}
    planfile = root.path / "bootstrap.tfplan"
    root.tf(["plan", "-input=false", "-no-color", "-out", str(planfile)], "plan", who)
    plan = json.loads(root.tf(["show", "-json", str(planfile)], "plan", who).stdout)
    planned = managed_addresses(plan)
    excluded = dependents(root.tf(["graph"], "plan", who).stdout, {strip_index(a) for a in planned if resource_type(a) in gap_types})
    targets = [a for a in planned if strip_index(a) not in excluded]
    left_out = [a for a in planned if strip_index(a) in excluded]
    fig = {"planned": len(planned), "left_out": len(left_out),
           "left_out_gaps": sorted(a for a in left_out if resource_type(a) in gap_types),
           "left_out_dependents": sorted(a for a in left_out if resource_type(a) not in gap_types)}
    if not any(rc["type"] == "aws_codebuild_project" for rc in plan["resource_changes"]):
        raise Failure("bootstrap: with tooling.ci_image_digest set, no runner is planned")
    t = time.monotonic()
    root.tf(["apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={PARALLELISM}", *[f"-target={a}" for a in targets]], "apply", who)
    # The runner's image, now that the CI repository exists: the CI image by that digest.
    env = dict(root.env, AWS_ACCESS_KEY_ID=who["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=who["aws_secret_access_key"], AWS_SESSION_TOKEN=who.get("aws_session_token", ""))
    image = subprocess.run(["terraform", f"-chdir={root.path}", "console"], input="local.ci_image\n", capture_output=True, text=True, timeout=120, env=env).stdout.strip().strip('"')
    if not re.fullmatch(rf"{TOOLING_ACCOUNT}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/hn-reader-ci@{CI_IMAGE_DIGEST}", image):
        raise Failure(f"bootstrap: the runner's image must be the CI repository's image by tooling.ci_image_digest, is {image!r}")
    fig["runner_image"] = image
    fig["created"] = count_state(root, who)
    fig["apply_s"] = round(time.monotonic() - t)
    replan(root, who, [f"-target={a}" for a in targets], None, fig, gaps_file["attribute_gaps"])
    probe_gaps(root, who, fig["left_out_gaps"], [], gaps_file["moto"])
    return fig


def github_role_rights(moto: Moto, admin: dict, work: Path) -> str:
    """The GitHub roles' rights as IAM now holds them (tools/pipeline/role_rights_check.py):
    the build role ECR push only, each environment's roles that environment only."""
    iam = moto.client("iam", admin)
    roles = {}
    for role in iam.list_roles()["Roles"]:
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        if "token.actions.githubusercontent.com" not in json.dumps(trust):
            continue
        name = role["RoleName"]
        inline = []
        for pol in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=name, PolicyName=pol)["PolicyDocument"]
            inline.append(json.loads(doc) if isinstance(doc, str) else doc)
        attached = [a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        roles[name] = {"inline": inline, "attached": attached}
    (work / "github-roles.json").write_text(json.dumps(roles))
    proc = subprocess.run([sys.executable, str(ROOT / "tools/pipeline/role_rights_check.py"), str(work / "github-roles.json")],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise Failure(f"bootstrap: the GitHub roles grant more than their envelopes:\n{proc.stdout}{proc.stderr}")
    line = proc.stdout.strip().splitlines()[-1]
    log(line)
    return line


def plan_as_plan_role(main: Root, moto: Moto, plan_ci: dict, ws: str, fig: dict, gaps_file: dict) -> None:
    """What the pipeline's plan job does (deploy-env.yml): plan as the tooling plan role, the
    provider assuming the read-only hn-reader-plan role, with moto's IAM enforcement: every
    read a plan makes must be allowed to it; and the plan is empty too."""
    account = ACCOUNTS[ws]
    no_auth = set(fig.pop("no_auth"))
    enforced = [a for a in fig.pop("applied_targets") if strip_index(a) not in no_auth]
    sub = {}
    with moto.auth():
        replan(main, plan_ci, [f"-target={a}" for a in enforced], ["-var", f"terraform_role_arn=arn:aws:iam::{account}:role/hn-reader-plan"], sub, gaps_file["attribute_gaps"])
    fig["replan_as_plan_role_s"] = sub["replan_s"]
    if sub.get("replan_excused_attributes"):
        fig["replan_as_plan_role_excused_attributes"] = sub["replan_excused_attributes"]


POLICY_ATTRS = {"aws_iam_role_policy": "policy", "aws_iam_policy": "policy", "aws_kms_key": "policy", "aws_s3_bucket_policy": "policy",
                "aws_ecr_repository_policy": "policy", "aws_iam_role": "assume_role_policy"}


def state_json(root: Root) -> dict:
    return json.loads(root.tf(["show", "-json"], "plan").stdout)


def all_state_resources(state: dict) -> list[dict]:
    out, todo = [], [state.get("values", {}).get("root_module", {})]
    while todo:
        m = todo.pop()
        out += m.get("resources", [])
        todo += m.get("child_modules", [])
    return out


def policy_checks(iam_python: str, work: Path, ws: str, bootstrap: Root, deploy_role: Root, main: Root) -> list[str]:
    """The IAM check and the cross-resource rules on what was applied and planned."""
    states = {"bootstrap": state_json(bootstrap), "deploy-role": state_json(deploy_role), "main": state_json(main)}
    policies, deploy_docs, stack_role_docs, boundary = [], [], [], None
    for root, st in states.items():
        for r in all_state_resources(st):
            attr = POLICY_ATTRS.get(r["type"])
            if r["mode"] == "managed" and attr and r["values"].get(attr):
                doc = json.loads(r["values"][attr])
                policies.append({"name": f"{root}: {r['address']}", "document": doc})
                if root == "deploy-role" and r["type"] == "aws_iam_role_policy" and r["values"]["role"] == "hn-reader-deploy":
                    deploy_docs.append(doc)
                if root == "deploy-role" and r["address"] == "aws_iam_policy.boundary":
                    boundary = doc
                if root == "main" and r["type"] == "aws_iam_role_policy":
                    stack_role_docs.append({"name": r["address"], "document": doc})
    plan = json.loads((work / f"plan-{ws}.json").read_text())
    settings = plan["planned_values"]["outputs"]["workspace_settings"]["value"]  # a targeted apply skips outputs
    # Declared types (all must be in the table) and, by their provider, the regions of the
    # ones this workspace has instances of (whose calls are checked).
    declared, provider_of = set(), {}
    todo = [("", plan["configuration"]["root_module"])]
    while todo:
        prefix, m = todo.pop()
        for r in m.get("resources", []):
            declared.add(r["type"])
            provider_of[prefix + r["address"]] = r.get("provider_config_key", "")
        todo += [(f"{prefix}module.{k}.", c["module"]) for k, c in m.get("module_calls", {}).items()]
    types: dict[str, set] = {}
    instances = [(rc["address"], rc["type"]) for rc in plan.get("resource_changes", [])]
    instances += [(r["address"], r["type"]) for r in all_state_resources({"values": plan.get("prior_state", {}).get("values", {})}) if r["mode"] == "data"]
    for address, rtype in instances:
        key = strip_index(address)
        reg = ("us-east-1" if provider_of.get(key, "").endswith("us_east_1")
               else settings["standby_region"] if key.startswith("module.standby.") else settings["region"])
        types.setdefault(rtype, set()).add(reg)
    tags = next(r["values"]["tags_all"] for r in all_state_resources(states["main"]) if r["type"] == "aws_vpc")
    # Each regional stack names its resources with its own prefix (the standby's ends in its
    # region code): its ECS cluster's name.
    names = {(settings["standby_region"] if r["address"].startswith("module.standby") else settings["region"]): r["values"]["name"]
             for r in all_state_resources(states["main"]) if r["mode"] == "managed" and r["type"] == "aws_ecs_cluster"}
    inp = {"policies": policies, "deploy_role": deploy_docs, "types": {k: sorted(v) for k, v in types.items()}, "declared_types": sorted(declared), "env": ws,
           "names": names,
           "account": settings["account_id"], "region": settings["region"], "zone": settings.get("hosted_zone_id"),
           "boundary_arn": f"arn:aws:iam::{settings['account_id']}:policy/hn-reader-{ws}-boundary", "tags": tags,
           "stack_role_policies": stack_role_docs, "boundary": boundary}
    if boundary is None or not stack_role_docs:
        raise Failure(f"main {ws}: the boundary policy or the stack's role policies are not in the states")
    (work / f"iam-{ws}.json").write_text(json.dumps(inp))
    (work / f"state-{ws}.json").write_text(json.dumps(states["main"]))
    results = []
    for cmd in ([iam_python, str(ROOT / "tools/terraform/iam_check.py"), str(work / f"iam-{ws}.json")],
                [sys.executable, str(ROOT / "tools/terraform/cross_rules.py"), str(work / f"plan-{ws}.json"), str(work / f"state-{ws}.json")]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise Failure(f"main {ws}: {Path(cmd[1]).name} found problems:\n{proc.stdout}{proc.stderr}")
        results.append(proc.stdout.strip().splitlines()[-1])
        log(results[-1])
    return results


DESTROY_GAPS: list[dict] = []  # emulator-gaps.json "destroy_gaps", set by run()


def destroy_gaps(root: Root, who: dict, fig: dict, gaps: list[dict]) -> None:
    """Resources moto creates but cannot delete: each is first destroyed on its own, which
    must fail (else moto now deletes it and the entry must go), then forgotten."""
    forgotten, deletable = [], []
    for g in gaps:  # in the file's order: dependents first
        for address in [a for a in root.tf(["state", "list"], "init", who).stdout.split() if resource_type(a) == g["type"]]:
            res = root.tf(["destroy", *DESTROY_ARGS, f"-target={address}"], "destroy", who, check=False)
            if res.returncode == 0:
                deletable.append(address)
                continue
            root.tf(["state", "rm", address], "init", who)
            forgotten.append(address)
    if deletable:
        raise Failure(f"moto now deletes {deletable}: remove their types from destroy_gaps in tools/terraform/emulator-gaps.json")
    if forgotten:
        fig["destroy_left_to_moto"] = forgotten


def destroy_main(main: Root, moto: Moto, ci: dict, ws: str, fig: dict) -> None:
    """Destroy as the deploy role: what moto cannot authorize first, without enforcement.
    With deletion protection (int, prod) the operator's teardown: switch it off first (the
    load balancer's deletion protection, the buckets' force_destroy), then destroy."""
    main.tf(["workspace", "select", ws, "-no-color"], "init", ci)
    var_args: list[str] = []  # the recorded digest (release.tf)
    region_override = main.path / REGION_MODULE / "emulator_override.tf"
    root_override = main.path / "emulator_override.tf"
    in_state = main.tf(["state", "list"], "init", ci).stdout.split()
    albs = [a for a in in_state if regional(a, "aws_lb.this")]
    # The buckets of deletion-protected workspaces keep their objects (force_destroy = false),
    # and they have some: moto delivers S3 server access logs into the log bucket as AWS does
    # (moto/s3/models.py log_incoming_request), so prod's destroy failed with BucketNotEmpty.
    # static and logs are modules of the regional stack, cdn_logs one of the root.
    regional_buckets = [m for m in ("static", "logs") if any(regional(a, f"module.{m}.aws_s3_bucket.this") for a in in_state)]
    root_buckets = [m for m in ("cdn_logs",) if f"module.{m}.aws_s3_bucket.this" in in_state]
    if albs or regional_buckets or root_buckets:
        force_destroy = lambda names: "".join(f'\nmodule "{m}" {{\n  force_destroy = true\n}}\n' for m in names)  # noqa: E731
        region_override.write_text(region_override.read_text() + ('\nresource "aws_lb" "this" {\n  enable_deletion_protection = false\n}\n' if albs else "")
                                   + force_destroy(regional_buckets))
        root_override.write_text(root_override.read_text() + force_destroy(root_buckets))
        targets = albs + [a for a in in_state if any(regional(a, f"module.{m}.aws_s3_bucket.this") for m in regional_buckets)] \
            + [f"module.{m}.aws_s3_bucket.this" for m in root_buckets]
        with moto.auth():
            main.tf(["apply", "-auto-approve", "-input=false", "-no-color", *[f"-target={a}" for a in targets]], "apply", ci)
    destroy_gaps(main, ci, fig, DESTROY_GAPS)
    unenforced = fig["applied_without_iam_enforcement"]
    if unenforced:
        main.tf(["destroy", *DESTROY_ARGS, *var_args, *[f"-target={a}" for a in unenforced]], "destroy", ci)
    with moto.auth():
        destroy_once_more_if_gone(main, [*DESTROY_ARGS, *var_args], ci, fig)


def already_gone(text: str) -> list[str]:
    """The addresses whose delete failed because the object was gone already: moto 5.2.5 now and
    then answers a delete of a listener or a security group rule with NotFound at parallelism 20
    (ListenerNotFound in a dev destroy, InvalidPermission.NotFound in an int one, 2 of about 15
    destroys on 2026-12-01). [] unless every failed delete says so."""
    errors = re.findall(r"^Error: deleting [^(\n]*\(([^)\n]+)\)(.*?)(?=^Error: |\Z)", text, re.M | re.S)
    if not errors or not all(re.search(r"NotFound|does not exist", body) for _, body in errors):
        return []
    destroying = dict((oid, address) for address, oid in re.findall(r"^(\S+): Destroying\.\.\. \[id=([^\]]+)\]", text, re.M))
    addresses = [destroying.get(oid) for oid, _ in errors]
    return [] if None in addresses else sorted(set(addresses))


def destroy_once_more_if_gone(root: Root, args: list[str], who: dict, fig: dict) -> None:
    """The destroy; if all it failed on was already gone, those leave the state and it runs again."""
    res = root.tf(["destroy", *args], "destroy", who, check=False)
    if res.returncode == 0:
        return
    gone = already_gone(res.stdout)
    if not gone:
        raise Failure(f"{root.name}: terraform destroy failed ({res.returncode}):\n{tail(res.stdout)}")
    for address in gone:
        root.tf(["state", "rm", address], "init", who)
    fig["destroy_already_gone"] = gone
    root.tf(["destroy", *args], "destroy", who)


def resource_type(address: str) -> str:
    parts = [p for p in strip_index(address).split(".")]
    # module.x.module.y.TYPE.NAME -> TYPE
    while parts and parts[0] == "module":
        parts = parts[2:]
    return parts[0] if parts else ""


def main_() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--moto-server", required=True)
    p.add_argument("--gaps", required=True)
    p.add_argument("--workspace", action="append", default=None)
    p.add_argument("--iam-python", required=True, help="python with policy_sentry, for tools/terraform/iam_check.py")
    p.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    p.add_argument("--terraform-dir", default=str(ROOT / "terraform"), help="the tree to apply (default: terraform/)")
    args = p.parse_args()
    args.workspace = args.workspace or ["dev"]
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    return run(args)


if __name__ == "__main__":
    sys.exit(main_())
