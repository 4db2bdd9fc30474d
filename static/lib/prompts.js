// What the dashboard must put in front of whoever is there, on every page:
// an interactive prompt ("Are you OK?") as a full-screen card with its two
// buttons and a countdown, answered through /interactive-responses; a
// pop-up notification as a card to dismiss; a spoken announcement through
// the browser's speech synthesis.  Pending prompts are fetched at start,
// new ones arrive on the prompts stream.
import { h, fill } from './dom.js';
import { get, post } from './api.js';
import { subscribe } from './stream.js';
import { showError } from './ui.js';

let controller = null;
const shown = new Map();   // prompt id -> {el, timer}

function layer() {
  return document.getElementById('prompt-layer');
}

function speak(text) {
  if (!('speechSynthesis' in window) || !text) return;
  const u = new SpeechSynthesisUtterance(text);
  window.speechSynthesis.speak(u);
}

function close(id) {
  const s = shown.get(id);
  if (!s) return;
  clearInterval(s.timer);
  s.el.remove();
  shown.delete(id);
}

function secondsLeft(p) {
  if (!p.expires_at) return null;
  return Math.max(0, Math.round((new Date(p.expires_at).getTime() - Date.now()) / 1000));
}

function show(p) {
  if (!p || p.status && p.status !== 'pending' || shown.has(p.id)) return;
  const left = secondsLeft(p);
  if (left === 0) return;
  const count = h('p', { class: 'countdown', 'aria-live': 'off' });
  const tick = () => {
    const s = secondsLeft(p);
    if (s === null) return;
    count.textContent = `${s} s left to answer`;
    if (s <= 0) close(p.id);
  };
  let choices;
  if (p.kind === 'interactive') {
    const buttons = Array.isArray(p.buttons) && p.buttons.length ? p.buttons
      : [{ action: 'escalate', text: 'I need help' }, { action: 'dismiss', text: "I'm OK" }];
    choices = buttons.map((b) => h('button', {
      class: b.action === 'dismiss' ? 'primary' : 'danger',
      onclick: async (ev) => {
        ev.currentTarget.disabled = true;
        try {
          await post('/api/v1/interactive-responses', {
            execution_id: p.execution_id, step_id: p.step_id, channel: 'pwa_popup_text', action: b.action,
          });
          close(p.id);
        } catch (err) {
          showError(err);
          ev.currentTarget.disabled = false;
        }
      },
    }, b.text || (b.action === 'dismiss' ? "I'm OK" : 'I need help')));
  } else {
    choices = [h('button', { class: 'primary', onclick: async () => {
      try {
        await post(`/api/v1/prompts/${p.id}/dismiss`);
      } catch (err) {
        showError(err);
      }
      close(p.id);
    } }, 'OK')];
  }
  const titleId = `prompt-title-${p.id}`;
  const el = h('div', { class: 'prompt-overlay', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': titleId, dataset: { level: p.alert_level || '' } },
    h('div', { class: 'prompt-card' },
      h('h2', { id: titleId }, p.title || 'Hearth'),
      h('p', null, p.message || ''),
      h('div', { class: 'choices' }, choices),
      left !== null ? count : null));
  layer().append(el);
  tick();
  shown.set(p.id, { el, timer: setInterval(tick, 1000) });
  const first = el.querySelector('button');
  if (first) first.focus();
  if (p.kind === 'interactive') speak(`${p.title || ''}. ${p.message || ''}`);
}

export async function watchPrompts(session) {
  if (controller) controller.abort();
  for (const id of [...shown.keys()]) close(id);
  if (!session.signedIn) return;
  controller = new AbortController();
  const { signal } = controller;
  subscribe('prompts', (msg) => {
    const data = msg.data || {};
    if (msg.type === 'prompt.created') show(data);
    else if (msg.type === 'prompt.answered' || msg.type === 'prompt.dismissed' || msg.type === 'prompt.expired') close(data.id);
    else if (msg.type === 'notification.tts_announcement') speak(data.message || data.title);
  }, signal);
  try {
    const page = await get('/api/v1/prompts', { status: 'pending', limit: 20 }, { signal });
    for (const p of page.items.reverse()) show(p);
  } catch {
    /* shown when they arrive on the stream */
  }
}
