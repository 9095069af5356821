#!/usr/bin/env python3
"""A stand-in of a deployed environment on 127.0.0.1 (an ephemeral port), as CloudFront in
front of the app answers: pages with the security headers, /healthz, hashed /pkg files with
Via: CloudFront and immutable caching. Each `break` makes one thing wrong; "no-failover"
(for the game day, not the smoke test) answers pages 503 while the stand-ins' state says int's
primary has no task, as a CloudFront without an origin group would.

  fake_deployment.py --serve [break]          prints the URL, serves until killed
  fake_deployment.py --self-test SMOKE.py     runs the smoke test against the good stand-in
                                              (must pass) and each broken one (must fail)
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading

HOME = b'<html><body><a href="/item/8863">story</a><script src="/pkg/hn-reader.0123456789abcdef.js"></script>' \
       b'<link rel="preload" href="/pkg/hn-reader.0123456789abcdef.wasm"></body></html>'
BREAKS = ["no-csp", "pkg-not-immutable", "healthz-down", "not-via-cdn", "no-story-link", "wasm-missing"]


def handler(broken: str | None):
    class H(http.server.BaseHTTPRequestHandler):
        server_version, sys_version = "CloudFront", ""
        def log_message(self, *args):
            pass

        def send(self, status: int, ctype: str, body: bytes, extra: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Via", "1.1 0123.cloudfront.net (CloudFront)" if broken != "not-via-cdn" else "1.1 proxy")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if broken == "no-failover" and primary_down():
                return self.send(503, "text/html", b"no healthy target")
            page_headers = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff",
                            "Referrer-Policy": "strict-origin-when-cross-origin", "Strict-Transport-Security": "max-age=63072000"}
            if broken == "no-csp":
                del page_headers["Content-Security-Policy"]
            if self.path == "/healthz":
                return self.send(503 if broken == "healthz-down" else 200, "text/plain", b"ok")
            if self.path.startswith("/pkg/"):
                if broken == "wasm-missing" and self.path.endswith(".wasm"):
                    return self.send(404, "text/plain", b"")
                ctype = "application/wasm" if self.path.endswith(".wasm") else "text/javascript"
                cache = "public, max-age=60" if broken == "pkg-not-immutable" else "public, max-age=31536000, immutable"
                return self.send(200, ctype, b"\0asm" if ctype == "application/wasm" else b"export{}", {"Cache-Control": cache})
            if self.path in ("/", "/new", "/status") or self.path.startswith("/item/"):
                body = HOME.replace(b"/item/8863", b"/about") if broken == "no-story-link" else HOME
                return self.send(200, "text/html; charset=utf-8", body, page_headers)
            self.send(404, "text/html", b"not found", page_headers)

        def do_POST(self):  # the Reload server function (the game-day drill posts to it)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/api/stories-html":
                return self.send(200, "text/plain; charset=utf-8", b"<ol></ol>")
            self.send(404, "text/plain", b"not found")
    return H


def primary_down() -> bool:
    """int's primary scaled to nothing, by the stand-in aws (tools/workflow-rehearsal/standin.py)."""
    state = os.environ.get("REHEARSAL_STATE")
    if not state or not os.path.exists(os.path.join(state, "state.json")):
        return False
    with open(os.path.join(state, "state.json")) as f:
        targets = json.load(f).get("scalable_targets", {})
    return targets.get("eu-west-1|service/hn-reader-int/hn-reader-int", {}).get("MaxCapacity", 1) == 0


def serve(broken: str | None) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(broken))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def self_test(smoke: str) -> int:
    env = dict(os.environ, SMOKE_ATTEMPTS="1", SMOKE_PAUSE="0")
    wrong = []
    for broken in [None, *BREAKS]:
        server, url = serve(broken)
        try:
            rc = subprocess.run([sys.executable, smoke, url], capture_output=True, text=True, timeout=60, env=env).returncode
        finally:
            server.shutdown()
        if (rc == 0) != (broken is None):
            wrong.append(broken or "good deployment")
    print(f"smoke self-test: good deployment passes, {len(BREAKS)} broken ones fail" if not wrong else f"smoke self-test: wrong verdict for {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    if sys.argv[1] == "--self-test":
        sys.exit(self_test(sys.argv[2]))
    srv, address = serve(sys.argv[2] if len(sys.argv) > 2 else None)
    print(address, flush=True)
    threading.Event().wait()
