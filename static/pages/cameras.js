// Cameras: each camera's latest snapshot and state, a fresh snapshot on
// demand, and (admins) adding a camera.
import { h, fill } from '../lib/dom.js';
import { get, post, getAll } from '../lib/api.js';
import { pageHead, card, busy, field, toast, formValues } from '../lib/ui.js';
import { ago } from '../lib/format.js';
import { session } from '../lib/session.js';
import { cameraBadge } from '../lib/security.js';

function snapshotBox(cam, snap) {
  const box = h('div', { class: 'snap' });
  const show = (bust) => {
    fill(box, h('img', {
      class: 'thumb', alt: `Latest snapshot from ${cam.name}`,
      src: `/api/v1/cameras/${cam.id}/snapshot${bust ? `?t=${bust}` : ''}`,
    }));
  };
  if (snap) show(Date.parse(snap.taken_at) || 0);
  else fill(box, h('div', { class: 'thumb no-image' }, 'No snapshot yet'));
  return { box, show };
}

export async function render(view, { signal, navigate }) {
  const admin = session.isAdmin;
  const [cams, rooms] = await Promise.all([
    getAll('/api/v1/cameras', {}, 1000, { signal }),
    get('/api/v1/rooms', { limit: 1000 }, { signal }).catch(() => ({ items: [] })),
  ]);
  const roomName = new Map(rooms.items.map((r) => [r.id, r.name]));
  // The newest snapshot of each camera (so that a camera without one shows
  // a placeholder instead of a broken image).
  const latest = await Promise.all(cams.map((c) => get('/api/v1/snapshots', { camera_id: c.id, limit: 1 }, { signal })
    .then((p) => p.items[0] || null).catch(() => null)));

  const tiles = cams.map((cam, i) => {
    const snap = snapshotBox(cam, latest[i]);
    const when = h('p', { class: 'muted' }, latest[i] ? `Snapshot ${ago(latest[i].taken_at)}` : '',
      cam.last_seen_at ? `${latest[i] ? ' · ' : ''}seen ${ago(cam.last_seen_at)}` : '');
    const take = admin && (cam.snapshot_url || cam.stream_url)
      ? h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, async () => {
        const s = await post(`/api/v1/cameras/${cam.id}/snapshot`);
        snap.show(Date.now());
        fill(when, `Snapshot ${ago(s.taken_at)}`);
        toast(`New snapshot from ${cam.name}`, 'ok');
      }) }, 'Take snapshot')
      : null;
    return h('article', { class: 'card camera-tile' },
      h('a', { href: `/cameras/${cam.id}`, class: 'camera-link' }, snap.box,
        h('h2', null, cam.name)),
      h('p', { class: 'event-top' }, cameraBadge(cam), cam.room_id ? h('span', { class: 'muted' }, roomName.get(cam.room_id) || '') : null),
      when,
      cam.last_error ? h('p', { class: 'error-box' }, cam.last_error) : null,
      !cam.snapshot_url && !cam.stream_url ? h('p', { class: 'muted' }, 'No snapshot or stream address: pictures come from detections and recordings.') : null,
      h('div', { class: 'actions' }, h('a', { class: 'button', href: `/cameras/${cam.id}` }, 'Zones and recordings'), take));
  });

  let addCard = null;
  if (admin) {
    const submit = h('button', { class: 'primary', type: 'submit' }, 'Add camera');
    const form = h('form', { novalidate: true },
      field('name', 'Name', { required: true, maxlength: 256, placeholder: 'e.g. Front door' }),
      field('room_id', 'Room', { options: [['', 'No room'], ...rooms.items.map((r) => [String(r.id), r.name])] }),
      field('snapshot_url', 'Snapshot address', { type: 'url', maxlength: 2048, placeholder: 'http://192.168.1.20/snap.jpg',
        help: 'Answers one JPEG; a user:password in it is sent as HTTP Basic.' }),
      field('stream_url', 'Stream address', { type: 'url', maxlength: 2048, placeholder: 'rtsp://192.168.1.20/stream',
        help: 'Optional: a live stream one frame is read from.' }),
      field('enabled', 'Enabled', { type: 'checkbox', value: true }),
      submit);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(submit, async () => {
        const v = formValues(form);
        const body = { name: v.name.trim(), enabled: v.enabled };
        if (v.room_id) body.room_id = Number(v.room_id);
        if (v.snapshot_url.trim()) body.snapshot_url = v.snapshot_url.trim();
        if (v.stream_url.trim()) body.stream_url = v.stream_url.trim();
        const cam = await post('/api/v1/cameras', body);
        toast(`Camera “${cam.name}” added`, 'ok');
        navigate(`/cameras/${cam.id}`);
      }, form);
    });
    addCard = card('Add a camera', h('div', { class: 'form-narrow' }, form));
  }

  fill(view,
    pageHead('Cameras'),
    tiles.length ? h('div', { class: 'grid cameras' }, tiles)
      : h('p', { class: 'muted empty' }, admin ? 'No cameras yet: add the first one below.' : 'No cameras yet.'),
    addCard);
}
