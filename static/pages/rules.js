// Rules: every rule with its trigger, whether it is on, its last run,
// when a schedule fires next and why the gate last held it back; admins
// switch rules on and off here and open the editor.
import { h, fill } from '../lib/dom.js';
import { get, getAll, put } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, badge, busy, table, toast, showError } from '../lib/ui.js';
import { dateTime, ago } from '../lib/format.js';
import { subscribe } from '../lib/stream.js';
import { runBadge, triggerNames, stacked } from '../lib/automation.js';

const RECENT = 500;

export async function render(view, { signal, query }) {
  const admin = session.isAdmin;
  let rules = [];
  let sensors = new Map();
  const lastRun = new Map();   // rule id -> {id, status, started_at}
  const box = h('div');
  const liveState = badge('connecting…');
  const triggerSel = h('select', { id: 'rules-trigger', name: 'trigger_type' },
    h('option', { value: '' }, 'Any trigger'), Object.entries(triggerNames).map(([v, t]) => h('option', { value: v }, t)));
  const enabledSel = h('select', { id: 'rules-enabled', name: 'enabled' },
    h('option', { value: '' }, 'On and off'), h('option', { value: 'true' }, 'On'), h('option', { value: 'false' }, 'Off'));
  triggerSel.value = query.get('trigger_type') || '';
  enabledSel.value = query.get('enabled') || '';

  const toggle = (r, input) => busy(null, async () => {
    input.disabled = true;
    try {
      const saved = await put(`/api/v1/rules/${r.id}`, { enabled: input.checked });
      Object.assign(r, saved);
      toast(`${r.name} ${saved.enabled ? 'on' : 'off'}`, 'ok');
      draw();
    } catch (err) {
      input.checked = r.enabled;
      throw err;
    } finally {
      input.disabled = false;
    }
  });

  const enabledCell = (r) => {
    if (!admin) return r.enabled ? badge('on', 'ok') : badge('off');
    const input = h('input', { type: 'checkbox', id: `rule-on-${r.id}`, checked: r.enabled, 'aria-label': `${r.name} enabled` });
    input.addEventListener('change', () => toggle(r, input));
    return h('span', { class: 'choice' }, input, h('label', { for: `rule-on-${r.id}` }, r.enabled ? 'on' : 'off'));
  };

  const triggerCell = (r) => {
    const s = r.primary_sensor_id ? sensors.get(r.primary_sensor_id) : null;
    return h('span', null, triggerNames[r.trigger_type] || r.trigger_type,
      r.trigger_type === 'cron' && r.schedule_cron ? h('div', null, h('code', null, r.schedule_cron)) : null,
      s ? h('div', { class: 'muted' }, h('a', { href: `/sensors/${s.id}` }, s.name)) : null);
  };

  const runCell = (r) => {
    const run = lastRun.get(r.id);
    if (!run) return h('span', { class: 'muted' }, 'none recently');
    return h('span', null, runBadge(run.status), ' ', h('a', { href: `/runs/${run.id}`, title: dateTime(run.started_at) }, ago(run.started_at)));
  };

  function draw() {
    const t = triggerSel.value;
    const e = enabledSel.value;
    const shown = rules.filter((r) => (!t || r.trigger_type === t) && (!e || String(r.enabled) === e));
    fill(box, stacked(table([
      { label: 'Rule', cell: (r) => h('span', null, h('a', { href: `/rules/${r.id}` }, h('strong', null, r.name)),
        r.description ? h('div', { class: 'muted' }, r.description) : null) },
      { label: 'Trigger', cell: triggerCell },
      { label: 'Enabled', cell: enabledCell },
      { label: 'Last run', cell: runCell },
      { label: 'Next', cell: (r) => (r.next_fire_at ? h('span', { title: dateTime(r.next_fire_at) }, dateTime(r.next_fire_at)) : h('span', { class: 'muted' }, '–')) },
      { label: 'Last skipped because', cell: (r) => (r.last_skip_reason ? h('small', null, r.last_skip_reason) : h('span', { class: 'muted' }, '–')) },
    ], shown, rules.length ? 'No rule matches these filters.' : 'No rules yet.')));
  }

  const loadRules = async () => {
    rules = await getAll('/api/v1/rules', {}, 5000, { signal });
  };
  // The newest runs give most rules their last run; the rest are asked one by one.
  const loadRuns = async () => {
    const page = await get('/api/v1/workflows', { limit: RECENT }, { signal });
    lastRun.clear();
    for (const run of page.items) if (run.rule_id && !lastRun.has(run.rule_id)) lastRun.set(run.rule_id, run);
    const missing = page.pagination && page.pagination.has_more ? rules.filter((r) => !lastRun.has(r.id)).slice(0, 50) : [];
    await Promise.all(missing.map(async (r) => {
      const one = await get('/api/v1/workflows', { rule_id: r.id, limit: 1 }, { signal });
      if (one.items.length) lastRun.set(r.id, one.items[0]);
    }));
  };

  const filtersChanged = () => {
    const q = new URLSearchParams();
    if (triggerSel.value) q.set('trigger_type', triggerSel.value);
    if (enabledSel.value) q.set('enabled', enabledSel.value);
    history.replaceState(null, '', `/rules${q.toString() ? `?${q}` : ''}`);
    draw();
  };
  triggerSel.addEventListener('change', filtersChanged);
  enabledSel.addEventListener('change', filtersChanged);

  const sensorList = await getAll('/api/v1/sensors', {}, 5000, { signal });
  sensors = new Map(sensorList.map((s) => [s.id, s]));
  await loadRules();
  await loadRuns();

  fill(view,
    pageHead('Rules', liveState, admin ? h('a', { class: 'button primary', href: '/rules/new' }, 'New rule') : null),
    h('section', { class: 'card' },
      h('div', { class: 'actions list-filters' },
        h('div', { class: 'field inline-field' }, h('label', { for: 'rules-trigger' }, 'Trigger'), triggerSel),
        h('div', { class: 'field inline-field' }, h('label', { for: 'rules-enabled' }, 'State'), enabledSel)),
      box));
  draw();

  // A run's progress updates its rule's row; a gate refusal or a change
  // to a rule reloads the list (debounced).
  let timer = null;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(() => loadRules().then(draw).catch((err) => showError(err)), 600);
  };
  subscribe('workflows', (msg) => {
    const d = msg.data || {};
    if (!d.rule_id || !d.id) return;
    const prev = lastRun.get(d.rule_id);
    if (!prev || prev.id <= d.id) {
      lastRun.set(d.rule_id, { id: d.id, status: d.status, started_at: prev && prev.id === d.id ? prev.started_at : msg.at });
      draw();
    }
    if (msg.type !== 'workflow.started') reload();
  }, signal, (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  });
  subscribe('events', (msg) => {
    if (msg.type === 'event.created' && (msg.data || {}).sensor_id) reload();
  }, signal);
  return () => clearTimeout(timer);
}
