// Users & keys (admin): the people who sign in to the dashboard (name,
// role, disabled, password) and the API keys of devices and scripts
// (created with a role, the key shown once; revoked).
import { h, fill } from '../lib/dom.js';
import { get, getAll, post, patch, del } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, badge, table, field, busy, confirmDialog, toast } from '../lib/ui.js';
import { formDialog, secretBox } from '../lib/manage.js';
import { ago, dateTime } from '../lib/format.js';

const PW_HELP = 'At least 8 characters, not the user name, not a common password.';

export async function render(view, { signal }) {
  const [rolesReply] = await Promise.all([get('/api/v1/roles', null, { signal })]);
  const roles = rolesReply.items.map((r) => r.name).filter(Boolean);
  const me = session.user ? session.user.id : null;
  let users = [];

  const usersBox = h('div', { class: 'stack' });
  const keysBox = h('div', { class: 'stack' });
  const newKeyBox = h('div');

  const roleOptions = roles.map((r) => [r, r]);

  const loadUsers = async () => {
    users = await getAll('/api/v1/users', {}, 5000, { signal });
    fill(usersBox, table([
      { label: 'User', cell: (u) => h('div', null, h('strong', null, u.username), u.id === me ? h('span', { class: 'muted' }, ' (you)') : null,
        u.display_name ? h('div', { class: 'muted' }, u.display_name) : null) },
      { label: 'Role', cell: (u) => badge(u.role, u.role === 'admin' ? 'info' : null) },
      { label: 'State', cell: (u) => (u.disabled ? badge('disabled', 'bad') : badge('active', 'ok')) },
      { label: 'Last sign-in', cell: (u) => (u.last_login_at ? h('time', { datetime: u.last_login_at, title: dateTime(u.last_login_at) }, ago(u.last_login_at)) : 'never') },
      { label: 'Actions', cell: (u) => h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => editUser(u) }, 'Edit'),
        h('button', { type: 'button', onclick: () => setPassword(u) }, 'Set password'),
        h('button', { type: 'button', class: 'danger', onclick: (ev) => removeUser(u, ev.currentTarget) }, 'Delete')) },
    ], users, 'No users.'));
  };

  const editUser = async (u) => {
    const saved = await formDialog(`Edit ${u.username}`, [
      field('display_name', 'Display name', { value: u.display_name, maxlength: 256 }),
      field('role', 'Role', { options: roleOptions, value: u.role }),
      field('disabled', 'Disabled', { type: 'checkbox', value: u.disabled,
        help: 'A disabled user cannot sign in; their sessions end now.' }),
    ], {
      signal,
      onSubmit: (form) => {
        const body = {};
        const dn = form.elements.display_name.value.trim();
        if (dn !== u.display_name) body.display_name = dn;
        if (form.elements.role.value !== u.role) body.role = form.elements.role.value;
        if (form.elements.disabled.checked !== u.disabled) body.disabled = form.elements.disabled.checked;
        return Object.keys(body).length ? patch(`/api/v1/users/${u.id}`, body) : u;
      },
    });
    if (saved) {
      toast(`${u.username} saved`, 'ok');
      if (u.id === me) await session.load().catch(() => {});
      await loadUsers();
    }
  };

  const setPassword = async (u) => {
    const saved = await formDialog(`New password for ${u.username}`, [
      // For password managers: whose password this is.
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: u.username, hidden: true, readonly: true }),
      field('password', 'New password', { type: 'password', required: true, autocomplete: 'new-password', minlength: 8, help: PW_HELP }),
      h('p', { class: 'muted' }, u.id === me ? 'Your other sessions end.' : `${u.username}’s sessions end; they sign in with the new password.`),
    ], {
      submitText: 'Set password', signal,
      onSubmit: (form) => patch(`/api/v1/users/${u.id}`, { password: form.elements.password.value }),
    });
    if (saved) toast(`Password of ${u.username} changed`, 'ok');
  };

  const removeUser = async (u, button) => {
    const msg = u.id === me ? `Delete your own account ${u.username}? You are signed out.` : `Delete ${u.username}? Their sessions end and their personal tokens are revoked.`;
    if (!(await confirmDialog(msg, 'Delete'))) return;
    await busy(button, async () => {
      await del(`/api/v1/users/${u.id}`);
      toast(`${u.username} deleted`, 'ok');
      await Promise.all([loadUsers(), loadKeys()]);
    });
  };

  const addUser = async () => {
    const created = await formDialog('Add a user', [
      field('username', 'User name', { required: true, maxlength: 64, autocomplete: 'off',
        help: 'Letters, digits and . _ @ - ; what they type to sign in.' }),
      field('display_name', 'Display name', { maxlength: 256 }),
      field('role', 'Role', { options: roleOptions, value: roles.includes('caregiver') ? 'caregiver' : roles[0] }),
      field('password', 'Password', { type: 'password', required: true, autocomplete: 'new-password', minlength: 8, help: PW_HELP }),
    ], {
      submitText: 'Add', signal,
      onSubmit: (form) => {
        const body = { username: form.elements.username.value.trim(), role: form.elements.role.value, password: form.elements.password.value };
        const dn = form.elements.display_name.value.trim();
        if (dn) body.display_name = dn;
        return post('/api/v1/users', body);
      },
    });
    if (created) {
      toast(`${created.username} added`, 'ok');
      await loadUsers();
    }
  };

  const loadKeys = async () => {
    const keys = await getAll('/api/v1/api-keys', {}, 5000, { signal });
    const byId = new Map(users.map((u) => [u.id, u]));
    fill(keysBox, table([
      { label: 'Name', cell: (k) => h('div', null, h('strong', null, k.name), h('div', { class: 'muted mono' }, `hk_${k.prefix}_…`)) },
      { label: 'Role', cell: (k) => badge(k.role, k.role === 'admin' ? 'info' : null) },
      { label: 'Whose', cell: (k) => (k.user_id ? `${(byId.get(k.user_id) || {}).username || `user ${k.user_id}`}’s personal token` : 'a device or script') },
      { label: 'Created', cell: (k) => h('time', { datetime: k.created_at, title: dateTime(k.created_at) }, ago(k.created_at)) },
      { label: 'Actions', cell: (k) => h('button', { type: 'button', class: 'danger', onclick: async (ev) => {
        const button = ev.currentTarget;
        if (!(await confirmDialog(`Revoke the key “${k.name}”? Whatever uses it stops working at once.`, 'Revoke'))) return;
        await busy(button, async () => {
          await del(`/api/v1/api-keys/${k.id}`);
          toast(`Key ${k.name} revoked`, 'ok');
          await loadKeys();
        });
      } }, 'Revoke') },
    ], keys, 'No API keys.'));
  };

  const keySubmit = h('button', { class: 'primary', type: 'submit' }, 'Create key');
  const keyForm = h('form', { class: 'inline', novalidate: true },
    field('name', 'Name', { required: true, maxlength: 256, placeholder: 'e.g. Hallway tablet' }),
    field('role', 'Role', { options: roleOptions, value: roles.includes('device') ? 'device' : roles[0] }),
    keySubmit);
  keyForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(keySubmit, async () => {
      const k = await post('/api/v1/api-keys', { name: keyForm.elements.name.value.trim(), role: keyForm.elements.role.value });
      keyForm.reset();
      fill(newKeyBox, secretBox(k.key, `The key “${k.name}” (${k.role}). Copy it now: it is shown only this once.`));
      await loadKeys();
    }, keyForm);
  });

  fill(view,
    pageHead('Users & keys'),
    h('section', { class: 'card', 'aria-labelledby': 'users-h' },
      h('div', { class: 'page-head' }, h('h2', { id: 'users-h' }, 'Users'),
        h('button', { class: 'primary', type: 'button', onclick: addUser }, 'Add a user')),
      usersBox),
    card('API keys', h('p', { class: 'muted' }, 'For devices, scripts and other systems. A key acts with its role.'),
      keysBox, h('h3', null, 'New key'), keyForm, newKeyBox));

  await loadUsers();
  await loadKeys();
}
