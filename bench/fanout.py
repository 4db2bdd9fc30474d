#!/usr/bin/env python3
"""Fan-out latency: from POST /api/v1/sensors/{id}/events to the event
arriving at an EventSource subscriber of /api/v1/stream/events, through
nginx, the API, nchan and TLS on loopback.

    bench/fanout.py URL KEY SENSOR_ID COUNT

For each of COUNT events (one at a time) it records the time to the API's
response (the baseline: what the poster waits for anyway) and the time to
the SSE message carrying the event's marker.  Prints one JSON object:
{"count", "post_p50_ms", "post_p99_ms", "fanout_p50_ms", "fanout_p99_ms"}.
Python's standard library only.
"""
import http.client
import json
import socket
import ssl
import sys
import threading
import time
from urllib.parse import urlsplit

URL, KEY, SENSOR, COUNT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
u = urlsplit(URL)
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
CTX.set_alpn_protocols(["http/1.1"])

arrived = {}
cond = threading.Condition()


def subscribe(ready):
    raw = socket.create_connection((u.hostname, u.port or 443), timeout=30)
    s = CTX.wrap_socket(raw, server_hostname=u.hostname)
    s.sendall(("GET /api/v1/stream/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n"
               "X-API-Key: %s\r\nConnection: keep-alive\r\n\r\n" % (u.hostname, KEY)).encode())
    f = s.makefile("rb")
    status = f.readline()
    if b" 200 " not in status:
        sys.exit("subscribe: %r" % status)
    ready.set()
    for line in f:
        now = time.monotonic()
        if not line.startswith(b"data:"):
            continue
        text = line[5:].decode("utf-8", "replace")
        i = text.find("fanout-")
        if i < 0:
            continue
        mark = text[i:].split('"', 1)[0]
        with cond:
            arrived[mark] = now
            cond.notify_all()


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p))] * 1000, 2)


def main():
    ready = threading.Event()
    threading.Thread(target=subscribe, args=(ready,), daemon=True).start()
    if not ready.wait(10):
        sys.exit("subscribe: no answer")
    time.sleep(0.3)
    conn = http.client.HTTPSConnection(u.hostname, u.port or 443, context=CTX, timeout=10)
    posts, fanouts = [], []
    for n in range(COUNT):
        mark = "fanout-%d-%d" % (int(time.time()), n)
        body = json.dumps({"event_type": "on", "attributes": {"mark": mark}})
        t0 = time.monotonic()
        conn.request("POST", "/api/v1/sensors/%s/events" % SENSOR, body,
                     {"X-API-Key": KEY, "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        t1 = time.monotonic()
        if r.status not in (200, 201, 202):
            sys.exit("POST: HTTP %d" % r.status)
        with cond:
            cond.wait_for(lambda: mark in arrived, timeout=5)
            t2 = arrived.get(mark)
        if t2 is None:
            sys.exit("event %d never arrived on the stream" % n)
        posts.append(t1 - t0)
        fanouts.append(t2 - t0)
    print(json.dumps({"count": COUNT, "post_p50_ms": pct(posts, .5), "post_p99_ms": pct(posts, .99),
                      "fanout_p50_ms": pct(fanouts, .5), "fanout_p99_ms": pct(fanouts, .99)}))


main()
