// Small shared pieces of the pages: headings, fields with their errors,
// tables, toasts, confirmation, busy buttons.
import { h, fill, id } from './dom.js';
import { ApiError } from './api.js';

export function pageHead(title, ...actions) {
  document.title = `${title} · Hearth`;
  return h('div', { class: 'page-head' }, h('h1', null, title), h('div', { class: 'actions' }, actions));
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, children);
}

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div', { class: `toast ${kind}` }, message);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

// Report what went wrong: a field list goes next to the fields of form
// (when given), anything else to a toast.
export function showError(err, form) {
  if (form) clearErrors(form);
  if (err instanceof ApiError && err.fields.length && form) {
    let placed = 0;
    for (const p of err.fields) {
      const name = p.loc && p.loc[p.loc.length - 1];
      const slot = form.querySelector(`[data-error-for="${CSS.escape(String(name))}"]`);
      if (slot) {
        slot.textContent = p.msg;
        const input = form.querySelector(`[name="${CSS.escape(String(name))}"]`);
        if (input) input.setAttribute('aria-invalid', 'true');
        placed += 1;
      }
    }
    if (placed === err.fields.length) return;
  }
  toast(err instanceof ApiError ? err.summary() : String(err.message || err), 'error');
}

export function clearErrors(form) {
  for (const s of form.querySelectorAll('[data-error-for]')) s.textContent = '';
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
}

// A labelled input with room for its error.  opts: {type, value, required,
// autocomplete, help, options (for select), min, max, step, rows}.
export function field(name, label, opts = {}) {
  const fid = id(name);
  let input;
  if (opts.options) {
    input = h('select', { id: fid, name, required: opts.required },
      opts.options.map((o) => {
        const [v, text] = Array.isArray(o) ? o : [o, o];
        return h('option', { value: v, selected: String(opts.value) === String(v) }, text);
      }));
  } else if (opts.type === 'textarea') {
    input = h('textarea', { id: fid, name, rows: opts.rows || 3, required: opts.required }, opts.value || '');
  } else if (opts.type === 'checkbox') {
    input = h('input', { id: fid, name, type: 'checkbox', checked: Boolean(opts.value) });
    return h('div', { class: 'field check' }, input, h('label', { for: fid }, label),
      opts.help ? h('small', null, opts.help) : null, h('span', { class: 'error', 'data-error-for': name }));
  } else {
    input = h('input', {
      id: fid, name, type: opts.type || 'text', value: opts.value ?? '', required: opts.required,
      autocomplete: opts.autocomplete || 'off', min: opts.min, max: opts.max, step: opts.step,
      minlength: opts.minlength, maxlength: opts.maxlength, placeholder: opts.placeholder,
      spellcheck: opts.type === 'password' ? 'false' : null, inputmode: opts.inputmode,
    });
  }
  return h('div', { class: 'field' }, h('label', { for: fid }, label), input,
    opts.help ? h('small', null, opts.help) : null,
    h('span', { class: 'error', 'data-error-for': name, 'aria-live': 'polite' }));
}

// The values of a form's named controls (checkboxes as booleans, number
// inputs as numbers, empty optional text left out).
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'number') { if (el.value !== '') out[el.name] = Number(el.value); }
    else out[el.name] = el.value;
  }
  return out;
}

// Disable a button while fn runs; errors are shown (next to form fields
// when given).  Returns fn's result, or undefined after an error.
export async function busy(button, fn, form) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (err) {
    showError(err, form);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function confirmDialog(message, confirmText = 'Delete') {
  return new Promise((resolve) => {
    const yes = h('button', { class: 'danger', value: 'yes' }, confirmText);
    const dlg = h('dialog', { class: 'confirm' },
      h('form', { method: 'dialog' }, h('p', null, message),
        h('div', { class: 'actions' }, h('button', { value: 'no' }, 'Cancel'), yes)));
    document.body.append(dlg);
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'yes');
      dlg.remove();
    });
    dlg.showModal();
    yes.focus();
  });
}

// A table: columns [{label, cell(row) -> node|string, class}].
export function table(columns, rows, empty = 'Nothing here yet.') {
  if (!rows.length) return h('p', { class: 'muted empty' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
    h('tbody', null, rows.map((r) => h('tr', null, columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.cell(r))))))));
}

export function badge(text, state) {
  return h('span', { class: 'badge', 'data-state': state || null }, text);
}

export function loading(node) {
  return fill(node, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
}
