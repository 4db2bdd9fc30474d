#!/usr/bin/python3
"""First load of Home in headless Chromium with an empty cache, signed in,
with one open alert: bytes transferred and the time until the alert card
is painted (the page's own User Timing mark, from navigation start),
against the same page's HTML alone (the document, no sub-resources).
Goals: under 200 KB and under 300 ms on loopback.  Prints a block for
bench/RESULTS.md.

    bench/dashboard.py URL ADMIN_KEY [RUNS]
"""
import json
import shutil
import ssl
import statistics
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

url, key = sys.argv[1].rstrip("/"), sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def api(method, path, body=None, headers=None):
    h = {"X-API-Key": key, "Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url + path, method=method, headers=h,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, context=ctx, timeout=20) as res:
        return res.status, res.headers, res.read()


stamp = str(int(time.time()))
pw = f"bench household phrase {stamp}"
api("POST", "/api/v1/users", {"username": f"bench-dash-{stamp}", "role": "caregiver", "password": pw})
_, _, rule = api("POST", "/api/v1/rules", {"name": f"bench-dash-{stamp}", "trigger_type": "manual"})
rid = json.loads(rule)["id"]
api("POST", f"/api/v1/rules/{rid}/steps", {"step_type": "notification", "config_json": {
    "alert_level": "warning", "channels": ["pwa_realtime_ai"], "message_template": "Bench alert"}})
api("POST", f"/api/v1/rules/{rid}/execute", {})
time.sleep(1.5)
req = urllib.request.Request(url + "/api/v1/auth/login", method="POST",
                             data=json.dumps({"username": f"bench-dash-{stamp}", "password": pw}).encode(),
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, context=ctx, timeout=20) as res:
    token = res.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]

full_kb, full_ms, html_kb, html_ms = [], [], [], []
for _ in range(runs):
    profile = tempfile.mkdtemp(prefix="hearth-bench-")
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run",
              "--ignore-certificate-errors", f"--user-data-dir={profile}", "--window-size=1280,900"]:
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    try:
        d.get(url + "/favicon-none")      # an origin to set the cookie on
        d.add_cookie({"name": "hearth_session", "value": token, "path": "/", "secure": True, "httpOnly": True})
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.clearBrowserCache", {})
        d.get(url + "/")
        t = None
        end = time.time() + 10
        while time.time() < end and t is None:
            t = d.execute_script("const m = performance.getEntriesByName('hearth:alerts-painted');"
                                 "return m.length ? m[0].startTime : null;")
            time.sleep(0.05)
        total = d.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return n.transferSize + performance.getEntriesByType('resource')"
            ".filter(r => r.initiatorType !== 'other' || !r.name.includes('/stream/'))"
            ".reduce((s, r) => s + r.transferSize, 0);")
        nav = d.execute_script("const n = performance.getEntriesByType('navigation')[0];"
                               "return [n.transferSize, n.responseEnd];")
        if t is not None:
            full_ms.append(t)
            full_kb.append(total / 1024)
            html_kb.append(nav[0] / 1024)
            html_ms.append(nav[1])
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)

api("DELETE", f"/api/v1/rules/{rid}")
if not full_ms:
    sys.exit("bench/dashboard.py: the alert card was never painted")
med = statistics.median
print(f"""
### Dashboard: first load of Home, empty cache, signed in, one open alert ({len(full_ms)} runs, median)

| | transferred | time |
|---|---:|---:|
| the page's HTML alone | {med(html_kb):.1f} KB | {med(html_ms):.0f} ms (response end) |
| Home until the alert card is painted | {med(full_kb):.1f} KB | {med(full_ms):.0f} ms |

Ratio to the HTML alone: {med(full_kb) / med(html_kb):.1f}x the bytes, {med(full_ms) / med(html_ms):.1f}x the time (goals: under 200 KB and 300 ms).""")
