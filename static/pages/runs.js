// Runs: every rule run, newest first, by status (and rule); rows change
// as the workflows stream reports; admins cancel a running or waiting run.
import { h, fill } from '../lib/dom.js';
import { get, getAll, post } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, badge, busy, table, toast, confirmDialog } from '../lib/ui.js';
import { dateTime, ago } from '../lib/format.js';
import { subscribe } from '../lib/stream.js';
import { runBadge, runLength, isActive, triggerNames, stacked } from '../lib/automation.js';

const PAGE = 50;
const statuses = ['running', 'waiting', 'completed', 'failed', 'cancelled'];

export async function render(view, { signal, query }) {
  const admin = session.isAdmin;
  let runs = [];
  let cursor = null;
  const box = h('div');
  const more = h('button', { type: 'button', hidden: true }, 'Show older runs');
  const liveState = badge('connecting…');
  const rules = await getAll('/api/v1/rules', {}, 5000, { signal });
  const statusSel = h('select', { id: 'runs-status', name: 'status' },
    h('option', { value: '' }, 'Any status'), statuses.map((s) => h('option', { value: s }, s)));
  const ruleSel = h('select', { id: 'runs-rule', name: 'rule_id' },
    h('option', { value: '' }, 'Any rule'), rules.map((r) => h('option', { value: String(r.id) }, r.name)));
  statusSel.value = statuses.includes(query.get('status')) ? query.get('status') : '';
  ruleSel.value = rules.some((r) => String(r.id) === query.get('rule_id')) ? query.get('rule_id') : '';

  const filters = () => ({ status: statusSel.value, rule_id: ruleSel.value });
  const matches = (run) => (!statusSel.value || run.status === statusSel.value)
    && (!ruleSel.value || String(run.rule_id) === ruleSel.value);

  const cancel = async (run, btn) => {
    if (!(await confirmDialog(`Cancel run #${run.id} of “${run.rule_name}”? Steps not yet run are not run.`, 'Cancel the run'))) return;
    await busy(btn, async () => {
      const done = await post(`/api/v1/workflows/${run.id}/cancel`, {});
      toast(`Run #${run.id} cancelled`, 'ok');
      update(done);
    });
  };

  function draw() {
    fill(box, stacked(table([
      { label: 'Run', cell: (w) => h('a', { href: `/runs/${w.id}` }, `#${w.id}`) },
      { label: 'Rule', cell: (w) => (w.rule_id ? h('a', { href: `/rules/${w.rule_id}` }, w.rule_name) : h('span', null, w.rule_name, h('small', { class: 'muted' }, ' (deleted)'))) },
      { label: 'Status', cell: (w) => h('span', null, runBadge(w.status),
        w.status === 'waiting' && w.waiting_for ? h('small', { class: 'muted' }, w.waiting_for === 'prompt' ? ' for an answer' : w.resume_at ? ` until ${dateTime(w.resume_at)}` : ' (wait)') : null,
        w.error && w.error !== w.status ? h('div', { class: 'muted' }, w.error) : null) },
      { label: 'Trigger', cell: (w) => triggerNames[w.trigger_type] || w.trigger_type },
      { label: 'Started', cell: (w) => h('span', { title: dateTime(w.started_at) }, `${dateTime(w.started_at)} · ${ago(w.started_at)}`) },
      { label: 'Length', class: 'num', cell: (w) => runLength(w) },
      admin ? { label: '', cell: (w) => (isActive(w.status)
        ? h('button', { type: 'button', class: 'danger', 'aria-label': `Cancel run ${w.id}`, onclick: (ev) => cancel(w, ev.currentTarget) }, 'Cancel') : '') } : null,
    ].filter(Boolean), runs, statusSel.value || ruleSel.value ? 'No run matches these filters.' : 'No runs yet.')));
    more.hidden = !cursor;
  }

  async function load(append = false) {
    const page = await get('/api/v1/workflows', { ...filters(), limit: PAGE, cursor: append ? cursor : null }, { signal });
    runs = append ? runs.concat(page.items) : page.items;
    cursor = page.pagination && page.pagination.next_cursor;
    draw();
  }

  // A run from the stream: replace its row, or put a new one on top.
  function update(run) {
    const i = runs.findIndex((x) => x.id === run.id);
    if (i >= 0) {
      if (matches(run)) runs[i] = run;
      else runs.splice(i, 1);
    } else if (matches(run) && (!runs.length || run.id > runs[0].id)) {
      runs.unshift(run);
    } else return;
    draw();
  }

  const changed = () => {
    const q = new URLSearchParams();
    if (statusSel.value) q.set('status', statusSel.value);
    if (ruleSel.value) q.set('rule_id', ruleSel.value);
    history.replaceState(null, '', `/runs${q.toString() ? `?${q}` : ''}`);
    load().catch(() => {});
  };
  statusSel.addEventListener('change', changed);
  ruleSel.addEventListener('change', changed);
  more.addEventListener('click', () => busy(more, () => load(true)));

  await load();
  fill(view,
    pageHead('Runs', liveState),
    h('section', { class: 'card' },
      h('div', { class: 'actions list-filters' },
        h('div', { class: 'field inline-field' }, h('label', { for: 'runs-status' }, 'Status'), statusSel),
        h('div', { class: 'field inline-field' }, h('label', { for: 'runs-rule' }, 'Rule'), ruleSel)),
      box, h('div', { class: 'actions' }, more)));

  // Rows from the stream are fetched whole.
  const pending = new Set();
  subscribe('workflows', (msg) => {
    const d = msg.data || {};
    if (!d.id || pending.has(d.id)) return;
    pending.add(d.id);
    get(`/api/v1/workflows/${d.id}`, null, { signal })
      .then((run) => update(run))
      .catch(() => {})
      .finally(() => pending.delete(d.id));
  }, signal, (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  });
  return undefined;
}
