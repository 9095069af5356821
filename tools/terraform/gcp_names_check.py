#!/usr/bin/env python3
"""Offline names check of terraform/dr-gcp against the google provider's schema (make tf-check).

The google provider is not in this machine's mirror, so `terraform validate` of the second
cloud's root runs online only (ci.yml). Offline, every resource type, data source, provider
block, argument and nested block used must exist in the schema of hashicorp/google 6.50.0,
as listed by the npm package @cdktf/provider-google 16.12.1 (tools/gcp-schema, installed by
scripts/terraform-tools.sh into .tools/gcp-schema): it is generated from that schema, and for each resource the
generated `*ToHclTerraform` functions list every argument name, whether it is a block, and
which function describes each nested block. (Attribute references are not checked.)

Usage:
  gcp_names_check.py [--node-modules DIR] [--cache FILE] DIR...   check .tf files (recursive)
  gcp_names_check.py --self-test                                   fixtures must behave

Exit status: 0 = all names known, 1 = unknown names (or self-test failure), 2 = setup error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import hcl2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = HERE / "gcp-names-fixtures"
PACKAGES = {
    # package dir under node_modules -> provider local name (resource type prefix)
    "@cdktf/provider-google": "google",
}

# Meta-arguments Terraform itself accepts on every resource / data source.
META_ARGS = {"count", "for_each", "provider", "depends_on"}
META_BLOCKS = {"lifecycle", "provisioner", "connection"}
LIFECYCLE = {
    "attrs": {"create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by"},
    "blocks": {"precondition", "postcondition"},
}
PROVIDER_META = {"alias", "version"}

# Built-in resources (terraform.io/builtin/terraform) - tiny, written out by hand.
BUILTIN_RESOURCES = {
    "terraform_data": {"input", "triggers_replace"},
}

# ---------------------------------------------------------------------------
# Schema extraction from the generated JavaScript
# ---------------------------------------------------------------------------

RES_TYPE_RE = re.compile(r'^(\w+)\.tfResourceType = "([^"]+)";', re.M)
FUNC_RE = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{", re.M)
ATTR_RE = re.compile(
    r'^\s+"?([A-Za-z_][\w-]*)"?: \{\n\s+value: (.*),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",',
    re.M,
)
ANY = "*"  # schema says "any": cdktf gave up on the shape (e.g. recursive WAF statements)
BLOCK_FN_RE = re.compile(r"(?<![.\w])(\w+)ToHclTerraform")


def _parse_attrs(body: str, ns: str) -> dict:
    """{name: None (argument) | "ns:function" (block) | "" (block, shape unknown) | ANY}"""
    out = {}
    start = body.find("const attrs = {")
    if start < 0:
        return out
    for m in ATTR_RE.finditer(body, start):
        name, value, is_block = m.group(1), m.group(2), m.group(3) == "true"
        if m.group(5) == "any":
            out[name] = ANY
        elif not is_block:
            out[name] = None
        else:
            fns = [f for f in BLOCK_FN_RE.findall(value)]
            out[name] = f"{ns}:{fns[0]}" if fns else ""
    return out


def extract_package(pkg_dir: Path, ns: str) -> dict:
    functions: dict[str, dict] = {}
    resources: dict[str, str] = {}
    data_sources: dict[str, str] = {}
    providers: dict[str, str] = {}
    lib = pkg_dir / "lib"
    for d in sorted(p for p in lib.iterdir() if p.is_dir()):
        js = d / "index.js"
        if not js.is_file():
            continue
        text = js.read_text(encoding="utf-8")
        m = RES_TYPE_RE.search(text)
        if not m:
            continue
        tf_type = m.group(2)
        # nested-block functions
        for f in FUNC_RE.finditer(text):
            end = text.find("\n}\n", f.end())
            functions[f"{ns}:{f.group(1)}"] = _parse_attrs(text[f.end() : end if end > 0 else None], ns)
        # the top-level arguments: synthesizeHclAttributes() of the class
        s = text.find("synthesizeHclAttributes() {")
        if s < 0:
            continue
        e = text.find("\n    }\n", s)
        key = f"{ns}:__top__{d.name}"
        functions[key] = _parse_attrs(text[s:e], ns)
        if d.name == "provider":
            providers[tf_type] = key
        elif d.name.startswith("data-"):
            data_sources[tf_type] = key
        else:
            resources[tf_type] = key
    return {"functions": functions, "resources": resources, "data": data_sources, "providers": providers}


def load_schema(node_modules: Path, cache: Path | None) -> dict:
    versions = {}
    for pkg in PACKAGES:
        pj = node_modules / pkg / "package.json"
        if not pj.is_file():
            sys.exit(f"gcp-names-check: {pj} missing - scripts/terraform-tools.sh installs it (npm ci in tools/gcp-schema)")
        versions[pkg] = json.loads(pj.read_text())["version"]
    if cache and cache.is_file():
        try:
            data = json.loads(cache.read_text())
            if data.get("versions") == versions:
                return data
        except (OSError, ValueError):
            pass
    merged = {"versions": versions, "functions": {}, "resources": {}, "data": {}, "providers": {}}
    for pkg in PACKAGES:
        part = extract_package(node_modules / pkg, PACKAGES[pkg])
        for k in ("functions", "resources", "data", "providers"):
            merged[k].update(part[k])
    if len(merged["resources"]) < 500:
        sys.exit("gcp-names-check: schema extraction found too few google resources - generated code layout changed?")
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(merged))
        tmp.replace(cache)
    return merged


# ---------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _is_block_list(v) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(isinstance(x, dict) and x.get("__is_block__") for x in v)


def _items(body: dict):
    for k, v in body.items():
        if k.startswith("__") and k.endswith("__"):
            continue
        yield k, v


class Checker:
    def __init__(self, schema: dict):
        self.schema = schema
        self.fn = schema["functions"]
        self.errors: list[str] = []
        self.unchecked: set[str] = set()
        self.counts = {"resources": 0, "data": 0, "providers": 0, "names": 0}

    def err(self, where: str, msg: str):
        self.errors.append(f"{where}: {msg}")

    def check_body(self, body: dict, fn_key: str, where: str, top: bool, kind: str = "resource"):
        spec = self.fn.get(fn_key)
        if spec is None:
            self.unchecked.add(where)
            return
        for name, value in _items(body):
            self.counts["names"] += 1
            here = f"{where}.{name}"
            block = _is_block_list(value)
            if top and kind in ("resource", "data") and name in META_ARGS and not block:
                continue
            if top and kind in ("resource", "data") and name in META_BLOCKS and block:
                if name == "lifecycle":
                    for b in value:
                        for ln, lv in _items(b):
                            ok = ln in LIFECYCLE["blocks"] if _is_block_list(lv) else ln in LIFECYCLE["attrs"]
                            if not ok:
                                self.err(f"{here}.{ln}", "unknown lifecycle argument")
                continue
            if top and kind == "provider" and name in PROVIDER_META and not block:
                continue
            if name == "dynamic" and isinstance(value, list):
                for b in value:
                    for label, dyn in _items(b):
                        bname = _unquote(label)
                        dhere = f"{where}.dynamic[{bname}]"
                        if bname not in spec:
                            self.err(dhere, f"unknown block '{bname}'")
                            continue
                        if spec[bname] == ANY:
                            self.unchecked.add(f"{dhere} (schema type 'any')")
                            continue
                        if spec[bname] is None:
                            self.err(dhere, f"'{bname}' is an argument, not a block")
                            continue
                        for dk, dv in _items(dyn):
                            if dk == "content" and _is_block_list(dv):
                                for c in dv:
                                    self._nested(c, spec[bname], dhere)
                            elif dk in ("for_each", "iterator", "labels") and not _is_block_list(dv):
                                pass
                            else:
                                self.err(f"{dhere}.{dk}", "unknown argument of a dynamic block")
                continue
            if name not in spec:
                self.err(here, "unknown " + ("block" if block else "argument"))
                continue
            if spec[name] == ANY:
                self.unchecked.add(f"{here} (schema type 'any')")
                continue
            if block and spec[name] is None:
                self.err(here, "is an argument, written as a block")
                continue
            if not block and spec[name] is not None:
                # `name = [...]` for a block is only legal for a few legacy "attributes as blocks"
                self.err(here, "is a block, written as an argument")
                continue
            if block:
                for b in value:
                    self._nested(b, spec[name], here)

    def _nested(self, body: dict, fn_key: str, where: str):
        if not fn_key:
            self.unchecked.add(where)
            return
        self.check_body(body, fn_key, where, top=False)

    def check_file(self, path: Path):
        try:
            doc = hcl2.loads(path.read_text(encoding="utf-8"))
        except Exception as e:  # noqa: BLE001 - report any parse error as a failure
            self.err(str(path), f"HCL parse error: {e}")
            return
        for kind, key in (("resource", "resources"), ("data", "data")):
            for entry in doc.get(kind, []):
                for rtype_q, named in _items(entry):
                    rtype = _unquote(rtype_q)
                    for rname_q, body in _items(named):
                        where = f"{path}: {'data.' if kind == 'data' else ''}{rtype}.{_unquote(rname_q)}"
                        self.counts[key] += 1
                        if kind == "resource" and rtype in BUILTIN_RESOURCES:
                            for n, _ in _items(body):
                                if n not in BUILTIN_RESOURCES[rtype] | META_ARGS | META_BLOCKS:
                                    self.err(f"{where}.{n}", "unknown argument")
                            continue
                        prefix = rtype.split("_", 1)[0]
                        if prefix not in PACKAGES.values():
                            self.unchecked.add(f"{where} (provider '{prefix}' has no schema here)")
                            continue
                        fn_key = self.schema[key].get(rtype)
                        if fn_key is None:
                            self.err(where, f"unknown {'data source' if kind == 'data' else 'resource type'} '{rtype}'")
                            continue
                        self.check_body(body, fn_key, where, top=True, kind=kind)
        for entry in doc.get("provider", []):
            for pname_q, body in _items(entry):
                pname = _unquote(pname_q)
                where = f"{path}: provider.{pname}"
                self.counts["providers"] += 1
                fn_key = self.schema["providers"].get(pname)
                if fn_key is None:
                    self.unchecked.add(where)
                    continue
                self.check_body(body, fn_key, where, top=True, kind="provider")


def tf_files(dirs: list[str]):
    for d in dirs:
        p = Path(d)
        if p.is_file():
            yield p
            continue
        for f in sorted(p.rglob("*.tf")):
            if ".terraform" in f.parts:
                continue
            yield f


def run(dirs: list[str], schema: dict) -> Checker:
    c = Checker(schema)
    for f in tf_files(dirs):
        c.check_file(f)
    return c


def self_test(schema: dict) -> int:
    ok = True
    good = run([str(FIXTURES / "good")], schema)
    if good.errors:
        ok = False
        print("self-test FAIL: fixtures/good should pass, got:")
        for e in good.errors:
            print("  " + e)
    bad = run([str(FIXTURES / "bad")], schema)
    expected = json.loads((FIXTURES / "bad" / "expected.json").read_text())
    got = [re.sub(r"^.*?gcp-names-fixtures/bad/", "", e) for e in bad.errors]
    missing = [x for x in expected if not any(x in g for g in got)]
    extra = [g for g in got if not any(x in g for x in expected)]
    if missing or extra:
        ok = False
        print("self-test FAIL: fixtures/bad did not report exactly the planted mistakes")
        for m in missing:
            print("  not reported: " + m)
        for x in extra:
            print("  unexpected:   " + x)
    print(f"self-test: {'ok' if ok else 'FAILED'} ({len(bad.errors)} planted mistakes reported, good fixture clean: {not good.errors})")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("--node-modules", default=str(ROOT / ".tools" / "gcp-schema" / "node_modules"))
    ap.add_argument("--cache", default=str(ROOT / ".tools" / "gcp-schema-cache.json"))
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    schema = load_schema(Path(a.node_modules), Path(a.cache) if a.cache else None)
    vers = ", ".join(f"{k}@{v}" for k, v in schema["versions"].items())
    if a.self_test:
        return self_test(schema)
    if not a.dirs:
        ap.error("give at least one directory")
    c = run(a.dirs, schema)
    for e in c.errors:
        print("  UNKNOWN " + e)
    if a.verbose:
        for u in sorted(c.unchecked):
            print("  unchecked " + u)
    n = c.counts
    print(
        f"names check ({vers}): {n['resources']} resources, {n['data']} data sources, "
        f"{n['providers']} provider blocks, {n['names']} argument/block names; "
        f"{len(c.errors)} unknown, {len(c.unchecked)} unchecked"
    )
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())
