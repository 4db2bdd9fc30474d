// The one way the dashboard talks to Hearth: JSON over fetch with the
// session cookie (same origin), and on every write the X-Hearth-Request
// header that the API requires of cookie-authenticated writes (a page of
// another site cannot send it).

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && body.detail;
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    // 422: [{loc: ['body', 'name'], msg, type}]
    this.fields = Array.isArray(detail) ? detail : [];
  }

  // The problems of one field ('name' for loc ['body', 'name']).
  fieldMessages(name) {
    return this.fields.filter((p) => p.loc && p.loc[p.loc.length - 1] === name).map((p) => p.msg);
  }

  // One line for a toast.
  summary() {
    if (this.fields.length === 0) return this.message;
    return this.fields.map((p) => `${(p.loc || []).slice(1).join('.') || 'request'}: ${p.msg}`).join('; ');
  }
}

const listeners = new Set();
// fn(status) for every 401 outside /auth: the session has ended.
export function onSignedOut(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Query string from an object, leaving out empty values.
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function api(method, path, body, { signal, raw } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Hearth-Request'] = '1';
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path.startsWith('/') ? path : `/api/v1/${path}`, init);
  if (raw) return res;
  let data = null;
  if (res.status !== 204) data = await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && !path.includes('/auth/')) for (const fn of listeners) fn(res.status);
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path, params, opts) => api('GET', path + qs(params), undefined, opts);
export const post = (path, body, opts) => api('POST', path, body, opts);
export const put = (path, body, opts) => api('PUT', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

// Every page of a cursor-paginated list, up to max items.
export async function getAll(path, params = {}, max = 5000, opts = {}) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(path, { ...params, limit: 1000, cursor }, opts);
    items.push(...page.items);
    cursor = page.pagination && page.pagination.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
