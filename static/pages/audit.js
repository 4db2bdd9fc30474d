// Audit (admin): every change made to the hub (writes through the API,
// sign-ins, hearthctl), newest first, by who, path, time and status;
// "Older" reads the next page.
import { h, fill, append } from '../lib/dom.js';
import { get } from '../lib/api.js';
import { pageHead, card, field, busy, table } from '../lib/ui.js';
import { statusBadge, localToIso, isoToLocal } from '../lib/manage.js';
import { dateTime } from '../lib/format.js';

const PAGE = 50;
const FILTERS = ['who', 'path', 'since', 'until', 'status'];

export async function render(view, { signal, query }) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) || '']));
  let cursor = null;
  let shown = 0;

  const rowsBox = h('div', { class: 'stack' });
  const count = h('span', { class: 'muted', 'aria-live': 'polite' });
  const older = h('button', { type: 'button', hidden: true }, 'Older');

  const keepInUrl = () => {
    const q = new URLSearchParams();
    for (const k of FILTERS) if (f[k]) q.set(k, f[k]);
    history.replaceState(null, '', `${location.pathname}${q.toString() ? `?${q}` : ''}`);
  };

  const byWho = (who) => {
    form.elements.who.value = who;
    apply();
  };

  const columns = [
    { label: 'When', cell: (r) => h('time', { datetime: r.at }, dateTime(r.at)) },
    { label: 'Who', cell: (r) => h('div', null,
      h('button', { type: 'button', class: 'link', title: `Only ${r.actor}`, onclick: () => byWho(r.actor) }, r.actor),
      h('div', { class: 'muted' }, r.key_id ? `key ${r.key_id}` : r.user_id ? 'session' : r.method === 'CLI' ? 'hearthctl' : '')) },
    { label: 'What', class: 'audit-what', cell: (r) => h('span', { class: 'mono' }, h('strong', null, r.method), ' ', r.path) },
    { label: 'Object', cell: (r) => r.object_id ?? '–' },
    { label: 'Status', cell: (r) => statusBadge(r.status) },
    { label: 'Address', cell: (r) => r.address || '–' },
  ];

  const load = async (reset) => {
    const page = await get('/api/v1/audit', {
      who: f.who, path: f.path, since: f.since, until: f.until, status: f.status, limit: PAGE, cursor: reset ? null : cursor,
    }, { signal });
    cursor = page.pagination.next_cursor;
    older.hidden = !cursor;
    if (reset) {
      shown = page.items.length;
      fill(rowsBox, table(columns, page.items, FILTERS.some((k) => f[k]) ? 'No changes match.' : 'Nothing recorded yet.'));
    } else {
      shown += page.items.length;
      const tbody = rowsBox.querySelector('tbody');
      const more = table(columns, page.items);
      const rows = more.querySelectorAll('tbody tr');
      if (tbody) append(tbody, [...rows]);
    }
    count.textContent = `${shown} shown${cursor ? ', more are older' : ''}`;
  };
  older.addEventListener('click', () => busy(older, () => load(false)));

  const submit = h('button', { class: 'primary', type: 'submit' }, 'Filter');
  const form = h('form', { class: 'inline audit-filters', novalidate: true, role: 'search' },
    field('who', 'Who', { value: f.who, maxlength: 320, placeholder: 'exact key or user name' }),
    field('path', 'Path starts with', { value: f.path, maxlength: 1024, placeholder: '/api/v1/rules' }),
    field('since', 'From', { type: 'datetime-local', value: isoToLocal(f.since) }),
    field('until', 'Before', { type: 'datetime-local', value: isoToLocal(f.until) }),
    field('status', 'Status', { type: 'number', min: 100, max: 599, value: f.status, inputmode: 'numeric' }),
    submit,
    h('button', { type: 'button', onclick: () => { form.reset(); for (const el of form.elements) if (el.name) el.value = ''; apply(); } }, 'Clear'));
  function apply() {
    f.who = form.elements.who.value.trim();
    f.path = form.elements.path.value.trim();
    f.since = localToIso(form.elements.since.value);
    f.until = localToIso(form.elements.until.value);
    f.status = form.elements.status.value.trim();
    keepInUrl();
    return busy(submit, () => load(true), form);
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });

  fill(view,
    pageHead('Audit', count),
    card(null, form, h('p', { class: 'muted' }, 'From and Before are in this browser’s time zone. Only changes and sign-ins are recorded, not reading.')),
    card(null, rowsBox, h('div', { class: 'actions' }, older)));
  await load(true);
}
