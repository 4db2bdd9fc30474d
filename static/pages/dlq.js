// Dead letters: deliveries (notifications, Home Assistant actions) that
// failed for good after their retries, queue by queue, with the reason.
// Admins put them back on the queue or delete them.
import { h, fill } from '../lib/dom.js';
import { get, post, del } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, badge, table, busy, confirmDialog, toast } from '../lib/ui.js';
import { ago, dateTime } from '../lib/format.js';

const QUEUES = {
  telegram: 'Telegram',
  webhook: 'Webhook',
  ha_speaker_tts: 'Home Assistant speaker',
  ha_action: 'Home Assistant action',
  pwa_popup_text: 'Dashboard pop-up',
  pwa_realtime_ai: 'Dashboard voice assistant',
  pwa_tts_announcement: 'Dashboard announcement',
};
const qname = (q) => QUEUES[q] || q;

// What the job was meant to deliver, in one line.
function what(job) {
  const p = job.payload || {};
  const b = p.body && typeof p.body === 'object' ? p.body : {};
  const text = p.title || p.message || p.text || b.title || b.message || b.text
    || (p.data && (p.data.title || p.data.message)) || p.service || p.entity_id || '';
  return [text, p.url ? `to ${p.url}` : ''].filter(Boolean).join(' ') || '–';
}

function origin(job) {
  const parts = [];
  if (job.alert_id) parts.push(h('a', { href: '/alerts' }, `alert ${job.alert_id}`));
  if (job.execution_id) parts.push(h('a', { href: `/runs/${job.execution_id}` }, `run ${job.execution_id}`));
  if (!parts.length) return '–';
  return parts.flatMap((p, i) => (i ? [', ', p] : [p]));
}

export async function render(view, { signal }) {
  const admin = session.isAdmin;
  const summaryBox = h('div', { class: 'stack' });
  const queuesBox = h('div');

  const queueCard = async (q) => {
    const box = h('section', { class: 'card', 'aria-labelledby': `q-${q.queue}` });
    let jobs = [];
    let cursor = null;
    const list = h('div', { class: 'stack' });
    const more = h('button', { type: 'button', hidden: true }, 'Show more');
    const loadJobs = async (reset) => {
      const page = await get(`/api/v1/dlq/jobs/${q.queue}`, { limit: 50, cursor: reset ? null : cursor }, { signal });
      jobs = reset ? page.items : jobs.concat(page.items);
      cursor = page.pagination.next_cursor;
      more.hidden = !cursor;
      fill(list, table([
        { label: 'Job', cell: (j) => h('span', { class: 'mono' }, `#${j.id}`) },
        { label: 'Failed', cell: (j) => h('time', { datetime: j.finished_at || j.updated_at, title: dateTime(j.finished_at || j.updated_at) }, ago(j.finished_at || j.updated_at)) },
        { label: 'Reason', cell: (j) => h('span', { class: 'dlq-reason' }, j.last_error || 'no reason recorded') },
        { label: 'Tries', class: 'num', cell: (j) => `${j.attempts}/${j.max_attempts}` },
        { label: 'Meant to deliver', cell: (j) => h('details', { class: 'dlq-what' }, h('summary', null, what(j)),
          h('pre', null, JSON.stringify(j.payload, null, 2)),
          j.result ? [h('p', { class: 'muted' }, 'The receiver answered:'), h('pre', null, JSON.stringify(j.result, null, 2))] : null) },
        { label: 'From', cell: origin },
      ], jobs, 'No dead jobs.'));
    };
    more.addEventListener('click', () => busy(more, () => loadJobs(false)));

    const act = (label, fn) => h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, async () => {
      await fn();
      await loadAll();
    }) }, label);
    const actions = admin ? h('div', { class: 'actions' },
      act('Retry the oldest', async () => {
        const r = await post(`/api/v1/dlq/requeue/${q.queue}`);
        toast(r.requeued ? `Job #${r.job_ids[0]} is being tried again` : 'Nothing to retry', 'ok');
      }),
      act(`Retry all ${q.dead}`, async () => {
        const r = await post(`/api/v1/dlq/requeue-all/${q.queue}`);
        toast(`${r.requeued} job${r.requeued === 1 ? '' : 's'} being tried again`, 'ok');
      }),
      h('button', { type: 'button', class: 'danger', onclick: async (ev) => {
        const button = ev.currentTarget;
        if (!(await confirmDialog(`Delete the ${q.dead} dead job${q.dead === 1 ? '' : 's'} of ${qname(q.queue)}? They will not be delivered.`, 'Delete'))) return;
        await busy(button, async () => {
          const r = await del(`/api/v1/dlq/${q.queue}`);
          toast(`${r.deleted} deleted`, 'ok');
          await loadAll();
        });
      } }, 'Delete all')) : null;

    await loadJobs(true);
    fill(box, h('div', { class: 'page-head' },
      h('h2', { id: `q-${q.queue}` }, qname(q.queue), ' ', badge(`${q.dead} dead`, 'bad')), actions),
    list, more);
    return box;
  };

  let seen = null;   // the counts the queue cards were drawn for
  const loadAll = async (force = true) => {
    const stats = await get('/api/v1/dlq/stats', null, { signal });
    fill(summaryBox, stats.queues.length ? table([
      { label: 'Queue', cell: (q) => qname(q.queue) },
      { label: 'Dead', class: 'num', cell: (q) => (q.dead ? badge(String(q.dead), 'bad') : '0') },
      { label: 'Waiting', class: 'num', cell: (q) => String(q.pending) },
      { label: 'Sending', class: 'num', cell: (q) => String(q.running) },
      { label: 'Oldest dead', cell: (q) => (q.oldest_dead_at ? h('time', { datetime: q.oldest_dead_at, title: dateTime(q.oldest_dead_at) }, ago(q.oldest_dead_at)) : '–') },
    ], stats.queues) : h('p', { class: 'muted empty' }, 'Every delivery went out: nothing is waiting and nothing failed.'));
    // Redraw the job lists only when something changed, so an opened
    // payload stays open while the page refreshes itself.
    const sig = JSON.stringify(stats.queues.map((q) => [q.queue, q.dead, q.oldest_dead_at]));
    if (!force && sig === seen) return;
    seen = sig;
    const cards = await Promise.all(stats.queues.filter((q) => q.dead > 0).map(queueCard));
    fill(queuesBox, cards);
  };

  fill(view,
    pageHead('Dead letters', h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, () => loadAll(true)) }, 'Refresh')),
    h('p', { class: 'muted' }, 'A notification or Home Assistant action is tried 3 times, with waits between; one that still fails ends up here.',
      admin ? ' Retrying puts it back on its queue with its tries reset.' : ''),
    card('Queues', summaryBox),
    queuesBox);
  await loadAll();
  const every = setInterval(() => loadAll(false).catch(() => {}), 30000);
  return () => clearInterval(every);
}
