// One event: for a security event its detections (pictures, where in the
// frame, the recording), the review and notes, and feedback on its risk;
// for a rule run a short summary that leads to the run.
import { h, fill } from '../lib/dom.js';
import { get, patch, post } from '../lib/api.js';
import { subscribe } from '../lib/stream.js';
import { pageHead, card, badge, busy, field, toast } from '../lib/ui.js';
import { dateTime, duration, ago } from '../lib/format.js';
import { session } from '../lib/session.js';
import { RISK_LEVELS, riskBadge } from '../lib/security.js';

const FEEDBACK = [
  ['correct', 'The risk was right'],
  ['false_positive', 'Nothing was wrong (false alarm)'],
  ['missed_threat', 'It was more serious than shown'],
  ['severity_wrong', 'The level was wrong'],
];

function ruleRun(view, e) {
  fill(view,
    pageHead(`Rule run: ${e.rule_name || 'deleted rule'}`, badge(e.status)),
    card(null, h('dl', null,
      h('dt', null, 'Rule'), h('dd', null, e.rule_id ? h('a', { href: `/rules/${e.rule_id}` }, e.rule_name) : (e.rule_name || '–')),
      h('dt', null, 'Trigger'), h('dd', null, e.trigger_type || '–'),
      h('dt', null, 'Started'), h('dd', null, dateTime(e.created_at)),
      h('dt', null, 'Finished'), h('dd', null, dateTime(e.finished_at)),
      e.reason ? [h('dt', null, 'Reason'), h('dd', null, e.reason)] : null,
      e.execution_id ? [h('dt', null, 'Run'), h('dd', null, h('a', { href: `/runs/${e.execution_id}` }, `Open run #${e.execution_id}`))] : null),
    h('p', null, h('a', { href: '/events?tab=runs' }, '← All rule runs'))));
}

function detectionCard(d) {
  const frame = h('div', { class: 'det-frame' });
  if (d.image_url) {
    frame.append(h('img', { src: d.image_url, alt: `${d.object_type}, ${Math.round(d.confidence * 100)} % sure`, loading: 'lazy' }));
    if (d.bbox) {
      const box = h('span', { class: 'bbox', 'aria-hidden': 'true' });
      box.style.setProperty('left', `${d.bbox.x * 100}%`);
      box.style.setProperty('top', `${d.bbox.y * 100}%`);
      box.style.setProperty('width', `${d.bbox.width * 100}%`);
      box.style.setProperty('height', `${d.bbox.height * 100}%`);
      frame.append(box);
    }
  } else {
    frame.append(h('div', { class: 'thumb no-image' }, 'no picture'));
  }
  const enrich = d.has_enrichment ? h('details', { class: 'more' }, h('summary', null, 'Enrichment')) : null;
  if (enrich) {
    const pre = h('pre', null, 'Loading…');
    enrich.append(pre);
    enrich.addEventListener('toggle', () => {
      if (!enrich.open || pre.dataset.loaded) return;
      get(`/api/v1/detections/${d.id}/enrichment`).then((doc) => {
        pre.textContent = JSON.stringify(doc, null, 2);
        pre.dataset.loaded = '1';
      }).catch((err) => { pre.textContent = err.message; });
    }, { once: false });
  }
  let video = null;
  if (d.video_url) {
    video = h('details', { class: 'more' }, h('summary', null, 'Recording'));
    video.addEventListener('toggle', () => {
      if (video.open && !video.querySelector('video')) {
        video.append(h('video', { controls: true, preload: 'metadata', src: d.video_url, class: 'player' }));
      }
    });
  }
  return h('article', { class: 'card detection' },
    frame,
    h('h3', null, d.object_type, ' ', h('span', { class: 'muted' }, `${Math.round(d.confidence * 100)} % sure`)),
    h('p', { class: 'event-top' }, badge(`risk ${d.risk_score}`, d.risk_score >= 85 ? 'bad' : d.risk_score >= 60 ? 'warn' : d.risk_score >= 30 ? 'info' : 'ok'),
      d.zone_type ? badge(d.zone_type.replace(/_/g, ' ')) : null,
      h('time', { datetime: d.detected_at }, dateTime(d.detected_at))),
    h('p', { class: 'muted' }, `Reported by ${d.source}${d.external_id ? ` (${d.external_id})` : ''}`),
    video, enrich);
}

export async function render(view, { params, signal }) {
  const id = Number(params.id);
  let e = await get(`/api/v1/events/${id}`, null, { signal });
  if (e.kind !== 'security') {
    ruleRun(view, e);
    return undefined;
  }
  const admin = session.isAdmin;
  const head = h('div');
  const facts = h('div');
  const dets = h('div', { class: 'grid' });

  const drawHead = () => {
    fill(head, pageHead(e.summary, riskBadge(e.risk_level, e.risk_score), e.reviewed ? badge('reviewed', 'ok') : badge('to review')));
    fill(facts, h('dl', null,
      h('dt', null, 'Camera'), h('dd', null, e.camera_id ? h('a', { href: `/cameras/${e.camera_id}` }, e.camera_name || `Camera ${e.camera_id}`) : (e.camera_name || '–')),
      h('dt', null, 'Started'), h('dd', null, `${dateTime(e.started_at)} (${ago(e.started_at)})`),
      h('dt', null, 'Last detection'), h('dd', null, dateTime(e.last_detection_at)),
      h('dt', null, 'Length'), h('dd', null, duration((new Date(e.last_detection_at) - new Date(e.started_at)) / 1000)),
      h('dt', null, 'State'), h('dd', null, e.status === 'processing' ? 'ongoing' : 'closed'),
      h('dt', null, 'Objects'), h('dd', null, (e.object_types || []).join(', ') || '–'),
      h('dt', null, 'Detections'), h('dd', null, String(e.detection_count)),
      h('dt', null, 'Reviewed'), h('dd', null, e.reviewed ? `yes, ${dateTime(e.reviewed_at)}` : 'not yet'),
      !admin ? [h('dt', null, 'Notes'), h('dd', null, e.notes || '–')] : null));
  };

  // The API has no event filter on detections: ask for the event's camera
  // and time span, and keep those of this event.
  const loadDetections = async () => {
    const page = await get('/api/v1/detections', {
      camera_id: e.camera_id || undefined, since: e.started_at,
      until: new Date(new Date(e.last_detection_at).getTime() + 1000).toISOString(), limit: 1000,
    }, { signal });
    const mine = page.items.filter((d) => d.event_id === id).sort((a, b) => (a.detected_at < b.detected_at ? -1 : 1));
    fill(dets, mine.length ? mine.map(detectionCard) : h('p', { class: 'muted' }, 'Its detections have been deleted by retention.'));
  };

  // Review and notes (admins).
  let review = null;
  if (admin) {
    const save = h('button', { class: 'primary', type: 'submit' }, 'Save review');
    review = h('form', { novalidate: true },
      field('reviewed', 'Reviewed', { type: 'checkbox', value: e.reviewed }),
      field('notes', 'Notes', { type: 'textarea', value: e.notes || '', rows: 4, help: 'Searchable from the Events page.' }),
      save);
    review.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(save, async () => {
        const notes = review.elements.notes.value.trim();
        e = await patch(`/api/v1/events/${id}`, { reviewed: review.elements.reviewed.checked, notes: notes || null });
        drawHead();
        toast('Review saved', 'ok');
      }, review);
    });
  }

  // Feedback on the risk: moves the calibration thresholds (admins).
  let feedback = null;
  if (admin) {
    const send = h('button', { type: 'submit' }, 'Send feedback');
    const expected = field('expected_level', 'It should have been', { options: [['', '—'], ...RISK_LEVELS] });
    feedback = h('form', { novalidate: true },
      h('p', { class: 'muted' }, 'Tells Hearth whether this risk level was right; the thresholds for later events move with it.'),
      field('feedback_type', 'This event was', { options: FEEDBACK }),
      expected,
      field('notes', 'Why (optional)', { maxlength: 1024 }),
      send);
    const sync = () => { expected.hidden = !['severity_wrong', 'missed_threat'].includes(feedback.elements.feedback_type.value); };
    feedback.elements.feedback_type.addEventListener('change', sync);
    sync();
    feedback.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(send, async () => {
        const body = { event_id: id, feedback_type: feedback.elements.feedback_type.value };
        if (!expected.hidden && feedback.elements.expected_level.value) body.expected_level = feedback.elements.expected_level.value;
        const n = feedback.elements.notes.value.trim();
        if (n) body.notes = n;
        const res = await post('/api/v1/calibration/feedback', body);
        const c = res.calibration || {};
        toast(`Thanks. Thresholds now: low ${c.low_threshold}, medium ${c.medium_threshold}, high ${c.high_threshold}.`, 'ok');
        feedback.reset();
        sync();
      }, feedback);
    });
  }

  fill(view, head,
    h('div', { class: 'cols media-cols' },
      h('div', null, h('h2', null, 'Detections'), dets),
      h('div', null, card('About', facts),
        review ? card('Review', review) : null,
        feedback ? card('Risk feedback', feedback) : null,
        h('p', null, h('a', { href: '/events' }, '← All events')))));
  drawHead();

  subscribe('events', (msg) => {
    if (!msg.type.startsWith('security_event.') || !msg.data || msg.data.id !== id) return;
    const grew = msg.data.detection_count !== e.detection_count;
    e = { ...e, ...msg.data };
    drawHead();
    if (grew) loadDetections().catch(() => {});
  }, signal);

  await loadDetections();
  return undefined;
}
