// The dashboard placeholder: liveness and component status, refreshed
// every 5 seconds from the public endpoints.
'use strict';

const REFRESH_MS = 5000;

function show(id, text, state) {
  const el = document.getElementById(id);
  el.textContent = text;
  if (state !== undefined) el.dataset.state = state;
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${Math.floor(seconds % 60)}s`;
}

async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  const body = await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, body };
}

async function refresh() {
  try {
    const health = await getJSON('/health');
    show('health', health.ok ? 'ok' : `down (${health.status})`, health.ok ? 'ok' : 'bad');
  } catch (e) {
    show('health', 'unreachable', 'bad');
  }

  try {
    const { ok, status, body } = await getJSON('/api/v1/status');
    if (!ok || !body) throw new Error(`HTTP ${status}`);
    const components = body.components || {};
    const schema = body.schema || {};
    show('version', `${body.version || '?'} (${body.commit || '?'})`);
    show('uptime', duration(body.uptime_seconds || 0));
    show('database', components.database || '?', components.database === 'ok' ? 'ok' : 'bad');
    show('cache', components.cache || '?', components.cache === 'ok' ? 'ok' : 'warn');
    const current = schema.current === schema.required;
    show('schema', `${schema.current} of ${schema.required}`, current ? 'ok' : 'bad');
  } catch (e) {
    for (const id of ['version', 'uptime', 'database', 'cache', 'schema']) show(id, '–', '');
  }
  show('updated', new Date().toLocaleTimeString());
}

refresh();
setInterval(refresh, REFRESH_MS);
