#!/usr/bin/env python3
"""Home Assistant's state changes through hearth-ha-bridge, against a direct
POST /api/v1/sensors/{id}/events, both seen by one EventSource subscriber
of /api/v1/stream/events (nginx, nchan, TLS on loopback).

    bench/ha_bridge.py URL KEY HA_URL ENTITY HA_SENSOR DIRECT_SENSOR COUNT BURST

latency  COUNT times, one at a time: the direct sensor's event posted, and
         the entity's state set in the stand-in HA (POST /_test/state, which
         sends state_changed to the bridge's subscription), each timed until
         the subscriber has the sensor's event.
burst    BURST alternating state changes sent by HA at once (/_test/burst):
         how many of their events reached the subscriber, and when the last
         did (bench/ha_bridge.sh counts what the bridge recorded, and how
         fast, in the database).

Prints one JSON object.  Python's standard library only.
"""
import http.client
import json
import socket
import ssl
import sys
import threading
import time
from urllib.parse import urlsplit

URL, KEY, HA_URL, ENTITY = sys.argv[1:5]
HA_SENSOR, DIRECT, COUNT, BURST = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
u, h = urlsplit(URL), urlsplit(HA_URL)
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
CTX.set_alpn_protocols(["http/1.1"])

seen = {HA_SENSOR: [], DIRECT: []}
cond = threading.Condition()


def subscribe(ready):
    raw = socket.create_connection((u.hostname, u.port or 443), timeout=120)
    s = CTX.wrap_socket(raw, server_hostname=u.hostname)
    s.sendall(("GET /api/v1/stream/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n"
               "X-API-Key: %s\r\nConnection: keep-alive\r\n\r\n" % (u.hostname, KEY)).encode())
    f = s.makefile("rb")
    if b" 200 " not in f.readline():
        sys.exit("subscribe: not 200")
    ready.set()
    for line in f:
        now = time.monotonic()
        if not line.startswith(b"data:"):
            continue
        try:
            doc = json.loads(line[5:])
        except ValueError:
            continue
        data = doc.get("data", doc) if isinstance(doc, dict) else {}
        sensor = data.get("sensor_id") if isinstance(data, dict) else None
        if sensor in seen:
            with cond:
                seen[sensor].append(now)
                cond.notify_all()


def wait_for(sensor, n, timeout):
    with cond:
        cond.wait_for(lambda: len(seen[sensor]) >= n, timeout=timeout)
        return seen[sensor][n - 1] if len(seen[sensor]) >= n else None


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p))] * 1000, 2)


def post(conn, path, body, headers):
    conn.request("POST", path, json.dumps(body), dict(headers, **{"Content-Type": "application/json"}))
    r = conn.getresponse()
    r.read()
    if r.status >= 300:
        sys.exit("POST %s: HTTP %d" % (path, r.status))


def main():
    ready = threading.Event()
    threading.Thread(target=subscribe, args=(ready,), daemon=True).start()
    if not ready.wait(10):
        sys.exit("subscribe: no answer")
    time.sleep(0.3)
    hearth = http.client.HTTPSConnection(u.hostname, u.port or 443, context=CTX, timeout=10)
    ha = http.client.HTTPConnection(h.hostname, h.port, timeout=10)
    direct, bridged = [], []
    for n in range(COUNT):
        state = "on" if n % 2 == 0 else "off"
        t0 = time.monotonic()
        post(hearth, "/api/v1/sensors/%d/events" % DIRECT, {"event_type": state}, {"X-API-Key": KEY})
        t1 = wait_for(DIRECT, n + 1, 5)
        if t1 is None:
            sys.exit("direct event %d never arrived" % n)
        direct.append(t1 - t0)
        t0 = time.monotonic()
        post(ha, "/_test/state", {"entity_id": ENTITY, "state": state}, {})
        t1 = wait_for(HA_SENSOR, n + 1, 5)
        if t1 is None:
            sys.exit("bridged event %d never arrived" % n)
        bridged.append(t1 - t0)
    base = len(seen[HA_SENSOR])
    t0 = time.monotonic()
    post(ha, "/_test/burst", {"entity_id": ENTITY, "states": ["on", "off"], "count": BURST}, {})
    t_sent = time.monotonic()
    # Until every one arrived, or none came for 5 s (the stream's buffer
    # may drop some under a burst: the database counts what was recorded).
    t1, last = None, -1
    while t1 is None and len(seen[HA_SENSOR]) != last:
        last = len(seen[HA_SENSOR])
        t1 = wait_for(HA_SENSOR, base + BURST, 5)
    got = len(seen[HA_SENSOR]) - base
    print(json.dumps({
        "count": COUNT, "direct_p50_ms": pct(direct, .5), "direct_p99_ms": pct(direct, .99),
        "bridge_p50_ms": pct(bridged, .5), "bridge_p99_ms": pct(bridged, .99),
        "burst": BURST, "burst_received": got, "burst_send_s": round(t_sent - t0, 3),
        "burst_s": round((t1 or time.monotonic()) - t0, 3),
        "burst_per_s": round(got / ((t1 or time.monotonic()) - t0)) if got else 0}))


main()
