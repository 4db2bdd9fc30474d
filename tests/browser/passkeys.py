#!/usr/bin/python3
"""Passkeys end to end in headless Chromium with a virtual authenticator.

    passkeys.py --url https://localhost:8543 --admin-key KEY
        sign in with a password, register a passkey, sign out, sign in with
        the passkey, and check that replaying the assertion is refused.
        Prints TAP-style lines ("ok - ...", "not ok - ...", "# ...").
    passkeys.py --url https://localhost:8543 --capture FILE
        record one registration and one assertion made against challenges
        chosen here (no server API involved) as a test vector for
        tests/unit/test_webauthn.c.

WebAuthn needs a secure context and a relying party id that is a domain,
so the page is https://localhost:<port>/ (the dashboard's own origin), and
navigator.credentials is driven from it with execute_async_script.
"""
import argparse
import base64
import json
import os
import shutil
import ssl
import sys
import tempfile
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.virtual_authenticator import (
    Protocol, Transport, VirtualAuthenticatorOptions)

# Helpers the page gets before each step: base64url <-> ArrayBuffer, the
# two ceremonies, and fetch with the dashboard's write header.
JS_HELPERS = r"""
window.__pk = {
  b2a(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    const bin = atob(s), out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  },
  a2b(buf) {
    const bytes = new Uint8Array(buf);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
  async api(method, path, body) {
    const init = { method, credentials: 'same-origin',
                   headers: { 'X-Hearth-Request': '1' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch (e) {}
    return { status: res.status, body: json, text };
  },
  async create(o) {
    const pk = Object.assign({}, o);
    pk.challenge = this.b2a(o.challenge);
    pk.user = Object.assign({}, o.user, { id: this.b2a(o.user.id) });
    pk.excludeCredentials = (o.excludeCredentials || []).map(
      c => Object.assign({}, c, { id: this.b2a(c.id) }));
    const cred = await navigator.credentials.create({ publicKey: pk });
    return {
      id: cred.id, rawId: this.a2b(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: this.a2b(cred.response.clientDataJSON),
        attestationObject: this.a2b(cred.response.attestationObject),
        transports: cred.response.getTransports ? cred.response.getTransports() : [],
      },
    };
  },
  async get(o) {
    const pk = Object.assign({}, o);
    pk.challenge = this.b2a(o.challenge);
    pk.allowCredentials = (o.allowCredentials || []).map(
      c => Object.assign({}, c, { id: this.b2a(c.id) }));
    const cred = await navigator.credentials.get({ publicKey: pk });
    const r = cred.response;
    return {
      id: cred.id, rawId: this.a2b(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: this.a2b(r.clientDataJSON),
        authenticatorData: this.a2b(r.authenticatorData),
        signature: this.a2b(r.signature),
        userHandle: r.userHandle ? this.a2b(r.userHandle) : null,
      },
    };
  },
};
"""


class Tap:
    def __init__(self):
        self.failed = 0

    def ok(self, cond, desc, detail=None):
        if cond:
            print(f"ok - {desc}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {desc}", flush=True)
            if detail is not None:
                for line in str(detail)[:1500].splitlines():
                    print(f"#   {line}", flush=True)
        return cond


def browser(profile):
    opts = webdriver.ChromeOptions()
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run",
              "--ignore-certificate-errors", "--disable-dev-shm-usage",
              f"--user-data-dir={profile}"):
        opts.add_argument(a)
    if os.path.exists("/usr/bin/chromium"):
        opts.binary_location = "/usr/bin/chromium"
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    drv.set_script_timeout(30)
    drv.add_virtual_authenticator(VirtualAuthenticatorOptions(
        protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True,
        has_user_verification=True, is_user_verified=True))
    return drv


def run_js(drv, body, *args):
    """Run an async function body on the page; returns its value or
    {"error": message}."""
    script = JS_HELPERS + """
const done = arguments[arguments.length - 1];
const args = Array.prototype.slice.call(arguments, 0, -1);
(async () => {%s})().then(v => done(v), e => done({ error: String(e) }));
""" % body
    return drv.execute_async_script(script, *args)


def admin_request(url, key, method, path, body):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=20) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def capture(drv, url, path):
    """One registration and one assertion, with our own challenges."""
    reg_ch = bytes(range(1, 33))
    auth_ch = bytes(range(101, 133))
    rp_id = url.split("//", 1)[1].split(":", 1)[0].split("/", 1)[0]
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    opts = {"rp": {"id": rp_id, "name": "Hearth"},
            "user": {"id": b64(b"vector-user"), "name": "vector", "displayName": "Vector"},
            "challenge": b64(reg_ch), "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
            "attestation": "none", "timeout": 30000,
            "authenticatorSelection": {"residentKey": "required", "userVerification": "required"}}
    reg = run_js(drv, "return await __pk.create(args[0]);", opts)
    if "error" in reg:
        sys.exit(f"create failed: {reg['error']}")
    get = run_js(drv, "return await __pk.get(args[0]);",
                 {"challenge": b64(auth_ch), "rpId": rp_id, "userVerification": "required",
                  "allowCredentials": [{"type": "public-key", "id": reg["rawId"]}]})
    if "error" in get:
        sys.exit(f"get failed: {get['error']}")
    unb = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).hex()
    with open(path, "w") as f:
        f.write("# Recorded from Chromium's virtual authenticator (CTAP2, internal, UV)\n"
                "# by tests/browser/passkeys.py --capture.  Hex of the raw bytes.\n")
        f.write(f"rp_id={rp_id}\norigin={url.rstrip('/')}\n")
        f.write(f"reg_challenge={reg_ch.hex()}\n")
        f.write(f"reg_client_data={unb(reg['response']['clientDataJSON'])}\n")
        f.write(f"attestation_object={unb(reg['response']['attestationObject'])}\n")
        f.write(f"auth_challenge={auth_ch.hex()}\n")
        f.write(f"auth_client_data={unb(get['response']['clientDataJSON'])}\n")
        f.write(f"authenticator_data={unb(get['response']['authenticatorData'])}\n")
        f.write(f"signature={unb(get['response']['signature'])}\n")
    print(f"wrote {path}")


def scenario(drv, url, key, tap, role):
    user = f"pk-browser-{os.getpid()}"
    password = "correct horse battery staple 9"
    status, body = admin_request(url, key, "POST", "/api/v1/users",
                                 {"username": user, "password": password, "role": role})
    if not tap.ok(status == 201, f"a {role} person to test with is created", body):
        return
    uid = body.get("id")

    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/login', args[0]);",
               {"username": user, "password": password})
    tap.ok(r.get("status") == 200, "signs in with the password", r)

    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/register/options', {});")
    tap.ok(r.get("status") == 200, "register/options: 200", r)
    opts = r.get("body") or {}
    tap.ok(opts.get("rp", {}).get("id") == "localhost" and opts.get("attestation") == "none",
           "the options name rp localhost and attestation none", opts)

    cred = run_js(drv, "return await __pk.create(args[0]);", opts)
    if not tap.ok("error" not in cred, "navigator.credentials.create() makes a credential", cred):
        return
    cred["name"] = "Virtual authenticator"
    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/register/verify', args[0]);",
               cred)
    tap.ok(r.get("status") == 201, "register/verify: 201", r)
    tap.ok((r.get("body") or {}).get("name") == "Virtual authenticator",
           "the passkey is listed with its name", r)
    again = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/register/verify', args[0]);",
                   cred)
    tap.ok(again.get("status") == 400, "the same registration again is refused (challenge used)",
           again)

    r = run_js(drv, "return await __pk.api('GET', '/api/v1/auth/passkeys');")
    tap.ok(r.get("status") == 200 and len((r.get("body") or {}).get("items", [])) == 1,
           "GET /auth/passkeys lists the one passkey", r)

    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/logout', {});")
    tap.ok(r.get("status") in (200, 204), "signs out", r)
    r = run_js(drv, "return await __pk.api('GET', '/api/v1/auth/passkeys');")
    tap.ok(r.get("status") == 401, "signed out: the passkey list needs a sign-in again", r)

    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/authenticate/options', {});")
    tap.ok(r.get("status") == 200, "authenticate/options without a name: 200", r)
    aopts = r.get("body") or {}
    assertion = run_js(drv, "return await __pk.get(args[0]);", aopts)
    if not tap.ok("error" not in assertion, "navigator.credentials.get() signs with the passkey",
                  assertion):
        return
    tap.ok(assertion["response"].get("userHandle") is not None,
           "the discoverable passkey returns its user handle", assertion)
    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/authenticate/verify', args[0]);",
               assertion)
    tap.ok(r.get("status") == 200, "authenticate/verify: 200, signed in with the passkey", r)
    r = run_js(drv, "return await __pk.api('GET', '/api/v1/auth/me');")
    tap.ok(r.get("status") == 200 and json.dumps(r.get("body")).find(user) >= 0,
           "the session is the person's", r)
    r = run_js(drv, "return await __pk.api('GET', '/api/v1/auth/passkeys');")
    items = (r.get("body") or {}).get("items", [])
    tap.ok(len(items) == 1 and items[0].get("last_used_at") is not None,
           "the passkey's last_used_at is set", r)

    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/authenticate/verify', args[0]);",
               assertion)
    tap.ok(r.get("status") == 401, "the same assertion replayed is refused", r)

    # A second sign-in with the passkey still works (the counter moves on).
    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/authenticate/options', args[0]);",
               {"username": user})
    aopts = r.get("body") or {}
    tap.ok(len(aopts.get("allowCredentials", [])) == 1,
           "authenticate/options with the username lists the passkey", r)
    assertion = run_js(drv, "return await __pk.get(args[0]);", aopts)
    r = run_js(drv, "return await __pk.api('POST', '/api/v1/auth/passkey/authenticate/verify', args[0]);",
               assertion)
    tap.ok(r.get("status") == 200, "a second passkey sign-in: 200", r)

    admin_request(url, key, "DELETE", f"/api/v1/users/{uid}", None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="https://localhost:PORT")
    ap.add_argument("--admin-key")
    ap.add_argument("--role", default="caregiver")
    ap.add_argument("--capture", metavar="FILE")
    a = ap.parse_args()
    url = a.url.rstrip("/")
    profile = tempfile.mkdtemp(prefix="hearth-chromium-")
    tap = Tap()
    drv = None
    try:
        drv = browser(profile)
        drv.get(url + "/")
        if a.capture:
            capture(drv, url, a.capture)
        else:
            scenario(drv, url, a.admin_key, tap, a.role)
    finally:
        if drv:
            drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
    sys.exit(1 if tap.failed else 0)


if __name__ == "__main__":
    main()
