// Events: the security timeline (by day, with a detection's picture and the
// risk), its filters, full-text search and CSV export; and in a second tab
// the rules' run log.  Both follow the events stream.
import { h, fill } from '../lib/dom.js';
import { get, qs } from '../lib/api.js';
import { subscribe } from '../lib/stream.js';
import { pageHead, badge, busy, field, table } from '../lib/ui.js';
import { day, time, dateTime, ago } from '../lib/format.js';
import { RISK_LEVELS, riskBadge, keepQuery, dateParam } from '../lib/security.js';

const PAGE = 50;
const RUN_STATUS = ['processing', 'completed', 'ignored', 'failed'];
const runState = { processing: 'info', completed: 'ok', ignored: null, failed: 'bad' };

function dayKey(iso) {
  return day(iso);
}

export async function render(view, { query, signal }) {
  const f = {
    tab: query.get('tab') === 'runs' ? 'runs' : 'security',
    camera_id: query.get('camera_id') || '',
    risk_level: RISK_LEVELS.includes(query.get('risk_level')) ? query.get('risk_level') : '',
    reviewed: ['true', 'false'].includes(query.get('reviewed')) ? query.get('reviewed') : '',
    from: query.get('from') || '',
    to: query.get('to') || '',
    q: query.get('q') || '',
    status: RUN_STATUS.includes(query.get('status')) ? query.get('status') : '',
  };
  const cameras = (await get('/api/v1/cameras', { limit: 1000 }, { signal })).items;
  const liveState = badge('connecting…');
  const save = () => keepQuery({ ...f, tab: f.tab === 'security' ? '' : f.tab });

  // ---- security timeline
  let events = [];           // loaded security events
  const thumbs = new Map();  // event id -> detection with an image
  let cursor = null;
  const timeline = h('div', { class: 'timeline', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', hidden: true }, 'Show older events');
  const stats = h('p', { class: 'muted' });
  const exportLink = h('a', { class: 'button', download: 'security-events.csv' }, 'Export CSV');

  const dates = () => ({ start_date: dateParam(f.from), end_date: dateParam(f.to, true) });
  const listParams = () => ({
    kind: 'security',
    camera_id: f.camera_id || undefined,
    risk_level: f.risk_level || undefined,
    reviewed: f.reviewed || undefined,
    ...dates(),
  });
  const matches = (e) => !f.q && (!f.camera_id || String(e.camera_id) === f.camera_id)
    && (!f.risk_level || e.risk_level === f.risk_level)
    && (!f.reviewed || String(e.reviewed) === f.reviewed)
    && (!f.from || e.started_at >= dateParam(f.from)) && (!f.to || e.started_at < dateParam(f.to, true));

  const updateExport = () => {
    exportLink.href = `/api/v1/events/export${qs({ camera_id: f.camera_id, risk_level: f.risk_level, ...dates() })}`;
  };

  // One picture per event: the detections of the loaded period in one call.
  const loadThumbs = async (list) => {
    const need = list.filter((e) => !thumbs.has(e.id) && e.detection_count > 0);
    if (!need.length) return;
    const since = need.reduce((m, e) => (e.started_at < m ? e.started_at : m), need[0].started_at);
    const until = need.reduce((m, e) => (e.last_detection_at > m ? e.last_detection_at : m), need[0].last_detection_at);
    const cams = new Set(need.map((e) => e.camera_id));
    const page = await get('/api/v1/detections', {
      since, until: new Date(new Date(until).getTime() + 1000).toISOString(),
      camera_id: cams.size === 1 ? [...cams][0] : undefined, limit: 1000,
    }, { signal }).catch(() => ({ items: [] }));
    for (const d of page.items) {
      if (!d.event_id || !d.image_url) continue;
      const have = thumbs.get(d.event_id);
      if (!have || d.risk_score > have.risk_score) thumbs.set(d.event_id, d);
    }
  };

  const eventRow = (e) => {
    const d = thumbs.get(e.id);
    return h('li', { class: 'event-row' },
      h('a', { href: `/events/${e.id}`, class: 'event-link' },
        d ? h('img', { class: 'thumb', src: d.image_url, alt: `${d.object_type} at ${e.camera_name || 'a camera'}`, loading: 'lazy' })
          : h('div', { class: 'thumb no-image' }, 'no picture'),
        h('div', { class: 'event-text' },
          h('div', { class: 'event-top' },
            h('time', { datetime: e.started_at }, f.q ? dateTime(e.started_at) : time(e.started_at)),
            riskBadge(e.risk_level, e.risk_score),
            e.reviewed ? badge('reviewed', 'ok') : badge('to review'),
            e.status === 'processing' ? badge('ongoing', 'info') : null),
          h('strong', null, e.summary),
          h('span', { class: 'muted' }, [e.camera_name, (e.object_types || []).join(', '),
            `${e.detection_count} detection${e.detection_count === 1 ? '' : 's'}`].filter(Boolean).join(' · ')),
          e.notes ? h('span', { class: 'muted note' }, e.notes) : null)));
  };

  const drawTimeline = () => {
    if (!events.length) {
      fill(timeline, h('p', { class: 'muted empty' }, f.q ? `Nothing matches “${f.q}”.` : 'No security events match these filters.'));
      return;
    }
    const sorted = f.q ? events : [...events].sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : b.id - a.id));
    const groups = new Map();
    for (const e of sorted) {
      const k = f.q ? 'Best matches first' : dayKey(e.started_at);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(e);
    }
    fill(timeline, [...groups].map(([k, list]) => h('section', { class: 'card day' },
      h('h2', null, k, ' ', h('span', { class: 'muted' }, `(${list.length})`)),
      h('ol', { class: 'events' }, list.map(eventRow)))));
  };

  const loadStats = async () => {
    const s = await get('/api/v1/events/stats', dates(), { signal });
    const r = s.events_by_risk_level || {};
    fill(stats, `${s.total_events} security event${s.total_events === 1 ? '' : 's'}${f.from || f.to ? ' in these dates' : ''}, ${s.reviewed_count} reviewed: `,
      RISK_LEVELS.map((l) => [riskBadge(l), ` ${r[l] ?? 0} `]));
  };

  const loadSecurity = async (append = false) => {
    let page;
    if (f.q) {
      page = await get('/api/v1/events/search', { q: f.q, limit: PAGE, offset: append ? events.length : undefined }, { signal });
      page.pagination = page.pagination || {};
      cursor = null;
      more.hidden = !(page.pagination.has_more ?? page.items.length === PAGE);
    } else {
      page = await get('/api/v1/events', { ...listParams(), limit: PAGE, cursor: append ? cursor : undefined }, { signal });
      cursor = page.pagination.next_cursor;
      more.hidden = !page.pagination.has_more;
    }
    events = append ? events.concat(page.items) : page.items;
    await loadThumbs(page.items);
    drawTimeline();
  };
  more.addEventListener('click', (ev) => busy(ev.currentTarget, () => loadSecurity(true)));

  const camOptions = [['', 'All cameras'], ...cameras.map((c) => [String(c.id), c.name])];
  const secForm = h('form', { class: 'inline filters', 'aria-label': 'Filter security events' },
    field('camera_id', 'Camera', { value: f.camera_id, options: camOptions }),
    field('risk_level', 'Risk', { value: f.risk_level, options: [['', 'Any risk'], ...RISK_LEVELS] }),
    field('reviewed', 'Reviewed', { value: f.reviewed, options: [['', 'Either'], ['false', 'Not yet'], ['true', 'Reviewed']] }),
    field('from', 'From', { type: 'date', value: f.from }),
    field('to', 'To', { type: 'date', value: f.to }));
  const searchInput = field('q', 'Search summaries and notes', { type: 'search', value: f.q, placeholder: 'e.g. person AND NOT cat' });
  const searchBtn = h('button', { type: 'submit' }, 'Search');
  const clearBtn = h('button', { type: 'button', hidden: !f.q }, 'Clear search');
  const searchForm = h('form', { class: 'inline filters', role: 'search' }, searchInput, searchBtn, clearBtn);
  const searchNote = h('p', { class: 'muted', hidden: !f.q }, 'Search looks through every security event: the filters above do not apply to it.');
  const applySearch = (q) => {
    f.q = q;
    clearBtn.hidden = !q;
    searchNote.hidden = !q;
    save();
    return busy(searchBtn, () => loadSecurity());
  };
  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    applySearch(searchForm.elements.q.value.trim());
  });
  clearBtn.addEventListener('click', () => {
    searchForm.elements.q.value = '';
    applySearch('');
  });
  secForm.addEventListener('submit', (ev) => ev.preventDefault());
  secForm.addEventListener('change', (ev) => {
    f[ev.target.name] = ev.target.value;
    save();
    updateExport();
    busy(null, () => Promise.all([loadSecurity(), loadStats()]));
  });
  const securityPanel = h('div', { id: 'tab-security', role: 'tabpanel', 'aria-labelledby': 'tabbtn-security' },
    h('section', { class: 'card' }, secForm, searchForm, searchNote,
      h('div', { class: 'actions' }, exportLink, h('span', { class: 'muted' }, 'The CSV has the camera, risk and date filters.'))),
    stats, timeline, h('p', null, more));

  // ---- rule runs
  let runCursor = null;
  let runs = [];
  const runsBox = h('div');
  const runsMore = h('button', { type: 'button', hidden: true }, 'Show older runs');
  const runRows = () => table([
    { label: 'When', cell: (e) => h('time', { datetime: e.created_at, title: dateTime(e.created_at) }, ago(e.created_at)) },
    { label: 'Rule', cell: (e) => (e.rule_id ? h('a', { href: `/rules/${e.rule_id}` }, e.rule_name || `Rule ${e.rule_id}`) : (e.rule_name || '–')) },
    { label: 'Trigger', cell: (e) => e.trigger_type || '–' },
    { label: 'Status', cell: (e) => badge(e.status, runState[e.status]) },
    { label: 'Reason', cell: (e) => (e.reason ? `${e.reason}${e.repeat_count > 1 ? ` (×${e.repeat_count})` : ''}` : '–') },
    { label: 'Run', cell: (e) => (e.execution_id ? h('a', { href: `/runs/${e.execution_id}` }, `#${e.execution_id}`) : '–') },
  ], runs, 'No rule has run in this period.');
  const loadRuns = async (append = false) => {
    const page = await get('/api/v1/events', {
      kind: 'rule_run', status: f.status || undefined, since: dateParam(f.from), until: dateParam(f.to, true),
      limit: PAGE, cursor: append ? runCursor : undefined,
    }, { signal });
    runs = append ? runs.concat(page.items) : page.items;
    runCursor = page.pagination.next_cursor;
    runsMore.hidden = !page.pagination.has_more;
    fill(runsBox, runRows());
  };
  runsMore.addEventListener('click', (ev) => busy(ev.currentTarget, () => loadRuns(true)));
  const runForm = h('form', { class: 'inline filters', 'aria-label': 'Filter rule runs' },
    field('status', 'Status', { value: f.status, options: [['', 'Any status'], ...RUN_STATUS] }),
    field('from', 'From', { type: 'date', value: f.from }),
    field('to', 'To', { type: 'date', value: f.to }));
  runForm.addEventListener('submit', (ev) => ev.preventDefault());
  runForm.addEventListener('change', (ev) => {
    f[ev.target.name] = ev.target.value;
    save();
    busy(null, () => loadRuns());
  });
  const runsPanel = h('div', { id: 'tab-runs', role: 'tabpanel', 'aria-labelledby': 'tabbtn-runs' },
    h('section', { class: 'card' }, runForm), h('section', { class: 'card' }, runsBox), h('p', null, runsMore));

  // ---- tabs
  const loaded = { security: false, runs: false };
  const tabBtn = (name, label) => h('button', { type: 'button', role: 'tab', id: `tabbtn-${name}`, 'aria-controls': `tab-${name}` }, label);
  const tabs = { security: tabBtn('security', 'Security events'), runs: tabBtn('runs', 'Rule runs') };
  const panels = { security: securityPanel, runs: runsPanel };
  const show = async (name) => {
    f.tab = name;
    for (const [k, b] of Object.entries(tabs)) {
      b.setAttribute('aria-selected', String(k === name));
      b.tabIndex = k === name ? 0 : -1;
      panels[k].hidden = k !== name;
    }
    if (!loaded[name]) {
      loaded[name] = true;
      if (name === 'security') await Promise.all([loadSecurity(), loadStats()]);
      else await loadRuns();
    }
  };
  for (const [k, b] of Object.entries(tabs)) {
    b.addEventListener('click', () => { show(k).catch(() => {}); save(); });
    b.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
      const other = k === 'security' ? 'runs' : 'security';
      tabs[other].focus();
      show(other).catch(() => {});
      save();
    });
  }
  updateExport();

  fill(view,
    pageHead('Events', liveState),
    h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Kind of event' }, tabs.security, tabs.runs),
    securityPanel, runsPanel);

  // ---- live
  const onState = (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  };
  let runTimer = null;
  subscribe('events', async (msg) => {
    const d = msg.data || {};
    if (msg.type === 'security_event.created' || msg.type === 'security_event.updated') {
      if (!loaded.security || !d.id) return;
      const i = events.findIndex((e) => e.id === d.id);
      if (i >= 0 && !matches(d) && !f.q) events.splice(i, 1);
      else if (i >= 0) events[i] = { ...events[i], ...d };
      else if (matches(d)) events.unshift(d);
      else return;
      thumbs.delete(d.id);
      await loadThumbs([d]);
      drawTimeline();
      loadStats().catch(() => {});
    } else if (msg.type === 'event.created' && loaded.runs && (d.rule_name || (d.execution_ids && d.execution_ids.length))) {
      clearTimeout(runTimer);
      runTimer = setTimeout(() => loadRuns().catch(() => {}), 500);
    }
  }, signal, onState);

  await show(f.tab);
  return () => clearTimeout(runTimer);
}
