// Passkeys in the browser: the server's options (JSON, base64url) into
// navigator.credentials and the credential back as JSON.
import { post } from './api.js';

const b64ToBuf = (s) => {
  let t = s.replace(/-/g, '+').replace(/_/g, '/');
  while (t.length % 4) t += '=';
  const bin = atob(t);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out.buffer;
};
const bufToB64 = (buf) => {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

export function passkeysAvailable() {
  return window.isSecureContext && 'PublicKeyCredential' in window && navigator.credentials;
}

function creationOptions(o) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(o);
  return {
    ...o,
    challenge: b64ToBuf(o.challenge),
    user: { ...o.user, id: b64ToBuf(o.user.id) },
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: b64ToBuf(c.id) })),
  };
}

function requestOptions(o) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(o);
  return {
    ...o,
    challenge: b64ToBuf(o.challenge),
    allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: b64ToBuf(c.id) })),
  };
}

function credentialJSON(cred) {
  const r = cred.response;
  const out = { id: cred.id, rawId: bufToB64(cred.rawId), type: cred.type, response: { clientDataJSON: bufToB64(r.clientDataJSON) } };
  if (r.attestationObject) {
    out.response.attestationObject = bufToB64(r.attestationObject);
    if (r.getTransports) out.response.transports = r.getTransports();
  } else {
    out.response.authenticatorData = bufToB64(r.authenticatorData);
    out.response.signature = bufToB64(r.signature);
    out.response.userHandle = r.userHandle ? bufToB64(r.userHandle) : null;
  }
  return out;
}

// Register a passkey for the signed-in person; name is what they call it.
export async function passkeyRegister(name) {
  const options = await post('/api/v1/auth/passkey/register/options', {});
  const cred = await navigator.credentials.create({ publicKey: creationOptions(options) });
  const body = credentialJSON(cred);
  if (name) body.name = name;
  return post('/api/v1/auth/passkey/register/verify', body);
}

// Sign in with a passkey (of username, or any this device holds).  false
// when the person cancelled.
export async function passkeySignIn(username) {
  const options = await post('/api/v1/auth/passkey/authenticate/options', username ? { username } : {});
  let cred;
  try {
    cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
  } catch (err) {
    if (err && err.name === 'NotAllowedError') return false;
    throw err;
  }
  await post('/api/v1/auth/passkey/authenticate/verify', credentialJSON(cred));
  return true;
}
