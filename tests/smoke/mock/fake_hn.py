"""Stand-in for the real fake-hn, used only by `container_smoke.py --mock` (harness self-test)."""
import sys, json, http.server
addr = sys.argv[sys.argv.index("--addr")+1]; h, p = addr.rsplit(":",1)
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self,*a): pass
    def do_GET(self):
        if self.path == "/v0/topstories.json": b = json.dumps([42, 43]).encode()
        elif self.path.startswith("/v0/item/"): i=int(self.path.split("/")[-1].split(".")[0]); b=json.dumps({"id":i,"title":f"Story <{i}> & co","by":"x","type":"story"}).encode()
        else: self.send_response(404); self.end_headers(); return
        self.send_response(200); self.send_header("Content-Type","application/json"); self.end_headers(); self.wfile.write(b)
http.server.HTTPServer((h,int(p)),H).serve_forever()
