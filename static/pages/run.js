// One rule run: its status, how long each step took (bars), what it is
// waiting for, the answers given to its prompts and its pipeline_data;
// live while it runs; admins cancel it.
import { h, fill } from '../lib/dom.js';
import { get, post } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, badge, busy, table, toast, confirmDialog, showError } from '../lib/ui.js';
import { dateTime, ago } from '../lib/format.js';
import { subscribe } from '../lib/stream.js';
import { runBadge, runLength, isActive, ms, triggerNames, stacked } from '../lib/automation.js';

export async function render(view, { params, signal }) {
  const admin = session.isAdmin;
  const rid = Number(params.id);
  let run = await get(`/api/v1/workflows/${rid}`, null, { signal });
  let steps = [];   // the rule's steps, for names and for what is still to come

  const statusBox = h('div');
  const timingBox = h('div');
  const answersBox = h('div');
  const dataBox = h('div');
  const title = h('h1');
  const cancelBtn = h('button', { type: 'button', class: 'danger' }, 'Cancel run');
  const liveState = badge('connecting…');

  const stepLabel = (sid, fallback) => {
    const s = steps.find((x) => x.id === sid);
    return s ? `#${s.order} ${s.label || s.step_type.replace(/_/g, ' ')}` : fallback || `step ${sid}`;
  };

  const drawStatus = () => {
    title.textContent = `Run #${run.id}`;
    document.title = `Run #${run.id} · Hearth`;
    cancelBtn.hidden = !admin || !isActive(run.status);
    fill(statusBox, h('dl', null,
      h('dt', null, 'Rule'), h('dd', null, run.rule_id ? h('a', { href: `/rules/${run.rule_id}` }, run.rule_name) : `${run.rule_name} (deleted)`),
      h('dt', null, 'Status'), h('dd', null, runBadge(run.status),
        run.status === 'waiting' ? h('span', { class: 'muted' }, run.waiting_for === 'prompt' ? ' for an answer to its prompt'
          : run.resume_at ? ` until ${dateTime(run.resume_at)} (${ago(run.resume_at)})` : '') : null),
      run.current_step_id && isActive(run.status) ? [h('dt', null, 'At step'), h('dd', null, stepLabel(run.current_step_id))] : null,
      run.error && run.error !== run.status ? [h('dt', null, 'Error'), h('dd', { class: 'error-box' }, run.error)] : null,
      h('dt', null, 'Trigger'), h('dd', null, triggerNames[run.trigger_type] || run.trigger_type),
      h('dt', null, 'Started'), h('dd', null, dateTime(run.started_at)),
      h('dt', null, 'Finished'), h('dd', null, run.finished_at ? dateTime(run.finished_at) : '–'),
      h('dt', null, 'Length'), h('dd', null, runLength(run), h('span', { class: 'muted' }, ` (${ms(run.active_ms)} running, the rest waiting)`)),
      run.event_log_id ? [h('dt', null, 'Log entry'), h('dd', null, h('a', { href: `/events/${run.event_log_id}` }, `#${run.event_log_id}`))] : null));
  };

  // Per-step bars: each step's elapsed time against the longest one.
  const drawTimings = () => {
    const t = run.step_timings || [];
    if (!t.length) {
      fill(timingBox, h('p', { class: 'muted' }, isActive(run.status) ? 'No step has finished yet.' : 'No step ran.'));
      return;
    }
    const longest = Math.max(1, ...t.map((x) => x.elapsed_ms || 0));
    const total = t.reduce((a, x) => a + (x.elapsed_ms || 0), 0);
    fill(timingBox,
      h('div', { class: 'timings', role: 'list' }, t.map((x) => {
        const span = h('span', { class: x.success ? null : 'failed' });
        span.style.setProperty('width', `${Math.max(1, Math.round(((x.elapsed_ms || 0) / longest) * 100))}%`);
        const name = x.label || stepLabel(x.step_id, x.step_type.replace(/_/g, ' '));
        return h('div', { class: 'timing', role: 'listitem' },
          h('div', null, h('strong', null, name), ' ', x.success ? null : badge('failed', 'bad'),
            h('div', { class: 'muted' }, `${x.step_type.replace(/_/g, ' ')} · ${dateTime(x.started_at)}`),
            x.error ? h('div', { class: 'error-box' }, x.error) : null),
          h('div', { class: 'bar', title: `${x.elapsed_ms} ms` }, span),
          h('div', { class: 'num' }, ms(x.elapsed_ms)));
      })),
      h('p', { class: 'muted' }, `${t.length} step${t.length === 1 ? '' : 's'} run, ${ms(total)} in all.`));
  };

  const drawAnswers = () => {
    const a = run.interactive_responses || [];
    fill(answersBox, a.length ? card('Answers to its prompts', stacked(table([
      { label: 'When', cell: (x) => dateTime(x.created_at) },
      { label: 'Step', cell: (x) => stepLabel(x.step_id) },
      { label: 'Channel', cell: (x) => x.channel },
      { label: 'Answer', cell: (x) => x.action },
      { label: 'Said', cell: (x) => (x.raw_response ? String(typeof x.raw_response === 'object' ? JSON.stringify(x.raw_response) : x.raw_response) : '–') },
    ], a))) : null);
  };

  const drawData = () => {
    const data = { ...(run.pipeline_data || {}) };
    delete data._step_timings;
    fill(dataBox, h('pre', { tabindex: '0', 'aria-label': 'pipeline_data as JSON' }, JSON.stringify(data, null, 2)));
  };

  const drawAll = () => { drawStatus(); drawTimings(); drawAnswers(); drawData(); };

  const reload = async () => {
    run = await get(`/api/v1/workflows/${rid}`, null, { signal });
    drawAll();
  };

  cancelBtn.addEventListener('click', async () => {
    if (!(await confirmDialog(`Cancel run #${run.id}? Steps not yet run are not run.`, 'Cancel the run'))) return;
    await busy(cancelBtn, async () => {
      run = await post(`/api/v1/workflows/${rid}/cancel`, {});
      toast(`Run #${rid} cancelled`, 'ok');
      drawAll();
    });
  });

  if (run.rule_id) {
    steps = await get(`/api/v1/rules/${run.rule_id}/steps`, null, { signal }).then((p) => p.items || []).catch(() => []);
  }
  const head = pageHead(`Run #${run.id}`, liveState, cancelBtn, h('a', { class: 'button', href: '/runs' }, 'All runs'));
  head.querySelector('h1').replaceWith(title);
  fill(view, head,
    h('div', { class: 'cols' },
      h('div', null,
        card('Steps', timingBox),
        answersBox,
        card('Pipeline data', h('p', { class: 'muted' }, 'What the trigger brought and what each step wrote.'), dataBox)),
      card('The run', statusBox)));
  drawAll();

  let timer = null;
  subscribe('workflows', (msg) => {
    if ((msg.data || {}).id !== rid) return;
    clearTimeout(timer);
    timer = setTimeout(() => reload().catch((err) => showError(err)), 200);
  }, signal, (s) => {
    liveState.textContent = s === 'live' ? 'live' : 'reconnecting…';
    liveState.dataset.state = s === 'live' ? 'ok' : 'warn';
  });
  // A waiting run resumes from the scheduler; look again now and then.
  const every = setInterval(() => { if (isActive(run.status)) reload().catch(() => {}); }, 15000);
  return () => { clearTimeout(timer); clearInterval(every); };
}
