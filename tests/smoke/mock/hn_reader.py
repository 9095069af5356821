"""Stand-in for the real hn-reader, used only by `container_smoke.py --mock` (harness self-test).

Speaks the same contract: env config, /healthz, /readyz, hashed /pkg assets, `healthcheck`
subcommand, JSON logs, exit 0 on SIGTERM. Reads hash.txt next to its own path."""
import os, sys, json, signal, html, urllib.request, http.server, threading
host, port = os.environ["LEPTOS_SITE_ADDR"].rsplit(":",1)
if sys.argv[1:] == ["healthcheck"]:
    try: sys.exit(0 if urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200 else 1)
    except Exception: sys.exit(1)
api = os.environ["HN_API_URL"]; hashes = dict(l.split(": ") for l in open(os.path.join(os.path.dirname(sys.argv[0]), "hash.txt")).read().split("\n") if l)
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self,*a): print(json.dumps({"msg": a[0] % a[1:]}), flush=True)
    def send(self, code, body, ctype="text/html; charset=utf-8", extra={}):
        self.send_response(code); self.send_header("Content-Type", ctype)
        for k,v in extra.items(): self.send_header(k,v)
        self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        if self.path == "/healthz": return self.send(200, b"ok", "text/plain")
        if self.path == "/readyz": return self.send(200, b"ready", "text/plain")
        if self.path.startswith("/pkg/"):
            f = os.path.join(os.environ["LEPTOS_SITE_ROOT"], self.path[1:])
            return self.send(200, open(f + ".br","rb").read(), "application/wasm", {"Content-Encoding":"br","Cache-Control":"public, max-age=31536000, immutable"})
        ids = json.load(urllib.request.urlopen(api + "/topstories.json"))
        if self.path.startswith("/item/"): ids = [int(self.path.split("/")[-1])]
        items = [json.load(urllib.request.urlopen(f"{api}/item/{i}.json")) for i in ids]
        self.send(200, ("<html><link rel='stylesheet' href='/pkg/hn-reader.%s.css'><script src='/pkg/hn-reader.%s.js'></script>" % (hashes["css"], hashes["js"]) + "".join(f"<li>{html.escape(i['title'])}</li>" for i in items)).encode())
srv = http.server.ThreadingHTTPServer((host,int(port)),H)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
print(json.dumps({"msg":"listening"}), flush=True)
srv.serve_forever(); print(json.dumps({"msg":"bye"}), flush=True)
