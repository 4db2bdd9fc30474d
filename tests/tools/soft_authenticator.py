#!/usr/bin/env python3
"""A software WebAuthn authenticator for the integration tests: builds the
bodies a browser would send to the passkey verify endpoints, from the
options the server gave, signing with an ES256 key through the openssl CLI
(Python's standard library has no ECDSA).

    soft_authenticator.py keygen DIR
    soft_authenticator.py register DIR ORIGIN < options.json > body.json
    soft_authenticator.py assert DIR ORIGIN COUNTER < options.json > body.json

DIR holds key.pem and cred_id (made by keygen).  Environment knobs for
the refusal cases: SOFT_TYPE (clientData type), SOFT_CHALLENGE (base64url
to use instead of the options'), SOFT_RP_ID (rp id hashed into authData),
SOFT_FLAGS (authData flags as an integer).
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
import sys


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    if n < 65536:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    return bytes([major << 5 | 26]) + struct.pack(">I", n)


def cbor_bytes(b):
    return cbor_head(2, len(b)) + b


def cbor_text(s):
    b = s.encode()
    return cbor_head(3, len(b)) + b


def cbor_int(i):
    return cbor_head(0, i) if i >= 0 else cbor_head(1, -1 - i)


def public_point(d):
    der = subprocess.run(["openssl", "ec", "-in", os.path.join(d, "key.pem"), "-pubout",
                          "-outform", "DER"], check=True, capture_output=True).stdout
    point = der[-65:]
    assert point[0] == 4
    return point[1:33], point[33:]


def sign(d, msg):
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(d, "key.pem")],
                          input=msg, check=True, capture_output=True).stdout


def client_data(kind, options, origin):
    return json.dumps({"type": os.environ.get("SOFT_TYPE", kind),
                       "challenge": os.environ.get("SOFT_CHALLENGE", options["challenge"]),
                       "origin": origin, "crossOrigin": False}, separators=(",", ":")).encode()


def auth_data(rp_id, flags, counter, attested=b""):
    rp = os.environ.get("SOFT_RP_ID", rp_id)
    flags = int(os.environ.get("SOFT_FLAGS", flags))
    return hashlib.sha256(rp.encode()).digest() + bytes([flags]) + struct.pack(">I", counter) + attested


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "keygen":
        os.makedirs(d, exist_ok=True)
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                        os.path.join(d, "key.pem")], check=True, capture_output=True)
        with open(os.path.join(d, "cred_id"), "w") as f:
            f.write(os.urandom(16).hex())
        return
    origin = sys.argv[3]
    options = json.load(sys.stdin)
    cred_id = bytes.fromhex(open(os.path.join(d, "cred_id")).read().strip())
    if cmd == "register":
        x, y = public_point(d)
        cose = (cbor_head(5, 5) + cbor_int(1) + cbor_int(2) + cbor_int(3) + cbor_int(-7) +
                cbor_int(-1) + cbor_int(1) + cbor_int(-2) + cbor_bytes(x) + cbor_int(-3) +
                cbor_bytes(y))
        attested = bytes(16) + struct.pack(">H", len(cred_id)) + cred_id + cose
        ad = auth_data(options["rp"]["id"], 0x45, 0, attested)
        att = (cbor_head(5, 3) + cbor_text("fmt") + cbor_text("none") + cbor_text("attStmt") +
               cbor_head(5, 0) + cbor_text("authData") + cbor_bytes(ad))
        cd = client_data("webauthn.create", options, origin)
        body = {"id": b64u(cred_id), "rawId": b64u(cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cd), "attestationObject": b64u(att),
                             "transports": ["internal"]}}
    else:
        counter = int(sys.argv[4])
        ad = auth_data(options["rpId"], 0x05, counter)
        cd = client_data("webauthn.get", options, origin)
        sig = sign(d, ad + hashlib.sha256(cd).digest())
        body = {"id": b64u(cred_id), "rawId": b64u(cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cd), "authenticatorData": b64u(ad),
                             "signature": b64u(sig), "userHandle": None}}
    json.dump(body, sys.stdout)


if __name__ == "__main__":
    main()
