#!/usr/bin/env python3
"""A small HTTP server on loopback that stands in for the outside world in
integration tests: a webhook receiver, the Telegram Bot API, Home Assistant.

    python3 tests/tools/fake_http.py PORT          serve until killed (0: any free
                                                   port; the first line printed says which)

It records every request and answers as the service it stands in for:

    POST /bot<token>/sendMessage        {"ok": true, "result": {"message_id": n, ...}}
    POST /api/services/<domain>/<svc>   []   (Home Assistant's answer to a service call)
    anything else                       {"ok": true}

and is steered by the test over the same port:

    GET  /_requests?prefix=/hook/a      the recorded requests whose path starts with
                                        prefix, oldest first: [{method, path, headers,
                                        body (parsed JSON, else text), at}]
    POST /_control/fail                 {"prefix": "/hook/a", "times": 2, "status": 500}
                                        the next `times` requests under prefix fail with
                                        status (times -1: every one); also "delay_ms"
    POST /_control/reset                forget requests and failures

Python's standard library only.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
REQUESTS = []
RULES = []  # [{"prefix", "times", "status", "delay_ms"}]
MESSAGE_ID = [0]


def rule_for(path):
    """The first failure rule that applies to path, used up by one request."""
    with LOCK:
        for rule in RULES:
            if path.startswith(rule["prefix"]) and rule["times"] != 0:
                if rule["times"] > 0:
                    rule["times"] -= 1
                return dict(rule)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, Nagle holds the
    # body for the client's delayed ACK, 40 ms a request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: the test reads /_requests
        pass

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        text = raw.decode("utf-8", "replace")
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text

    def control(self, path, body):
        if path == "/_control/reset":
            with LOCK:
                REQUESTS.clear()
                RULES.clear()
            return self.reply(200, {"ok": True})
        if path == "/_control/fail" and isinstance(body, dict):
            rule = {
                "prefix": str(body.get("prefix", "/")),
                "times": int(body.get("times", 1)),
                "status": int(body.get("status", 500)),
                "delay_ms": int(body.get("delay_ms", 0)),
            }
            with LOCK:
                RULES.insert(0, rule)
            return self.reply(200, {"ok": True})
        return self.reply(404, {"detail": "no such control"})

    def handle_any(self):
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith("/_control/"):
            return self.control(url.path, body)
        if url.path == "/_requests":
            prefix = parse_qs(url.query).get("prefix", [""])[0]
            with LOCK:
                out = [r for r in REQUESTS if r["path"].startswith(prefix)]
            return self.reply(200, out)

        with LOCK:
            REQUESTS.append({
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "at": time.time(),
            })
        rule = rule_for(url.path)
        if rule and rule["delay_ms"]:
            time.sleep(rule["delay_ms"] / 1000.0)
        if rule and rule["status"] >= 300:
            doc = {"detail": "failing on purpose"}
            if "/sendMessage" in url.path:
                doc = {"ok": False, "error_code": rule["status"],
                       "description": "Bad Request: failing on purpose"}
            return self.reply(rule["status"], doc)

        if url.path.endswith("/sendMessage"):
            with LOCK:
                MESSAGE_ID[0] += 1
                mid = MESSAGE_ID[0]
            chat = body.get("chat_id") if isinstance(body, dict) else None
            return self.reply(200, {"ok": True, "result": {
                "message_id": mid, "chat": {"id": chat}, "date": int(time.time()),
                "text": body.get("text") if isinstance(body, dict) else None}})
        if url.path.startswith("/api/services/"):
            return self.reply(200, [])
        return self.reply(200, {"ok": True})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fake_http.py PORT")
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    print("fake_http: listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
