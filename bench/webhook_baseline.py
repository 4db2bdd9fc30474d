#!/usr/bin/env python3
"""The baseline for webhook deliveries: COUNT JSON POSTs, one after the
other over one kept-alive connection, straight to the same receiver the
retry queue delivers to.  Prints the rate, per second.

    bench/webhook_baseline.py URL COUNT
"""
import http.client
import json
import socket
import sys
import time
from urllib.parse import urlsplit

u = urlsplit(sys.argv[1])
count = int(sys.argv[2])
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
conn.connect()
conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
t0 = time.monotonic()
for n in range(count):
    conn.request("POST", u.path, json.dumps({"n": n}), {"Content-Type": "application/json"})
    conn.getresponse().read()
print(round(count / (time.monotonic() - t0), 1))
