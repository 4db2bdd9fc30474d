// One sensor: what it is, its state now, the events it reports while the
// page is open, the rules it starts and their recent runs; admins edit it
// and can send it a test event.
import { h, fill } from '../lib/dom.js';
import { get, getAll, post } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, field, busy, badge, table, toast, showError } from '../lib/ui.js';
import { dateTime, ago, time } from '../lib/format.js';
import { subscribe } from '../lib/stream.js';
import { sensorDialog, sensorEvents, sourceNames, valuesIn, stacked } from '../lib/automation.js';

const FEED_MAX = 50;

function stateText(state) {
  if (state === null || state === undefined) return 'no event yet';
  return typeof state === 'object' ? JSON.stringify(state) : String(state);
}

export async function render(view, { params, signal }) {
  const sid = Number(params.id);
  const admin = session.isAdmin;
  const [types, rooms, allRules] = await Promise.all([
    get('/api/v1/sensor-types', null, { signal }).then((p) => p.items || []),
    getAll('/api/v1/rooms', {}, 5000, { signal }),
    getAll('/api/v1/rules', {}, 5000, { signal }),
  ]);
  let sensor = await get(`/api/v1/sensors/${sid}`, null, { signal });

  const aboutBox = h('div');
  const stateBox = h('div');
  const runsBox = h('div');
  const feed = h('ol', { class: 'feed', 'aria-live': 'polite' });
  const feedEmpty = h('p', { class: 'muted' }, 'Events this sensor reports appear here while the page is open.');
  const liveState = badge('connecting…');
  const rules = allRules.filter((r) => r.primary_sensor_id === sid);

  const drawAbout = () => {
    const room = rooms.find((r) => r.id === sensor.room_id);
    const type = types.find((t) => t.name === sensor.sensor_type);
    const cfg = sensor.config || {};
    fill(aboutBox, h('dl', null,
      h('dt', null, 'Type'), h('dd', null, sensor.sensor_type.replace(/_/g, ' '), type ? h('div', { class: 'muted' }, type.description) : null),
      h('dt', null, 'Room'), h('dd', null, room ? h('a', { href: `/rooms?room=${room.id}` }, room.name) : '–'),
      h('dt', null, 'Source'), h('dd', null, sourceNames[sensor.source] || sensor.source),
      h('dt', null, 'External id'), h('dd', null, sensor.external_id || '–'),
      h('dt', null, 'Enabled'), h('dd', null, sensor.enabled ? badge('enabled', 'ok') : badge('disabled')),
      h('dt', null, 'Settings'), h('dd', null, Object.keys(cfg).length ? h('pre', null, JSON.stringify(cfg, null, 2)) : h('span', { class: 'muted' }, 'the type’s defaults')),
      h('dt', null, 'Added'), h('dd', null, dateTime(sensor.created_at)),
      h('dt', null, 'Changed'), h('dd', null, dateTime(sensor.updated_at)),
      sensor.sensor_type === 'camera' ? [h('dt', null, 'Camera'), h('dd', null, h('a', { href: `/cameras/${sid}` }, 'Live view, zones and snapshots'))] : null));
  };

  const loadState = async () => {
    const st = await get(`/api/v1/sensors/${sid}/status`, null, { signal });
    fill(stateBox, h('p', { class: 'sensor-state' }, h('strong', null, stateText(st.state))),
      h('dl', null,
        h('dt', null, 'Since'), h('dd', null, st.state_changed_at ? `${dateTime(st.state_changed_at)} (${ago(st.state_changed_at)})` : '–'),
        h('dt', null, 'Last event'), h('dd', null, st.last_event_at ? `${dateTime(st.last_event_at)} (${ago(st.last_event_at)})` : '–')));
  };

  // Runs this sensor started: the event log's rule runs whose trigger was it.
  const loadRuns = async () => {
    const page = await get('/api/v1/events', { kind: 'rule_run', limit: 300 }, { signal });
    // A run carries its trigger; a refusal by the gate has no pipeline_data,
    // so it counts when its rule is one of this sensor's.
    const ruleIds = new Set(rules.map((r) => r.id));
    const mine = page.items.filter((e) => (e.pipeline_data && e.pipeline_data.trigger
      ? e.pipeline_data.trigger.sensor_id === sid
      : e.trigger_type === 'sensor_event' && ruleIds.has(e.rule_id))).slice(0, 15);
    fill(runsBox,
      rules.length ? h('p', null, 'Rules it starts: ', rules.map((r, i) => [i ? ', ' : '', h('a', { href: `/rules/${r.id}` }, r.name),
        r.enabled ? '' : ' (disabled)', r.last_skip_reason ? h('span', { class: 'muted' }, ` — last skipped: ${r.last_skip_reason}`) : ''])) :
        h('p', { class: 'muted' }, 'No rule names this sensor as its trigger.'),
      stacked(table([
        { label: 'When', cell: (e) => dateTime(e.created_at) },
        { label: 'Rule', cell: (e) => (e.rule_id ? h('a', { href: `/rules/${e.rule_id}` }, e.rule_name) : e.rule_name || '–') },
        { label: 'Outcome', cell: (e) => (e.status === 'ignored' ? h('span', null, badge('skipped'), ' ', h('small', { class: 'muted' }, e.reason || '')) : badge(e.status, e.status === 'completed' ? 'ok' : e.status === 'failed' ? 'bad' : 'info')) },
        { label: 'Run', cell: (e) => (e.execution_id ? h('a', { href: `/runs/${e.execution_id}` }, `#${e.execution_id}`) : '–') },
      ], mine, 'No recent rule runs started by this sensor.')),
      h('p', { class: 'muted' }, 'From the last 300 entries of the rule-run log.'));
  };

  // Admins: send the sensor an event, as the device would.
  const testForm = () => {
    const kinds = sensorEvents[sensor.sensor_type];
    if (!kinds) return h('p', { class: 'muted' }, 'This type of sensor reports no events of its own.');
    const submit = h('button', { type: 'submit' }, 'Send event');
    const fields = h('div', { class: 'inline-fields' },
      field('event_type', 'Event', { options: kinds.map((k) => [k, k.replace(/_/g, ' ')]) }),
      kinds.includes('level') ? field('value', 'Level', { type: 'number', step: 'any', required: true }) : null);
    const form = h('form', { class: 'inline', novalidate: true }, fields, submit);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(submit, async () => {
        const v = valuesIn(fields);
        const res = await post(`/api/v1/sensors/${sid}/events`, v);
        toast(`Event sent; state ${stateText(res.state)}${res.execution_ids.length ? `, ${res.execution_ids.length} rule run(s) started` : ''}`, 'ok');
        await loadState();
        setTimeout(() => loadRuns().catch(() => {}), 1500);
      }, form);
    });
    return h('div', null, h('p', { class: 'muted' }, 'Records a real event: rules that use this sensor may run.'), form);
  };

  const edit = () => sensorDialog({
    sensor, types, rooms,
    onSaved: async (saved) => {
      sensor = saved;
      toast('Sensor saved', 'ok');
      document.title = `${sensor.name} · Hearth`;
      view.querySelector('.page-head h1').textContent = sensor.name;
      drawAbout();
      await loadState();
    },
  });

  fill(view,
    pageHead(sensor.name, liveState, admin ? h('button', { class: 'primary', type: 'button', onclick: edit }, 'Edit') : null,
      h('a', { class: 'button', href: '/rooms' }, 'All sensors')),
    h('div', { class: 'cols' },
      h('div', null,
        card('State now', stateBox),
        card('Live events', feedEmpty, feed),
        card('Rule runs it started', runsBox)),
      h('div', null,
        card('About', aboutBox),
        admin && sensor.enabled ? card('Send a test event', testForm()) : null)));
  drawAbout();
  await Promise.all([loadState(), loadRuns()]);

  subscribe('events', (msg) => {
    const d = msg.data || {};
    if (msg.type !== 'event.created' || d.sensor_id !== sid) return;
    feedEmpty.remove();
    const val = d.value !== undefined && d.value !== null ? ` ${JSON.stringify(d.value)}` : '';
    feed.prepend(h('li', null, h('time', { datetime: d.occurred_at || msg.at }, time(d.occurred_at || msg.at)),
      `${d.event_type}${val} → ${stateText(d.state)}`, d.applied === false ? ' (older than the state; not applied)' : '',
      d.execution_ids && d.execution_ids.length ? [' · runs ', d.execution_ids.map((x, i) => [i ? ', ' : '', h('a', { href: `/runs/${x}` }, `#${x}`)])] : ''));
    while (feed.children.length > FEED_MAX) feed.lastChild.remove();
    loadState().catch((err) => showError(err));
  }, signal, (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  });
}
