#!/usr/bin/env python3
"""A minimal WebSocket client (RFC 6455) for the integration tests.

    ws_client.py [-H 'Name: value']... [-n COUNT] [-t SECONDS] [-k]
                 [--ready FILE] URL

URL is ws://host:port/path or wss://host:port/path.  The client opens the
connection, performs the opening handshake and prints each text message it
receives on a line of its own on stdout, flushed at once.  It answers pings,
and exits:

    0  after COUNT messages (default 1)
    1  when SECONDS pass first (default 10), or the server closes first
    2  when the handshake is refused (the HTTP status and body go to stderr,
       the status also as the last line "status: NNN")
    3  on a connection or protocol error

--ready FILE is written once the server has accepted the upgrade (101), so
a test knows when to cause the message it waits for.  -k skips certificate
verification (the dev stack's certificate is self-signed).

Standard library only: the test machines have no pip packages.
"""
import argparse
import base64
import hashlib
import os
import socket
import ssl
import struct
import sys
import time
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_HEAD = 64 * 1024
MAX_MESSAGE = 16 * 1024 * 1024


class Closed(Exception):
    """The peer closed the connection."""


class Conn:
    """A socket with a read buffer and a deadline for every read."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.buf = b""
        self.deadline = deadline

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed()
        self.buf += chunk

    def read(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise ValueError("response head too large")
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode("iso-8859-1")

    def read_available_body(self, length):
        """Up to length bytes of a refusal's body, what arrives in time."""
        try:
            while len(self.buf) < length:
                self._fill()
        except (socket.timeout, Closed, OSError):
            pass
        return self.buf[:length]

    def send_frame(self, opcode, payload=b""):
        # Frames from a client are always masked (RFC 6455 5.3).
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def read_frame(self):
        b1, b2 = self.read(2)
        fin, opcode = bool(b1 & 0x80), b1 & 0x0F
        n = b2 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self.read(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self.read(8))
        if n > MAX_MESSAGE:
            raise ValueError("frame of %d bytes" % n)
        mask = self.read(4) if b2 & 0x80 else None
        payload = self.read(n)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return fin, opcode, payload


def connect(url, insecure, deadline):
    u = urllib.parse.urlsplit(url)
    if u.scheme not in ("ws", "wss") or not u.hostname:
        raise ValueError("not a ws:// or wss:// URL: " + url)
    port = u.port or (443 if u.scheme == "wss" else 80)
    sock = socket.create_connection((u.hostname, port),
                                    timeout=max(0.1, deadline - time.monotonic()))
    if u.scheme == "wss":
        ctx = ssl.create_default_context()
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        # A WebSocket is an HTTP/1.1 upgrade; never let ALPN pick h2.
        ctx.set_alpn_protocols(["http/1.1"])
        sock = ctx.wrap_socket(sock, server_hostname=u.hostname)
    host = u.hostname if ":" not in u.hostname else "[%s]" % u.hostname
    if u.port:
        host += ":%d" % u.port
    target = (u.path or "/") + ("?" + u.query if u.query else "")
    return Conn(sock, deadline), host, target


def handshake(conn, host, target, headers):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET %s HTTP/1.1" % target,
        "Host: " + host,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: " + key,
        "Sec-WebSocket-Version: 13",
    ] + headers
    conn.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
    head = conn.read_head().split("\r\n")
    parts = head[0].split(" ", 2)
    status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0
    fields = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if status != 101:
        length = int(fields.get("content-length", "0") or 0)
        body = conn.read_available_body(min(length, MAX_HEAD))
        return status, body.decode("utf-8", "replace")
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    if fields.get("sec-websocket-accept") != want:
        raise ValueError("bad Sec-WebSocket-Accept")
    return 101, ""


def main():
    ap = argparse.ArgumentParser(description="Print the text messages of a WebSocket.")
    ap.add_argument("url")
    ap.add_argument("-H", "--header", action="append", default=[],
                    help="an extra request header, 'Name: value'")
    ap.add_argument("-n", "--count", type=int, default=1, help="messages to wait for")
    ap.add_argument("-t", "--timeout", type=float, default=10.0, help="seconds in all")
    ap.add_argument("-k", "--insecure", action="store_true",
                    help="do not verify the server's certificate")
    ap.add_argument("--ready", help="a file to write once the upgrade is accepted")
    args = ap.parse_args()

    deadline = time.monotonic() + args.timeout
    got = 0
    try:
        conn, host, target = connect(args.url, args.insecure, deadline)
        status, body = handshake(conn, host, target, args.header)
        if status != 101:
            sys.stderr.write("ws_client: handshake refused: HTTP %d\n%s\nstatus: %d\n"
                             % (status, body, status))
            return 2
        sys.stderr.write("ws_client: connected\n")
        if args.ready:
            with open(args.ready, "w") as f:
                f.write("101\n")
        parts, kind = [], None
        while got < args.count:
            fin, opcode, payload = conn.read_frame()
            if opcode == OP_PING:
                conn.send_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                sys.stderr.write("ws_client: closed by the server (%d %s) after %d of %d\n"
                                 % (code, payload[2:].decode("utf-8", "replace"), got,
                                    args.count))
                try:
                    conn.send_frame(OP_CLOSE, payload[:2])
                except OSError:
                    pass
                return 1
            if opcode in (OP_TEXT, OP_BINARY):
                parts, kind = [payload], opcode
            elif opcode == OP_CONT and kind is not None:
                parts.append(payload)
            else:
                raise ValueError("unexpected opcode %d" % opcode)
            if fin:
                data = b"".join(parts)
                parts, kind_done, kind = [], kind, None
                if kind_done == OP_TEXT:
                    sys.stdout.write(data.decode("utf-8") + "\n")
                else:
                    sys.stdout.write("<binary %d bytes>\n" % len(data))
                sys.stdout.flush()
                got += 1
        try:
            conn.send_frame(OP_CLOSE, struct.pack("!H", 1000))
        except OSError:
            pass
        return 0
    except socket.timeout:
        sys.stderr.write("ws_client: timed out after %d of %d messages\n" % (got, args.count))
        return 1
    except Closed:
        sys.stderr.write("ws_client: connection closed after %d of %d messages\n"
                         % (got, args.count))
        return 1
    except (OSError, ValueError) as e:
        sys.stderr.write("ws_client: %s\n" % e)
        return 3


if __name__ == "__main__":
    sys.exit(main())
