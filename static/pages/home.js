// Home: who is where, what needs attention now, what just happened, and
// whether the hub itself is well.
import { h, fill } from '../lib/dom.js';
import { get, post } from '../lib/api.js';
import { subscribe } from '../lib/stream.js';
import { pageHead, card, badge, busy } from '../lib/ui.js';
import { ago, time } from '../lib/format.js';

const FEED_MAX = 50;
const levelState = { emergency: 'bad', warning: 'warn', info: 'info', reminder: 'info' };

function roomsView(rooms, occupancy) {
  const occ = new Map(occupancy.map((o) => [o.room_id, o]));
  if (!rooms.length) return h('p', { class: 'muted' }, 'No rooms yet. ', h('a', { href: '/rooms' }, 'Add the first room'));
  return h('div', null, rooms.map((r) => {
    const o = occ.get(r.id);
    const state = !o ? badge('no presence sensor') : o.occupied ? badge('occupied', 'ok') : badge('empty');
    return h('div', { class: 'room' },
      h('div', null, h('strong', null, r.name), h('div', { class: 'muted' },
        o && o.since ? `${o.occupied ? 'since' : 'empty since'} ${ago(o.since)}` : `${r.sensor_count} sensor${r.sensor_count === 1 ? '' : 's'}`)),
      state);
  }));
}

function alertCard(a, reload) {
  const act = (action) => (ev) => busy(ev.currentTarget, async () => {
    await post(`/api/v1/alerts/${a.id}/action`, { action });
    await reload();
  });
  return h('article', { class: 'card alert-card', dataset: { level: a.alert_level } },
    h('h3', null, badge(a.alert_level, levelState[a.alert_level]), ' ', a.title),
    h('p', null, a.message),
    h('p', { class: 'muted' }, [a.room_name, ago(a.created_at)].filter(Boolean).join(' · ')),
    h('div', { class: 'actions' },
      h('button', { class: 'primary', onclick: act('assist') }, 'I’m on it'),
      h('button', { onclick: act('dismiss') }, 'Dismiss')));
}

function describe(msg) {
  const d = msg.data || {};
  switch (msg.type) {
  case 'alert.created': return `Alert: ${d.title || ''}`;
  case 'alert.action': return `Alert ${d.id || ''} ${d.action || 'handled'}${d.actor ? ` by ${d.actor}` : ''}`;
  case 'alert.escalated': return `Alert escalated: ${d.title || ''}`;
  case 'event.created': return d.rule_name ? `Rule “${d.rule_name}” ${d.status || 'ran'}` : `Event ${d.event_type || d.kind || ''} ${d.sensor_name || ''}`.trim();
  case 'security_event.created': return `Security event at ${d.camera_name || 'a camera'} (${d.risk_level || 'risk unknown'})`;
  case 'security_event.updated': return `Security event ${d.id || ''} updated`;
  case 'workflow.cancelled': return `Run ${d.id || d.execution_id || ''} cancelled`;
  default: return msg.type.replace(/[._]/g, ' ');
  }
}

export async function render(view, { signal }) {
  const roomsBox = h('div');
  const alertsBox = h('div');
  const healthBox = h('div');
  const feed = h('ol', { class: 'feed', 'aria-live': 'polite' });
  const liveState = badge('connecting…');

  const loadRooms = async () => {
    const [rooms, occupancy] = await Promise.all([
      get('/api/v1/rooms', { limit: 1000 }, { signal }),
      get('/api/v1/occupancy', null, { signal }).catch(() => ({ items: [] })),
    ]);
    fill(roomsBox, roomsView(rooms.items, occupancy.items));
  };
  const loadAlerts = async () => {
    const page = await get('/api/v1/alerts', { resolved: 'false', limit: 50 }, { signal });
    fill(alertsBox, page.items.length ? page.items.map((a) => alertCard(a, loadAlerts))
      : h('p', { class: 'muted' }, 'Nothing needs attention.'));
    // For bench/dashboard.py: when the first alert cards are on screen.
    if (page.items.length && !performance.getEntriesByName('hearth:alerts-painted').length) {
      requestAnimationFrame(() => performance.mark('hearth:alerts-painted'));
    }
  };
  const loadHealth = async () => {
    const [status, hw] = await Promise.all([
      get('/api/v1/status', null, { signal }),
      get('/api/v1/system/health-alerts', null, { signal }).catch(() => null),
    ]);
    const c = status.components || {};
    fill(healthBox, h('dl', null,
      h('dt', null, 'Database'), h('dd', null, badge(c.database, c.database === 'ok' ? 'ok' : 'bad')),
      h('dt', null, 'Cache'), h('dd', null, badge(c.cache, c.cache === 'ok' ? 'ok' : 'warn')),
      hw ? [h('dt', null, 'Hardware'), h('dd', null, badge(hw.overall, hw.overall === 'ok' ? 'ok' : hw.overall === 'critical' ? 'bad' : 'warn'))] : null,
      hw && hw.values && hw.values.storage_percent !== null ? [h('dt', null, 'Storage used'), h('dd', null, `${hw.values.storage_percent} %`)] : null,
      status.version ? [h('dt', null, 'Version'), h('dd', null, status.version)] : null));
  };
  const push = (msg) => {
    feed.prepend(h('li', null, h('time', { datetime: msg.at || new Date().toISOString() }, time(msg.at || new Date().toISOString())), describe(msg)));
    while (feed.children.length > FEED_MAX) feed.lastChild.remove();
  };

  fill(view,
    pageHead('Home', liveState),
    h('div', { class: 'cols' },
      h('div', null,
        h('section', { 'aria-labelledby': 'alerts-h' }, h('h2', { id: 'alerts-h' }, 'Needs attention'), alertsBox),
        card('Live', feed, h('p', { class: 'muted' }, 'Alerts, rule runs and events as they happen.'))),
      h('div', null, card('Rooms', roomsBox), card('The hub', healthBox))));

  const onState = (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  };
  let reloadTimer = null;
  const soon = (fn) => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => fn().catch(() => {}), 300);
  };
  subscribe('alerts', (m) => { push(m); soon(loadAlerts); }, signal, onState);
  subscribe('events', (m) => { push(m); if (m.type === 'event.created') soon(loadRooms); }, signal);
  subscribe('workflows', push, signal);

  await Promise.all([loadAlerts(), loadRooms(), loadHealth()]);
  const every = setInterval(() => loadHealth().catch(() => {}), 30000);
  return () => { clearInterval(every); clearTimeout(reloadTimer); };
}
