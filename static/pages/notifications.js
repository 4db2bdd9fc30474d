// Notifications: for each alert level, the channels it goes out on, its
// quiet hours and how often an open alert is notified again.  Admins
// change them (one PUT per level that changed); everyone else reads them.
import { h, fill } from '../lib/dom.js';
import { get, put, ApiError } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, badge, field, toast, clearErrors } from '../lib/ui.js';
import { dateTime } from '../lib/format.js';

const LEVELS = {
  emergency: { title: 'Emergency', state: 'bad' },
  warning: { title: 'Warning', state: 'warn' },
  info: { title: 'Info', state: 'info' },
  reminder: { title: 'Reminder', state: 'info' },
};
const title = (level) => (LEVELS[level] ? LEVELS[level].title : level);
const HELD_BACK = 'While quiet, speakers, the voice assistant, read-aloud announcements and e-ink are held back and Telegram goes silently; pop-ups and webhooks still go. Times are the hub’s local time and may pass midnight.';

function levelBadge(level) {
  return badge(title(level), (LEVELS[level] || {}).state);
}

export async function render(view, { signal }) {
  const admin = session.isAdmin;
  const [rulesReply, channelTypes] = await Promise.all([
    get('/api/v1/notification-rules', null, { signal }),
    get('/api/v1/pipeline/channel-types', null, { signal }),
  ]);
  let rules = rulesReply.items;
  const types = channelTypes.items;
  const form = h('form', { novalidate: true });

  const draw = () => {
    const levels = rules.map((r) => r.level);
    // Channels Hearth delivers, and any not yet delivered that a level
    // still names (so it can be taken off).
    const offered = types.filter((t) => t.available || rules.some((r) => r.channels.includes(t.name)));
    const matrix = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, admin ? 'Tick the channels each level goes out on.' : 'The channels each level goes out on.'),
      h('table', { class: 'notif-matrix', 'aria-label': 'Channels by alert level' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Channel'),
        levels.map((l) => h('th', { scope: 'col', class: 'notif-cell' }, levelBadge(l))))),
      h('tbody', null, offered.map((t) => h('tr', null,
        h('th', { scope: 'row' }, h('span', { class: 'notif-channel' }, t.display_name),
          h('div', { class: 'muted' }, t.description, t.available ? '' : '. Not delivered by this hub yet.')),
        rules.map((r) => {
          const on = r.channels.includes(t.name);
          return h('td', { class: 'notif-cell', 'data-label': title(r.level) }, admin
            ? h('input', { type: 'checkbox', name: `${r.level}:ch`, value: t.name, checked: on,
              'aria-label': `${t.display_name} for ${title(r.level)}` })
            : h('span', { 'aria-label': on ? 'yes' : 'no' }, on ? '✓' : '–'));
        }))))));
    const channelErrors = rules.map((r) => h('p', { class: 'error', 'data-error-for': `${r.level}:channels` }));

    const levelBox = (r) => {
      const q = r.quiet_hours || {};
      const n = (k) => `${r.level}:${k}`;
      const repeats = r.level === 'emergency' || r.level === 'warning';
      if (!admin) {
        return h('section', { class: 'notif-level' }, h('h3', null, levelBadge(r.level)), h('dl', null,
          h('dt', null, 'Quiet hours'), h('dd', null, r.level === 'emergency' ? 'ignored' : q.enabled ? `${q.start} to ${q.end}` : 'off'),
          repeats ? [h('dt', null, 'Notify again'), h('dd', null, r.escalation_minutes ? `every ${r.escalation_minutes} min, at most ${r.repeat_count} times` : 'never')] : null,
          h('dt', null, 'Changed'), h('dd', null, dateTime(r.updated_at))));
      }
      return h('section', { class: 'notif-level' }, h('h3', null, levelBadge(r.level)),
        r.level === 'emergency'
          ? h('p', { class: 'muted' }, 'Emergencies ignore quiet hours: they always go out at once.')
          : [field(n('enabled'), 'Quiet hours on', { type: 'checkbox', value: q.enabled }),
            h('div', { class: 'notif-times' },
              field(n('start'), 'From', { type: 'time', value: q.start || '22:00' }),
              field(n('end'), 'Until', { type: 'time', value: q.end || '07:00' }))],
        repeats
          ? h('div', { class: 'notif-times' },
            field(n('escalation_minutes'), 'Notify again every (min)', { type: 'number', min: 0, max: 1440, step: 1, value: r.escalation_minutes, help: '0 = never' }),
            field(n('repeat_count'), 'At most (times)', { type: 'number', min: 0, max: 20, step: 1, value: r.repeat_count }))
          : h('p', { class: 'muted' }, 'Not notified again: only emergencies and warnings are.'),
        h('p', { class: 'muted' }, `Changed ${dateTime(r.updated_at)}`));
    };

    const submit = h('button', { class: 'primary', type: 'submit' }, 'Save changes');
    fill(form,
      card('Channels', matrix, channelErrors),
      card('Quiet hours and reminders', h('p', { class: 'muted' }, HELD_BACK),
        h('div', { class: 'grid notif-levels' }, rules.map(levelBox))),
      admin ? h('div', { class: 'actions' }, submit) : null);
  };

  // What the form asks of a level; only what differs from rule is sent.
  const wanted = (r) => {
    const el = (k) => form.elements[`${r.level}:${k}`];
    const body = {};
    const ch = [...form.querySelectorAll(`input[name="${r.level}:ch"]`)].filter((i) => i.checked).map((i) => i.value);
    const keep = r.channels.filter((c) => !types.some((t) => t.name === c)); // channels this page does not show
    const channels = [...ch, ...keep];
    if (channels.length !== r.channels.length || channels.some((c) => !r.channels.includes(c))) body.channels = channels;
    if (el('enabled')) {
      const q = { enabled: el('enabled').checked, start: el('start').value, end: el('end').value };
      const old = r.quiet_hours || {};
      if (q.enabled !== old.enabled || q.start !== old.start || q.end !== old.end) body.quiet_hours = q;
    }
    for (const k of ['escalation_minutes', 'repeat_count']) {
      if (!el(k)) continue;
      const v = el(k).value === '' ? NaN : Number(el(k).value);
      if (v !== r[k]) body[k] = Number.isNaN(v) ? el(k).value : v;
    }
    return body;
  };

  const place = (level, err) => {
    const rest = [];
    for (const p of err.fields) {
      let name = p.loc[p.loc.length - 1];
      if (p.loc[1] === 'channels') name = 'channels';
      const slot = form.querySelector(`[data-error-for="${CSS.escape(`${level}:${name}`)}"]`);
      if (slot) {
        slot.textContent = `${title(level)}: ${p.msg}`;
        const input = form.elements[`${level}:${name}`];
        if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
      } else {
        rest.push(`${title(level)}: ${p.msg}`);
      }
    }
    if (rest.length) toast(rest.join('; '), 'error');
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const submit = form.querySelector('button[type="submit"]');
    clearErrors(form);
    const changes = rules.map((r) => [r, wanted(r)]).filter(([, b]) => Object.keys(b).length);
    if (!changes.length) {
      toast('Nothing changed');
      return;
    }
    submit.disabled = true;
    let failed = false;
    const saved = [];
    for (const [r, body] of changes) {
      try {
        const after = await put(`/api/v1/notification-rules/${r.level}`, body);
        rules = rules.map((x) => (x.level === after.level ? after : x));
        saved.push(title(r.level));
      } catch (err) {
        failed = true;
        if (err instanceof ApiError && err.fields.length) place(r.level, err);
        else toast(`${title(r.level)}: ${err.message}`, 'error');
      }
    }
    submit.disabled = false;
    if (saved.length) toast(`Saved: ${saved.join(', ')}`, 'ok');
    if (!failed) draw();
  });

  fill(view,
    pageHead('Notifications'),
    h('p', { class: 'muted' }, 'How an alert reaches the household, by its level.', admin ? '' : ' Only an admin can change this.'),
    form);
  draw();
}
