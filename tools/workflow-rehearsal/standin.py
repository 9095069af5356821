#!/usr/bin/env python3
"""Recording stand-ins for docker, aws, terraform and gh (the rehearsal puts them first on PATH).

Each records its call in $REHEARSAL_STATE/calls.log and enforces what the real tool
requires of the workflows, failing like it would:
  docker     an image is in the local store only if `build` loaded it: with a buildx
             docker-container builder (after docker/setup-buildx-action) that needs --load;
             tag, push, inspect and create need the image in the store (create also pulls
             a pushed one). ECR tags are immutable.
  aws        ecr (login, describe-images, batch-get-image, put-image with immutable tags),
             sts assume-role, s3 sync (the bucket must exist), s3 cp (to and from the
             state bucket), logs (streams are created once), deploy (CodeDeploy, per
             region; "fail_codedeploy_region" in the state fails that region's), cloudwatch
             put-metric-data and ssm put-parameter (recorded: a region's release record
             is that region's own; overwriting needs --overwrite), application-autoscaling and ecs describe-services
             (a scalable target's capacity, the running count follows it).
  terraform  init, workspace, plan [-out], show, apply (refuses, as with TF_INPUT=0, when a
             variable without a default is not given), apply of a saved plan (as Terraform:
             no -var but the ephemeral ones, which must be given again if the plan had
             them; a plan made on an older state is stale), output, state list. apply
             "creates" what the outputs name, e.g. each region's static bucket (int and prod
             have a standby region, as in modules/settings).
  gh         api: a pull request's comments (list, post, edit), a run's jobs and their logs.
  curl       GitHub's OIDC token endpoint (only with ACTIONS_ID_TOKEN_REQUEST_URL, as GitHub
             gives it to jobs with id-token: write), Google's STS and IAM credentials token
             exchange (the audience must name a workload identity pool), and --connect-to
             readiness checks.
  terraform console and init -backend=false outside the main root (offline, no provider:
             modules/settings read by the scripts) run the real terraform.
State (images, registry, buckets, terraform outputs) is JSON in $REHEARSAL_STATE.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

STATE = Path(os.environ["REHEARSAL_STATE"])


def load() -> dict:
    f = STATE / "state.json"
    return json.loads(f.read_text()) if f.exists() else {"images": {}, "registry": {}, "buckets": [], "terraform": {}}


def save(state: dict) -> None:
    # Atomic: stand-ins run concurrently in pipes (aws ecr get-login-password | docker login).
    tmp = STATE / f"state.json.{os.getpid()}"
    tmp.write_text(json.dumps(state, indent=1))
    tmp.replace(STATE / "state.json")


def die(msg: str, code: int = 1) -> None:
    print(msg, file=sys.stderr)
    sys.exit(code)


def record(tool: str, args: list[str]) -> None:
    with (STATE / "calls.log").open("a") as f:
        f.write(json.dumps({"tool": tool, "args": args, "cwd": os.getcwd()}) + "\n")


# ---------------------------------------------------------------------------

def docker(args: list[str]) -> None:
    st = load()
    cmd = args[0] if args else ""
    if cmd == "info":
        print("Server Version: rehearsal")
    elif cmd == "build" or args[:2] == ["buildx", "build"]:
        rest = args[1:] if cmd == "build" else args[2:]
        tags = [rest[i + 1] for i, a in enumerate(rest) if a in ("--tag", "-t")]
        container_builder = os.environ.get("REHEARSAL_BUILDX") == "docker-container"
        loaded = "--load" in rest or "--output=type=docker" in rest or not container_builder
        digest = "sha256:" + hashlib.sha256(json.dumps(rest).encode()).hexdigest()
        if loaded:
            for t in tags:
                st["images"][t] = {"id": digest, "repo_digests": []}
            print(f"built {tags}")
        else:
            print("WARNING: No output specified with docker-container driver. Build result will only remain in the build cache.", file=sys.stderr)
    elif cmd == "image" and args[1] == "inspect":
        ref = args[-1]
        if ref not in st["images"]:
            die(f"Error: No such image: {ref}")
        fmt = args[args.index("--format") + 1] if "--format" in args else ""
        img = st["images"][ref]
        if "RepoDigests" in fmt:
            print("\n".join(img["repo_digests"]))
        elif "Size" in fmt:
            print("123456789")
        else:
            print(json.dumps(img))
    elif cmd == "tag":
        src, dst = args[1], args[2]
        if src not in st["images"]:
            die(f"Error response from daemon: No such image: {src}")
        st["images"][dst] = st["images"][src]
    elif cmd == "login":
        sys.stdin.read()
        print("Login Succeeded")
    elif cmd == "push":
        ref = args[1]
        if ref not in st["images"]:
            die(f"An image does not exist locally with the tag: {ref.rsplit(':', 1)[0]}")
        repo, tag = ref.rsplit(":", 1)
        reg = st["registry"].setdefault(repo, {})
        digest = st["images"][ref]["id"]
        if tag in reg and reg[tag] != digest:
            die(f"tag invalid: The image tag '{tag}' already exists in the '{repo.split('/', 1)[1]}' repository and cannot be overwritten because the repository is immutable.")
        reg[tag] = digest
        st["images"][ref]["repo_digests"].append(f"{repo}@{digest}")
        print(f"{tag}: digest: {digest} size: 1234")
    elif cmd == "create":
        ref = args[-1]
        if ref not in st["images"]:
            repo, _, digest = ref.partition("@")
            if digest not in st["registry"].get(repo, {}).values():
                die(f"Unable to find image '{ref}' locally\nError response from daemon: manifest unknown")
            st["images"][ref] = {"id": digest, "repo_digests": [ref]}
        print("c0ffee")
    elif cmd == "cp":
        src, dst = args[1], args[2]
        Path(dst).mkdir(parents=True, exist_ok=True)
        (Path(dst) / "hn-reader.0123456789abcdef.wasm").write_text("wasm")
        (Path(dst) / "hn-reader.0123456789abcdef.js").write_text("js")
    elif cmd == "rm":
        pass
    elif cmd == "image" and args[1] == "rm":
        st["images"].pop(args[-1], None)
    elif cmd == "pull":
        ref = args[-1]
        repo, _, digest = ref.partition("@")
        if digest not in st["registry"].get(repo, {}).values():
            die(f"Error response from daemon: manifest for {ref} not found: manifest unknown")
        st["images"][ref] = {"id": digest, "repo_digests": [ref]}
    else:
        die(f"docker stand-in: unsupported command {args}", 2)
    save(st)


def opt(args: list[str], name: str, default: str | None = None) -> str | None:
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def aws(args: list[str]) -> None:
    st = load()
    svc, op = (args + ["", ""])[:2]
    if (svc, op) == ("ecr", "get-login-password"):
        print("rehearsal-token")
    elif (svc, op) == ("ecr", "describe-images"):
        repo = opt(args, "--repository-name")
        ids = opt(args, "--image-ids", "")
        tag = re.search(r"imageTag=([^,\s]+)", ids)
        want_digest = re.search(r"imageDigest=(sha256:[0-9a-f]+)", ids)
        found = [(t, d) for r, tags in st["registry"].items() if r.endswith("/" + repo) for t, d in tags.items()]
        if tag:
            found = [(t, d) for t, d in found if t == tag.group(1)]
            if not found:
                die(f"An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {{imageTag:'{tag.group(1)}'}} does not exist", 254)
        if want_digest:
            found = [(t, d) for t, d in found if d == want_digest.group(1)]
            if not found:
                die("An error occurred (ImageNotFoundException) when calling the DescribeImages operation", 254)
        query = opt(args, "--query", "")
        if "imageDigest" in query:
            print(found[0][1])
        else:
            print(json.dumps({"imageDetails": [{"imageDigest": d, "imageTags": [t]} for t, d in found]}))
    elif (svc, op) == ("ecr", "batch-get-image"):
        print('{"schemaVersion": 2}')
    elif (svc, op) == ("ecr", "put-image"):
        repo, tag = opt(args, "--repository-name"), opt(args, "--image-tag")
        regs = [r for r in st["registry"] if r.endswith("/" + repo)]
        if not regs:
            die(f"An error occurred (RepositoryNotFoundException): repository {repo} not found", 254)
        reg = st["registry"][regs[0]]
        if repo.endswith("-pr"):  # the pull-request repository is mutable
            reg[tag] = opt(args, "--image-digest")
            return save(st)
        if tag in reg and reg[tag] == opt(args, "--image-digest"):
            die(f"An error occurred (ImageAlreadyExistsException) when calling the PutImage operation: Image with digest '{reg[tag]}' and tag '{tag}' already exists", 254)
        if tag in reg:
            die(f"An error occurred (ImageTagAlreadyExistsException) when calling the PutImage operation: The image tag '{tag}' already exists and cannot be overwritten because the repository is immutable.", 254)
        reg[tag] = opt(args, "--image-digest") or "sha256:manifest"
    elif (svc, op) == ("sts", "assume-role"):
        print("ASIAREHEARSAL secret token")
    elif (svc, op) == ("s3", "sync"):
        src, dst = args[2], args[3]
        bucket = dst.removeprefix("s3://").split("/", 1)[0]
        if bucket not in st["buckets"]:
            die(f"fatal error: An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not exist ({bucket})")
        if not Path(src).is_dir():
            die(f"The user-provided path {src} does not exist.", 255)
        st.setdefault("synced", []).append(bucket)
    elif (svc, op) == ("s3", "cp"):
        src, dst = [a for a in args[2:] if not a.startswith("--")][:2]
        store = STATE / "s3"
        if dst.startswith("s3://"):
            target = store / dst.removeprefix("s3://")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(Path(src).read_bytes())
        else:
            source = store / src.removeprefix("s3://")
            if not source.exists():
                die(f"fatal error: An error occurred (404) when calling the HeadObject operation: Key \"{src}\" does not exist")
            Path(dst).write_bytes(source.read_bytes())
    elif svc == "logs" and op == "create-log-stream":
        key = f"{opt(args, '--log-group-name')}|{opt(args, '--log-stream-name')}"
        logs = st.setdefault("logs", {})
        if key in logs:
            die("An error occurred (ResourceAlreadyExistsException) when calling the CreateLogStream operation: The specified log stream already exists", 254)
        logs[key] = []
    elif svc == "logs" and op == "put-log-events":
        key = f"{opt(args, '--log-group-name')}|{opt(args, '--log-stream-name')}"
        if key not in st.get("logs", {}):
            die("An error occurred (ResourceNotFoundException) when calling the PutLogEvents operation: The specified log stream does not exist.", 254)
        raw = opt(args, "--log-events")
        events = json.loads(Path(raw.removeprefix("file://")).read_text() if raw.startswith("file://") else raw)
        if len(json.dumps(events)) > 1_048_576 or len(events) > 10_000:
            die("An error occurred (InvalidParameterException): batch too large", 254)
        st["logs"][key] += [e["message"] for e in events]
    elif svc == "deploy" and op == "create-deployment":
        region = opt(args, "--region")
        st.setdefault("codedeploy", []).append({"region": region, "group": opt(args, "--deployment-group-name")})
        print(f"d-REHEARSAL-{region}")
    elif svc == "deploy" and op == "get-deployment":
        print("Failed" if st.get("fail_codedeploy_region") == opt(args, "--region") else "Succeeded")
    elif svc == "cloudwatch" and op == "put-metric-data":
        st.setdefault("metrics", []).append({"region": opt(args, "--region"), "namespace": opt(args, "--namespace"), "name": opt(args, "--metric-name"),
                                             "dimensions": opt(args, "--dimensions"), "value": opt(args, "--value")})
    elif svc == "ssm" and op == "put-parameter":
        key = f"{opt(args, '--region')}|{opt(args, '--name')}"
        records = st.setdefault("ssm_parameters", {})
        if key in records and "--overwrite" not in args:
            die("An error occurred (ParameterAlreadyExists) when calling the PutParameter operation", 254)
        records[key] = opt(args, "--value")
    elif svc == "application-autoscaling" and op == "describe-scalable-targets":
        key = f"{opt(args, '--region')}|{opt(args, '--resource-ids')}"
        t = st.setdefault("scalable_targets", {}).setdefault(key, {"MinCapacity": 2, "MaxCapacity": 4})
        print(json.dumps({"ScalableTargets": [dict(t, ResourceId=opt(args, "--resource-ids"))]}))
    elif svc == "application-autoscaling" and op == "register-scalable-target":
        key = f"{opt(args, '--region')}|{opt(args, '--resource-id')}"
        st.setdefault("scalable_targets", {})[key] = {"MinCapacity": int(opt(args, "--min-capacity")), "MaxCapacity": int(opt(args, "--max-capacity"))}
        st.setdefault("capacity_changes", []).append([key, int(opt(args, "--min-capacity")), int(opt(args, "--max-capacity"))])
    elif svc == "route53" and op == "change-resource-record-sets":
        st.setdefault("route53_changes", []).append(json.loads(opt(args, "--change-batch"))["Comment"])
        print("/change/C-REHEARSAL")
    elif svc == "route53" and op == "wait":
        pass
    elif svc == "ecs" and op == "describe-services":
        key = f"{opt(args, '--region')}|service/{opt(args, '--cluster')}/{opt(args, '--services')}"
        t = st.get("scalable_targets", {}).get(key, {"MinCapacity": 2})
        print(json.dumps({"services": [{"runningCount": t["MinCapacity"], "desiredCount": t["MinCapacity"]}]}))
    else:
        die(f"aws stand-in: unsupported command {args}", 2)
    save(st)


def second_cloud_terraform(args: list[str], st: dict) -> None:
    """terraform/dr-gcp: init, workspace, apply (recorded apart from the main root's), output."""
    ws_file = STATE / "workspace-dr-gcp"
    cmd = args[0]
    if cmd == "init":
        print("Terraform has been successfully initialized!")
    elif cmd == "workspace":
        ws_file.write_text(args[-1])
    elif cmd == "apply":
        digest = next(a.split("=", 1)[1] for i, a in enumerate(args) if i and args[i - 1] == "-var" and a.startswith("image_digest="))
        st.setdefault("second_cloud_applied", []).append({"workspace": ws_file.read_text(), "digest": digest})
    elif cmd == "output" and args[-1] == "-json":
        ws = ws_file.read_text()
        print(json.dumps({"addresses": {"value": {"IPV4": "192.0.2.10", "IPV6": "2001:db8::10"}},
                          "dns_authorization_record": {"value": {"name": f"_acme-challenge.{ws}.example.", "type": "CNAME", "data": "x.authorize.certificatemanager.goog."}}}))
    else:
        die(f"terraform stand-in (dr-gcp): unsupported command {args}", 2)
    save(st)


def curl(args: list[str]) -> None:
    url = next((a for a in args if a.startswith("https://")), "")
    if url.startswith("https://token.actions.rehearsal/"):
        if not os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"):
            die("curl: (6) Could not resolve host (no OIDC token: the job lacks id-token: write)", 6)
        print(json.dumps({"value": "github-oidc-jwt"}))
    elif url == "https://sts.googleapis.com/v1/token":
        audience = next((a.split("=", 1)[1] for a in args if a.startswith("audience=")), "")
        if not re.fullmatch(r"//iam\.googleapis\.com/projects/\d+/locations/global/workloadIdentityPools/github/providers/github", audience):
            die(f"curl: (22) The requested URL returned error: 400 (audience {audience})", 22)
        print(json.dumps({"access_token": "federated"}))
    elif url.startswith("https://iamcredentials.googleapis.com/"):
        print(json.dumps({"accessToken": "ya29.rehearsal"}))
    elif "--connect-to" in args:
        pass
    else:
        die(f"curl stand-in: unsupported {args}", 2)


def regions_of(ws: str) -> dict:
    """The main root's output regions: dev has one region, int and prod a standby (modules/settings)."""
    out = {}
    for key, region, name, repo_region in (("primary", "eu-west-1", f"hn-reader-{ws}", "eu-west-1"), ("standby", "eu-central-1", f"hn-reader-{ws}-euc1", "eu-central-1")):
        if key == "standby" and ws == "dev":
            continue
        codedeploy = None if ws == "dev" else {"application": name, "deployment_group": name, "task_definition_arn": "arn:td",
                                               "container_name": "app", "container_port": 8080, "timeout_minutes": 30, "test_listener_port": 8443}
        out[key] = {"region": region, "static_bucket": f"{name}-static-rehearsal", "ecs_cluster_name": name, "ecs_service_name": name,
                    "dashboard_url": f"https://{region}.console.example/", "codedeploy": codedeploy,
                    "ecr_repository_url": f"444444444444.dkr.ecr.{repo_region}.amazonaws.com/hn-reader",
                    "deployed_digest_parameter": f"/hn-reader/{ws}/release/deployed-digest"}
    return out


def required_variables(root: Path) -> list[str]:
    names = []
    for f in root.glob("*.tf"):
        for m in re.finditer(r'^variable "([^"]+)" \{(.*?)^\}', f.read_text(), re.M | re.S):
            if not re.search(r"^\s*default\s*=", m.group(2), re.M):
                names.append(m.group(1))
    return names


def ephemeral_variables(root: Path) -> set[str]:
    return {m.group(1) for f in root.glob("*.tf") for m in re.finditer(r'^variable "([^"]+)" \{(.*?)^\}', f.read_text(), re.M | re.S)
            if re.search(r"^\s*ephemeral\s*=\s*true", m.group(2), re.M)}


def gh(args: list[str]) -> None:
    st = load()
    if args[:1] != ["api"]:
        die(f"gh stand-in: unsupported command {args}", 2)
    method = opt(args, "--method", "GET")
    path = next(a for a in args[1:] if not a.startswith("-") and args[args.index(a) - 1] not in ("--method", "--jq", "-F"))
    jq = opt(args, "--jq", "")
    comments = st.setdefault("comments", {})
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", path):
        pr = comments.setdefault(m.group(1), [])
        if method == "GET":
            marker = re.search(r'startswith\(\"?(.*?)\"?\)\)', jq).group(1).replace('\\"', '"')
            print("\n".join(str(c["id"]) for c in pr if c["body"].startswith(marker)))
        else:
            body = Path(opt(args, "-F").split("=@", 1)[1]).read_text()
            pr.append({"id": 1000 + sum(len(v) for v in comments.values()), "body": body})
    elif m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", path):
        body = Path(opt(args, "-F").split("=@", 1)[1]).read_text()
        for pr in comments.values():
            for c in pr:
                if c["id"] == int(m.group(1)):
                    c["body"] = body
    elif m := re.fullmatch(r"repos/[^/]+/[^/]+/actions/runs/(\d+)/attempts/(\d+)/jobs", path):
        for job in st.get("jobs", {}).get(m.group(1), []):
            print(json.dumps(job))
    elif m := re.fullmatch(r"repos/[^/]+/[^/]+/actions/jobs/(\d+)/logs", path):
        print((STATE / "job-logs" / f"{m.group(1)}.log").read_text(), end="")
    else:
        die(f"gh stand-in: unsupported api call {method} {path}", 2)
    save(st)


def real_terraform(args: list[str]) -> None:
    """The real terraform, for what needs no provider and no backend."""
    here = Path(sys.argv[0]).resolve().parent
    for d in os.environ["PATH"].split(os.pathsep):
        exe = Path(d) / "terraform"
        if exe.is_file() and Path(d).resolve() != Path(sys.argv[0]).parent.resolve() and exe.resolve() != here / "standin.py":
            os.execv(str(exe), [str(exe), *args])
    die("terraform stand-in: no real terraform on PATH for an offline console", 2)


def terraform(args: list[str]) -> None:
    st = load()
    chdir = next((a.split("=", 1)[1] for a in args if a.startswith("-chdir=")), ".")
    root = Path(chdir).resolve()
    if "console" in args or ("init" in args and "-backend=false" in args):
        return real_terraform(args)
    args = [a for a in args if not a.startswith("-chdir=")]
    if root.name == "dr-gcp":
        return second_cloud_terraform(args, st)
    ws_file = STATE / "workspace"
    ws = ws_file.read_text() if ws_file.exists() else "default"
    cmd = args[0] if args else ""
    tfstate = st["terraform"].setdefault(ws, {})
    if cmd == "init":
        print("Terraform has been successfully initialized!")
    elif cmd == "workspace" and args[1] in ("select", "new"):
        name = args[-1]
        if args[1] == "select" and name not in st["terraform"] and "-or-create" not in args:
            die(f"Workspace \"{name}\" doesn't exist.")
        ws_file.write_text(name)
        st["terraform"].setdefault(name, {})
    elif cmd in ("apply", "plan"):
        given = {a.split("=", 1)[0] for i, a in enumerate(args) if i and args[i - 1] == "-var"}
        given |= {a[len("-var="):].split("=", 1)[0] for a in args if a.startswith("-var=")}
        given |= {k.removeprefix("TF_VAR_") for k in os.environ if k.startswith("TF_VAR_")}
        values = dict(a.split("=", 1) for i, a in enumerate(args) if i and args[i - 1] == "-var")
        planfile = next((a for a in args[1:] if not a.startswith("-") and (not args[args.index(a) - 1] == "-var")), None) if cmd == "apply" else None
        serial = tfstate.get("serial", 0)
        if planfile:
            saved = json.loads(Path(planfile).read_text())
            fixed = [v for v in given if v not in ephemeral_variables(root)]
            if fixed:
                die(f"Error: Can't set variables when applying a saved plan\n\nThe -var option cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created. ({fixed[0]})")
            for v in saved["ephemeral_set"]:
                if v not in given:
                    die(f"Error: No value for required variable\n\nThe ephemeral input variable \"{v}\" was set during the plan phase, and so must also be set during the apply phase.")
            if saved["workspace"] != ws or saved["serial"] != serial:
                die("Error: Saved plan is stale\n\nThe given plan file can no longer be applied because the state was changed by another operation after the plan was created.")
            values = dict(saved["values"], **values)
            targets = []
        else:
            missing = [v for v in required_variables(root) if v not in given]
            if missing and os.environ.get("TF_INPUT", "1") in ("0", "false") or missing and not sys.stdin.isatty():
                die(f"Error: No value for required variable\n\nThe root module input variable \"{missing[0]}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.")
            targets = [a.split("=", 1)[1] for a in args if a.startswith("-target=")]
        if ws == "default":
            die("Error: the default workspace is not used by this stack (modules/settings)")
        if cmd == "plan":
            out = next((a.split("=", 1)[1] for a in args if a.startswith("-out=")), None) or (args[args.index("-out") + 1] if "-out" in args else None)
            if out:
                Path(out).write_text(json.dumps({"workspace": ws, "serial": serial, "values": values,
                                                 "ephemeral_set": sorted(v for v in given if v in ephemeral_variables(root)), "nonce": os.urandom(4).hex()}))
            print("Plan: 3 to add, 1 to change, 0 to destroy.")
            return save(st)
        applied = st.setdefault("applied", [])
        applied.append({"workspace": ws, "digest": values.get("image_digest"), "saved_plan": bool(planfile), "role": values.get("terraform_role_arn")})
        tfstate["serial"] = serial + 1
        regions = regions_of(ws)
        tfstate["outputs"] = {"regions": regions, "deploy_role_arn": "arn:aws:iam::000000000000:role/hn-reader-deploy",
                              "recovery_objectives": {"region_loss_get_seconds": 6, "region_loss_post_seconds": 180},
                              "public_url": st.get("urls", {}).get(ws, f"https://{ws}.example/")}
        for r in regions.values():
            if (not targets or any("static" in t for t in targets)) and r["static_bucket"] not in st["buckets"]:
                st["buckets"].append(r["static_bucket"])
        if not targets:
            tfstate["applied"] = True
    elif cmd == "show":
        saved = json.loads(Path(args[-1]).read_text())
        print(f"  # aws_ecs_task_definition.app will be replaced (image {saved['values'].get('image_digest')})")
        print("Plan: 1 to add, 0 to change, 1 to destroy.")
    elif cmd == "output":
        name = args[-1]
        outs = dict(tfstate.get("outputs", {}), ecr_repository_url="444444444444.dkr.ecr.eu-west-1.amazonaws.com/hn-reader")
        if "-json" in args:
            print(json.dumps(outs.get(name)))
            return save(st)
        if name not in outs:
            die(f"Error: Output \"{name}\" not found")
        print(outs[name], end="" if "-raw" in args else "\n")
    elif cmd == "state" and args[1] == "list":
        print("\n".join(["module.primary.module.static.aws_s3_bucket.this"] if tfstate.get("outputs") else []))
    elif cmd == "version":
        print("Terraform v1.11.4 (rehearsal stand-in)")
    else:
        die(f"terraform stand-in: unsupported command {args}", 2)
    save(st)


def main() -> None:
    tool = Path(sys.argv[0]).name
    args = sys.argv[1:]
    record(tool, args)
    {"docker": docker, "aws": aws, "terraform": terraform, "gh": gh, "curl": curl}[tool](args)


if __name__ == "__main__":
    main()
