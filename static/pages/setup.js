// First run: the first admin, made with the setup code from the box.
import { h, fill } from '../lib/dom.js';
import { get, post } from '../lib/api.js';
import { field, busy, formValues } from '../lib/ui.js';
import { sessionChanged } from '../app.js';

export async function render(view, { navigate }) {
  document.title = 'Set up · Hearth';
  const status = await get('/api/v1/auth/setup-status');
  const where = status.setup_code_file || '/var/lib/hearth/setup-code';
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Create the admin account');
  const form = h('form', { novalidate: true },
    field('setup_code', 'Setup code', { required: true, autocomplete: 'one-time-code',
      help: `On the box: sudo cat ${where}` }),
    field('username', 'Your user name', { required: true, autocomplete: 'username',
      help: 'Letters, digits and . _ @ -' }),
    field('display_name', 'Your name (shown in the dashboard)', { autocomplete: 'name' }),
    field('password', 'Password', { type: 'password', required: true, autocomplete: 'new-password',
      help: 'At least 8 characters; a phrase is easier to remember than symbols.' }),
    submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    if (!values.display_name) delete values.display_name;
    busy(submit, async () => {
      await post('/api/v1/auth/setup', values);
      await sessionChanged();
      navigate('/', { replace: true });
    }, form);
  });
  fill(view, h('div', { class: 'narrow' },
    h('h1', null, 'Welcome to Hearth'),
    h('div', { class: 'card' },
      h('p', null, 'Create the first account. It will be an administrator, who can add the rest of the household.'),
      form)));
  form.elements.setup_code.focus();
}
