// The dashboard placeholder: liveness and component status, refreshed
// every 5 seconds from the public endpoints, and a live feed of prompts,
// alerts and rule runs from the real-time streams (EventSource).
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

// ---- live feed

const LIVE_CHANNELS = ['prompts', 'alerts', 'workflows'];
const LIVE_MAX = 50;
const LIVE_RETRY_MS = 30000;
const LIVE_KEY = 'hearth.liveKey';

let liveSources = [];
let liveRetry = null;

// One line for a message: what happened, in words.
function liveSummary(msg) {
  const d = msg.data || {};
  switch (msg.type) {
    case 'workflow.started':
    case 'workflow.waiting':
    case 'workflow.completed':
    case 'workflow.failed':
    case 'workflow.cancelled':
      return `${d.rule_name || 'rule'} (run ${d.id}): ${d.status}${d.error ? ` – ${d.error}` : ''}`;
    case 'alert.action':
      return `alert ${d.alert_id}: ${d.action}${d.actor ? ` by ${d.actor}` : ''}`;
    default:
      return d.title || d.message || d.text || d.rule_name || '';
  }
}

function liveAdd(msg) {
  const feed = document.getElementById('live-feed');
  const li = document.createElement('li');
  const at = msg.at ? new Date(msg.at) : new Date();
  const when = document.createElement('span');
  when.className = 'muted';
  when.textContent = `${at.toLocaleTimeString()} `;
  const what = document.createElement('strong');
  what.textContent = msg.type || 'message';
  li.append(when, what, document.createTextNode(` ${liveSummary(msg)}`));
  feed.prepend(li);
  while (feed.children.length > LIVE_MAX) feed.lastElementChild.remove();
}

function liveDisconnect() {
  for (const es of liveSources) es.close();
  liveSources = [];
  clearTimeout(liveRetry);
  liveRetry = null;
}

// A browser's EventSource cannot send headers: the key, when there is one,
// goes as ?api_key= (a session cookie goes by itself).  EventSource
// reconnects by itself after a network error, with Last-Event-ID so
// nothing is missed; a refusal (401, 403) closes it for good.
function liveConnect() {
  liveDisconnect();
  const key = sessionStorage.getItem(LIVE_KEY);
  const query = key ? `?api_key=${encodeURIComponent(key)}` : '';
  for (const channel of LIVE_CHANNELS) {
    const es = new EventSource(`/api/v1/stream/${channel}${query}`);
    es.onopen = () => {
      if (liveSources.every((s) => s.readyState === EventSource.OPEN)) {
        show('live-state', 'live', 'ok');
        document.getElementById('live-form').hidden = true;
      }
    };
    es.onmessage = (ev) => {
      try {
        liveAdd(JSON.parse(ev.data));
      } catch (e) {
        // Not a Hearth message: nothing to show.
      }
    };
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED) {
        show('live-state', 'reconnecting…', 'warn');
        return;
      }
      // Refused, or the server is away: ask for a key, and try again later.
      liveDisconnect();
      show('live-state', key ? 'refused' : 'sign in', 'bad');
      document.getElementById('live-form').hidden = false;
      liveRetry = setTimeout(liveConnect, LIVE_RETRY_MS);
    };
    liveSources.push(es);
  }
}

document.getElementById('live-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = document.getElementById('live-key');
  sessionStorage.setItem(LIVE_KEY, input.value.trim());
  input.value = '';
  liveConnect();
});

liveConnect();
