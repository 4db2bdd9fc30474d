// System: whether the hub itself is well.  The health levels against
// their thresholds, the host (uptime, load, disk), the API's parts
// (database, cache, schema) and Home Assistant: the bridge that follows
// it and the syncs that read it, with a sync on demand for an admin.
// Refreshes itself while open.
import { h, fill } from '../lib/dom.js';
import { get, post } from '../lib/api.js';
import { subscribe } from '../lib/stream.js';
import { session } from '../lib/session.js';
import { stacked } from '../lib/automation.js';
import { pageHead, card, badge, busy, table, toast } from '../lib/ui.js';
import { ago, bytes, dateTime, duration, time } from '../lib/format.js';

const levelState = { ok: 'ok', warn: 'warn', critical: 'bad' };
const hex = (n) => `0x${Number(n).toString(16).toUpperCase().padStart(2, '0')}`;

// A bar filled to pct (0..100) in the colour of the level.
function bar(pct, level, label) {
  const fillEl = h('span', { dataset: { state: levelState[level] || 'ok' } });
  fillEl.style.setProperty('width', `${Math.max(0, Math.min(100, pct))}%`);
  return h('div', { class: 'bar', role: 'img', 'aria-label': label }, fillEl);
}

function metric(title, level, available, valueText, barNode, limits) {
  return h('div', { class: 'sys-metric' },
    h('div', { class: 'sys-metric-head' }, h('strong', null, title),
      available ? badge(level, levelState[level]) : badge('not offered')),
    available ? [h('div', { class: 'sys-value' }, valueText), barNode, limits ? h('div', { class: 'muted' }, limits) : null]
      : h('p', { class: 'muted' }, 'This host does not report it.'));
}

function healthView(hw) {
  const a = hw.alerts || {};
  const v = hw.values || {};
  const av = hw.available || {};
  const t = hw.thresholds || {};
  const temp = t.cpu_temp_c || {};
  const sto = t.storage_percent || {};
  const sd = t.sd_life_time_est || {};
  return [
    h('p', null, 'Overall: ', badge(hw.overall, levelState[hw.overall])),
    h('div', { class: 'grid' },
      metric('CPU temperature', a.cpu_temp, av.cpu_temp,
        v.cpu_temp_c === null || v.cpu_temp_c === undefined ? '–' : `${v.cpu_temp_c.toFixed(1)} °C`,
        av.cpu_temp ? bar(v.cpu_temp_c, a.cpu_temp, `${v.cpu_temp_c} °C of 100`) : null,
        `warning from ${temp.warn ?? 65} °C, critical from ${temp.critical ?? 80} °C`),
      metric('Throttling', a.throttle, av.throttle,
        v.throttle_flags ? `flags ${hex(v.throttle_flags)}` : 'none now', null,
        'critical while the board is throttled (under-voltage, heat)'),
      metric('Media storage', a.storage, av.storage,
        v.storage_percent === null || v.storage_percent === undefined ? '–' : `${v.storage_percent} % used`,
        av.storage ? bar(v.storage_percent, a.storage, `${v.storage_percent} % used`) : null,
        `warning from ${sto.warn ?? 85} %, critical from ${sto.critical ?? 95} %`),
      metric('SD card / eMMC wear', a.sd_health, av.sd_health,
        v.sd_life_time_est === null || v.sd_life_time_est === undefined ? '–'
          : `${hex(v.sd_life_time_est)}: ${v.sd_life_time_est >= 11 ? 'past its rated life' : `about ${(v.sd_life_time_est - 1) * 10}–${v.sd_life_time_est * 10} % of its life used`}`,
        av.sd_health ? bar(Math.min(v.sd_life_time_est, 10) * 10, a.sd_health, `${hex(v.sd_life_time_est)}`) : null,
        `warning from ${hex(sd.warn ?? 3)}, critical from ${hex(sd.critical ?? 11)}`)),
  ];
}

function hostView(info) {
  const load = info.load_average || {};
  const disk = info.disk || null;
  return h('dl', null,
    h('dt', null, 'Host'), h('dd', null, info.hostname),
    h('dt', null, 'Version'), h('dd', null, info.version, info.commit ? h('span', { class: 'muted' }, ` (${info.commit})`) : null),
    h('dt', null, 'Host up'), h('dd', null, duration(info.uptime_seconds)),
    h('dt', null, 'API up'), h('dd', null, duration(info.api_uptime_seconds)),
    h('dt', null, 'API workers'), h('dd', null, String(info.workers)),
    h('dt', null, 'Load'), h('dd', null, ['1m', '5m', '15m'].map((k) => `${load[k] ?? '–'} (${k})`).join(' · ')),
    h('dt', null, 'CPU'), h('dd', null, info.cpu_temp_c === null ? 'temperature not reported' : `${info.cpu_temp_c.toFixed(1)} °C`),
    h('dt', null, 'Media disk'), h('dd', null, disk && disk.total_bytes
      ? [`${bytes(disk.used_bytes)} used of ${bytes(disk.total_bytes)}, ${bytes(disk.available_bytes)} free`,
        bar(disk.used_percent, disk.used_percent >= 95 ? 'critical' : disk.used_percent >= 85 ? 'warn' : 'ok', `${disk.used_percent} % used`)]
      : 'cannot be read'));
}

function statusView(s) {
  const c = s.components || {};
  const sch = s.schema || {};
  const schemaOk = sch.current !== null && sch.current >= sch.required;
  return h('dl', null,
    h('dt', null, 'Database'), h('dd', null, badge(c.database, c.database === 'ok' ? 'ok' : 'bad')),
    h('dt', null, 'Cache'), h('dd', null, badge(c.cache, c.cache === 'ok' ? 'ok' : 'warn'),
      c.cache === 'ok' ? null : h('div', { class: 'muted' }, 'Hearth works without it, only slower.')),
    h('dt', null, 'Schema'), h('dd', null, badge(schemaOk ? 'up to date' : 'behind', schemaOk ? 'ok' : 'bad'),
      ` ${sch.current ?? '?'} of ${sch.required}`));
}

const bridgeState = { connected: 'ok', disconnected: 'warn', stale: 'bad' };
const bridgeWords = {
  connected: 'connected',
  disconnected: 'not connected (retrying)',
  stale: 'not running',
};

// hearth-ha-bridge as /status tells it (null: it never ran here).
function bridgeView(b) {
  if (!b) {
    return h('p', { class: 'muted' }, 'Not set up. Set Home Assistant\'s address and token in ',
      h('a', { href: '/settings' }, 'Settings'), ', then hearth-ha-bridge follows its changes.');
  }
  return h('dl', null,
    h('dt', null, 'Live changes'), h('dd', null, badge(bridgeWords[b.state] || b.state, bridgeState[b.state]),
      b.ha_version ? h('span', { class: 'muted' }, ` Home Assistant ${b.ha_version}`) : null),
    h('dt', null, 'Since'), h('dd', null, b.since ? `${dateTime(b.since)} · ${ago(b.since)}` : '–'),
    h('dt', null, 'Last event'), h('dd', null, b.last_event_at ? `${dateTime(b.last_event_at)} · ${ago(b.last_event_at)}` : 'none yet'),
    h('dt', null, 'Events'), h('dd', null, `${b.events} since it started, ${b.reconnects} reconnect${b.reconnects === 1 ? '' : 's'}`),
    b.last_error && b.state !== 'connected' ? [h('dt', null, 'Why'), h('dd', null, b.last_error)] : null);
}

const syncKinds = { rooms: 'Rooms', sensors: 'Sensors', entities: 'Entities', registry: 'Registry' };
const runState = { completed: 'ok', running: 'warn', failed: 'bad' };

function syncsView(runs) {
  return stacked(table([
    { label: 'Sync', cell: (r) => syncKinds[r.kind] || r.kind },
    { label: 'From', cell: (r) => r.trigger },
    { label: 'Status', cell: (r) => h('span', null, badge(r.status, runState[r.status]),
      r.error ? h('div', { class: 'muted' }, r.error) : null) },
    { label: 'New', class: 'num', cell: (r) => String(r.created) },
    { label: 'Changed', class: 'num', cell: (r) => String(r.updated) },
    { label: 'Missing', class: 'num', cell: (r) => String(r.missing) },
    { label: 'Ended', cell: (r) => (r.finished_at ? h('span', { title: dateTime(r.finished_at) }, ago(r.finished_at)) : '–') },
  ], runs, 'No sync has run yet.'));
}

// Sync now, in the order each needs the one before: areas become rooms
// before entities in them become sensors.
async function syncAll(after) {
  const done = [];
  for (const [kind, path] of [['rooms', '/api/v1/ha/sync/rooms'], ['sensors', '/api/v1/ha/sync/sensors'],
    ['entities', '/api/v1/entities/sync'], ['registry', '/api/v1/registry/sync']]) {
    const run = await post(path, {});
    done.push(`${syncKinds[kind].toLowerCase()} +${run.created}/~${run.updated}`);
  }
  toast(`Synced from Home Assistant: ${done.join(', ')}`, 'ok');
  await after();
}

export async function render(view, { signal }) {
  const healthBox = h('div');
  const hostBox = h('div');
  const statusBox = h('div');
  const haBox = h('div');
  const syncBox = h('div');
  const stamp = h('span', { class: 'muted', 'aria-live': 'polite' });

  const load = async () => {
    const [status, info, hw] = await Promise.all([
      get('/api/v1/status', null, { signal }),
      get('/api/v1/system/info', null, { signal }),
      get('/api/v1/system/health-alerts', null, { signal }),
    ]);
    fill(healthBox, healthView(hw));
    fill(hostBox, hostView(info));
    fill(statusBox, statusView(status));
    fill(haBox, bridgeView(status.home_assistant));
    const runs = await get('/api/v1/ha/sync/runs', { limit: 8 }, { signal }).catch(() => null);
    fill(syncBox, runs ? syncsView(runs.items) : h('p', { class: 'muted' }, 'The syncs cannot be read just now.'));
    stamp.textContent = `Updated ${time(new Date().toISOString())}`;
  };

  fill(view,
    pageHead('System', stamp, h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, load) }, 'Refresh')),
    card('Health', healthBox),
    h('div', { class: 'cols' }, card('Host', hostBox), card('Services', statusBox)),
    card('Home Assistant', haBox, h('h3', null, 'Syncs'), syncBox,
      session.isAdmin ? h('p', null, h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget,
        () => syncAll(load)) }, 'Sync now')) : null));
  await load();

  let soon = null;
  subscribe('system', () => {
    clearTimeout(soon);
    soon = setTimeout(() => load().catch(() => {}), 500);
  }, signal);
  const every = setInterval(() => load().catch(() => {}), 15000);
  return () => { clearInterval(every); clearTimeout(soon); };
}
