// Logs (admin): the hub's own log lines, newest first, by source (the
// API, the scheduled programs, nginx), level and text; "Follow" re-reads
// them every few seconds.  Below, the other log files (install, update).
import { h, fill } from '../lib/dom.js';
import { api, get, ApiError } from '../lib/api.js';
import { pageHead, card, badge, table, field, busy, showError } from '../lib/ui.js';
import { bytes, dateTime, time } from '../lib/format.js';

const FOLLOW_MS = 4000;
const levelState = { ERROR: 'bad', WARNING: 'warn', INFO: 'info', DEBUG: null };
const SOURCES = [['api', 'API (hearth-api)'], ['cron', 'Scheduled programs (cron)'], ['nginx', 'Web server (nginx)']];
const LEVELS = [['', 'Any level'], ['ERROR', 'Errors'], ['WARNING', 'Warnings'], ['INFO', 'Information'], ['DEBUG', 'Debug']];
const LIMITS = [[100, '100'], [200, '200'], [500, '500'], [2000, '2000']];

// Today's lines by their time, older ones with their date.
function stampOf(iso) {
  return new Date(iso).toDateString() === new Date().toDateString() ? time(iso) : dateTime(iso);
}

export async function render(view, { signal, query }) {
  const f = {
    source: SOURCES.some(([v]) => v === query.get('source')) ? query.get('source') : 'api',
    level: LEVELS.some(([v]) => v === query.get('level')) ? query.get('level') : '',
    search: query.get('search') || '',
    limit: LIMITS.some(([n]) => n === Number(query.get('limit'))) ? Number(query.get('limit')) : 200,
  };
  const listBox = h('div', { class: 'log-list stack' });
  const stamp = h('span', { class: 'muted', 'aria-live': 'polite' });
  const follow = h('input', { type: 'checkbox', id: 'log-follow', name: 'follow', checked: query.get('follow') === '1' });

  const keepInUrl = () => {
    const q = new URLSearchParams();
    if (f.source !== 'api') q.set('source', f.source);
    if (f.level) q.set('level', f.level);
    if (f.search) q.set('search', f.search);
    if (f.limit !== 200) q.set('limit', String(f.limit));
    if (follow.checked) q.set('follow', '1');
    history.replaceState(null, '', `${location.pathname}${q.toString() ? `?${q}` : ''}`);
  };

  let inFlight = false;
  const load = async () => {
    if (inFlight) return;
    inFlight = true;
    try {
      const page = await get('/api/v1/logs', { source: f.source, level: f.level, search: f.search, limit: f.limit }, { signal });
      fill(listBox, table([
        { label: 'Time', class: 'log-time', cell: (e) => (e.ts ? h('time', { datetime: e.ts, title: dateTime(e.ts) }, stampOf(e.ts)) : '–') },
        { label: 'Level', cell: (e) => badge(e.level, levelState[e.level]) },
        { label: 'Program', class: 'log-prog', cell: (e) => e.source },
        { label: 'Message', class: 'log-msg', cell: (e) => h('span', { class: 'mono' }, e.message) },
      ], page.items, f.search || f.level ? 'No lines match.' : 'This log is empty.'),
      page.items.length >= f.limit ? h('p', { class: 'muted' }, `The newest ${f.limit} lines are shown.`) : null);
      stamp.textContent = `${page.items.length} line${page.items.length === 1 ? '' : 's'} · read ${time(new Date().toISOString())}`;
    } finally {
      inFlight = false;
    }
  };

  const submit = h('button', { class: 'primary', type: 'submit' }, 'Show');
  const form = h('form', { class: 'inline log-filters', novalidate: true, role: 'search' },
    field('source', 'Source', { options: SOURCES, value: f.source }),
    field('level', 'Level', { options: LEVELS, value: f.level }),
    field('search', 'Containing', { type: 'search', value: f.search, maxlength: 200 }),
    field('limit', 'Lines', { options: LIMITS, value: f.limit }),
    submit,
    h('div', { class: 'field check' }, follow, h('label', { for: 'log-follow' }, 'Follow')));
  const apply = () => {
    f.source = form.elements.source.value;
    f.level = form.elements.level.value;
    f.search = form.elements.search.value.trim();
    f.limit = Number(form.elements.limit.value);
    keepInUrl();
    return busy(submit, load, form);
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });
  for (const n of ['source', 'level', 'limit']) form.elements[n].addEventListener('change', apply);

  let timer = null;
  const setFollow = () => {
    clearInterval(timer);
    timer = null;
    if (follow.checked) timer = setInterval(() => load().catch((err) => { if (err.name !== 'AbortError') showError(err); }), FOLLOW_MS);
    keepInUrl();
  };
  follow.addEventListener('change', () => { setFollow(); if (follow.checked) load().catch(() => {}); });

  // Other log files: a list, and the text of the one opened.
  const filesBox = h('div', { class: 'stack' });
  const fileText = h('div');
  const openFile = async (item, button) => busy(button, async () => {
    const [category, ...rest] = item.name.split('/');
    const res = await api('GET', `/api/v1/logs/files/${encodeURIComponent(category)}/${encodeURIComponent(rest.join('/'))}`, undefined, { signal, raw: true });
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
    const text = await res.text();
    fill(fileText, h('h3', null, item.name),
      res.headers.get('X-Hearth-Truncated') === 'true' ? h('p', { class: 'muted' }, 'Only the last MiB of the file is shown.') : null,
      h('pre', { tabindex: '0', 'aria-label': `The text of ${item.name}` }, text || '(empty)'));
  });
  const loadFiles = async () => {
    const files = await get('/api/v1/logs/files', null, { signal });
    fill(filesBox, table([
      { label: 'File', cell: (x) => h('button', { type: 'button', class: 'link', onclick: (ev) => openFile(x, ev.currentTarget) }, x.name) },
      { label: 'Size', class: 'num', cell: (x) => bytes(x.size) },
      { label: 'Changed', cell: (x) => dateTime(x.modified) },
    ], files.items, 'No other log files.'));
  };

  fill(view,
    pageHead('Logs', stamp),
    card(null, form),
    card(null, listBox),
    card('Other log files', h('p', { class: 'muted' }, 'Install, update and similar scripts’ logs.'), filesBox, fileText));

  await Promise.all([load(), loadFiles()]);
  setFollow();
  return () => clearInterval(timer);
}
