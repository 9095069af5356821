"""A small Dockerfile parser: enough of the format to read the runtime stage back.

Stdlib only. It understands line continuations, comments, parser directives, the
`ENV k=v k2="v 2"` and legacy `ENV k v` forms, exec-form (JSON) vs shell-form
ENTRYPOINT/CMD/HEALTHCHECK, `COPY --from=... src... dst` and `${VAR}`/`$VAR`
substitution from ARG/ENV, as BuildKit does for ENV, WORKDIR, USER, COPY and EXPOSE.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath


class DockerfileError(Exception):
    pass


@dataclass
class Instruction:
    cmd: str  # upper-case keyword
    args: str  # raw argument text (continuations joined)
    lineno: int


@dataclass
class Command:
    """An ENTRYPOINT/CMD/HEALTHCHECK command."""

    exec_form: bool
    argv: list[str]  # exec form: the array; shell form: ["/bin/sh", "-c", text]
    raw: str


@dataclass
class Copy:
    from_stage: str | None
    sources: list[str]
    dest: str
    flags: dict[str, str]
    lineno: int


@dataclass
class Stage:
    index: int
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str | None = None
    copies: list[Copy] = field(default_factory=list)
    entrypoint: Command | None = None
    cmd: Command | None = None
    healthcheck: Command | None = None
    healthcheck_options: dict[str, str] = field(default_factory=dict)
    expose: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Dockerfile:
    global_args: dict[str, str]
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, ref: str) -> Stage:
        for s in self.stages:
            if s.name == ref or str(s.index) == ref:
                return s
        raise DockerfileError(f"no stage named {ref!r}")


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


def substitute(text: str, scope: dict[str, str]) -> str:
    """${VAR} / $VAR substitution (modifiers are accepted and ignored: keep values plain)."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return scope.get(name, "")

    return _VAR.sub(repl, text)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    escape = "\\"
    lines = text.splitlines()
    # Parser directives: only at the very top, before any instruction/comment.
    for line in lines:
        m = re.match(r"^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$", line)
        if not m:
            break
        if m.group(1).lower() == "escape":
            escape = m.group(2)
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comment lines inside a continuation are dropped
        if not buf:
            start = i
        if line.rstrip().endswith(escape):
            buf.append(line.rstrip()[: -len(escape)])
            continue
        buf.append(line)
        out.append((start, " ".join(part.strip() for part in buf if part.strip())))
        buf = []
    if buf:
        out.append((start, " ".join(part.strip() for part in buf if part.strip())))
    return out


def _parse_command(args: str) -> Command:
    s = args.strip()
    if s.startswith("["):
        try:
            argv = json.loads(s)
        except json.JSONDecodeError:
            argv = None
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            return Command(True, argv, s)
    return Command(False, ["/bin/sh", "-c", s], s)


def _parse_env(args: str, scope: dict[str, str]) -> dict[str, str]:
    tokens = shlex.split(args, posix=True)
    if tokens and "=" not in tokens[0]:
        # legacy form: ENV KEY value with spaces
        key, _, rest = args.strip().partition(" ")
        return {key: substitute(rest.strip(), scope)}
    out: dict[str, str] = {}
    for tok in tokens:
        if "=" not in tok:
            raise DockerfileError(f"cannot parse ENV token {tok!r}")
        k, v = tok.split("=", 1)
        out[k] = substitute(v, {**scope, **out})
    return out


def _split_flags(tokens: list[str]) -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    rest: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.startswith("--"):
            k, _, v = tok[2:].partition("=")
            flags[k] = v
        else:
            rest = tokens[i:]
            break
    return flags, rest


def parse(text: str) -> Dockerfile:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for lineno, line in _logical_lines(text):
        keyword, _, args = line.partition(" ")
        cmd = keyword.upper()
        args = args.strip()
        if cmd == "FROM":
            flags, rest = _split_flags(args.split())
            if not rest:
                raise DockerfileError(f"line {lineno}: FROM without an image")
            base = substitute(rest[0], global_args)
            name = rest[2] if len(rest) >= 3 and rest[1].upper() == "AS" else None
            parent = next((s for s in stages if s.name == base), None)
            st = Stage(index=len(stages), base=base, name=name)
            if parent is not None:  # FROM <earlier stage>: inherits its config
                st.env = dict(parent.env)
                st.workdir = parent.workdir
                st.user = parent.user
                st.entrypoint, st.cmd = parent.entrypoint, parent.cmd
            stages.append(st)
            continue
        if not stages:
            if cmd == "ARG":
                k, _, v = args.partition("=")
                global_args[k.strip()] = v.strip().strip('"')
                continue
            raise DockerfileError(f"line {lineno}: {cmd} before the first FROM")
        st = stages[-1]
        st.instructions.append(Instruction(cmd, args, lineno))
        scope = {**st.args, **st.env}
        if cmd == "ARG":
            k, eq, v = args.partition("=")
            k = k.strip()
            st.args[k] = v.strip().strip('"') if eq else global_args.get(k, "")
        elif cmd == "ENV":
            st.env.update(_parse_env(args, scope))
        elif cmd == "WORKDIR":
            wd = substitute(args, scope)
            st.workdir = str(PurePosixPath(st.workdir) / wd)
        elif cmd == "USER":
            st.user = substitute(args, scope)
        elif cmd in ("COPY", "ADD"):
            if args.lstrip().startswith("["):
                flags, paths = {}, json.loads(args)
            else:
                flags, paths = _split_flags(shlex.split(args))
            paths = [substitute(p, scope) for p in paths]
            if len(paths) < 2:
                raise DockerfileError(f"line {lineno}: {cmd} needs a source and a destination")
            dest = paths[-1]
            if not dest.startswith("/"):
                dest = str(PurePosixPath(st.workdir) / dest) + ("/" if dest.endswith("/") else "")
            st.copies.append(Copy(flags.get("from"), paths[:-1], dest, flags, lineno))
        elif cmd == "ENTRYPOINT":
            st.entrypoint = _parse_command(args)
            st.cmd = None  # Docker resets an inherited CMD when ENTRYPOINT is set
        elif cmd == "CMD":
            st.cmd = _parse_command(args)
        elif cmd == "HEALTHCHECK":
            if args.upper() == "NONE":
                st.healthcheck = None
                continue
            tokens = args.split(" ")
            opts: dict[str, str] = {}
            while tokens and tokens[0].startswith("--"):
                k, _, v = tokens.pop(0)[2:].partition("=")
                opts[k] = v
            rest = " ".join(tokens).strip()
            if not rest.upper().startswith("CMD"):
                raise DockerfileError(f"line {lineno}: HEALTHCHECK without CMD")
            st.healthcheck = _parse_command(rest[3:])
            st.healthcheck_options = opts
        elif cmd == "EXPOSE":
            st.expose.extend(substitute(args, scope).split())
        elif cmd == "LABEL":
            for tok in shlex.split(args):
                k, _, v = tok.partition("=")
                st.labels[k] = substitute(v, scope)
    if not stages:
        raise DockerfileError("no FROM instruction")
    return Dockerfile(global_args, stages)


def parse_file(path: str) -> Dockerfile:
    with open(path, encoding="utf-8") as f:
        return parse(f.read())


ROOT_USERS = {"", "0", "root"}


def is_root_user(user: str | None) -> bool:
    """True when USER is missing or names uid 0 / root (with or without a group)."""
    if user is None:
        return True
    name = user.split(":", 1)[0].strip()
    return name in ROOT_USERS


def self_check(df: Dockerfile) -> list[str]:
    """Problems that must fail the smoke test, whatever the host build looks like."""
    problems: list[str] = []
    st = df.final
    if st.entrypoint is None:
        problems.append("final stage has no ENTRYPOINT")
    elif not st.entrypoint.exec_form:
        problems.append(
            f"ENTRYPOINT is shell form ({st.entrypoint.raw!r}): the app would not be PID 1 "
            "and would not get SIGTERM; use the JSON exec form"
        )
    if st.cmd is not None and not st.cmd.exec_form:
        problems.append(f"CMD is shell form ({st.cmd.raw!r}); use the JSON exec form")
    if is_root_user(st.user):
        problems.append(f"final stage runs as root (USER {st.user!r}); set a non-root USER")
    if st.healthcheck is None:
        problems.append("final stage has no HEALTHCHECK")
    elif not st.healthcheck.exec_form:
        problems.append("HEALTHCHECK CMD is shell form; the distroless runtime has no shell")
    if not st.expose:
        problems.append("final stage has no EXPOSE")
    if not st.workdir.startswith("/"):
        problems.append(f"WORKDIR {st.workdir!r} is not absolute")
    base = st.base
    if ":" not in base.rsplit("/", 1)[-1] and "@" not in base or base.endswith(":latest"):
        problems.append(f"runtime base {base!r} is not pinned (tag or digest)")
    return problems
