#!/usr/bin/env python3
"""API smoke test of a deployed environment (make smoke-deployed URL=https://...), run by the
deploy job after each deploy; a failure fails the job and so stops the promotion.

  pages      /, /new, /item/<id of the first story on />, /status: 200, HTML
  health     /healthz: 200 through CloudFront
  headers    on pages: Content-Security-Policy, Strict-Transport-Security (https), X-Content-Type-Options
             nosniff, Referrer-Policy; no Server version leak
  /pkg       the hashed JS and WASM the page references: 200 from the CDN (Via/X-Cache: CloudFront
             unless --no-cdn), immutable Cache-Control, the right Content-Type

Each request has a 15 s timeout; the whole run retries a failing check up to 5 times, 10 s
apart, bounded (a fresh CloudFront deployment takes a few minutes to answer everywhere).
Usage: deployed.py URL [--no-cdn]
"""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.error
import urllib.request

TIMEOUT = 15
ATTEMPTS, PAUSE = int(os.environ.get("SMOKE_ATTEMPTS", "5")), int(os.environ.get("SMOKE_PAUSE", "10"))


class Check(Exception):
    pass


def get(url: str) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers={"User-Agent": "hn-reader-smoke/1", "Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def page(base: str, path: str) -> bytes:
    status, headers, body = get(base + path)
    if status != 200:
        raise Check(f"{path}: HTTP {status}")
    if "text/html" not in headers.get("content-type", ""):
        raise Check(f"{path}: Content-Type {headers.get('content-type')!r}, want text/html")
    want = {"content-security-policy": None, "x-content-type-options": "nosniff", "referrer-policy": None}
    if base.startswith("https://"):
        want["strict-transport-security"] = None
    for name, value in want.items():
        if name not in headers:
            raise Check(f"{path}: no {name} header")
        if value and headers[name].lower() != value:
            raise Check(f"{path}: {name} is {headers[name]!r}, want {value!r}")
    if re.search(r"\d", headers.get("server", "")):
        raise Check(f"{path}: Server header leaks a version: {headers['server']!r}")
    return body


def checks(base: str, cdn: bool) -> list[str]:
    done = []
    home = page(base, "/")
    done.append("/ 200 with security headers")
    page(base, "/new")
    done.append("/new 200")
    item = re.search(rb'href="/item/(\d+)"', home)
    if not item:
        raise Check("/: no link to a story (/item/<id>)")
    page(base, f"/item/{item.group(1).decode()}")
    done.append(f"/item/{item.group(1).decode()} 200")
    page(base, "/status")
    status, _, body = get(base + "/healthz")
    if status != 200:
        raise Check(f"/healthz: HTTP {status}")
    done.append("/healthz 200")
    assets = sorted(set(re.findall(rb'/pkg/[\w.-]+\.(?:js|wasm)', home)))
    if not any(a.endswith(b".js") for a in assets) or not any(a.endswith(b".wasm") for a in assets):
        raise Check(f"/: references no hashed /pkg JS and WASM (found {assets})")
    for a in assets:
        path = a.decode()
        status, headers, body = get(base + path)
        if status != 200 or not body:
            raise Check(f"{path}: HTTP {status}, {len(body)} bytes")
        if "immutable" not in headers.get("cache-control", ""):
            raise Check(f"{path}: Cache-Control {headers.get('cache-control')!r}, want immutable")
        kind = "application/wasm" if path.endswith(".wasm") else "javascript"
        if kind not in headers.get("content-type", ""):
            raise Check(f"{path}: Content-Type {headers.get('content-type')!r}, want {kind}")
        if cdn and "cloudfront" not in (headers.get("via", "") + headers.get("x-cache", "")).lower():
            raise Check(f"{path}: not served by CloudFront (Via {headers.get('via')!r}, X-Cache {headers.get('x-cache')!r})")
    done.append(f"{len(assets)} /pkg assets 200, immutable" + (", from CloudFront" if cdn else ""))
    return done


def main(argv: list[str]) -> int:
    base = argv[0].rstrip("/")
    cdn = "--no-cdn" not in argv
    for attempt in range(1, ATTEMPTS + 1):
        try:
            for line in checks(base, cdn):
                print(f"PASS {line}")
            print(f"smoke of {base}: passed")
            return 0
        except (Check, OSError) as e:
            print(f"attempt {attempt}/{ATTEMPTS}: {e}")
            if attempt < ATTEMPTS:
                time.sleep(PAUSE)  # bounded retry for a CDN still deploying, not a synchronisation
    print(f"smoke of {base}: FAILED")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
