#!/usr/bin/env python3
"""`make bench`: measures the release build against baselines, on loopback, in one run.

Everything is reported as a ratio to something measured in the same run, since absolute
numbers on a shared 2-core machine are noise. The ceilings are nginx serving the very bytes the
app just rendered (plain, and gzip_static for compressed requests) and plain axum serving them
from memory. Writes bench/results/<date>.json and Lighthouse reports beside it.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
SITE = ROOT / "target" / "site"
RESULTS = ROOT / "bench" / "results"
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
BURST_CONNECTIONS = int(os.environ.get("BENCH_BURST_CONNECTIONS", "5000"))
COLD_RUNS = 5
LIGHTHOUSE_RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "3"))
LIGHTHOUSE_ATTEMPTS = 3
UPSTREAM_DELAY_MS = 50
BIG_THREAD = "/item/10000"  # 400 comments in the fixtures
COMPRESSED = {"Accept-Encoding": "br, gzip"}  # what CloudFront sends
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
# Enough descriptors for the burst, for this process and the children it starts.
resource.setrlimit(resource.RLIMIT_NOFILE, (min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 20_000),) * 2)


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


def proc_status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def drain(stream) -> None:
    """Reads a child's stdout to the end, as the awslogs driver would."""
    for _ in iter(lambda: stream.read(1 << 16), b""):
        pass


def start_app(fake_url: str, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str, float]:
    """The release binary as the container runs it: JSON access log on (drained like awslogs)."""
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
        "RUST_LOG": "info",
        "METRICS_ADDR": "off",
        **(extra_env or {}),
    }
    started = time.monotonic()
    process = subprocess.Popen([str(RELEASE / "hn-reader")], env=env, stdout=subprocess.PIPE)
    threading.Thread(target=drain, args=(process.stdout,), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/healthz", process)
    return process, url, time.monotonic() - started


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


LATENCY_RE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(url: str, headers: dict[str, str] | None = None, connections: int = CONNECTIONS) -> dict[str, object]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{DURATION}", "--latency", "--timeout", "10s", url]
    for name, value in (headers or {}).items():
        args[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {p: float(v) * scale[u] for p, v, u in LATENCY_RE.findall(out)}
    return {
        "rps": rps,
        "p50_ms": latency.get("50", float("nan")),
        "p99_ms": latency.get("99", float("nan")),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }


NGINX_CONF = """
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 8192; }}
http {{
    types {{ text/html html; }}
    access_log {dir}/nginx-access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {dir};
        gzip_static on;
        location = / {{ try_files /list.html =404; }}
        location = {item} {{ try_files /item.html =404; }}
    }}
}}
"""


def start_nginx(workdir: Path) -> tuple[subprocess.Popen, str]:
    """nginx serving the same page bytes from disk, .gz beside them for gzip_static."""
    port = free_port()
    (workdir / "nginx.conf").write_text(NGINX_CONF.format(dir=workdir, port=port, item=BIG_THREAD))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/", process)
    return process, url


def sizes() -> dict[str, int]:
    pkg = SITE / "pkg"
    bundle = [next(pkg.glob("hn-reader.*.wasm")), next(pkg.glob("hn-reader.*.js"))]
    raw = sum(p.stat().st_size for p in bundle)
    gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in bundle)
    br = sum(Path(f"{p}.br").stat().st_size for p in bundle)
    return {"wasm_js_raw": raw, "wasm_js_gzip": gz, "wasm_js_brotli": br, "binary": (RELEASE / "hn-reader").stat().st_size}


def throughput(url: str, nginx_url: str, base_url: str, wasm: str) -> dict[str, object]:
    """Each page plain and compressed, against nginx (the ceiling) and axum from memory."""
    load = {}
    for name, path in (("list", "/"), ("item", BIG_THREAD)):
        load[f"nginx_{name}"] = wrk(f"{nginx_url}{path}")
        load[f"axum_{name}"] = wrk(f"{base_url}{path}")
        load[f"app_{name}"] = wrk(f"{url}{path}")
        load[f"nginx_{name}_compressed"] = wrk(f"{nginx_url}{path}", COMPRESSED)
        load[f"app_{name}_compressed"] = wrk(f"{url}{path}", COMPRESSED)
    load["wasm_asset_brotli"] = wrk(f"{url}/pkg/{wasm}", {"Accept-Encoding": "br"})
    return load


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


def connections_in_use(url: str) -> int:
    return json.loads(get(f"{url}/status.json")[1])["connections"]["in_use"]


def memory_drill(fake_url: str) -> dict[str, object]:
    """32 -> BURST_CONNECTIONS -> 32 connections on a fresh process: peak RSS, RSS after, and the
    throughput after as a ratio of before."""
    app, url, _ = start_app(fake_url)
    try:
        for path in ("/", BIG_THREAD):
            assert get(f"{url}{path}")[0] == 200
        idle = proc_status_kib(app.pid, "VmRSS")
        before = wrk(f"{url}/")
        burst = wrk(f"{url}/", connections=BURST_CONNECTIONS)
        peak = proc_status_kib(app.pid, "VmHWM")
        after_burst = proc_status_kib(app.pid, "VmRSS")
        # "After" starts once the server has closed the burst's connections (its own count, the
        # status request aside), not while it is still tearing thousands of them down.
        closing = [connections_in_use(url)]
        while closing[-1] > 1 and len(closing) < 1_000:
            closing.append(connections_in_use(url))
        after = wrk(f"{url}/")
        settled = proc_status_kib(app.pid, "VmRSS")
    finally:
        stop(app)
    return {
        "connections": BURST_CONNECTIONS,
        "rss_idle_kib": idle,
        "rss_peak_kib": peak,
        "rss_after_burst_kib": after_burst,
        "rss_after_kib": settled,
        "before": before,
        "burst": burst,
        "after": after,
        "after_over_before": round(after["rps"] / before["rps"], 3),
        "connections_open_after_burst": closing[0],
    }


def lighthouse(url: str, name: str, profile: Path, warm: bool) -> dict[str, object]:
    """The median run (by performance score, then TBT) of LIGHTHOUSE_RUNS: one run's total
    blocking time on this shared machine varies by a factor of three, which Lighthouse's own
    guidance answers with the median of several. Its report is the one kept."""
    runs = [lighthouse_run(url, name, profile, warm, run) for run in range(LIGHTHOUSE_RUNS)]
    runs.sort(key=lambda r: (r[0]["scores"]["performance"], -r[0]["tbt_ms"]))
    summary, report = runs[len(runs) // 2]
    report.rename(RESULTS / f"lighthouse-{name}{'-second-view' if warm else ''}.json")
    for _, other in runs:
        other.unlink(missing_ok=True)
    summary["tbt_ms_runs"] = sorted(r[0]["tbt_ms"] for r in runs)
    summary["performance_runs"] = sorted(r[0]["scores"]["performance"] for r in runs)
    return summary


def lighthouse_run(url: str, name: str, profile: Path, warm: bool, run: int) -> tuple[dict[str, object], Path]:
    """Lighthouse 12, mobile, default (simulated) throttling, in Debian's Chromium. `warm` is a
    second view with the browser cache kept: what a reader gets on their next page. Lighthouse
    sometimes fails to record the trace (NO_NAVSTART); such a run is tried again."""
    report = RESULTS / f"lighthouse-{name}{'-second-view' if warm else ''}.run{run}.json"
    args = [
        str(ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--only-categories=performance,accessibility,best-practices,seo",
        f"--chrome-flags={CHROME_FLAGS} --user-data-dir={profile}",
    ]
    if warm:
        args.append("--disable-storage-reset")
    for attempt in range(1, LIGHTHOUSE_ATTEMPTS + 1):
        done = subprocess.run(args, env={**os.environ, "CHROME_PATH": CHROMIUM})
        if done.returncode == 0:
            break
        print(f"bench: Lighthouse failed (rc {done.returncode}), attempt {attempt} of {LIGHTHOUSE_ATTEMPTS}", file=sys.stderr)
    else:
        sys.exit(f"bench: Lighthouse failed {LIGHTHOUSE_ATTEMPTS} times on {url}")
    result = json.loads(report.read_text())
    # The screenshots are most of a report's bytes and none of its findings.
    for audit in ("screenshot-thumbnails", "final-screenshot", "full-page-screenshot"):
        result.get("audits", {}).pop(audit, None)
    result.pop("fullPageScreenshot", None)
    report.write_text(json.dumps(result, indent=1) + "\n")
    audits = result["audits"]
    summary = {
        "scores": {key: round(cat["score"] * 100) for key, cat in result["categories"].items()},
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "ttfb_ms": round(audits["server-response-time"]["numericValue"]),
        "dom_elements": audits["dom-size"]["numericValue"],
        "failing": sorted(
            key for key, audit in audits.items() if audit.get("score") is not None and audit["score"] < 1
            and audit.get("scoreDisplayMode") in ("binary", "numeric")
        ),
    }
    return summary, report


def time_to_first_byte(url: str, runs: int = 20) -> float:
    """Median milliseconds from request to the first byte of a cached page."""
    host, port = url.removeprefix("http://").split(":")
    samples = []
    for _ in range(runs):
        with socket.create_connection((host, int(port))) as conn:
            started = time.monotonic()
            conn.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            conn.recv(1)
            samples.append(time.monotonic() - started)
    return round(statistics.median(samples) * 1000, 2)


def main() -> None:
    for binary in ("hn-reader", "fake-hn", "bench-baseline"):
        if not (RELEASE / binary).exists():
            sys.exit(f"bench: target/release/{binary} is missing (make release)")
    results: dict[str, object] = {"date": datetime.date.today().isoformat(), "machine_cores": os.cpu_count()}
    RESULTS.mkdir(parents=True, exist_ok=True)

    fake_port = free_port()
    fake = subprocess.Popen([str(RELEASE / "fake-hn"), "--addr", f"127.0.0.1:{fake_port}"], stdout=subprocess.DEVNULL)
    fake_base = f"http://127.0.0.1:{fake_port}"
    wait_until_up(f"{fake_base}/_control/calls", fake)
    fake_url = f"{fake_base}/v0"
    workdir = Path(tempfile.mkdtemp(prefix="hn-bench-"))
    workdir.chmod(0o755)
    try:
        # Start-up and memory.
        app, url, ready_s = start_app(fake_url)
        results["exec_to_first_200_ms"] = round(ready_s * 1000, 1)
        results["rss_idle_kib"] = proc_status_kib(app.pid, "VmRSS")

        # Warm the caches, and keep the exact HTML for the baselines.
        pages = {"/": workdir / "list.html", BIG_THREAD: workdir / "item.html"}
        for path, file in pages.items():
            status, body = get(url + path)
            assert status == 200, (path, status)
            file.write_bytes(body)
            Path(f"{file}.gz").write_bytes(gzip.compress(body, 6))
            os.chmod(file, 0o644)
        wasm = next((SITE / "pkg").glob("hn-reader.*.wasm")).name

        base_port = free_port()
        page_args = [arg for path, file in pages.items() for arg in ("--page", f"{path}={file}")]
        baseline = subprocess.Popen(
            [str(RELEASE / "bench-baseline"), "--addr", f"127.0.0.1:{base_port}", *page_args], stdout=subprocess.DEVNULL
        )
        base_url = f"http://127.0.0.1:{base_port}"
        wait_until_up(f"{base_url}/", baseline)
        nginx, nginx_url = start_nginx(workdir)

        results["load"] = throughput(url, nginx_url, base_url, wasm)
        results["rss_after_load_kib"] = proc_status_kib(app.pid, "VmRSS")
        results["page_bytes"] = {"list": pages["/"].stat().st_size, "item": pages[BIG_THREAD].stat().st_size}
        results["ttfb_ms"] = {"app": time_to_first_byte(url), "nginx": time_to_first_byte(nginx_url)}
        stop(nginx)
        stop(baseline)

        if shutil.which("node") and (ROOT / "bench" / "lighthouse" / "node_modules").exists():
            profile = workdir / "chromium-profile"
            results["lighthouse"] = {
                name: {
                    "first_view": lighthouse(f"{url}{path}", name, profile, warm=False),
                    "second_view": lighthouse(f"{url}{path}", name, profile, warm=True),
                }
                for name, path in (("list", "/"), ("item", BIG_THREAD))
            }
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
        results["memory_drill"] = memory_drill(fake_url)
        results["sizes_bytes"] = sizes()
    finally:
        fake.terminate()
        fake.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    report(results)
    out = RESULTS / f"{results['date']}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


def report(r: dict) -> None:
    load = r["load"]
    ratio = lambda a, b: f"{load[a]['rps'] / load[b]['rps']:.2f}"  # noqa: E731
    print(f"\nhn-reader bench, {r['date']}, {r['machine_cores']} cores, wrk -c{CONNECTIONS} -d{DURATION}\n")
    print(f"{'what':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'of nginx':>9} {'of axum':>8} {'errors':>7}")
    for name in ("list", "item"):
        for key, label in (
            (f"nginx_{name}", f"nginx: same {name} HTML from disk"),
            (f"axum_{name}", f"axum: same {name} HTML from memory"),
            (f"app_{name}", f"hn-reader: {name} page, cached"),
            (f"nginx_{name}_compressed", f"nginx: {name}, br/gzip (gzip_static)"),
            (f"app_{name}_compressed", f"hn-reader: {name}, br/gzip"),
        ):
            m = load[key]
            of_nginx = ratio(key, f"nginx_{name}_compressed" if "compressed" in key else f"nginx_{name}") if key.startswith("app") else ""
            of_axum = ratio(key, f"axum_{name}") if key == f"app_{name}" else ""
            errors = m["non_2xx"] + m["socket_errors"]
            print(f"{label:44} {m['rps']:9.0f} {m['p50_ms']:8.2f} {m['p99_ms']:8.2f} {of_nginx:>9} {of_axum:>8} {errors:7d}")
    w = load["wasm_asset_brotli"]
    print(f"{'hashed .wasm, brotli':44} {w['rps']:9.0f} {w['p50_ms']:8.2f} {w['p99_ms']:8.2f}")
    for name, target in (("list", 0.6), ("item", 0.5)):
        plain = load[f"app_{name}"]["rps"] / load[f"nginx_{name}"]["rps"]
        packed = load[f"app_{name}_compressed"]["rps"] / load[f"nginx_{name}_compressed"]["rps"]
        print(f"  {name}: {plain:.2f} of nginx (target >= {target}); compressed {packed:.2f}, {packed / plain:.2f} of the plain ratio (target >= 0.8)")
    print(f"  time to first byte, cached list page: app {r['ttfb_ms']['app']} ms, nginx {r['ttfb_ms']['nginx']} ms (median of 20)")

    for name, views in r.get("lighthouse", {}).items():
        for view, lh in views.items():
            scores = ", ".join(f"{k} {v}" for k, v in lh["scores"].items())
            print(f"\nLighthouse {name}, {view.replace('_', ' ')} (median of {len(lh['tbt_ms_runs'])}): {scores}; TBT {lh['tbt_ms']} ms "
                  f"(runs {lh['tbt_ms_runs']}), LCP {lh['lcp_ms']} ms, "
                  f"TTFB {lh['ttfb_ms']} ms, {lh['dom_elements']:.0f} DOM elements; below 100: {', '.join(lh['failing']) or 'none'}")

    cold = r["cold_list_page"]
    speedup = cold["seed_sequential_21_calls_ms"] / cold["ours_median_ms"]
    print(f"\ncold list page, upstream +{cold['upstream_delay_ms']} ms per call:")
    print(f"  ours (parallel fan-out, median of {COLD_RUNS}): {cold['ours_median_ms']} ms")
    print(f"  the seed's 21 sequential calls:            {cold['seed_sequential_21_calls_ms']} ms  ({speedup:.1f}x slower)")
    st = r["stalled_upstream"]
    print("\ncached list page past its revalidation window, upstream stalled vs healthy:")
    print(f"  healthy {st['healthy']['rps']:.0f} req/s, stalled {st['stalled']['rps']:.0f} req/s: {st['ratio']:.2f} of healthy (target >= 0.8)")
    print(f"  first stalled view {st['first_view_ms']} ms (opens the breaker: {st['breaker_state']}); uncached page {st['uncached_page_status']} in {st['uncached_page_ms']} ms")
    m = r["memory_drill"]
    mib = lambda kib: f"{kib / 1024:.1f} MiB"  # noqa: E731
    print(f"\nmemory drill, 32 -> {m['connections']} -> 32 connections, cached list page:")
    print(f"  RSS idle {mib(m['rss_idle_kib'])}, peak {mib(m['rss_peak_kib'])} (target <= 128 MiB), "
          f"after the burst {mib(m['rss_after_burst_kib'])}, after {mib(m['rss_after_kib'])} (target <= 2x idle)")
    print(f"  req/s before {m['before']['rps']:.0f}, burst {m['burst']['rps']:.0f} "
          f"({m['burst']['non_2xx']} shed, {m['burst']['socket_errors']} socket errors), after {m['after']['rps']:.0f}: "
          f"{m['after_over_before']:.2f} of before (target >= 0.95)")
    s = r["sizes_bytes"]
    print(f"\nstart: exec to first 200 {r['exec_to_first_200_ms']} ms; RSS idle {mib(r['rss_idle_kib'])}, after load {mib(r['rss_after_load_kib'])}")
    print(f"WASM+JS: raw {s['wasm_js_raw']:,} B, gzip {s['wasm_js_gzip']:,} B, brotli {s['wasm_js_brotli']:,} B; binary {s['binary']:,} B")


if __name__ == "__main__":
    main()
