#!/usr/bin/env python3
"""What Terraform does not check in `moved` blocks (make tf-check).

`terraform plan` refuses a move whose `from` is still declared, but it accepts a `to` that
is not declared or whose index does not fit (it then plans to destroy the moved object).
So for every moved block under the given directories:
  * `to` is a resource declared in the module it names (local modules are followed);
  * its index fits: `[0]` needs `count`, `["key"]` needs `for_each`, no index needs neither
    (unless neither side has one: the whole resource moves, with every instance);
  * `from` is no longer declared;
  * a chain (A -> B, then a later move of B or of the module B is in) is followed to its end,
    and a whole module call may move (`to` is then a declared module call).

Usage: moved_check.py DIR...   |   moved_check.py --self-test
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import hcl2

STEP = re.compile(r'(module|[a-z][\w-]*)\.([\w-]+)(\[[^\]]*\])?')


def parse_dir(d: Path) -> dict:
    """{resources: {type.name: "count"|"for_each"|None}, modules: {name: dir}, moved: [(file, from, to)]}"""
    out = {"resources": {}, "modules": {}, "moved": []}
    for f in sorted(d.glob("*.tf")):
        doc = hcl2.loads(f.read_text())
        for block in doc.get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    rtype, name = unquote(rtype), unquote(name)
                    kind = "count" if "count" in body else "for_each" if "for_each" in body else None
                    out["resources"][f"{rtype}.{name}"] = kind
        for block in doc.get("module", []):
            for name, body in block.items():
                name, src = unquote(name), unquote(str(body.get("source", "")))
                if src.startswith(("./", "../")):
                    out["modules"][name] = (d / src).resolve()
        for body in doc.get("moved", []):
            out["moved"].append((f, unwrap(body["from"]), unwrap(body["to"])))
    return out


def unquote(s: str) -> str:
    # python-hcl2 keeps the quotes of labels and string values
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def unwrap(value) -> str:
    # python-hcl2 renders a bare address as "${aws_s3_bucket.x}"
    value = str(value)
    return value[2:-1] if value.startswith("${") and value.endswith("}") else value


def parsed(d: Path, cache: dict) -> dict:
    if d not in cache:
        cache[d] = parse_dir(d)
    return cache[d]


def resolve(d: Path, address: str, cache: dict):
    """(declared kind or "missing", index) of a resource address seen from module dir d."""
    steps = STEP.findall(address)
    if not steps:
        return "missing", None
    mod = d
    for kind, name, index in steps[:-1]:
        if kind != "module":
            return "missing", None
        decl = parsed(mod, cache)
        if name not in decl["modules"]:
            return "missing", None
        mod = decl["modules"][name]
    rtype, name, index = steps[-1]
    decl = parsed(mod, cache)
    if rtype == "module":
        return ("module" if name in decl["modules"] else "missing"), index
    key = f"{rtype}.{name}"
    if key not in decl["resources"]:
        return "missing", index
    return decl["resources"][key], index


def follow(address: str, moves: list) -> str:
    """Where a chain of moves ends: a later block moving the address, or the module call it is in
    (moves whose `from` is still declared are errors of their own, not links)."""
    for _ in range(len(moves)):
        for _, frm, to in moves:
            if address == frm or address.startswith((frm + ".", frm + "[")):
                address = to + address[len(frm):]
                break
        else:
            return address
    return address


def check(dirs: list[Path]) -> tuple[list[str], int]:
    errors, count, cache = [], 0, {}
    for top in dirs:
        for d in sorted({p.parent for p in top.rglob("*.tf") if ".terraform" not in p.parts}):
            decl = parsed(d, cache)
            links = [m for m in decl["moved"] if resolve(d, m[1], cache)[0] == "missing"]
            for f, frm, to in decl["moved"]:
                count += 1
                where = f"{f}: moved {frm} -> {to}"
                if resolve(d, frm, cache)[0] != "missing":
                    errors.append(f"{where}: `from` is still declared")
                kind, index = resolve(d, follow(to, links), cache)
                if kind == "module" and not index:
                    continue
                if kind == "missing":
                    errors.append(f"{where}: `to` is not a declared resource")
                    continue
                want = None if not index else "for_each" if index.startswith('["') else "count"
                whole = not index and not frm.endswith("]")  # every instance moves, whatever the kind
                if kind != want and not whole:
                    errors.append(f"{where}: index {index or '(none)'} does not fit a resource with {kind or 'neither count nor for_each'}")
    return errors, count


GOOD = """
resource "a" "x" { count = 1 }
resource "a" "y" { for_each = {} }
resource "a" "z" {}
module "m" { source = "./m" }
moved { from = a.old_x
  to = a.x[0] }
moved { from = a.old_y
  to = a.y["k"] }
moved { from = a.old_z
  to = a.z }
moved { from = a.old_m
  to = module.m.b.in_module }
module "n" { source = "./m" }
moved { from = a.old_chained
  to = module.old_n.b.in_module }
moved { from = module.old_n
  to = module.n }
"""
BAD = """
resource "a" "x" { count = 1 }
resource "a" "z" {}
module "m" { source = "./m" }
moved { from = a.z
  to = a.x[0] }
moved { from = a.old1
  to = a.nowhere }
moved { from = a.old2
  to = a.x["k"] }
moved { from = a.old3
  to = a.z[0] }
moved { from = a.old4
  to = module.m.b.not_there }
"""


def self_test() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for name, text in (("good", GOOD), ("bad", BAD)):
            d = Path(tmp, name)
            (d / "m").mkdir(parents=True)
            (d / "main.tf").write_text(text)
            (d / "m" / "main.tf").write_text('resource "b" "in_module" {}\n')
            results[name] = check([d])[0]
    ok = results["good"] == [] and len(results["bad"]) == 5
    if not ok:
        print("moved check self-test failed:", results, file=sys.stderr)
    return ok


def main(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        if not self_test():
            return 1
        print("moved check self-test: a good fixture passes, 5 planted mistakes are found")
        return 0
    errors, count = check([Path(a).resolve() for a in argv])
    for e in errors:
        print(e)
    print(f"moved check: {count} moved blocks, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
