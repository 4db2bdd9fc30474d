// The API reference, from /api/v1/openapi.json: search, tags, every
// operation with its parameters, body and responses, their schemas and
// examples, and "Try it", which sends the request from this browser with
// the signed-in session (or an API key typed in).  Text only, never
// innerHTML: nothing in the document can inject markup.
import { h, fill } from './lib/dom.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
let spec;

function resolve(obj) {
  let seen = 0;
  while (obj && typeof obj.$ref === 'string' && obj.$ref.startsWith('#/') && seen++ < 10) {
    obj = obj.$ref.slice(2).split('/').reduce((o, k) => (o ? o[k] : undefined), spec);
  }
  return obj || {};
}

function refName(s) {
  return s && s.$ref ? s.$ref.split('/').pop() : null;
}

function typeText(schema) {
  if (!schema) return '';
  if (schema.$ref) return refName(schema);
  if (schema.oneOf) return schema.oneOf.map(typeText).join(' | ');
  if (schema.type === 'array') return `array of ${typeText(schema.items)}`;
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(' | ');
  return Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type || 'any');
}

function schemaLink(schema) {
  const name = refName(schema) || (schema && schema.type === 'array' && refName(schema.items));
  const text = typeText(schema);
  return name ? h('a', { href: `#schema-${name}` }, text) : h('code', null, text);
}

// An example of a schema: its own, or one built from the properties.
function example(schema, depth = 0) {
  const s = resolve(schema);
  if (depth > 6) return null;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  if (s.oneOf) return example(s.oneOf[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'object' || s.properties) {
    const out = {};
    for (const [k, v] of Object.entries(s.properties || {})) out[k] = example(v, depth + 1);
    return out;
  }
  if (type === 'array') return [example(s.items || {}, depth + 1)];
  if (type === 'integer') return s.minimum ?? 1;
  if (type === 'number') return 1.5;
  if (type === 'boolean') return true;
  if (type === 'string') return s.format === 'date-time' ? '2026-11-22T10:14:33Z' : 'text';
  return null;
}

function table(head, rows) {
  if (!rows.length) return null;
  return h('div', { class: 'table-wrap' }, h('table', null,
    h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c)))))));
}

function tryIt(path, method, params, body) {
  const inputs = params.map((p) => {
    const id = `try-${method}-${path}-${p.name}`.replace(/[^a-zA-Z0-9-]/g, '_');
    return { p, el: h('div', { class: 'field' }, h('label', { for: id }, `${p.name} (${p.in})`),
      h('input', { id, name: p.name, placeholder: p.required ? 'required' : 'optional' })) };
  });
  const bodyId = `try-body-${method}-${path}`.replace(/[^a-zA-Z0-9-]/g, '_');
  const bodyInput = body ? h('textarea', { id: bodyId, rows: 6, class: 'mono' }, JSON.stringify(example(body), null, 2)) : null;
  const keyId = `try-key-${method}-${path}`.replace(/[^a-zA-Z0-9-]/g, '_');
  const keyInput = h('input', { id: keyId, type: 'password', autocomplete: 'off', placeholder: 'empty: your signed-in session' });
  const result = h('div', { 'aria-live': 'polite' });
  const send = h('button', { class: 'primary', type: 'submit' }, 'Send');
  const form = h('form', { class: 'try' }, inputs.map((i) => i.el),
    bodyInput ? h('div', { class: 'field' }, h('label', { for: bodyId }, 'Body (JSON)'), bodyInput) : null,
    h('div', { class: 'field' }, h('label', { for: keyId }, 'API key'), keyInput), send, result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let url = path;
    const q = new URLSearchParams();
    for (const { p, el } of inputs) {
      const v = el.querySelector('input').value;
      if (v === '') continue;
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (p.in === 'query') q.set(p.name, v);
    }
    if (q.toString()) url += `?${q}`;
    const headers = { Accept: 'application/json' };
    if (method !== 'get' && method !== 'head') headers['X-Hearth-Request'] = '1';
    if (keyInput.value) headers['X-API-Key'] = keyInput.value;
    const init = { method: method.toUpperCase(), headers, credentials: 'same-origin' };
    if (bodyInput && bodyInput.value.trim()) {
      headers['Content-Type'] = 'application/json';
      init.body = bodyInput.value;
    }
    send.disabled = true;
    try {
      const res = await fetch(url, init);
      const text = await res.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
      fill(result, h('p', null, h('strong', null, `${res.status} ${res.statusText}`), ` ${init.method} ${url}`), h('pre', null, shown || '(no body)'));
    } catch (err) {
      fill(result, h('p', { class: 'error' }, String(err.message || err)));
    } finally {
      send.disabled = false;
    }
  });
  return h('details', null, h('summary', null, 'Try it'), form);
}

function operation(path, method, op, shared) {
  const params = [...shared, ...(op.parameters || [])].map(resolve);
  const body = (() => {
    const b = resolve(op.requestBody);
    const json = b.content && (b.content['application/json'] || Object.values(b.content)[0]);
    return json && json.schema;
  })();
  const paramRows = params.map((p) => [h('code', null, p.name), p.in, p.required ? 'required' : '', schemaLink(p.schema), p.description || '']);
  const respRows = Object.entries(op.responses || {}).map(([code, r]) => {
    const rr = resolve(r);
    const json = rr.content && rr.content['application/json'];
    return [h('code', null, code), rr.description || '', json && json.schema ? schemaLink(json.schema) : ''];
  });
  const ok = Object.entries(op.responses || {}).find(([c]) => c.startsWith('2'));
  const okSchema = ok && resolve(ok[1]).content && resolve(ok[1]).content['application/json'];
  const pub = Array.isArray(op.security) && op.security.length === 0;
  const id = op.operationId || `${method}-${path}`;
  return h('details', { class: 'card op', id: `op-${id}`, dataset: { search: `${method} ${path} ${op.summary || ''} ${op.operationId || ''}`.toLowerCase(), tags: (op.tags || []).join(' ') } },
    h('summary', null, h('span', { class: `method ${method}` }, method.toUpperCase()), h('code', null, path), ' ', h('span', { class: 'muted' }, op.summary || ''), pub ? h('span', { class: 'badge' }, 'public') : null),
    op.description ? h('p', null, op.description) : null,
    table(['parameter', 'in', '', 'type', 'description'], paramRows),
    body ? h('p', null, 'Body: ', schemaLink(body)) : null,
    body ? h('details', null, h('summary', null, 'Example body'), h('pre', null, JSON.stringify(example(body), null, 2))) : null,
    table(['response', 'description', 'schema'], respRows),
    okSchema && okSchema.schema ? h('details', null, h('summary', null, `Example ${ok[0]} reply`), h('pre', null, JSON.stringify(okSchema.example ?? example(okSchema.schema), null, 2))) : null,
    tryIt(path, method, params, body));
}

function schemas() {
  return Object.entries((spec.components && spec.components.schemas) || {}).map(([name, s]) => {
    const props = Object.entries(s.properties || {});
    const req = new Set(s.required || []);
    return h('details', { id: `schema-${name}`, class: 'schema' }, h('summary', null, h('code', null, name), s.description ? h('span', { class: 'muted' }, ` ${s.description}`) : null),
      props.length ? table(['field', 'type', '', 'description'], props.map(([k, v]) => [h('code', null, k), schemaLink(v), req.has(k) ? 'required' : '', v.description || '']))
        : h('p', null, typeText(s)),
      h('pre', null, JSON.stringify(example(s), null, 2)));
  });
}

function applyFilter(list, q, tag) {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const op of list.children) {
    const hit = words.every((w) => op.dataset.search.includes(w)) && (!tag || op.dataset.tags.split(' ').includes(tag));
    op.hidden = !hit;
    if (hit) shown += 1;
  }
  return shown;
}

async function main() {
  const intro = document.getElementById('intro');
  const list = document.getElementById('operations');
  try {
    const res = await fetch('/api/v1/openapi.json', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    spec = await res.json();
  } catch (e) {
    intro.textContent = `Could not load /api/v1/openapi.json: ${e.message}`;
    return;
  }
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const m of METHODS) if (item[m]) ops.push(operation(path, m, item[m], item.parameters || []));
  }
  fill(list, ops);
  fill(document.getElementById('schemas'), schemas());
  const tagSel = document.getElementById('tag');
  for (const t of spec.tags || []) tagSel.append(h('option', { value: t.name }, `${t.name} — ${t.description || ''}`));
  const q = document.getElementById('q');
  const info = spec.info || {};
  const update = () => {
    const n = applyFilter(list, q.value, tagSel.value);
    intro.textContent = `${info.title || 'API'} ${info.version || ''}: ${n} of ${ops.length} operations (OpenAPI ${spec.openapi}). Requests from "Try it" use your signed-in session.`;
  };
  q.addEventListener('input', update);
  tagSel.addEventListener('change', update);
  update();
  if (location.hash) {
    const target = document.getElementById(location.hash.slice(1));
    if (target) { target.open = true; target.scrollIntoView(); }
  }
}

main();
