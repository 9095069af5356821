#!/usr/bin/env python3
"""Container-equivalent smoke test for the hn-reader runtime image, without Docker.

It reads the Dockerfile's final stage (ENV, WORKDIR, USER, COPY --from, ENTRYPOINT, CMD,
EXPOSE, HEALTHCHECK), stages the host's release build into a temp dir laid out exactly as
the image (<tmp>/root/app/...), makes that tree read-only, and runs the entrypoint as the
Dockerfile's USER with the Dockerfile's ENV, the cwd at WORKDIR and a writable TMPDIR.
Deviations from the real container, all printed: loopback ports instead of 8080/9100 (they
may be busy here), HN_API_URL pointing at a local fake-hn, and PATH/TMPDIR, which the base
image and the /tmp mount provide in the container.

Usage:
  container_smoke.py                  parse + self-check + run against the host build
  container_smoke.py --parse-only     Dockerfile self-check only (no build needed)

Stdlib only (Python >= 3.9). Exit status 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dockerfile as dfp  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REQUIRED_ENV = {
    "LEPTOS_SITE_ADDR",
    "LEPTOS_SITE_ROOT",
    "LEPTOS_SITE_PKG_DIR",
    "LEPTOS_OUTPUT_NAME",
    "LEPTOS_HASH_FILES",
    "LEPTOS_ENV",
    "LOG_FORMAT",
    "RUST_LOG",
    "SHUTDOWN_GRACE_SECS",
}
OCI_LABELS = ("source", "revision", "version", "title")


class Results:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, name: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"PASS {name}" + (f": {detail}" if detail else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def note(self, msg: str) -> None:
        print(f"NOTE {msg}", flush=True)

    def summary(self) -> int:
        print(f"container smoke: {self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


# --------------------------------------------------------------------------- Dockerfile


def read_versions_env() -> dict[str, str]:
    out: dict[str, str] = {}
    p = REPO / "tools" / "versions.env"
    if p.exists():
        for line in p.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip().strip('"')
    return out


def dockerfile_checks(df: dfp.Dockerfile, r: Results) -> None:
    final = df.final
    problems = dfp.self_check(df)
    r.check(not problems, "dockerfile self-check (exec-form ENTRYPOINT/CMD/HEALTHCHECK, non-root USER, EXPOSE, pinned base)",
            "; ".join(problems) or f"USER {final.user}, ENTRYPOINT {final.entrypoint.argv}")
    missing = sorted(REQUIRED_ENV - final.env.keys())
    r.check(not missing, "dockerfile ENV has the runtime contract keys", f"missing {missing}" if missing else "")
    port = final.env.get("LEPTOS_SITE_ADDR", "").rsplit(":", 1)[-1]
    exposed = {e.split("/")[0] for e in final.expose}
    r.check(port in exposed, "EXPOSE matches the LEPTOS_SITE_ADDR port", f"EXPOSE {final.expose}, LEPTOS_SITE_ADDR port {port}")
    r.check(final.env.get("LEPTOS_SITE_ADDR", "").startswith("0.0.0.0:"), "LEPTOS_SITE_ADDR binds all interfaces in the container")
    labels = [f"org.opencontainers.image.{k}" for k in OCI_LABELS]
    missing_labels = [k for k in labels if k not in final.labels]
    r.check(not missing_labels, "OCI labels source/revision/version/title", f"missing {missing_labels}" if missing_labels else "")
    copies = [c for c in final.copies if c.from_stage]
    local = [c for c in final.copies if not c.from_stage]
    r.check(bool(copies) and not local, "runtime stage copies only build outputs (COPY --from)",
            ", ".join(f"{' '.join(c.sources)} -> {c.dest}" for c in final.copies))
    # The builder's Rust image tag must be the pinned toolchain.
    versions = read_versions_env()
    want = versions.get("RUST_TOOLCHAIN")
    rust_bases = [s.base for s in df.stages if s.base.split(":", 1)[0].rsplit("/", 1)[-1] == "rust"]
    ok = bool(want) and bool(rust_bases) and all(b.split(":", 1)[1].startswith(f"{want}-") or b.split(":", 1)[1] == want for b in rust_bases if ":" in b)
    r.check(ok, "builder Rust image tag equals RUST_TOOLCHAIN in tools/versions.env", f"{rust_bases} vs {want}")


def parser_unit_checks(r: Results) -> None:
    """The self-check must reject shell-form ENTRYPOINT and root users."""
    good = 'FROM x:1 AS b\nFROM y:2\nUSER 65532:65532\nEXPOSE 8080\nHEALTHCHECK CMD ["/a","h"]\nENTRYPOINT ["/a"]\n'
    cases = {
        "accepts a good runtime stage": (good, True),
        "rejects shell-form ENTRYPOINT": (good.replace('ENTRYPOINT ["/a"]', "ENTRYPOINT /a serve"), False),
        "rejects USER root": (good.replace("USER 65532:65532", "USER root"), False),
        "rejects USER 0:0": (good.replace("USER 65532:65532", "USER 0:0"), False),
        "rejects a missing USER": (good.replace("USER 65532:65532\n", ""), False),
        "rejects a root USER set after a non-root one": (good + "USER root\n", False),
        "rejects an unpinned runtime base": (good.replace("FROM y:2", "FROM y"), False),
    }
    for name, (text, want_ok) in cases.items():
        got_ok = not dfp.self_check(dfp.parse(text))
        r.check(got_ok == want_ok, f"parser self-test {name}")
    env = dfp.parse('FROM a:1\nENV A=1 B="two words" \\\n  C=${A}x\nENV D legacy value\n').final.env
    r.check(env == {"A": "1", "B": "two words", "C": "1x", "D": "legacy value"}, "parser self-test ENV forms", repr(env))


# --------------------------------------------------------------------------- staging


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def host_path_for(builder_path: str, builder_workdir: str, target_dir: Path) -> Path:
    """Map a builder-stage path (/build/target/release/x) to the host (target/release/x)."""
    p = PurePosixPath(builder_path)
    if not p.is_absolute():
        p = PurePosixPath(builder_workdir) / p
    rel = p.relative_to(builder_workdir)
    parts = rel.parts
    if parts and parts[0] == "target":
        return target_dir.joinpath(*parts[1:])
    return REPO.joinpath(*parts)


def staged(root: Path, image_path: str) -> Path:
    return root / PurePosixPath(image_path).relative_to("/")


def stage_tree(df: dfp.Dockerfile, root: Path, target_dir: Path, r: Results) -> bool:
    final = df.final
    ok = True
    for c in final.copies:
        if not c.from_stage:
            continue
        src_stage = df.stage(c.from_stage)
        for src in c.sources:
            host = host_path_for(src, src_stage.workdir, target_dir)
            dest = c.dest
            if dest.endswith("/") or len(c.sources) > 1:
                dest = str(PurePosixPath(dest) / PurePosixPath(src).name)
            out = staged(root, dest)
            if not host.exists():
                r.check(False, f"stage {src} -> {dest}", f"missing host file {host} (build it first)")
                ok = False
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            if host.is_dir():
                shutil.copytree(host, out, symlinks=False, dirs_exist_ok=True)
            else:
                shutil.copy2(host, out)
            print(f"     staged {host} -> {out}")
    return ok


def make_traversable(path: Path, stop: Path) -> None:
    """a+rx on every directory from `stop` down to `path`, so the app user can reach it."""
    for p in [path, *path.parents]:
        if p == stop.parent:
            break
        os.chmod(p, os.stat(p).st_mode | 0o555)


def make_read_only(root: Path) -> None:
    """chmod -R a-w, keeping read (and exec on dirs/executables) for everyone."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            mode = os.stat(p).st_mode
            os.chmod(p, (mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH) & ~0o222)
        os.chmod(dirpath, (os.stat(dirpath).st_mode | 0o555) & ~0o222)


def make_writable(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            p = Path(dirpath) / name
            os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            out[str(p.relative_to(root))] = (st.st_size, int(st.st_mtime_ns))
    return out


# What gcr.io/distroless/cc-debian12 provides: glibc 2.36 (libc, libm, ...), libgcc_s,
# libstdc++, libgomp and OpenSSL 3 (from Debian 12's packages).
DISTROLESS_CC_LIBS = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libgcc_s.so.1", "libstdc++.so.6",
    "libgomp.so.1", "libssl.so.3", "libcrypto.so.3",
}
DEBIAN12_GLIBC = (2, 36)


def check_runtime_libs(binary: Path, base: str, r: Results) -> None:
    """The binary must load on the runtime base: only its shared libraries, glibc <= 2.36."""
    if "distroless/cc-debian12" not in base:
        r.note(f"runtime base {base}: shared-library check skipped (only knows distroless cc-debian12)")
        return
    if not shutil.which("objdump"):
        r.note("objdump (binutils) not found: shared-library check skipped")
        return
    with open(binary, "rb") as f:
        if f.read(4) != b"\x7fELF":
            r.note(f"{binary.name} is not an ELF file: shared-library check skipped")
            return
    dyn = subprocess.run(["objdump", "-p", str(binary)], capture_output=True, text=True).stdout
    needed = set(re.findall(r"^\s*NEEDED\s+(\S+)", dyn, re.M))
    extra = sorted(needed - DISTROLESS_CC_LIBS)
    r.check(not extra, "binary needs only libraries the distroless cc base has", f"NEEDED {sorted(needed)}" + (f", missing {extra}" if extra else ""))
    syms = subprocess.run(["objdump", "-T", str(binary)], capture_output=True, text=True).stdout
    versions = {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_([0-9]+(?:\.[0-9]+)+)", syms)}
    newest = max(versions, default=(0,))
    r.check(newest <= DEBIAN12_GLIBC, "binary's glibc symbols fit Debian 12 (glibc 2.36)", "GLIBC_" + ".".join(map(str, newest)))


# --------------------------------------------------------------------------- HTTP


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


def wait_http(url: str, proc: subprocess.Popen, deadline_s: float, what: str) -> tuple[bool, str]:
    """Poll until `url` answers 200; give up at the deadline or when `proc` exits."""
    deadline = time.monotonic() + deadline_s
    last = "no answer"
    delay = 0.02
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False, f"{what} exited with {proc.returncode} before answering"
        try:
            status, _, _ = http_get(url, timeout=1.0)
            if status == 200:
                return True, ""
            last = f"HTTP {status}"
        except (OSError, urllib.error.URLError) as e:
            last = str(e)
        time.sleep(delay)  # poll interval, not synchronisation: readiness is the 200 above
        delay = min(delay * 2, 0.25)
    return False, f"{what} not ready within {deadline_s:.0f}s ({last})"


def header(headers: dict[str, str], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return ""


# --------------------------------------------------------------------------- main


def drop_privileges_argv(user: str) -> tuple[list[str], str]:
    """argv prefix that runs a command as the Dockerfile USER (uid[:gid])."""
    uid, _, gid = user.partition(":")
    if not uid.isdigit() or (gid and not gid.isdigit()):
        raise SystemExit(f"USER {user!r}: use numeric uid:gid (distroless/Kubernetes runAsNonRoot need it)")
    gid = gid or uid
    if os.geteuid() != 0:
        return [], f"not root here: running as the current uid {os.geteuid()} (unprivileged) instead of {uid}:{gid}"
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all"], f"setpriv uid {uid} gid {gid}"
    raise SystemExit("setpriv (util-linux) is required to drop privileges when running as root")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dockerfile", default=str(REPO / "Dockerfile"))
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR") or str(REPO / "target"),
                    help="host cargo target dir that the builder's /build/target maps to")
    ap.add_argument("--fake-hn", default=None, help="fake HN API binary (default <target>/release/fake-hn)")
    ap.add_argument("--parse-only", action="store_true", help="only parse and self-check the Dockerfile")
    ap.add_argument("--ready-timeout", type=float, default=30.0)
    ap.add_argument("--keep", action="store_true", help="keep the staged temp dir")
    ap.add_argument("--mock", action="store_true",
                    help="harness self-test: run against tests/smoke/mock stand-ins instead of the release build")
    a = ap.parse_args()

    r = Results()
    df = dfp.parse_file(a.dockerfile)
    final = df.final
    print(f"== Dockerfile {a.dockerfile}: {len(df.stages)} stages, runtime FROM {final.base}")
    print(f"     WORKDIR {final.workdir}  USER {final.user}  EXPOSE {' '.join(final.expose)}")
    print(f"     ENTRYPOINT {final.entrypoint.argv if final.entrypoint else None}  CMD {final.cmd.argv if final.cmd else None}")
    print(f"     ENV {json.dumps(final.env)}")
    dockerfile_checks(df, r)
    parser_unit_checks(r)
    if a.parse_only or r.failed:
        if r.failed and not a.parse_only:
            print("FAIL stopping: the Dockerfile self-check failed")
        return r.summary()

    mock_dir = None
    if a.mock:
        mock_dir = Path(tempfile.mkdtemp(prefix="hn-reader-smoke-mock-"))
        make_mock_target(mock_dir)
        a.target_dir = str(mock_dir)
        r.note(f"--mock: stand-in binaries from tests/smoke/mock in {mock_dir}, NOT the real release build")
    try:
        return smoke(a, df, r)
    finally:
        if mock_dir:
            shutil.rmtree(mock_dir, ignore_errors=True)


def make_mock_target(d: Path) -> None:
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    src = Path(__file__).resolve().parent / "mock"
    (d / "release").mkdir(parents=True)
    for name, script in (("hn-reader", "hn_reader.py"), ("fake-hn", "fake_hn.py")):
        out = d / "release" / name
        out.write_text(f"#!{py}\n" + (src / script).read_text())
        out.chmod(0o755)
    (d / "release" / "hash.txt").write_text("js: m0ck\nwasm: m0ck\ncss: m0ck\n")
    pkg = d / "site" / "pkg"
    pkg.mkdir(parents=True)
    for name in ("hn-reader.m0ck.wasm", "hn-reader.m0ck.js", "hn-reader.m0ck.css"):
        (pkg / name).write_text(name)
        (pkg / f"{name}.br").write_text(name)


def smoke(a, df: dfp.Dockerfile, r: Results) -> int:
    final = df.final
    target_dir = Path(a.target_dir).resolve()
    fake_hn = Path(a.fake_hn) if a.fake_hn else target_dir / "release" / "fake-hn"
    ep = final.entrypoint.argv
    argv_image = ep + (final.cmd.argv if final.cmd else [])
    # Fail fast, naming the files a release build must provide.
    needed = []
    for c in final.copies:
        if c.from_stage:
            for src in c.sources:
                needed.append(host_path_for(src, df.stage(c.from_stage).workdir, target_dir))
    needed.append(fake_hn)
    missing = [p for p in needed if not p.exists()]
    if missing:
        for p in missing:
            r.check(False, "release build present", f"missing {p}")
        print("     build it with: cargo leptos build --release --precompress  (server + site)")
        print("                    cargo build --release --features ssr --bin fake-hn")
        return r.summary()

    # Under /tmp (world-traversable) by default: the app user must reach the staged tree.
    base = Path(os.environ.get("SMOKE_TMP", "/tmp"))
    blocked = [str(p) for p in [base, *base.parents] if not os.stat(p).st_mode & stat.S_IXOTH]
    if blocked:
        r.check(False, "staging dir reachable by the app user", f"not traversable by others: {blocked} (set SMOKE_TMP)")
        return r.summary()
    tmp = Path(tempfile.mkdtemp(prefix="hn-reader-smoke-", dir=base))
    procs: list[subprocess.Popen] = []
    try:
        return run(a, df, r, tmp, target_dir, fake_hn, argv_image, procs)
    except Exception as e:  # report, don't traceback-and-hide the summary
        r.check(False, "smoke run", f"unexpected {type(e).__name__}: {e}")
        log = tmp / "app.log"
        if log.exists():
            print("---- app log (tail)")
            print(log.read_text(errors="replace")[-4000:])
        return r.summary()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if a.keep:
            print(f"kept {tmp}")
        else:
            make_writable(tmp)
            shutil.rmtree(tmp, ignore_errors=True)


def run(a, df: dfp.Dockerfile, r: Results, tmp: Path, target_dir: Path, fake_hn: Path,
        argv_image: list[str], procs: list[subprocess.Popen]) -> int:
    final = df.final
    ep = final.entrypoint.argv
    root = tmp / "root"
    tmpdir = tmp / "tmp"
    if True:
        print(f"== staging the image layout under {root}")
        if not stage_tree(df, root, target_dir, r):
            return r.summary()
        check_runtime_libs(staged(root, final.entrypoint.argv[0]), final.base, r)
        payload = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        r.note(f"image payload staged: {payload / 1e6:.1f} MB; estimated image = that + the distroless "
               f"cc-debian12 base (~23 MB uncompressed, an assumption: check with `docker image inspect`)")
        make_read_only(root)
        make_traversable(root, tmp)
        tmpdir.mkdir()
        prefix, how = drop_privileges_argv(final.user or "")
        uid, _, gid = (final.user or "").partition(":")
        if os.geteuid() == 0:
            os.chown(tmpdir, int(uid), int(gid or uid))
        os.chmod(tmpdir, 0o700 if os.geteuid() == 0 else 0o1777)
        before = snapshot(root)
        res = subprocess.run(prefix + ["test", "-w", str(root / "app")], capture_output=True)
        probe = subprocess.run(prefix + ["test", "-w", str(tmpdir)], capture_output=True)
        r.check(res.returncode != 0 and probe.returncode == 0, "app user cannot write the image tree, can write TMPDIR",
                f"test -w app: {res.returncode}, test -w TMPDIR: {probe.returncode}")

        # In-image paths -> staged paths for argv[0]; cwd is WORKDIR inside the staged tree.
        def to_host_argv(argv: list[str]) -> list[str]:
            out = list(argv)
            if out and out[0].startswith("/"):
                out[0] = str(staged(root, out[0]))
            return out

        cwd = staged(root, final.workdir)
        app_port = free_port()
        metrics_port = free_port()
        hn_port = free_port()
        env = dict(final.env)
        image_addr = env["LEPTOS_SITE_ADDR"]
        env["LEPTOS_SITE_ADDR"] = f"127.0.0.1:{app_port}"
        if "METRICS_ADDR" in env:
            env["METRICS_ADDR"] = f"127.0.0.1:{metrics_port}"
        env["HN_API_URL"] = f"http://127.0.0.1:{hn_port}/v0"
        env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        env["TMPDIR"] = str(tmpdir)
        r.note(f"LEPTOS_SITE_ADDR {image_addr} -> {env['LEPTOS_SITE_ADDR']} (the image's port may be busy on this host)")
        if "METRICS_ADDR" in final.env:
            r.note(f"METRICS_ADDR {final.env['METRICS_ADDR']} -> {env['METRICS_ADDR']} (same reason)")
        r.note(f"HN_API_URL={env['HN_API_URL']} (fake-hn), TMPDIR={tmpdir} (the container's /tmp), PATH as in the base image")
        r.note(f"user: {how}; staged tree read-only; cwd {cwd}")

        print(f"== fake upstream: {fake_hn} --addr 127.0.0.1:{hn_port}")
        fake_log = open(tmp / "fake-hn.log", "wb")
        fake = subprocess.Popen([str(fake_hn), "--addr", f"127.0.0.1:{hn_port}"], stdout=fake_log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        procs.append(fake)
        ok, why = wait_http(f"http://127.0.0.1:{hn_port}/v0/topstories.json", fake, a.ready_timeout, "fake-hn")
        if not r.check(ok, "fake-hn is up", why):
            print((tmp / "fake-hn.log").read_text(errors="replace")[-2000:])
            return r.summary()
        _, _, body = http_get(f"http://127.0.0.1:{hn_port}/v0/topstories.json")
        top_id = json.loads(body)[0]
        _, _, body = http_get(f"http://127.0.0.1:{hn_port}/v0/item/{top_id}.json")
        title = json.loads(body)["title"]
        r.note(f"top story from the fake upstream: {top_id} {title!r}")

        argv = prefix + to_host_argv(argv_image)
        print(f"== app: {' '.join(argv)}")
        app_log = open(tmp / "app.log", "wb")
        app = subprocess.Popen(argv, cwd=cwd, env=env, stdout=app_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        procs.append(app)
        base = f"http://127.0.0.1:{app_port}"

        ok, why = wait_http(f"{base}/healthz", app, a.ready_timeout, "hn-reader")
        if not r.check(ok, "/healthz answers 200", why):
            print((tmp / "app.log").read_text(errors="replace")[-4000:])
            return r.summary()
        status, _, body = http_get(f"{base}/healthz")
        r.check(status == 200 and body.strip() == b"ok", "/healthz body is ok", repr(body[:40]))

        hc = final.healthcheck.argv if final.healthcheck else ep + ["healthcheck"]
        hc_argv = prefix + to_host_argv(hc)
        t0 = time.monotonic()
        try:
            res = subprocess.run(hc_argv, cwd=cwd, env=env, capture_output=True, timeout=10)
            r.check(res.returncode == 0, f"HEALTHCHECK {hc} exits 0",
                    f"exit {res.returncode} in {time.monotonic() - t0:.2f}s {res.stderr.decode(errors='replace')[-300:]}")
        except subprocess.TimeoutExpired:
            r.check(False, f"HEALTHCHECK {hc} exits 0", "timed out after 10s")

        try:
            status, _, _ = http_get(f"{base}/readyz")
            r.check(status == 200, "/readyz answers 200 with the upstream up", f"HTTP {status}")
        except OSError as e:
            r.check(False, "/readyz answers 200 with the upstream up", str(e))

        status, headers, body = http_get(f"{base}/", {"Accept": "text/html"})
        page = body.decode("utf-8", errors="replace")
        r.check(status == 200 and "text/html" in header(headers, "Content-Type"), "GET / is 200 text/html",
                f"HTTP {status} {header(headers, 'Content-Type')}")
        r.check(title in html.unescape(page), "GET / renders the top story from the fake upstream", repr(title))

        status, headers, body = http_get(f"{base}/item/{top_id}", {"Accept": "text/html"})
        r.check(status == 200 and title in html.unescape(body.decode("utf-8", errors="replace")),
                f"GET /item/{top_id} renders the story page", f"HTTP {status}")

        # Hashed assets: the names in the staged site, and the HTML must point at them
        # (proves /app/hash.txt was found next to the binary).
        site_root = staged(root, str(PurePosixPath(final.workdir) / final.env["LEPTOS_SITE_ROOT"]))
        pkg = site_root / final.env["LEPTOS_SITE_PKG_DIR"]
        out_name = re.escape(final.env["LEPTOS_OUTPUT_NAME"])
        wasm = sorted(p.name for p in pkg.glob("*.wasm") if re.fullmatch(rf"{out_name}\.[A-Za-z0-9_-]+\.wasm", p.name))
        js = sorted(p.name for p in pkg.glob("*.js") if re.fullmatch(rf"{out_name}\.[A-Za-z0-9_-]+\.js", p.name))
        r.check(len(wasm) == 1, "staged site has one hashed .wasm", f"{wasm} in {pkg}")
        css = sorted(p.name for p in pkg.glob("*.css") if re.fullmatch(rf"{out_name}\.[A-Za-z0-9_-]+\.css", p.name))
        for names, kind in ((js, "JS"), (css, "CSS")):
            if names:
                r.check(names[0] in page, f"HTML references the hashed {kind} (hash file read)", names[0])
        if wasm:
            name = wasm[0]
            r.check((pkg / f"{name}.br").exists(), "precompressed .br sibling staged", f"{name}.br")
            url = f"{base}/{final.env['LEPTOS_SITE_PKG_DIR']}/{name}"
            status, headers, body = http_get(url, {"Accept-Encoding": "br"})
            cc = header(headers, "Cache-Control")
            r.check(status == 200 and header(headers, "Content-Encoding") == "br", f"GET /pkg/{name} with Accept-Encoding: br is brotli",
                    f"HTTP {status} Content-Encoding={header(headers, 'Content-Encoding')!r} ({len(body)} bytes)")
            r.check("immutable" in cc and "max-age=31536000" in cc, "hashed asset has immutable caching", f"Cache-Control={cc!r}")

        # Nothing may have been written into the (read-only) image tree.
        r.check(snapshot(root) == before, "nothing written to the image tree (only TMPDIR is writable)")

        grace = float(final.env.get("SHUTDOWN_GRACE_SECS", "20"))
        t0 = time.monotonic()
        app.send_signal(signal.SIGTERM)
        try:
            rc = app.wait(timeout=grace + 2)
            r.check(rc == 0, "SIGTERM -> clean exit 0 within the grace period",
                    f"exit {rc} after {time.monotonic() - t0:.2f}s (grace {grace:.0f}s)")
        except subprocess.TimeoutExpired:
            r.check(False, "SIGTERM -> clean exit 0 within the grace period", f"still running after {grace + 2:.0f}s")

        res = subprocess.run(hc_argv, cwd=cwd, env=env, capture_output=True, timeout=15)
        r.check(res.returncode != 0, "HEALTHCHECK fails once the server is gone", f"exit {res.returncode}")

        app_log.close()
        lines = [ln for ln in (tmp / "app.log").read_text(errors="replace").splitlines() if ln.strip()]
        json_lines = 0
        for ln in lines:
            try:
                json.loads(ln)
                json_lines += 1
            except ValueError:
                pass
        r.check(json_lines > 0 and json_lines == len(lines), "LOG_FORMAT=json: every log line is JSON",
                f"{json_lines}/{len(lines)} lines")
        if json_lines != len(lines) or r.failed:
            print("---- app log (tail)")
            print("\n".join(lines[-30:]))
        return r.summary()


if __name__ == "__main__":
    sys.exit(main())
