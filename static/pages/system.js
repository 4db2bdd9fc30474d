// System: whether the hub itself is well.  The health levels against
// their thresholds, the host (uptime, load, disk) and the API's parts
// (database, cache, schema).  Refreshes itself while open.
import { h, fill } from '../lib/dom.js';
import { get } from '../lib/api.js';
import { subscribe } from '../lib/stream.js';
import { pageHead, card, badge, busy } from '../lib/ui.js';
import { bytes, duration, time } from '../lib/format.js';

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

export async function render(view, { signal }) {
  const healthBox = h('div');
  const hostBox = h('div');
  const statusBox = h('div');
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
    stamp.textContent = `Updated ${time(new Date().toISOString())}`;
  };

  fill(view,
    pageHead('System', stamp, h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, load) }, 'Refresh')),
    card('Health', healthBox),
    h('div', { class: 'cols' }, card('Host', hostBox), card('Services', statusBox)));
  await load();

  let soon = null;
  subscribe('system', () => {
    clearTimeout(soon);
    soon = setTimeout(() => load().catch(() => {}), 500);
  }, signal);
  const every = setInterval(() => load().catch(() => {}), 15000);
  return () => { clearInterval(every); clearTimeout(soon); };
}
