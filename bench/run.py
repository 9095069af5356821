#!/usr/bin/env python3
"""`make bench`: measures the release build against a baseline, on loopback, in one run.

Everything is reported as a ratio to something measured in the same run, since absolute
numbers on a shared 2-core machine are noise. Writes bench/results/<date>.json.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
SITE = ROOT / "target" / "site"
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
COLD_RUNS = 5
UPSTREAM_DELAY_MS = 50
BIG_THREAD = "/item/10000"  # 400 comments in the fixtures


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 30.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=5).read()


def wait_until_up(url: str, process: subprocess.Popen, deadline_s: float = 30.0) -> float:
    """Seconds until `url` answers 200; polls, since this measures start-up itself."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if process.poll() is not None:
            sys.exit(f"bench: {process.args[0]} exited with {process.returncode}")
        try:
            if get(url, timeout=1.0)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.002)
    sys.exit(f"bench: {url} did not come up within {deadline_s}s")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_app(fake_url: str, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}",
        "LEPTOS_SITE_ROOT": str(SITE),
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_OUTPUT_NAME": "hn-reader",
        "LEPTOS_HASH_FILES": "true",
        "LEPTOS_ENV": "PROD",
        "HN_API_URL": fake_url,
        "LOG_FORMAT": "json",
        "RUST_LOG": "warn",
        "METRICS_ADDR": "off",
        **(extra_env or {}),
    }
    started = time.monotonic()
    process = subprocess.Popen([str(RELEASE / "hn-reader")], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/healthz", process)
    return process, url, time.monotonic() - started


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


LATENCY_RE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(url: str, headers: dict[str, str] | None = None) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url]
    for name, value in (headers or {}).items():
        args[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {p: float(v) * scale[u] for p, v, u in LATENCY_RE.findall(out)}
    return {
        "rps": rps,
        "p50_ms": latency.get("50", float("nan")),
        "p99_ms": latency.get("99", float("nan")),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def stalled_upstream(fake_base: str, fake_url: str) -> dict[str, object]:
    """Cached pages past their stale-while-revalidate window, with the upstream healthy and then
    accepting connections but never answering. The circuit breaker should keep the second close
    to the first."""
    ttl_s = 1
    ttls = {name: str(ttl_s) for name in ("CACHE_LIST_TTL_SECS", "CACHE_ITEM_TTL_SECS", "PAGE_CACHE_TTL_SECS")}
    app, url, _ = start_app(fake_url, ttls)
    try:
        assert get(f"{url}/")[0] == 200
        healthy = wrk(f"{url}/")
        post(f"{fake_base}/_control/stall")
        # Let every entry pass its TTL and revalidation window (2 x TTL), and the rendered page
        # its TTL, so each view must refresh.
        time.sleep(2 * ttl_s + 0.5)
        started = time.monotonic()
        status, body = get(f"{url}/")
        first_view_s = time.monotonic() - started
        assert status == 200 and b"Hacker News is unreachable" in body, status
        stalled = wrk(f"{url}/")
        started = time.monotonic()
        cold_status, _ = get(f"{url}/item/10077")
        cold_s = time.monotonic() - started
        breaker = json.loads(get(f"{url}/status.json")[1])["upstream"]["breaker"]
    finally:
        post(f"{fake_base}/_control/up")
        stop(app)
    return {
        "healthy": healthy,
        "stalled": stalled,
        "ratio": round(stalled["rps"] / healthy["rps"], 3),
        "first_view_ms": round(first_view_s * 1000, 1),
        "uncached_page_status": cold_status,
        "uncached_page_ms": round(cold_s * 1000, 1),
        "breaker_state": breaker["state"],
    }


def sizes() -> dict[str, int]:
    pkg = SITE / "pkg"
    bundle = [next(pkg.glob("hn-reader.*.wasm")), next(pkg.glob("hn-reader.*.js"))]
    raw = sum(p.stat().st_size for p in bundle)
    gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in bundle)
    br = sum(Path(f"{p}.br").stat().st_size for p in bundle)
    return {"wasm_js_raw": raw, "wasm_js_gzip": gz, "wasm_js_brotli": br, "binary": (RELEASE / "hn-reader").stat().st_size}


def main() -> None:
    for binary in ("hn-reader", "fake-hn", "bench-baseline"):
        if not (RELEASE / binary).exists():
            sys.exit(f"bench: target/release/{binary} is missing (make release)")
    results: dict[str, object] = {"date": datetime.date.today().isoformat(), "machine_cores": os.cpu_count()}

    fake_port = free_port()
    fake = subprocess.Popen([str(RELEASE / "fake-hn"), "--addr", f"127.0.0.1:{fake_port}"], stdout=subprocess.DEVNULL)
    fake_base = f"http://127.0.0.1:{fake_port}"
    wait_until_up(f"{fake_base}/_control/calls", fake)
    fake_url = f"{fake_base}/v0"
    try:
        # Start-up and memory.
        app, url, ready_s = start_app(fake_url)
        results["exec_to_first_200_ms"] = round(ready_s * 1000, 1)
        results["rss_idle_kib"] = rss_kib(app.pid)

        # Warm the cache, and keep the exact HTML for the baseline.
        workdir = Path(tempfile.mkdtemp(prefix="hn-bench-"))
        pages = {"/": workdir / "list.html", BIG_THREAD: workdir / "item.html"}
        for path, file in pages.items():
            status, body = get(url + path)
            assert status == 200, (path, status)
            file.write_bytes(body)
        wasm = next((SITE / "pkg").glob("hn-reader.*.wasm")).name

        base_port = free_port()
        page_args = [arg for path, file in pages.items() for arg in ("--page", f"{path}={file}")]
        baseline = subprocess.Popen(
            [str(RELEASE / "bench-baseline"), "--addr", f"127.0.0.1:{base_port}", *page_args], stdout=subprocess.DEVNULL
        )
        base_url = f"http://127.0.0.1:{base_port}"
        wait_until_up(f"{base_url}/", baseline)

        load = {
            "baseline_list": wrk(f"{base_url}/"),
            "list_page_cached": wrk(f"{url}/"),
            "baseline_item": wrk(f"{base_url}{BIG_THREAD}"),
            "item_page_400_comments_cached": wrk(f"{url}{BIG_THREAD}"),
            "wasm_asset_brotli": wrk(f"{url}/pkg/{wasm}", {"Accept-Encoding": "br"}),
        }
        results["load"] = load
        results["rss_after_load_kib"] = rss_kib(app.pid)
        results["page_bytes"] = {"list": pages["/"].stat().st_size, "item": pages[BIG_THREAD].stat().st_size}
        stop(baseline)
        stop(app)

        # Cold pages with a slow upstream: our parallel fan-out against the seed's 21 sequential calls.
        post(f"{fake_base}/_control/delay/{UPSTREAM_DELAY_MS}")
        started = time.monotonic()
        for path in ["topstories.json"] + [f"item/{10_000 + n}.json" for n in range(20)]:
            get(f"{fake_url}/{path}")
        seed_s = time.monotonic() - started
        cold = []
        for _ in range(COLD_RUNS):
            app, url, _ = start_app(fake_url)
            started = time.monotonic()
            status, _ = get(f"{url}/")
            cold.append(time.monotonic() - started)
            assert status == 200
            stop(app)
        post(f"{fake_base}/_control/reset")
        results["cold_list_page"] = {
            "upstream_delay_ms": UPSTREAM_DELAY_MS,
            "ours_median_ms": round(statistics.median(cold) * 1000, 1),
            "seed_sequential_21_calls_ms": round(seed_s * 1000, 1),
        }
        results["stalled_upstream"] = stalled_upstream(fake_base, fake_url)
        results["sizes_bytes"] = sizes()
    finally:
        fake.terminate()
        fake.wait(timeout=10)

    report(results)
    out = ROOT / "bench" / "results" / f"{results['date']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


def report(r: dict) -> None:
    load = r["load"]
    rows = [
        ("baseline: same list HTML from memory", load["baseline_list"], None),
        ("list page, cached", load["list_page_cached"], load["baseline_list"]),
        ("baseline: same item HTML from memory", load["baseline_item"], None),
        ("item page, 400 comments, cached", load["item_page_400_comments_cached"], load["baseline_item"]),
        ("hashed .wasm, brotli", load["wasm_asset_brotli"], None),
    ]
    print(f"\nhn-reader bench, {r['date']}, {r['machine_cores']} cores, wrk -c{CONNECTIONS} -d{DURATION}\n")
    print(f"{'what':42} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'of baseline':>12} {'non-2xx':>8}")
    for name, m, base in rows:
        ratio = f"{m['rps'] / base['rps']:.2f}" if base else ""
        print(f"{name:42} {m['rps']:10.0f} {m['p50_ms']:9.2f} {m['p99_ms']:9.2f} {ratio:>12} {m['non_2xx']:8d}")
    cold = r["cold_list_page"]
    speedup = cold["seed_sequential_21_calls_ms"] / cold["ours_median_ms"]
    print(f"\ncold list page, upstream +{cold['upstream_delay_ms']} ms per call:")
    print(f"  ours (parallel fan-out, median of {COLD_RUNS}): {cold['ours_median_ms']} ms")
    print(f"  the seed's 21 sequential calls:            {cold['seed_sequential_21_calls_ms']} ms  ({speedup:.1f}x slower)")
    st = r["stalled_upstream"]
    print("\ncached list page past its revalidation window, upstream stalled vs healthy:")
    print(f"  healthy {st['healthy']['rps']:.0f} req/s, stalled {st['stalled']['rps']:.0f} req/s: {st['ratio']:.2f} of healthy (target >= 0.8)")
    print(f"  first stalled view {st['first_view_ms']} ms (opens the breaker: {st['breaker_state']}); uncached page {st['uncached_page_status']} in {st['uncached_page_ms']} ms")
    s = r["sizes_bytes"]
    print(f"\nstart: exec to first 200 {r['exec_to_first_200_ms']} ms; RSS idle {r['rss_idle_kib'] / 1024:.1f} MiB, after load {r['rss_after_load_kib'] / 1024:.1f} MiB")
    print(f"WASM+JS: raw {s['wasm_js_raw']:,} B, gzip {s['wasm_js_gzip']:,} B, brotli {s['wasm_js_brotli']:,} B; binary {s['binary']:,} B")


if __name__ == "__main__":
    main()
