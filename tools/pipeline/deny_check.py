#!/usr/bin/env python3
"""deny.toml, offline (make deploy-check): the policy cargo deny enforces online is the one
intended, and every crate of Cargo.lock has a licence it allows.

  policy    advisories: yanked deny, unmaintained and unsound all, no ignored advisory;
            bans: wildcards deny; sources: only crates.io, no git
  licences  each package's licence expression (its Cargo.toml in cargo's registry cache)
            evaluated against [licenses].allow: OR needs one, AND all, "/" is the old OR,
            WITH names an exception. A package not in the cache is counted and reported,
            not guessed: make deny checks it online.

Usage: deny_check.py [--self-test]
"""

from __future__ import annotations

import glob
import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def allowed(expr: str, allow: set[str]) -> bool:
    tokens = re.findall(r"\(|\)|[A-Za-z0-9.+-]+(?: WITH [A-Za-z0-9.+-]+)?", expr.replace("/", " OR "))
    pos = 0

    def primary() -> bool:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            v = disjunction()
            pos += 1  # ")"
            return v
        return tok in allow

    def conjunction() -> bool:
        nonlocal pos
        v = primary()
        while pos < len(tokens) and tokens[pos] == "AND":
            pos += 1
            v = primary() and v
        return v

    def disjunction() -> bool:
        nonlocal pos
        v = conjunction()
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            v = conjunction() or v
        return v

    return disjunction()


def policy_problems(cfg: dict) -> list[str]:
    want = [
        (("advisories", "yanked"), "deny"), (("advisories", "unmaintained"), "all"), (("advisories", "unsound"), "all"),
        (("bans", "wildcards"), "deny"), (("sources", "unknown-registry"), "deny"), (("sources", "unknown-git"), "deny"),
    ]
    problems = []
    for (section, key), value in want:
        if cfg.get(section, {}).get(key) != value:
            problems.append(f"deny.toml: [{section}] {key} must be {value!r} (is {cfg.get(section, {}).get(key)!r})")
    if cfg.get("advisories", {}).get("ignore"):
        problems.append("deny.toml: [advisories] ignore must stay empty; fix or upgrade the crate instead")
    if cfg.get("sources", {}).get("allow-git"):
        problems.append("deny.toml: [sources] allow-git must stay empty")
    if cfg.get("sources", {}).get("allow-registry") != ["https://github.com/rust-lang/crates.io-index"]:
        problems.append("deny.toml: [sources] allow-registry must be crates.io only")
    return problems


def self_test() -> int:
    allow = {"MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception"}
    cases = {"MIT": True, "GPL-3.0": False, "MIT OR GPL-3.0": True, "MIT AND GPL-3.0": False, "MIT/Apache-2.0": True,
             "(MIT OR Apache-2.0) AND GPL-3.0": False, "Apache-2.0 WITH LLVM-exception OR GPL-3.0": True, "GPL-3.0 WITH LLVM-exception": False}
    bad = [e for e, want in cases.items() if allowed(e, allow) != want]
    print(f"deny check self-test: {len(cases) - len(bad)} of {len(cases)} licence expressions evaluated right" + (f"; wrong: {bad}" if bad else ""))
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--self-test"]:
        return self_test()
    cfg = tomllib.loads((ROOT / "deny.toml").read_text())
    problems = policy_problems(cfg)
    allow = set(cfg["licenses"]["allow"])
    lock = (ROOT / "Cargo.lock").read_text()
    packages = re.findall(r'^name = "([^"]+)"\nversion = "([^"]+)"\nsource = "registry\+', lock, re.M)
    cache = os.path.expanduser(os.environ.get("CARGO_HOME", "~/.cargo")) + "/registry/src/*"
    checked, absent = 0, []
    for name, version in packages:
        found = glob.glob(f"{cache}/{name}-{version}/Cargo.toml")
        if not found:
            absent.append(f"{name}-{version}")
            continue
        expr = tomllib.loads(Path(found[0]).read_text()).get("package", {}).get("license")
        checked += 1
        if not expr:
            problems.append(f"{name} {version}: no licence expression (a licence file only): decide and add a [[licenses.clarify]]")
        elif not allowed(expr, allow):
            problems.append(f"{name} {version}: licence {expr!r} is not allowed by deny.toml")
    for p in problems:
        print(p)
    note = f"; {len(absent)} not in cargo's cache (checked online by make deny)" if absent else ""
    print(f"deny check: policy as intended, {checked} of {len(packages)} crates' licences allowed{note}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
