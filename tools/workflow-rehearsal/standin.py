#!/usr/bin/env python3
"""Recording stand-ins for docker, aws and terraform (the rehearsal puts them first on PATH).

Each records its call in $REHEARSAL_STATE/calls.log and enforces what the real tool
requires of the workflows, failing like it would:
  docker     an image is in the local store only if `build` loaded it: with a buildx
             docker-container builder (after docker/setup-buildx-action) that needs --load;
             tag, push, inspect and create need the image in the store (create also pulls
             a pushed one). ECR tags are immutable.
  aws        ecr (login, describe-images, batch-get-image, put-image with immutable tags),
             sts assume-role, s3 sync (the bucket must exist), deploy (CodeDeploy).
  terraform  init, workspace, apply (refuses, as with TF_INPUT=0, when a variable without
             a default is not given), output, state list. apply "creates" what the outputs
             name, e.g. the static bucket.
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
        found = [(t, d) for r, tags in st["registry"].items() if r.endswith("/" + repo) for t, d in tags.items()]
        if tag:
            found = [(t, d) for t, d in found if t == tag.group(1)]
            if not found:
                die(f"An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {{imageTag:'{tag.group(1)}'}} does not exist", 254)
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
    elif svc == "deploy" and op == "create-deployment":
        print("d-REHEARSAL")
    elif svc == "deploy" and op == "get-deployment":
        print("Succeeded")
    else:
        die(f"aws stand-in: unsupported command {args}", 2)
    save(st)


def required_variables(root: Path) -> list[str]:
    names = []
    for f in root.glob("*.tf"):
        for m in re.finditer(r'^variable "([^"]+)" \{(.*?)^\}', f.read_text(), re.M | re.S):
            if not re.search(r"^\s*default\s*=", m.group(2), re.M):
                names.append(m.group(1))
    return names


def terraform(args: list[str]) -> None:
    st = load()
    chdir = next((a.split("=", 1)[1] for a in args if a.startswith("-chdir=")), ".")
    args = [a for a in args if not a.startswith("-chdir=")]
    root = Path(chdir).resolve()
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
        missing = [v for v in required_variables(root) if v not in given]
        if missing and os.environ.get("TF_INPUT", "1") in ("0", "false") or missing and not sys.stdin.isatty():
            die(f"Error: No value for required variable\n\nThe root module input variable \"{missing[0]}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.")
        if cmd == "apply":
            targets = [a.split("=", 1)[1] for a in args if a.startswith("-target=")]
            if ws == "default":
                die("Error: the default workspace is not used by this stack (modules/settings)")
            bucket = f"hn-reader-{ws}-static-rehearsal"
            tfstate["outputs"] = {"static_bucket": bucket, "deploy_role_arn": f"arn:aws:iam::000000000000:role/hn-reader-deploy",
                                  "public_url": f"https://{ws}.example/", "dashboard_url": "https://console.example/"}
            if not targets or any("static" in t for t in targets):
                st["buckets"].append(bucket)
            if not targets:
                tfstate["applied"] = True
    elif cmd == "output":
        name = args[-1]
        outs = dict(tfstate.get("outputs", {}), codedeploy=None, ecr_repository_url="444444444444.dkr.ecr.eu-west-1.amazonaws.com/hn-reader")
        if "-json" in args:
            print(json.dumps(outs.get(name)))
            return save(st)
        if name not in outs:
            die(f"Error: Output \"{name}\" not found")
        print(outs[name], end="" if "-raw" in args else "\n")
    elif cmd == "state" and args[1] == "list":
        print("\n".join(["module.static.aws_s3_bucket.this"] if tfstate.get("outputs") else []))
    elif cmd == "version":
        print("Terraform v1.11.4 (rehearsal stand-in)")
    else:
        die(f"terraform stand-in: unsupported command {args}", 2)
    save(st)


def main() -> None:
    tool = Path(sys.argv[0]).name
    args = sys.argv[1:]
    record(tool, args)
    {"docker": docker, "aws": aws, "terraform": terraform}[tool](args)


if __name__ == "__main__":
    main()
