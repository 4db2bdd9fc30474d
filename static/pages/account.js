// My account: who I am, my password, my passkeys, my personal token.
import { h, fill } from '../lib/dom.js';
import { get, post, del } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, field, busy, formValues, toast, table, confirmDialog } from '../lib/ui.js';
import { dateTime } from '../lib/format.js';
import { passkeyRegister, passkeysAvailable } from '../lib/webauthn.js';

export async function render(view, { signal }) {
  const me = await get('/api/v1/auth/me', null, { signal });
  const u = me.user;

  const pwSubmit = h('button', { class: 'primary', type: 'submit' }, 'Change password');
  const pwForm = h('form', { novalidate: true },
    field('current', 'Current password', { type: 'password', required: true, autocomplete: 'current-password' }),
    field('new', 'New password', { type: 'password', required: true, autocomplete: 'new-password',
      help: 'At least 8 characters. Your other devices are signed out.' }),
    pwSubmit);
  pwForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(pwSubmit, async () => {
      await post('/api/v1/auth/password', formValues(pwForm));
      pwForm.reset();
      toast('Password changed; your other sessions have ended.', 'ok');
    }, pwForm);
  });

  const keysBox = h('div');
  const loadPasskeys = async () => {
    let list = [];
    try {
      list = (await get('/api/v1/auth/passkeys', null, { signal })).items || [];
    } catch {
      fill(keysBox, h('p', { class: 'muted' }, 'Passkeys are not available on this hub.'));
      return;
    }
    fill(keysBox, table([
      { label: 'Name', cell: (k) => k.name || 'Passkey' },
      { label: 'Added', cell: (k) => dateTime(k.created_at) },
      { label: 'Last used', cell: (k) => dateTime(k.last_used_at) },
      { label: '', cell: (k) => h('button', { class: 'danger', onclick: async (ev) => {
        if (!(await confirmDialog(`Remove the passkey "${k.name || 'Passkey'}"?`, 'Remove'))) return;
        await busy(ev.currentTarget, async () => { await del(`/api/v1/auth/passkeys/${k.id}`); await loadPasskeys(); });
      } }, 'Remove') },
    ], list, 'No passkeys yet.'));
  };
  const nameInput = field('passkey_name', 'Name for this device', { placeholder: 'e.g. Kitchen tablet' });
  const addKey = h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, async () => {
    await passkeyRegister(nameInput.querySelector('input').value.trim() || undefined);
    toast('Passkey added', 'ok');
    await loadPasskeys();
  }) }, 'Add a passkey');

  const tokenBox = h('div');
  const regen = h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, async () => {
    if (!(await confirmDialog('Make a new personal token? The old one stops working.', 'Make a new token'))) return;
    const k = await post('/api/v1/auth/regenerate');
    fill(tokenBox, h('p', null, 'Your new token, shown only now: copy it to the app or script that needs it.'),
      h('p', { class: 'secret' }, k.key));
  }) }, 'Make a personal API token');

  fill(view,
    pageHead('My account'),
    h('div', { class: 'cols' },
      h('div', null,
        card('Password', u ? pwForm : h('p', { class: 'muted' }, 'You are signed in with an API key, which has no password.')),
        card('Passkeys', h('p', { class: 'muted' }, 'Sign in with this device’s screen lock instead of a password.'),
          keysBox, passkeysAvailable() && u ? h('div', { class: 'actions' }, nameInput, addKey) : null),
        card('Personal API token', h('p', { class: 'muted' }, 'For apps and scripts that act as you, with your role.'),
          u ? regen : null, tokenBox)),
      card('Me', h('dl', null,
        h('dt', null, 'User name'), h('dd', null, u ? u.username : '–'),
        h('dt', null, 'Name'), h('dd', null, (u && u.display_name) || '–'),
        h('dt', null, 'Role'), h('dd', null, me.role),
        h('dt', null, 'Signed in with'), h('dd', null, me.via === 'session' ? 'this browser session' : `API key ${me.key ? me.key.name : ''}`),
        h('dt', null, 'Last sign-in'), h('dd', null, u ? dateTime(u.last_login_at) : '–')))));
  if (u) await loadPasskeys();
  void session;
}
