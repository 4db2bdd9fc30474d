// People: the members of the household, where each was last seen, and
// where one of them has been over the last hours.  Admins add, edit and
// remove people and report a sighting by hand.
import { h, fill } from '../lib/dom.js';
import { get, getAll, post, patch, del } from '../lib/api.js';
import { session } from '../lib/session.js';
import { subscribe } from '../lib/stream.js';
import { pageHead, card, badge, table, field, busy, confirmDialog, toast } from '../lib/ui.js';
import { formDialog } from '../lib/manage.js';
import { ago, dateTime, duration } from '../lib/format.js';

const statusState = { home: 'ok', away: 'warn', unknown: null };
const HOURS = [[6, 'Last 6 hours'], [24, 'Last 24 hours'], [72, 'Last 3 days'], [168, 'Last 7 days'], [720, 'Last 30 days']];

function when(iso) {
  return iso ? h('time', { datetime: iso, title: dateTime(iso) }, ago(iso)) : '–';
}

function sourceText(s) {
  const conf = s.confidence === null || s.confidence === undefined ? '' : ` · ${Math.round(s.confidence * 100)}\u00a0%`;
  return `${s.source}${conf}`;
}

function personFields(p = {}) {
  return [
    field('name', 'Name', { value: p.name || '', required: true, maxlength: 256, autocomplete: 'off' }),
    field('relationship', 'Relationship', { value: p.relationship || '', maxlength: 64, help: 'e.g. resident, family, carer' }),
    field('notes', 'Notes', { type: 'textarea', value: p.notes || '', rows: 4 }),
  ];
}

function personBody(form) {
  const v = (n) => form.elements[n].value.trim();
  return { name: v('name'), relationship: v('relationship') || null, notes: v('notes') || null };
}

export async function render(view, { signal, query }) {
  const admin = session.isAdmin;
  let people = [];       // persons joined with their location entry
  let rooms = [];
  let selected = Number(query.get('person')) || null;
  let hours = Number(query.get('hours')) || 24;
  if (!HOURS.some(([n]) => n === hours)) hours = 24;

  const listBox = h('div', { class: 'stack' });
  const detailBox = h('div');
  const liveState = badge('connecting…');

  const select = (id) => {
    selected = id;
    const q = new URLSearchParams(location.search);
    if (id) q.set('person', String(id)); else q.delete('person');
    history.replaceState(null, '', `${location.pathname}${q.toString() ? `?${q}` : ''}`);
    drawList();
    loadDetail().catch(() => {});
  };

  const drawList = () => {
    fill(listBox, table([
      { label: 'Person', cell: (p) => h('div', null,
        h('button', { type: 'button', class: 'link', 'aria-pressed': String(p.id === selected), onclick: () => select(p.id) }, p.name),
        p.relationship ? h('div', { class: 'muted' }, p.relationship) : null) },
      { label: 'Status', cell: (p) => badge(p.status, statusState[p.status]) },
      { label: 'Where', cell: (p) => (p.location ? p.location.room_name : h('span', { class: 'muted' }, 'never seen')) },
      { label: 'Seen', cell: (p) => (p.location ? when(p.location.seen_at) : '–') },
    ], people, admin ? 'Nobody yet. Add the people who live here or visit.' : 'Nobody has been added yet.'));
  };

  const loadList = async () => {
    const [persons, locs] = await Promise.all([
      getAll('/api/v1/persons', {}, 5000, { signal }),
      getAll('/api/v1/persons/locations', {}, 5000, { signal }),
    ]);
    const where = new Map(locs.map((l) => [l.id, l]));
    people = persons.map((p) => ({ ...p, status: (where.get(p.id) || {}).status || 'unknown', location: (where.get(p.id) || {}).location || null }));
    if (selected && !people.some((p) => p.id === selected)) selected = null;
    drawList();
  };

  const historyView = (items) => {
    // Each sighting lasted until the next (newer) one; the newest is ongoing.
    const rows = items.map((s, i) => ({ ...s, until: i === 0 ? null : items[i - 1].seen_at }));
    return table([
      { label: 'When', cell: (s) => h('time', { datetime: s.seen_at }, dateTime(s.seen_at)) },
      { label: 'Room', cell: (s) => s.room_name },
      { label: 'For', cell: (s) => (s.until
        ? duration((new Date(s.until) - new Date(s.seen_at)) / 1000)
        : h('span', { class: 'muted' }, `since ${ago(s.seen_at)}`)) },
      { label: 'Source', cell: (s) => sourceText(s) },
    ], rows, 'Not seen in this time.');
  };

  const reportForm = (p) => {
    if (!rooms.length) return h('p', { class: 'muted' }, 'Add rooms to report where someone is.');
    const submit = h('button', { type: 'submit' }, 'Report');
    const form = h('form', { class: 'inline', novalidate: true },
      field('room_id', `Seen ${p.name} in`, { options: rooms.map((r) => [r.id, r.name]) }), submit);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(submit, async () => {
        await post(`/api/v1/persons/${p.id}/location`, { room_id: Number(form.elements.room_id.value), source: 'manual' });
        toast(`${p.name} seen in ${form.elements.room_id.selectedOptions[0].textContent}`, 'ok');
        await Promise.all([loadList(), loadDetail()]);
      }, form);
    });
    return form;
  };

  const edit = async (p) => {
    const saved = await formDialog(`Edit ${p.name}`, personFields(p), {
      signal,
      onSubmit: (form) => patch(`/api/v1/persons/${p.id}`, personBody(form)),
    });
    if (saved) {
      toast('Saved', 'ok');
      await loadList();
      await loadDetail();
    }
  };

  const remove = async (p, button) => {
    if (!(await confirmDialog(`Remove ${p.name} and every sighting of them?`, 'Remove'))) return;
    await busy(button, async () => {
      await del(`/api/v1/persons/${p.id}`);
      toast(`${p.name} removed`, 'ok');
      select(null);
      await loadList();
    });
  };

  const loadDetail = async () => {
    const p = people.find((x) => x.id === selected);
    if (!p) {
      fill(detailBox, card('History', h('p', { class: 'muted' }, people.length ? 'Choose a person to see where they have been.' : 'No one to show.')));
      return;
    }
    const hist = await get(`/api/v1/persons/${p.id}/history`, { hours }, { signal });
    if (selected !== p.id) return;
    const hoursField = field('hours', 'Period', { options: HOURS, value: hours });
    hoursField.querySelector('select').addEventListener('change', (ev) => {
      hours = Number(ev.target.value);
      const q = new URLSearchParams(location.search);
      q.set('hours', String(hours));
      history.replaceState(null, '', `${location.pathname}?${q}`);
      loadDetail().catch(() => {});
    });
    fill(detailBox, h('section', { class: 'card', 'aria-labelledby': 'person-h' },
      h('h2', { id: 'person-h' }, p.name, ' ', badge(p.status, statusState[p.status])),
      h('div', { class: 'cols' },
        h('div', null,
          h('div', { class: 'page-head' }, h('h3', null, 'Where they have been'), hoursField),
          h('div', { class: 'stack' }, historyView(hist.items)),
          hist.has_more ? h('p', { class: 'muted' }, 'Only the latest 1000 sightings of this period are shown.') : null),
        h('div', null,
          h('dl', null,
            h('dt', null, 'Relationship'), h('dd', null, p.relationship || '–'),
            h('dt', null, 'Now'), h('dd', null, p.location ? `${p.location.room_name}, ${ago(p.location.seen_at)}` : 'never seen'),
            h('dt', null, 'Notes'), h('dd', { class: 'notes' }, p.notes || '–'),
            h('dt', null, 'Added'), h('dd', null, dateTime(p.created_at))),
          admin ? h('div', { class: 'actions people-actions' },
            h('button', { type: 'button', onclick: () => edit(p) }, 'Edit'),
            h('button', { type: 'button', class: 'danger', onclick: (ev) => remove(p, ev.currentTarget) }, 'Remove')) : null,
          admin ? reportForm(p) : null))));
  };

  const add = async () => {
    const created = await formDialog('Add a person', personFields(), {
      submitText: 'Add', signal,
      onSubmit: (form) => post('/api/v1/persons', personBody(form)),
    });
    if (created) {
      toast(`${created.name} added`, 'ok');
      await loadList();
      select(created.id);
    }
  };

  fill(view,
    pageHead('People', liveState, admin ? h('button', { class: 'primary', type: 'button', onclick: add }, 'Add a person') : null),
    card('Where everyone is', listBox,
      h('p', { class: 'muted' }, 'Home: seen in the last 30 minutes. Away: seen longer ago.')),
    detailBox);

  if (admin) rooms = await getAll('/api/v1/rooms', {}, 5000, { signal }).catch(() => []);
  await loadList();
  await loadDetail();

  // Sightings come from sensor events: follow them, and let "3 min ago"
  // and home/away move on with the clock.
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => Promise.all([loadList(), loadDetail()]).catch(() => {}), 500);
  };
  subscribe('events', (m) => { if (m.type === 'event.created') soon(); }, signal, (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  });
  const every = setInterval(soon, 60000);
  return () => { clearInterval(every); clearTimeout(timer); };
}
