#!/usr/bin/env python3
"""A stand-in IP camera for the integration tests (stdlib only).

    fake_camera.py PORT JPEG_FILE

Listens on 127.0.0.1:PORT (0: any free port) and prints
"fake_camera: listening on 127.0.0.1:<port>".  Paths:
  /snap.jpg     the JPEG file
  /auth.jpg     the same, only with HTTP Basic user "u", password "p@ss" (else 401)
  /text         a text answer with status 200 (not a JPEG)
  /big.jpg      a JPEG-looking answer past the 256 KiB limit
  /slow.jpg     waits 30 s before answering
"""
import base64
import http.server
import sys
import time


class Camera(http.server.BaseHTTPRequestHandler):
    jpeg = b""

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="image/jpeg", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/snap.jpg":
            self.send(200, self.jpeg)
        elif path == "/auth.jpg":
            want = "Basic " + base64.b64encode(b"u:p@ss").decode()
            if self.headers.get("Authorization") == want:
                self.send(200, self.jpeg)
            else:
                self.send(401, b"no", "text/plain", {"WWW-Authenticate": 'Basic realm="cam"'})
        elif path == "/text":
            self.send(200, b"hello, not a picture\n", "text/plain")
        elif path == "/big.jpg":
            self.send(200, b"\xff\xd8\xff" + b"\0" * (300 * 1024) + b"\xff\xd9")
        elif path == "/slow.jpg":
            time.sleep(30)
            self.send(200, self.jpeg)
        else:
            self.send(404, b"not found", "text/plain")


def main():
    port = int(sys.argv[1])
    with open(sys.argv[2], "rb") as f:
        Camera.jpeg = f.read()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Camera)
    print("fake_camera: listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
