// Forms generated from JSON Schema (sensor types' config, pipeline steps'
// config): objects of strings, numbers, integers, booleans, enums, arrays
// of scalars and nested objects.  read() gives back a value the schema
// accepts, or throws with the field that is not.
import { h, id } from './dom.js';

function labelOf(name, s) {
  return s.title || name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function scalarInput(name, s, value, required) {
  const fid = id(name);
  const help = s.description ? h('small', null, s.description) : null;
  const err = h('span', { class: 'error', 'data-error-for': name });
  const label = h('label', { for: fid }, labelOf(name, s), required ? ' *' : '');
  let input;
  let read;
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (s.enum) {
    input = h('select', { id: fid, name },
      required ? null : h('option', { value: '' }, '—'),
      s.enum.map((v) => h('option', { value: JSON.stringify(v), selected: JSON.stringify(v) === JSON.stringify(value) }, String(v))));
    read = () => (input.value === '' ? undefined : JSON.parse(input.value));
  } else if (type === 'boolean') {
    input = h('input', { id: fid, name, type: 'checkbox', checked: value ?? s.default ?? false });
    read = () => input.checked;
    return { el: h('div', { class: 'field check' }, input, label, help, err), read };
  } else if (type === 'integer' || type === 'number') {
    input = h('input', { id: fid, name, type: 'number', value: value ?? '', min: s.minimum, max: s.maximum,
      step: type === 'integer' ? 1 : 'any', placeholder: s.default ?? '' });
    read = () => (input.value === '' ? undefined : Number(input.value));
  } else if (type === 'array') {
    input = h('input', { id: fid, name, value: Array.isArray(value) ? value.join(', ') : '', placeholder: 'comma-separated' });
    const itemType = (s.items && s.items.type) || 'string';
    read = () => {
      if (input.value.trim() === '') return undefined;
      return input.value.split(',').map((x) => x.trim()).filter(Boolean)
        .map((x) => (itemType === 'integer' || itemType === 'number' ? Number(x) : x));
    };
  } else {
    const long = (s.maxLength || 0) > 200 || s.format === 'textarea';
    input = long
      ? h('textarea', { id: fid, name, rows: 3 }, value ?? '')
      : h('input', { id: fid, name, value: value ?? '', maxlength: s.maxLength, placeholder: s.default ?? '' });
    read = () => (input.value === '' ? undefined : input.value);
  }
  return { el: h('div', { class: 'field' }, label, input, help, err), read };
}

// schemaForm(schema, value) -> {el, read()}
export function schemaForm(schema, value = {}, path = '') {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const parts = Object.entries(props).map(([name, s]) => {
    const full = path ? `${path}.${name}` : name;
    if (s.type === 'object' && s.properties) {
      const sub = schemaForm(s, (value || {})[name] || {}, full);
      return { name, el: h('fieldset', null, h('legend', null, labelOf(name, s)), sub.el), read: sub.read };
    }
    return { name, ...scalarInput(name, s, (value || {})[name], required.has(name)) };
  });
  const el = h('div', { class: 'schema-form' }, parts.length ? parts.map((p) => p.el) : h('p', { class: 'muted' }, 'No settings.'));
  const read = () => {
    const out = {};
    for (const p of parts) {
      const v = p.read();
      if (v !== undefined && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 && !required.has(p.name))) out[p.name] = v;
    }
    return out;
  };
  return { el, read };
}
