#!/usr/bin/env python3
"""First-apply ordering check (make tf-check).

Reads the rules of terraform/tests/ordering.txt and one `terraform graph` (DOT) per
workspace, and fails when a resource does not wait, directly or through other nodes, for
one it must (a race a first apply can lose), or when a rule matches nothing anywhere.

Usage: ordering_check.py RULES WORKSPACE=GRAPH.dot...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"')
NODE = re.compile(r'^\s*"([^"]+)" \[label=')


def read_graph(path: Path) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        if m := EDGE.match(line):
            deps.setdefault(m[1], set()).add(m[2])
            deps.setdefault(m[2], set())
        elif m := NODE.match(line):
            deps.setdefault(m[1], set())
    return deps


def closure(deps: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for d in deps.get(todo.pop(), ()):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def read_rules(path: Path) -> list[tuple[str, str, str]]:
    rules = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            waits, on, why = line.split(None, 2)
            rules.append((waits, on, why))
    return rules


def main(argv: list[str]) -> int:
    rules = read_rules(Path(argv[0]))
    graphs = {ws: read_graph(Path(p)) for ws, p in (a.split("=", 1) for a in argv[1:])}
    problems, checked = [], 0
    for waits, on, why in rules:
        matched = False
        for ws, deps in graphs.items():
            waiters = [n for n in deps if re.fullmatch(waits, n)]
            targets = [n for n in deps if re.fullmatch(on, n)]
            matched |= bool(waiters and targets)
            for w in waiters:
                before = closure(deps, w)
                for t in targets:
                    checked += 1
                    if t not in before:
                        problems.append(f"{ws}: {w} does not wait for {t}: {why}")
        if not matched:
            problems.append(f"rule matches nothing in any workspace: {waits} -> {on}")
    for p in problems:
        print(p)
    print(f"ordering check: {len(rules)} rules, {checked} resource pairs in {', '.join(graphs)}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
