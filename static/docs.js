// Lists every operation of /api/v1/openapi.json: method, path, summary,
// parameters and responses.  No dependencies; text only (never innerHTML),
// so nothing in the document can inject markup.
'use strict';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

// Follow a local "#/components/..." reference.
function resolve(spec, obj) {
  let seen = 0;
  while (obj && typeof obj.$ref === 'string' && obj.$ref.startsWith('#/') && seen++ < 10) {
    obj = obj.$ref.slice(2).split('/').reduce((o, k) => (o ? o[k] : undefined), spec);
  }
  return obj || {};
}

function schemaText(spec, schema) {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.type === 'array') return `array of ${schemaText(spec, schema.items)}`;
  if (Array.isArray(schema.enum)) return schema.enum.join(' | ');
  return Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type || '');
}

function table(head, rows) {
  if (rows.length === 0) return null;
  return el('table', {},
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))));
}

function operation(spec, path, method, op, shared) {
  const params = [...shared, ...(op.parameters || [])].map((p) => resolve(spec, p));
  const paramRows = params.map((p) => [
    el('code', {}, p.name || ''), p.in || '', p.required ? 'required' : 'optional',
    schemaText(spec, p.schema), p.description || '']);
  const body = resolve(spec, op.requestBody);
  if (body.content) {
    const json = body.content['application/json'] || Object.values(body.content)[0] || {};
    paramRows.push([el('code', {}, 'body'), 'body', body.required ? 'required' : 'optional',
      schemaText(spec, json.schema), body.description || '']);
  }
  const responseRows = Object.entries(op.responses || {}).map(([code, r]) =>
    [el('code', {}, code), resolve(spec, r).description || '']);

  return el('section', { class: 'card op' },
    el('h3', {}, el('span', { class: `method ${method}` }, method.toUpperCase()), path),
    op.summary ? el('p', {}, op.summary) : null,
    op.description && op.description !== op.summary ? el('p', { class: 'muted' }, op.description) : null,
    table(['parameter', 'in', '', 'type', 'description'], paramRows),
    table(['response', 'description'], responseRows));
}

async function main() {
  const intro = document.getElementById('intro');
  const list = document.getElementById('operations');
  let spec;
  try {
    const res = await fetch('/api/v1/openapi.json', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    spec = await res.json();
  } catch (e) {
    intro.textContent = `Could not load /api/v1/openapi.json: ${e.message}`;
    return;
  }
  const info = spec.info || {};
  let count = 0;
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      list.append(operation(spec, path, method, item[method], item.parameters || []));
      count++;
    }
  }
  intro.textContent = `${info.title || 'API'} ${info.version || ''}: ${count} operations (OpenAPI ${spec.openapi || '?'}).`;
}

main();
