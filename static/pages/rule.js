// The rule editor (/rules/new and /rules/:id): the rule and its trigger,
// the context filters and dependencies its gate checks, the pipeline of
// steps (added from the step types' palette, configured from each type's
// JSON Schema, reordered with buttons or by dragging, branches shown),
// "Run now" and the rule's recent runs.
import { h, fill, id as uid } from '../lib/dom.js';
import { get, getAll, post, put, del } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, field, busy, badge, table, toast, confirmDialog, showError } from '../lib/ui.js';
import { dateTime, ago } from '../lib/format.js';
import { subscribe } from '../lib/stream.js';
import { configForm, editorDialog, runBadge, runLength, triggerNames, valuesIn, stacked } from '../lib/automation.js';

const sensorHelp = {
  sensor_event: 'Its events start the rule.',
  cron: 'Required with a schedule: the sensor (and its room) the scheduled runs belong to.',
  occupancy_duration: 'Required: the presence sensor whose room must stay occupied.',
};

// "key: value · key: value" for a config object.
function summary(obj) {
  const parts = Object.entries(obj || {}).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  const text = parts.join(' · ');
  return text.length > 240 ? `${text.slice(0, 237)}…` : text;
}

export async function render(view, { params, signal, navigate }) {
  const admin = session.isAdmin;
  const isNew = !params.id;
  const ruleId = isNew ? null : Number(params.id);
  const [sensors, allRules, stepTypes, filterTypes, loaded] = await Promise.all([
    getAll('/api/v1/sensors', {}, 5000, { signal }),
    getAll('/api/v1/rules', {}, 5000, { signal }),
    get('/api/v1/pipeline/step-types', null, { signal }).then((p) => p.items || []),
    get('/api/v1/pipeline/filter-types', null, { signal }).then((p) => p.items || []),
    isNew ? Promise.resolve(null) : get(`/api/v1/rules/${ruleId}`, null, { signal }),
  ]);
  let rule = loaded;
  const stepType = new Map(stepTypes.map((t) => [t.name, t]));
  const filterType = new Map(filterTypes.map((t) => [t.name, t]));

  // ---- the rule itself
  const r0 = rule || { name: '', description: '', enabled: true, trigger_type: 'sensor_event', primary_sensor_id: null,
    schedule_cron: '', cool_off_minutes: 5, max_daily_triggers: 3, execution_timeout_minutes: 0, occupancy_config: null,
    catch_up: 'all' };
  const fTrigger = field('trigger_type', 'Trigger', { options: Object.entries(triggerNames), value: r0.trigger_type });
  const fSensor = field('primary_sensor_id', 'Sensor', {
    options: [['', '—'], ...sensors.map((s) => [String(s.id), `${s.name} (${s.sensor_type.replace(/_/g, ' ')})`])],
    value: r0.primary_sensor_id ?? '', help: ' ' });
  const fCron = field('schedule_cron', 'Schedule', { value: r0.schedule_cron || '', placeholder: '30 7 * * *', maxlength: 255,
    help: 'Five-field cron (minute hour day month weekday) or @hourly, @daily, @weekly, @monthly, @yearly, in the hub’s time zone. “30 7 * * *” is every day at 07:30.' });
  // What the schedule means, from the hub's own scheduler, as it is typed.
  const cronPreview = h('div', { class: 'cron-preview muted', 'aria-live': 'polite' });
  fCron.append(cronPreview);
  let cronTimer = null;
  const previewCron = () => {
    clearTimeout(cronTimer);
    const expr = fCron.querySelector('input').value.trim();
    if (!expr) { fill(cronPreview); return; }
    cronTimer = setTimeout(async () => {
      try {
        const p = await get('/api/v1/cron/preview', { expression: expr, count: 5 }, { signal });
        fill(cronPreview, p.next.length
          ? [h('span', null, 'Next runs: '), h('ol', { class: 'cron-next' }, p.next.map((t) => h('li', null, dateTime(t))))]
          : 'This schedule never fires.');
      } catch (err) {
        if (err.name === 'AbortError') return;
        fill(cronPreview, h('span', { class: 'error' }, err.fields && err.fields.length ? err.fields[0].msg : err.message));
      }
    }, 300);
  };
  fCron.querySelector('input').addEventListener('input', previewCron);
  previewCron();
  const nextFire = h('p', { class: 'muted' });
  const fCatchUp = field('catch_up', 'After an outage', { value: r0.catch_up || 'all', options: [
    ['all', 'Fire every missed time, late and in order'], ['latest', 'Fire only the latest missed time'],
    ['none', 'Fire nothing late']],
    help: 'Times missed while the hub was down (within its catch-up window); older ones are only recorded.' });
  const scheduleError = h('p', { class: 'error', role: 'alert', hidden: !(rule && rule.schedule_error) },
    rule && rule.schedule_error ? `Not scheduled: ${rule.schedule_error}. Save the schedule again to retry.` : '');
  const fOcc = field('min_minutes', 'Occupied for at least (minutes)', { type: 'number', min: 1,
    value: r0.occupancy_config && r0.occupancy_config.min_minutes ? r0.occupancy_config.min_minutes : 40 });
  const ruleFields = h('fieldset', { class: 'plain', disabled: !admin },
    h('legend', { class: 'visually-hidden' }, 'The rule'),
    field('name', 'Name', { value: r0.name, required: true, maxlength: 256 }),
    field('description', 'Description', { type: 'textarea', value: r0.description || '' }),
    field('enabled', 'Enabled', { type: 'checkbox', value: r0.enabled, help: 'A disabled rule neither fires nor runs on “Run now”.' }),
    fTrigger, fSensor, fCron, nextFire, scheduleError, fCatchUp, fOcc,
    h('div', { class: 'grid narrow-grid' },
      field('cool_off_minutes', 'Cool-off (minutes)', { type: 'number', min: 0, value: r0.cool_off_minutes, help: 'Quiet time after a run; 0 = none. A schedule is its own rate: usually 0 for one.' }),
      field('max_daily_triggers', 'Runs per day at most', { type: 'number', min: 0, value: r0.max_daily_triggers, help: '0 = no cap. For a schedule, at least its times per day.' }),
      field('execution_timeout_minutes', 'Time-out (minutes)', { type: 'number', min: 0, value: r0.execution_timeout_minutes, help: '0 = none.' })));

  const showTrigger = () => {
    const t = fTrigger.querySelector('select').value;
    const usesSensor = t in sensorHelp;
    fSensor.hidden = !usesSensor;
    fSensor.querySelector('small').textContent = sensorHelp[t] || '';
    fCron.hidden = t !== 'cron';
    fCatchUp.hidden = t !== 'cron';
    fOcc.hidden = t !== 'occupancy_duration';
    nextFire.hidden = t !== 'cron' || !rule || rule.trigger_type !== 'cron';
    for (const [box, on] of [[fSensor, usesSensor], [fCron, t === 'cron'], [fCatchUp, t === 'cron'], [fOcc, t === 'occupancy_duration']]) {
      for (const el of box.querySelectorAll('input, select')) el.disabled = !on || !admin;
    }
  };
  fTrigger.querySelector('select').addEventListener('change', showTrigger);
  // A new schedule rule starts without cool-off or cap: its schedule is its rate.
  fTrigger.querySelector('select').addEventListener('change', () => {
    if (!isNew || fTrigger.querySelector('select').value !== 'cron') return;
    for (const [name, dflt] of [['cool_off_minutes', '5'], ['max_daily_triggers', '3']]) {
      const input = ruleFields.querySelector(`[name="${name}"]`);
      if (input && input.value === dflt) input.value = '0';
    }
  });

  const saveBtn = h('button', { class: 'primary', type: 'submit' }, isNew ? 'Create rule' : 'Save rule');
  const ruleForm = h('form', { novalidate: true }, ruleFields, admin ? h('div', { class: 'actions' }, saveBtn) : null);
  ruleForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(saveBtn, async () => {
      const v = valuesIn(ruleFields);
      const body = {
        name: (v.name || '').trim(), description: v.description || '', enabled: v.enabled, trigger_type: v.trigger_type,
        primary_sensor_id: v.primary_sensor_id ? Number(v.primary_sensor_id) : null,
        schedule_cron: v.trigger_type === 'cron' ? (v.schedule_cron || '').trim() || null : null,
        occupancy_config: v.trigger_type === 'occupancy_duration' ? { min_minutes: v.min_minutes ?? 40 } : null,
        cool_off_minutes: v.cool_off_minutes ?? 0, max_daily_triggers: v.max_daily_triggers ?? 0,
        catch_up: v.catch_up || 'all',
        execution_timeout_minutes: v.execution_timeout_minutes ?? 0,
      };
      if (isNew) {
        const made = await post('/api/v1/rules', body);
        toast(`Rule “${made.name}” created: now add its steps.`, 'ok');
        await navigate(`/rules/${made.id}`, { replace: true });
        return;
      }
      await put(`/api/v1/rules/${ruleId}`, body);
      toast('Rule saved', 'ok');
      await reload();
    }, ruleForm);
  });

  if (isNew) {
    fill(view, pageHead('New rule', h('a', { class: 'button', href: '/rules' }, 'All rules')),
      admin ? card('Rule', ruleForm, h('p', { class: 'muted' }, 'Steps, context filters and dependencies are added once the rule exists.'))
        : h('p', null, 'Only an administrator can create rules.'));
    showTrigger();
    return undefined;
  }

  // ---- an existing rule: the rest of the editor
  const headBadge = badge('');
  const title = h('h1');
  const webhookBox = h('div');
  const stepsBox = h('div');
  const contextsBox = h('div');
  const depsBox = h('div');
  const runsBox = h('div');

  const stepName = (s) => {
    const t = stepType.get(s.step_type);
    return s.label || (t ? t.display_name : s.step_type);
  };
  const stepRef = (sid) => {
    const s = rule.steps.find((x) => x.id === sid);
    return s ? `#${s.order} ${stepName(s)}` : `step ${sid} (gone)`;
  };

  async function reload() {
    rule = await get(`/api/v1/rules/${ruleId}`, null, { signal });
    drawAll();
  }

  const drawHead = () => {
    title.textContent = rule.name;
    document.title = `${rule.name} · Hearth`;
    headBadge.textContent = rule.enabled ? 'enabled' : 'disabled';
    headBadge.dataset.state = rule.enabled ? 'ok' : '';
    fill(nextFire, rule.trigger_type === 'cron'
      ? (rule.next_fire_at ? ['Next run, from the hub: ', h('strong', null, dateTime(rule.next_fire_at)), ` (${ago(rule.next_fire_at)})`]
        : rule.enabled ? 'The hub has no next run for this schedule.' : 'Disabled: the schedule does not fire.')
      : '');
    showTrigger();
  };

  // Webhook: the address to call and its secret (made here, shown once).
  const drawWebhook = () => {
    if (rule.trigger_type !== 'webhook') { fill(webhookBox); return; }
    const url = `${location.origin}/api/v1/webhooks/${rule.id}`;
    const secretBox = h('div');
    const has = rule.webhook_config && rule.webhook_config.created_at;
    fill(webhookBox, card('Webhook',
      h('p', null, 'Call ', h('code', null, `POST ${url}`), ' with the header ', h('code', null, 'X-Webhook-Secret'), '; a JSON body becomes ', h('code', null, 'trigger_input'), '.'),
      h('p', { class: 'muted' }, has ? `Secret made ${dateTime(rule.webhook_config.created_at)}.` : 'No secret yet: the webhook answers 401 until one is made.'),
      admin ? h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, async () => {
        if (has && !(await confirmDialog('Make a new secret? The current one stops working.', 'Make a new secret'))) return;
        const s = await post(`/api/v1/webhooks/${rule.id}/generate-secret`, {});
        fill(secretBox, h('p', null, 'The secret, shown only now:'), h('p', { class: 'secret' }, s.secret));
        rule.webhook_config = { created_at: s.created_at };
      }) }, has ? 'Replace the secret' : 'Make a secret') : null,
      secretBox));
  };

  // ---- steps
  const reorder = (ids) => busy(null, async () => {
    await put(`/api/v1/rules/${ruleId}/steps/reorder`, { steps: ids.map((sid, i) => ({ id: sid, order: i + 1 })) });
    await reload();
  });
  const move = (s, delta) => {
    const ids = rule.steps.map((x) => x.id);
    const i = ids.indexOf(s.id);
    const j = i + delta;
    if (j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j], ids[i]];
    reorder(ids).then(() => {
      const btn = stepsBox.querySelector(`[data-step="${s.id}"] [data-move="${delta}"]`);
      if (btn && !btn.disabled) btn.focus();
    });
  };

  const stepDialog = (s, typeName) => {
    const t = stepType.get(typeName);
    const cfg = configForm(t ? t.config_schema : {}, s ? s.config_json : {});
    const others = rule.steps.filter((x) => !s || x.id !== s.id);
    const branchOpts = [['', 'the next step'], ...others.map((x) => [String(x.id), `#${x.order} ${stepName(x)}`])];
    const main = h('div', null,
      t ? h('p', { class: 'muted' }, `${t.description}.`, t.writes && t.writes.length ? ` Writes ${t.writes.join(', ')} into pipeline_data.` : '') : null,
      field('label', 'Label', { value: s ? s.label || '' : '', maxlength: 256, help: 'A name for this step in the pipeline; optional.' }),
      field('enabled', 'Enabled', { type: 'checkbox', value: s ? s.enabled : true, help: 'A disabled step is passed over.' }));
    const branches = h('fieldset', null, h('legend', null, 'Branches'),
      h('p', { class: 'muted' }, 'Where a step that decides (a condition, a verification, a prompt) goes next.'),
      field('next_step_on_true', 'When true, go to', { options: branchOpts, value: s ? s.next_step_on_true ?? '' : '' }),
      field('next_step_on_false', 'When false, go to', { options: branchOpts, value: s ? s.next_step_on_false ?? '' : '' }));
    editorDialog(s ? `Edit step #${s.order}: ${t ? t.display_name : typeName}` : `Add: ${t ? t.display_name : typeName}`,
      [main, h('fieldset', null, h('legend', null, 'Settings'), cfg.el), branches],
      (form) => busy(null, async () => {
        const v = { ...valuesIn(main), ...valuesIn(branches) };
        const body = {
          label: (v.label || '').trim() || null, enabled: v.enabled, config_json: cfg.read(),
          next_step_on_true: v.next_step_on_true ? Number(v.next_step_on_true) : null,
          next_step_on_false: v.next_step_on_false ? Number(v.next_step_on_false) : null,
        };
        if (s) await put(`/api/v1/rules/${ruleId}/steps/${s.id}`, body);
        else await post(`/api/v1/rules/${ruleId}/steps`, { step_type: typeName, ...body });
        toast(s ? 'Step saved' : 'Step added', 'ok');
        await reload();
        return true;
      }, form), s ? 'Save step' : 'Add step');
  };

  const deleteStep = async (s, btn) => {
    if (!(await confirmDialog(`Delete step #${s.order} “${stepName(s)}”? The steps after it move up.`))) return;
    await busy(btn, async () => {
      await del(`/api/v1/rules/${ruleId}/steps/${s.id}`);
      toast('Step deleted', 'ok');
      await reload();
    });
  };

  let dragged = null;
  const stepItem = (s, i, n) => {
    const t = stepType.get(s.step_type);
    const li = h('li', { class: `step${s.enabled ? '' : ' off'}`, dataset: { step: String(s.id) }, draggable: admin ? 'true' : null },
      h('span', { class: 'step-no', 'aria-hidden': 'true' }, `${s.order}`),
      h('div', { class: 'step-body' },
        h('h3', null, h('span', { class: 'visually-hidden' }, `Step ${s.order}: `), stepName(s), ' ',
          s.label && t ? h('small', { class: 'muted' }, t.display_name) : null, ' ', s.enabled ? null : badge('disabled'),
          t && !t.available ? badge('not available', 'warn') : null),
        Object.keys(s.config_json || {}).length ? h('p', { class: 'muted mono' }, summary(s.config_json)) : null,
        s.next_step_on_true ? h('p', { class: 'branch' }, `If true → ${stepRef(s.next_step_on_true)}`) : null,
        s.next_step_on_false ? h('p', { class: 'branch' }, `If false → ${stepRef(s.next_step_on_false)}`) : null),
      admin ? h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-move': '-1', disabled: i === 0, 'aria-label': `Move step ${s.order} up`, onclick: () => move(s, -1) }, '↑'),
        h('button', { type: 'button', 'data-move': '1', disabled: i === n - 1, 'aria-label': `Move step ${s.order} down`, onclick: () => move(s, 1) }, '↓'),
        h('button', { type: 'button', 'aria-label': `Edit step ${s.order}`, onclick: () => stepDialog(s, s.step_type) }, 'Edit'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete step ${s.order}`, onclick: (ev) => deleteStep(s, ev.currentTarget) }, 'Delete')) : null);
    if (admin) {
      li.addEventListener('dragstart', (ev) => {
        dragged = s.id;
        li.classList.add('dragging');
        ev.dataTransfer.effectAllowed = 'move';
        ev.dataTransfer.setData('text/plain', String(s.id));
      });
      li.addEventListener('dragend', () => { li.classList.remove('dragging'); dragged = null; });
      li.addEventListener('dragover', (ev) => {
        if (dragged === null || dragged === s.id) return;
        ev.preventDefault();
        li.classList.add('drop-target');
      });
      li.addEventListener('dragleave', () => li.classList.remove('drop-target'));
      li.addEventListener('drop', (ev) => {
        ev.preventDefault();
        li.classList.remove('drop-target');
        const from = dragged;
        if (from === null || from === s.id) return;
        const ids = rule.steps.map((x) => x.id).filter((x) => x !== from);
        const at = ids.indexOf(s.id);
        const fromIdx = rule.steps.findIndex((x) => x.id === from);
        ids.splice(fromIdx < i ? at + 1 : at, 0, from);
        reorder(ids);
      });
    }
    return li;
  };

  const drawSteps = () => {
    const steps = rule.steps;
    const avail = stepTypes.filter((t) => t.available);
    const unavailable = stepTypes.filter((t) => !t.available);
    fill(stepsBox,
      steps.length ? h('ol', { class: 'steps', 'aria-label': 'Pipeline steps in order' }, steps.map((s, i) => stepItem(s, i, steps.length)))
        : h('p', { class: 'muted' }, 'No steps yet: the rule would run and do nothing.'),
      admin && steps.length > 1 ? h('p', { class: 'muted' }, 'Reorder with the arrow buttons, or drag a step onto another.') : null,
      admin ? [h('h3', { class: 'sub' }, 'Add a step'),
        h('div', { class: 'palette' }, avail.map((t) => h('button', { type: 'button', title: t.description, onclick: () => stepDialog(null, t.name) }, t.display_name))),
        unavailable.length ? h('p', { class: 'muted' }, `Not part of Hearth yet: ${unavailable.map((t) => t.display_name).join(', ')}.`) : null] : null);
  };

  // ---- contexts
  const contextDialog = (typeName) => {
    const t = filterType.get(typeName);
    const cfg = configForm(t ? t.config_schema : {}, {});
    const main = h('div', null, t ? h('p', { class: 'muted' }, `${t.description}.`) : null,
      field('negate', 'Negate', { type: 'checkbox', value: false, help: 'The rule passes when this does not hold.' }));
    editorDialog(`Add context: ${t ? t.display_name : typeName}`, [main, h('fieldset', null, h('legend', null, 'Settings'), cfg.el)],
      (form) => busy(null, async () => {
        await post(`/api/v1/rules/${ruleId}/contexts`, { context_type: typeName, config: cfg.read(), negate: valuesIn(main).negate });
        toast('Context added', 'ok');
        await reload();
        return true;
      }, form), 'Add context');
  };

  const drawContexts = () => {
    const pick = h('select', { id: uid('ctx'), name: 'context_type' }, filterTypes.map((t) => h('option', { value: t.name }, t.display_name)));
    fill(contextsBox,
      h('p', { class: 'muted' }, 'All must hold for a trigger to start a run (“Run now” skips them).'),
      stacked(table([
        { label: 'Context', cell: (c) => h('span', null, c.negate ? [badge('not', 'warn'), ' '] : null, (filterType.get(c.context_type) || {}).display_name || c.context_type) },
        { label: 'Settings', cell: (c) => h('span', { class: 'mono' }, summary(c.config)) },
        admin ? { label: '', cell: (c) => h('button', { type: 'button', class: 'danger', 'aria-label': `Remove context ${c.context_type}`, onclick: async (ev) => {
          if (!(await confirmDialog('Remove this context filter?', 'Remove'))) return;
          const btn = ev.currentTarget;
          await busy(btn, async () => { await del(`/api/v1/rules/${ruleId}/contexts/${c.id}`); await reload(); });
        } }, 'Remove') } : null,
      ].filter(Boolean), rule.contexts, 'No context filters: every trigger counts.')),
      admin ? h('div', { class: 'actions add-row' }, h('label', { for: pick.id }, 'Add'), pick,
        h('button', { type: 'button', onclick: () => contextDialog(pick.value) }, 'Add context…')) : null);
  };

  // ---- dependencies
  const drawDeps = () => {
    const parents = allRules.filter((x) => x.id !== ruleId);
    const addFields = h('div', { class: 'inline-fields' },
      field('parent_rule_id', 'Rule', { options: parents.map((x) => [String(x.id), x.name]) }),
      field('lookback_minutes', 'Within (minutes)', { type: 'number', min: 1, value: 30 }),
      field('require_success', 'Must have completed', { type: 'checkbox', value: true }));
    const addBtn = h('button', { type: 'submit' }, 'Add dependency');
    const addForm = h('form', { class: 'inline', novalidate: true }, addFields, addBtn);
    addForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(addBtn, async () => {
        const v = valuesIn(addFields);
        await post(`/api/v1/rules/${ruleId}/dependencies`, { parent_rule_id: Number(v.parent_rule_id), lookback_minutes: v.lookback_minutes ?? 30, require_success: v.require_success });
        toast('Dependency added', 'ok');
        await reload();
      }, addForm);
    });
    fill(depsBox,
      h('p', { class: 'muted' }, 'This rule runs only if each of these ran recently.'),
      stacked(table([
        { label: 'After rule', cell: (d) => h('a', { href: `/rules/${d.parent_rule_id}` }, d.parent_rule_name) },
        { label: 'Within', cell: (d) => `${d.lookback_minutes} min` },
        { label: 'Completed', cell: (d) => (d.require_success ? 'required' : 'any outcome') },
        admin ? { label: '', cell: (d) => h('button', { type: 'button', class: 'danger', 'aria-label': `Remove the dependency on ${d.parent_rule_name}`, onclick: async (ev) => {
          if (!(await confirmDialog(`Stop depending on “${d.parent_rule_name}”?`, 'Remove'))) return;
          const btn = ev.currentTarget;
          await busy(btn, async () => { await del(`/api/v1/rules/${ruleId}/dependencies/${d.id}`); await reload(); });
        } }, 'Remove') } : null,
      ].filter(Boolean), rule.dependencies, 'No dependencies.')),
      admin && parents.length ? addForm : null);
  };

  // ---- runs
  const loadRuns = async () => {
    const page = await get('/api/v1/workflows', { rule_id: ruleId, limit: 10 }, { signal });
    fill(runsBox, stacked(table([
      { label: 'Run', cell: (w) => h('a', { href: `/runs/${w.id}` }, `#${w.id}`) },
      { label: 'Status', cell: (w) => h('span', null, runBadge(w.status), w.error && w.error !== w.status ? h('div', { class: 'muted' }, w.error) : null) },
      { label: 'Trigger', cell: (w) => triggerNames[w.trigger_type] || w.trigger_type },
      { label: 'Started', cell: (w) => h('span', { title: dateTime(w.started_at) }, ago(w.started_at)) },
      { label: 'Length', cell: (w) => runLength(w) },
    ], page.items, 'No runs yet.')), page.pagination && page.pagination.has_more ? h('p', null, h('a', { href: `/runs?rule_id=${ruleId}` }, 'All runs of this rule')) : null);
  };

  const runNow = (ev) => busy(ev.currentTarget, async () => {
    const res = await post(`/api/v1/rules/${ruleId}/execute`, {});
    toast(`Run #${res.execution_id} started`, 'ok');
    await loadRuns();
  });
  const deleteRule = async (ev) => {
    const btn = ev.currentTarget;
    if (!(await confirmDialog(`Delete the rule “${rule.name}” with its steps, contexts and dependencies? Its past runs stay.`))) return;
    await busy(btn, async () => {
      await del(`/api/v1/rules/${ruleId}`);
      toast('Rule deleted', 'ok');
      await navigate('/rules');
    });
  };

  function drawAll() {
    drawHead();
    drawWebhook();
    drawSteps();
    drawContexts();
    drawDeps();
  }

  const head = pageHead(rule.name, headBadge,
    admin ? h('button', { class: 'primary', type: 'button', onclick: runNow }, 'Run now') : null,
    admin ? h('button', { class: 'danger', type: 'button', onclick: deleteRule }, 'Delete') : null,
    h('a', { class: 'button', href: '/rules' }, 'All rules'));
  head.querySelector('h1').replaceWith(title);
  fill(view, head,
    h('div', { class: 'cols' },
      h('div', null,
        card('Pipeline', stepsBox),
        card('Context filters', contextsBox),
        card('Dependencies', depsBox),
        card('Recent runs', runsBox)),
      h('div', null,
        card('Rule', ruleForm),
        webhookBox)));
  drawAll();
  await loadRuns();

  let timer = null;
  subscribe('workflows', (msg) => {
    if ((msg.data || {}).rule_id !== ruleId) return;
    clearTimeout(timer);
    timer = setTimeout(() => loadRuns().catch((err) => showError(err)), 300);
  }, signal);
  return () => clearTimeout(timer);
}
