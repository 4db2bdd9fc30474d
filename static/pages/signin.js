// Sign in with a password or a passkey.
import { h, fill } from '../lib/dom.js';
import { post } from '../lib/api.js';
import { field, busy, formValues, showError } from '../lib/ui.js';
import { sessionChanged } from '../app.js';
import { passkeySignIn, passkeysAvailable } from '../lib/webauthn.js';

function target(query) {
  const next = query.get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export async function render(view, { query, navigate }) {
  document.title = 'Sign in · Hearth';
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h('form', { novalidate: true },
    field('username', 'User name', { required: true, autocomplete: 'username webauthn' }),
    field('password', 'Password', { type: 'password', required: true, autocomplete: 'current-password' }),
    submit);
  const done = async () => {
    await sessionChanged();
    navigate(target(query), { replace: true });
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(submit, async () => {
      await post('/api/v1/auth/login', formValues(form));
      await done();
    }, form);
  });
  const passkey = passkeysAvailable()
    ? h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, async () => {
      const name = form.elements.username.value.trim();
      if (await passkeySignIn(name || undefined)) await done();
    }) }, 'Sign in with a passkey')
    : null;
  fill(view, h('div', { class: 'narrow' },
    h('h1', null, 'Sign in to Hearth'),
    h('div', { class: 'card' }, form, passkey ? h('p', { class: 'or' }, 'or') : null, passkey)));
  form.elements.username.focus();
  void showError;
}
