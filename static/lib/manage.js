// Pieces shared by the pages that manage the hub (people, users and keys,
// settings, notifications): a form in a modal dialog whose problems show
// inside it, a secret shown once with a copy button, an HTTP status badge.
import { h, id } from './dom.js';
import { ApiError } from './api.js';
import { badge, clearErrors, toast } from './ui.js';

// Put an error next to the fields of form that it names; whatever is left
// (a 409, a 403, a field not on the form) goes into box, in plain words.
export function showProblem(err, form, box) {
  clearErrors(form);
  const rest = [];
  if (err instanceof ApiError && err.fields.length) {
    for (const p of err.fields) {
      const name = p.loc && p.loc[p.loc.length - 1];
      const slot = form.querySelector(`[data-error-for="${CSS.escape(String(name))}"]`);
      if (slot) {
        slot.textContent = p.msg;
        const input = form.querySelector(`[name="${CSS.escape(String(name))}"]`);
        if (input) input.setAttribute('aria-invalid', 'true');
      } else {
        rest.push(`${(p.loc || []).slice(1).join('.') || 'request'}: ${p.msg}`);
      }
    }
  } else {
    rest.push(err instanceof ApiError ? err.message : String((err && err.message) || err));
  }
  box.textContent = rest.join(' ');
  box.hidden = rest.length === 0;
  if (rest.length === 0) {
    const bad = form.querySelector('[aria-invalid="true"]');
    if (bad) bad.focus();
  }
}

// A form in a modal dialog.  onSubmit(form) does the work; when it throws,
// the dialog stays open with the problem shown.  Resolves with what
// onSubmit returned, or undefined when cancelled.
export function formDialog(title, body, { submitText = 'Save', danger = false, onSubmit, signal } = {}) {
  return new Promise((resolve) => {
    const hid = id('dlg');
    const problem = h('p', { class: 'error-box', role: 'alert', hidden: true });
    const submit = h('button', { class: danger ? 'danger' : 'primary', type: 'submit' }, submitText);
    let dlg = null;
    const cancel = h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel');
    const form = h('form', { novalidate: true }, h('h2', { id: hid }, title), body, problem,
      h('div', { class: 'actions' }, cancel, submit));
    dlg = h('dialog', { class: 'form-dialog', 'aria-labelledby': hid }, form);
    let result;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      problem.hidden = true;
      submit.disabled = true;
      try {
        result = await onSubmit(form);
        dlg.close();
      } catch (err) {
        showProblem(err, form, problem);
      } finally {
        submit.disabled = false;
      }
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    if (signal) signal.addEventListener('abort', () => dlg.open && dlg.close(), { once: true });
    document.body.append(dlg);
    dlg.showModal();
    const first = form.querySelector('input:not([type="hidden"]), select, textarea');
    if (first) first.focus();
  });
}

// A secret shown only now, with a button that copies it.
export function secretBox(value, note) {
  const copy = h('button', { type: 'button', onclick: async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast('Copied', 'ok');
    } catch {
      const range = document.createRange();
      range.selectNodeContents(text);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      toast('Selected: press Ctrl+C (or ⌘C) to copy');
    }
  } }, 'Copy');
  const text = h('code', { class: 'secret-value' }, value);
  return h('div', { class: 'secret', role: 'status' }, note ? h('p', null, note) : null,
    h('div', { class: 'secret-row' }, text, copy));
}

// An HTTP status as a badge: 2xx fine, 4xx refused, 5xx failed.
export function statusBadge(code) {
  const state = code >= 500 ? 'bad' : code >= 400 ? 'warn' : code >= 200 && code < 300 ? 'ok' : null;
  return badge(String(code), state);
}

// A datetime-local input's value (the browser's time) as ISO 8601 UTC.
export function localToIso(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

// ISO 8601 as a datetime-local value in the browser's time.
export function isoToLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
