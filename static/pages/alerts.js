// Alerts: open and resolved alerts by level and room, dismiss or ask for
// assistance, each alert's history of actions; live from the alerts stream.
import { h, fill } from '../lib/dom.js';
import { get, post } from '../lib/api.js';
import { subscribe } from '../lib/stream.js';
import { pageHead, badge, busy, field, toast } from '../lib/ui.js';
import { ago, dateTime } from '../lib/format.js';
import { ALERT_LEVELS, levelBadge, canActOnAlerts, keepQuery } from '../lib/security.js';

const PAGE = 50;

function statusBadge(a) {
  if (a.resolved) return badge(a.resolution || 'resolved', 'ok');
  if (a.escalated_at) return badge('escalated', 'bad');
  return badge('open', 'warn');
}

// A security alert names its event in source_key ("security:<event id>").
function eventLink(a) {
  const m = /^security:(\d+)$/.exec(a.source_key || '');
  return m ? h('p', null, h('a', { href: `/events/${m[1]}` }, 'Open the security event')) : null;
}

export async function render(view, { query, signal }) {
  const filters = {
    resolved: ['true', 'false', 'all'].includes(query.get('resolved')) ? query.get('resolved') : 'false',
    alert_level: ALERT_LEVELS.includes(query.get('alert_level')) ? query.get('alert_level') : '',
    room_name: query.get('room_name') || '',
  };
  const canAct = canActOnAlerts();
  const list = h('div', { class: 'alert-list', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', hidden: true }, 'Show older alerts');
  const count = h('p', { class: 'muted' });
  const liveState = badge('connecting…');
  const cards = new Map();   // alert id -> card node
  let cursor = null;

  const rooms = await get('/api/v1/rooms', { limit: 1000 }, { signal }).catch(() => ({ items: [] }));
  const roomNames = rooms.items.map((r) => r.name);
  if (filters.room_name && !roomNames.includes(filters.room_name)) roomNames.push(filters.room_name);

  const params = () => ({
    resolved: filters.resolved === 'all' ? undefined : filters.resolved,
    alert_level: filters.alert_level || undefined,
    room_name: filters.room_name || undefined,
  });
  const matches = (a) => (filters.resolved === 'all' || String(a.resolved) === filters.resolved)
    && (!filters.alert_level || a.alert_level === filters.alert_level)
    && (!filters.room_name || a.room_name === filters.room_name);

  // The history of one alert, read when its details are opened.
  const historyOf = async (a, box) => {
    const full = await get(`/api/v1/alerts/${a.id}`, null, { signal });
    const rows = full.actions || [];
    fill(box,
      h('dl', null,
        h('dt', null, 'Type'), h('dd', null, full.alert_type),
        h('dt', null, 'Raised'), h('dd', null, dateTime(full.created_at)),
        full.escalated_at ? [h('dt', null, 'Escalated'), h('dd', null, dateTime(full.escalated_at))] : null,
        full.resolved_at ? [h('dt', null, 'Resolved'), h('dd', null, `${dateTime(full.resolved_at)} (${full.resolution || 'resolved'})`)] : null,
        full.rule_id ? [h('dt', null, 'Rule'), h('dd', null, h('a', { href: `/rules/${full.rule_id}` }, `Rule ${full.rule_id}`))] : null,
        full.execution_id ? [h('dt', null, 'Run'), h('dd', null, h('a', { href: `/runs/${full.execution_id}` }, `Run ${full.execution_id}`))] : null),
      h('h4', null, 'Actions taken'),
      rows.length
        ? h('ol', { class: 'feed' }, rows.map((x) => h('li', null,
          h('time', { datetime: x.created_at }, dateTime(x.created_at)),
          h('strong', null, x.action === 'assist' ? 'Asked for assistance' : 'Dismissed'),
          ` by ${x.actor}`, x.note ? h('div', null, x.note) : null)))
        : h('p', { class: 'muted' }, 'No one has acted on it yet.'));
  };

  const upsert = (a, { prepend = false } = {}) => {
    const old = cards.get(a.id);
    if (!matches(a)) {
      if (old) { old.remove(); cards.delete(a.id); }
      if (!cards.size) showEmpty();
      return;
    }
    const node = alertCard(a);
    if (old) {
      const wasOpen = old.querySelector('details')?.open;
      old.replaceWith(node);
      if (wasOpen) node.querySelector('details').open = true;
    } else if (prepend) {
      list.querySelector('.empty')?.remove();
      list.prepend(node);
    } else {
      list.append(node);
    }
    cards.set(a.id, node);
  };

  function alertCard(a) {
    const note = field('note', 'Note (optional)', { maxlength: 2000 });
    const act = (action, withNote) => (ev) => busy(ev.currentTarget, async () => {
      const body = { action };
      const text = note.querySelector('input').value.trim();
      if (withNote && text) body.note = text;
      const after = await post(`/api/v1/alerts/${a.id}/action`, body);
      toast(action === 'assist' ? 'Assistance requested: everyone is notified again.' : 'Alert dismissed.', 'ok');
      upsert(after);
    });
    const buttons = (withNote) => (canAct && !a.resolved
      ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: act('assist', withNote) }, 'I’m on it'),
        h('button', { type: 'button', onclick: act('dismiss', withNote) }, 'Dismiss'))
      : null);
    const detailBox = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
    const details = h('details', null, h('summary', null, 'Details and history'), detailBox,
      canAct && !a.resolved ? h('div', { class: 'alert-note' }, note, buttons(true)) : null);
    details.addEventListener('toggle', () => {
      if (details.open) historyOf(a, detailBox).catch((err) => fill(detailBox, h('p', { class: 'error-box' }, err.message)));
    });
    return h('article', { class: 'card alert-card', dataset: { level: a.alert_level, id: a.id } },
      h('div', { class: 'alert-head' },
        h('h3', null, levelBadge(a.alert_level), ' ', a.title),
        statusBadge(a)),
      a.message ? h('p', null, a.message) : null,
      h('p', { class: 'muted' }, [a.room_name, `${ago(a.created_at)} (${dateTime(a.created_at)})`].filter(Boolean).join(' · ')),
      buttons(false),
      eventLink(a),
      details);
  }

  function showEmpty() {
    fill(list, h('p', { class: 'muted empty' }, filters.resolved === 'false' ? 'No open alerts. All is well.' : 'No alerts match.'));
  }

  const load = async (append = false) => {
    const page = await get('/api/v1/alerts', { ...params(), limit: PAGE, cursor: append ? cursor : undefined }, { signal });
    if (!append) {
      cards.clear();
      fill(list);
    }
    for (const a of page.items) upsert(a);
    if (!cards.size) showEmpty();
    cursor = page.pagination.next_cursor;
    more.hidden = !page.pagination.has_more;
    count.textContent = `${cards.size}${page.pagination.has_more ? '+' : ''} alert${cards.size === 1 ? '' : 's'}`;
  };
  more.addEventListener('click', (ev) => busy(ev.currentTarget, () => load(true)));

  const form = h('form', { class: 'inline filters', role: 'search', 'aria-label': 'Filter alerts' },
    field('resolved', 'Status', { value: filters.resolved, options: [['false', 'Open'], ['true', 'Resolved'], ['all', 'All']] }),
    field('alert_level', 'Level', { value: filters.alert_level, options: [['', 'Any level'], ...ALERT_LEVELS] }),
    field('room_name', 'Room', { value: filters.room_name, options: [['', 'Any room'], ...roomNames] }));
  form.addEventListener('submit', (ev) => ev.preventDefault());
  form.addEventListener('change', (ev) => {
    filters[ev.target.name] = ev.target.value;
    keepQuery({ ...filters, resolved: filters.resolved === 'false' ? '' : filters.resolved });
    busy(null, () => load());
  });

  fill(view,
    pageHead('Alerts', liveState),
    h('section', { class: 'card' }, form),
    count,
    list,
    h('p', null, more));

  const onState = (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  };
  subscribe('alerts', (msg) => {
    const d = msg.data || {};
    const id = d.alert_id ?? d.id;
    if (!id) return;
    const fresh = msg.type === 'alert.created';
    if (d.alert && d.alert.id) { upsert(d.alert, { prepend: fresh }); return; }
    get(`/api/v1/alerts/${id}`, null, { signal }).then((a) => upsert(a, { prepend: fresh || !cards.has(a.id) })).catch(() => {});
  }, signal, onState);

  await load();
}
