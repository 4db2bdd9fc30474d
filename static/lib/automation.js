// Shared by the rooms, sensors, rules and runs pages: config forms for
// the parts of a JSON Schema that schemaForm leaves to plain text (free
// objects, lists of objects, lists of choices), editor dialogs, and the
// way a run's status and length are shown.
import { h, id } from './dom.js';
import { schemaForm } from './forms.js';
import { badge, busy, field } from './ui.js';
import { post, put } from './api.js';

function labelOf(name, s) {
  return s.title || name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

// A property schemaForm would turn into a text box that the API refuses.
function needsJson(s) {
  if (!s || typeof s !== 'object') return false;
  if (s.type === 'object' && !s.properties) return true;
  if (s.type === 'array' && s.items && (s.items.type === 'object' || s.items.type === 'array')) return true;
  return false;
}

function choicesOf(s) {
  return s && s.type === 'array' && s.items && Array.isArray(s.items.enum) ? s.items.enum : null;
}

function jsonField(name, s, value, required) {
  const fid = id(name);
  const hint = s.type === 'array' ? 'A JSON list, e.g. [{"…": …}]' : 'A JSON object, e.g. {"key": "value"}';
  const area = h('textarea', { id: fid, name, rows: 4, class: 'mono', spellcheck: 'false' },
    value === undefined ? '' : JSON.stringify(value, null, 2));
  const el = h('div', { class: 'field' },
    h('label', { for: fid }, labelOf(name, s), required ? ' *' : ''), area,
    h('small', null, [s.description, hint].filter(Boolean).join('. ')),
    h('span', { class: 'error', 'data-error-for': name, 'aria-live': 'polite' }));
  const read = () => {
    const text = area.value.trim();
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      area.setAttribute('aria-invalid', 'true');
      throw new Error(`${labelOf(name, s)}: not valid JSON`);
    }
  };
  return { el, read };
}

function choiceField(name, s, choices, value) {
  const chosen = new Set(Array.isArray(value) ? value : []);
  const boxes = choices.map((c) => {
    const fid = id(name);
    const input = h('input', { id: fid, type: 'checkbox', value: String(c), checked: chosen.has(c) });
    return { c, input, el: h('span', { class: 'choice' }, input, h('label', { for: fid }, String(c).replace(/_/g, ' '))) };
  });
  const el = h('fieldset', { class: 'choices' }, h('legend', null, labelOf(name, s)),
    h('div', { class: 'choice-list' }, boxes.map((b) => b.el)),
    s.description ? h('small', { class: 'muted' }, s.description) : null,
    h('span', { class: 'error', 'data-error-for': name, 'aria-live': 'polite' }));
  const read = () => {
    const picked = boxes.filter((b) => b.input.checked).map((b) => b.c);
    return picked.length ? picked : undefined;
  };
  return { el, read };
}

// formValues for the named controls inside one node only (a config form
// may hold a control of the same name further down).
export function valuesIn(node) {
  const out = {};
  for (const el of node.querySelectorAll('input[name], select[name], textarea[name]')) {
    if (el.disabled) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'number') { if (el.value !== '') out[el.name] = Number(el.value); }
    else out[el.name] = el.value;
  }
  return out;
}

// configForm(schema, value) -> {el, read()}: schemaForm for what it
// handles, a JSON box or a set of checkboxes for the rest.
export function configForm(schema, value = {}) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const plain = {};
  const extra = [];
  for (const [name, s] of Object.entries(props)) {
    const choices = choicesOf(s);
    if (choices) extra.push({ name, ...choiceField(name, s, choices, (value || {})[name]) });
    else if (needsJson(s)) extra.push({ name, ...jsonField(name, s, (value || {})[name], required.has(name)) });
    else plain[name] = s;
  }
  const base = schemaForm({ ...schema, properties: plain, required: [...required].filter((n) => n in plain) }, value || {});
  const el = extra.length ? h('div', null, Object.keys(plain).length ? base.el : null, extra.map((x) => x.el)) : base.el;
  const read = () => {
    const out = base.read();
    for (const x of extra) {
      const v = x.read();
      if (v !== undefined) out[x.name] = v;
    }
    return out;
  };
  return { el, read };
}

// A modal editor: editorDialog(title, formChildren, onSave(form) -> truthy
// to close).  Escape or Cancel closes it; errors stay in it.
export function editorDialog(title, children, onSave, saveText = 'Save') {
  const save = h('button', { class: 'primary', type: 'submit' }, saveText);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const hid = id('dlg');
  const form = h('form', { novalidate: true }, h('h2', { id: hid }, title), children,
    h('div', { class: 'actions' }, cancel, save));
  const dlg = h('dialog', { class: 'editor', 'aria-labelledby': hid }, form);
  cancel.addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => dlg.remove());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    try {
      if (await onSave(form, save)) dlg.close();
    } finally {
      save.disabled = false;
    }
  });
  document.body.append(dlg);
  dlg.showModal();
  const first = form.querySelector('input, select, textarea');
  if (first) first.focus();
  return dlg;
}

const runStates = { running: 'info', waiting: 'warn', completed: 'ok', failed: 'bad', cancelled: null };

export function runBadge(status) {
  return badge(status, runStates[status]);
}

export function isActive(status) {
  return status === 'running' || status === 'waiting';
}

// Milliseconds as "15 ms", "2.4 s", "3 min 5 s".
export function ms(n) {
  if (n === null || n === undefined) return '–';
  if (n < 1000) return `${n} ms`;
  if (n < 60000) return `${Math.round(n / 100) / 10} s`;
  const s = Math.round(n / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

// Wall-clock length of a run: start to finish, or to now while it goes on.
export function runLength(run, now = Date.now()) {
  const start = new Date(run.started_at).getTime();
  const end = run.finished_at ? new Date(run.finished_at).getTime() : now;
  return ms(Math.max(0, end - start));
}

export const triggerNames = {
  sensor_event: 'Sensor event',
  cron: 'Schedule (cron)',
  manual: 'Manual',
  webhook: 'Webhook',
  occupancy_duration: 'Room occupied for a while',
};

export const sourceNames = { manual: 'Manual', home_assistant: 'Home Assistant', gpio: 'GPIO on the hub', device: 'Device' };

// The events each sensor type reports (POST /sensors/{id}/events).
export const sensorEvents = {
  presence: ['on', 'off'],
  pir: ['on', 'off', 'trigger', 'release'],
  button: ['press', 'double_press', 'long_press'],
  reed_switch: ['open', 'close', 'trigger', 'release'],
  hall_digital: ['open', 'close', 'trigger', 'release'],
  light: ['level'],
  contact: ['open', 'close'],
  vibration: ['trigger', 'release'],
  water_leak: ['trigger', 'release'],
};

// Register or edit a sensor: its type's settings from the type's
// config_schema.  opts: {sensor, types, rooms, room, onSaved(saved)}.
export function sensorDialog({ sensor, types, rooms, room, onSaved }) {
  const typeMap = new Map(types.map((t) => [t.name, t]));
  const t0 = sensor ? sensor.sensor_type : (types[0] && types[0].name);
  const typeSel = field('sensor_type', 'Type', {
    options: types.map((t) => [t.name, `${t.name.replace(/_/g, ' ')} (${t.category === 'gpio' ? 'GPIO' : 'home'})`]), value: t0, required: true });
  const roomSel = field('room_id', 'Room', {
    options: [['', 'No room'], ...rooms.map((r) => [String(r.id), r.name])],
    value: sensor ? (sensor.room_id ?? '') : (room || '') });
  const typeHelp = h('p', { class: 'muted' });
  const configBox = h('fieldset');
  let cfg = null;
  const drawConfig = (typeName, value) => {
    const t = typeMap.get(typeName);
    cfg = configForm(t ? t.config_schema : {}, value);
    typeHelp.textContent = t ? `${t.description.replace(/\.?$/, '.')}${t.wiring ? ` Wiring: ${t.wiring}` : ''}` : '';
    configBox.replaceChildren(h('legend', null, 'Settings of this type'), cfg.el,
      t && Object.keys(t.defaults || {}).length ? h('small', { class: 'muted' }, 'Empty fields take the type’s defaults.') : '');
  };
  drawConfig(t0, sensor ? sensor.config : {});
  typeSel.querySelector('select').addEventListener('change', (ev) => drawConfig(ev.target.value, {}));
  const main = h('div', null,
    field('name', 'Name', { value: sensor ? sensor.name : '', required: true, maxlength: 256 }),
    typeSel, typeHelp, roomSel,
    field('source', 'Source', { options: Object.entries(sourceNames), value: sensor ? sensor.source : 'manual' }),
    field('external_id', 'External id', { value: sensor ? sensor.external_id || '' : '', maxlength: 255,
      help: 'The sensor’s id in its source, e.g. a Home Assistant entity. Optional.' }),
    field('enabled', 'Enabled', { type: 'checkbox', value: sensor ? sensor.enabled : true }));
  return editorDialog(sensor ? `Edit ${sensor.name}` : 'New sensor', [main, configBox], (form) => busy(null, async () => {
    const v = valuesIn(main);
    const body = {
      name: v.name.trim(), sensor_type: v.sensor_type, room_id: v.room_id ? Number(v.room_id) : null,
      source: v.source, external_id: v.external_id.trim() || null, enabled: v.enabled, config: cfg.read(),
    };
    const saved = sensor ? await put(`/api/v1/sensors/${sensor.id}`, body) : await post('/api/v1/sensors', body);
    await onSaved(saved);
    return true;
  }, form), sensor ? 'Save' : 'Add sensor');
}

// A table from ui.table that turns into label/value rows on a phone.
export function stacked(node) {
  if (node && node.classList && node.classList.contains('table-wrap')) node.classList.add('stack');
  return node;
}
