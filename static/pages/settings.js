// Settings (admin): the keys of hearth.conf that may be changed from the
// dashboard, each with its effective value.  Saving sends only what
// changed; "Reset" hands a key back to hearth.conf's value.
import { h, fill, id } from '../lib/dom.js';
import { get, patch } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, field, busy, toast, clearErrors } from '../lib/ui.js';

const LOG_LEVELS = ['error', 'warning', 'notice', 'info', 'debug'];

// [key, label, kind, help]
const GROUPS = [
  ['General', [
    ['timezone', 'Time zone', 'timezone', 'An IANA name such as Europe/Berlin; empty = the system’s zone. Rules, quiet hours and the dashboard’s times use it.'],
    ['log_level', 'Log level', 'level', 'How much the API and the scheduled programs write to their logs.'],
  ]],
  ['Outbound calls', [
    ['outbound_allow_private', 'Allow private LAN addresses', 'bool', 'Whether webhooks, cameras and services may be reached on private addresses (192.168.x.x, 10.x.x.x …).'],
    ['outbound_deny_cidrs', 'Never reach', 'text', 'Addresses outbound calls may never reach: CIDRs separated by commas or spaces, e.g. 192.168.1.0/24.'],
  ]],
  ['Telegram', [
    ['telegram_chat_id', 'Chat', 'text', 'A chat id such as -1001234567890, or @channelname; empty = none.'],
    ['telegram_chat_id_emergency', 'Chat for emergencies', 'text', 'Empty = the chat above.'],
    ['telegram_chat_id_warning', 'Chat for warnings', 'text', 'Empty = the chat above.'],
    ['telegram_chat_id_info', 'Chat for information', 'text', 'Empty = the chat above.'],
    ['telegram_chat_id_reminder', 'Chat for reminders', 'text', 'Empty = the chat above.'],
  ]],
  ['Home Assistant', [
    ['ha_url', 'Address', 'text', 'e.g. http://homeassistant.local:8123; empty = not connected. Changing it needs the token too: the token is never sent to a new address.'],
    ['ha_token', 'Long-lived access token', 'secret', 'Never shown once saved. Leave empty to keep the one set.'],
    ['ha_verify_tls', 'Verify its TLS certificate', 'bool', 'Turning this off needs the token too.'],
    ['ha_tts_entity', 'Text-to-speech entity', 'text', 'e.g. tts.piper; empty = none.'],
    ['ha_media_player', 'Media player for announcements', 'text', 'e.g. media_player.kitchen.'],
  ]],
];

function zones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

export async function render(view, { signal }) {
  let current = await get('/api/v1/settings', null, { signal });
  const known = new Set(GROUPS.flatMap(([, keys]) => keys.map(([k]) => k)));
  // Keys this page does not know yet are still shown, as text.
  const extra = Object.keys(current).filter((k) => !known.has(k));
  const groups = extra.length ? [...GROUPS, ['Other', extra.map((k) => [k, k, typeof current[k] === 'boolean' ? 'bool' : 'text', ''])]] : GROUPS;
  const kinds = new Map(groups.flatMap(([, keys]) => keys.map(([k, , kind]) => [k, kind])));

  const listId = id('zones');
  const zoneList = h('datalist', { id: listId }, zones().map((z) => h('option', { value: z })));

  const control = (key, label, kind, help) => {
    const v = current[key];
    if (kind === 'bool') return field(key, label, { type: 'checkbox', value: v, help });
    if (kind === 'level') return field(key, label, { options: LOG_LEVELS, value: v, help });
    // A secret is written, never read back: the field starts empty.
    if (kind === 'secret') return field(key, label, { type: 'password', value: '', maxlength: 255, help,
      autocomplete: 'new-password', placeholder: v && v.set ? 'set (hidden)' : 'not set' });
    const f = field(key, label, { value: v ?? '', maxlength: 255, help,
      placeholder: kind === 'timezone' ? 'empty: the system’s zone' : null });
    if (kind === 'timezone') f.querySelector('input').setAttribute('list', listId);
    return f;
  };

  const readValue = (form, key) => {
    const el = form.elements[key];
    if (kinds.get(key) === 'bool') return el.checked;
    return kinds.get(key) === 'level' ? el.value : el.value.trim();
  };

  const setValue = (form, key, value) => {
    const el = form.elements[key];
    if (kinds.get(key) === 'bool') el.checked = Boolean(value);
    else if (kinds.get(key) === 'secret') {
      el.value = '';
      el.placeholder = value && value.set ? 'set (hidden)' : 'not set';
    } else el.value = value ?? '';
  };

  const submit = h('button', { class: 'primary', type: 'submit' }, 'Save changes');
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  let form = null;

  const afterChange = async (saved, keys) => {
    const tzChanged = keys.includes('timezone') && saved.timezone !== current.timezone;
    current = saved;
    // Only the keys just stored: other fields may hold edits not saved yet.
    for (const k of keys) if (form.elements[k]) setValue(form, k, saved[k]);
    // The dashboard's times follow the hub's zone.
    if (tzChanged) await session.load().catch(() => {});
  };

  const resetKey = (key, label) => h('button', { type: 'button', class: 'settings-reset',
    'aria-label': `Reset ${label} to hearth.conf’s value`, onclick: (ev) => busy(ev.currentTarget, async () => {
      clearErrors(form);
      const saved = await patch('/api/v1/settings', { [key]: null });
      await afterChange(saved, [key]);
      const shown = kinds.get(key) === 'secret' ? '' : saved[key] === '' ? ' (empty)' : ` (${saved[key]})`;
      toast(`${label}: back to hearth.conf’s value${shown}`, 'ok');
    }, form) }, 'Reset');

  form = h('form', { novalidate: true },
    groups.map(([title, keys]) => h('fieldset', { class: 'card settings-group' }, h('legend', null, title),
      keys.map(([key, label, kind, help]) => h('div', { class: `settings-row${kind === 'bool' ? ' bool' : ''}` }, control(key, label, kind, help), resetKey(key, label))))),
    zoneList,
    h('div', { class: 'actions' }, submit, status));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {};
    for (const k of Object.keys(current)) {
      if (!form.elements[k]) continue;
      const v = readValue(form, k);
      if (kinds.get(k) === 'secret') {
        if (v) body[k] = v;   // empty: keep the one set
      } else if (v !== current[k]) body[k] = v;
    }
    if (!Object.keys(body).length) {
      status.textContent = 'Nothing changed.';
      return;
    }
    busy(submit, async () => {
      clearErrors(form);
      const saved = await patch('/api/v1/settings', body);
      await afterChange(saved, Object.keys(body));
      status.textContent = '';
      toast(`Saved: ${Object.keys(body).length} setting${Object.keys(body).length === 1 ? '' : 's'}`, 'ok');
    }, form);
  });
  form.addEventListener('input', () => { status.textContent = ''; });

  fill(view,
    pageHead('Settings'),
    h('p', { class: 'muted' }, 'Each value is the one in effect: set here, or else from hearth.conf. Reset hands a key back to hearth.conf. ',
      'Keys that decide how Hearth starts or what it reaches (database, paths, secrets) are only in hearth.conf.'),
    form);
}
