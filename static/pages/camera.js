// One camera: its zones drawn on the newest picture, its recordings (scrub
// the sprite by hovering, play in the page) and its detections; admins
// change the camera, take a snapshot, and add, reshape or delete zones.
import { h, fill } from '../lib/dom.js';
import { get, post, patch, del } from '../lib/api.js';
import { subscribe } from '../lib/stream.js';
import { pageHead, card, badge, busy, field, toast, confirmDialog, formValues } from '../lib/ui.js';
import { ago, dateTime, duration, bytes } from '../lib/format.js';
import { session } from '../lib/session.js';
import { cameraBadge, svg } from '../lib/security.js';

const ZONE_TYPES = ['entry_point', 'restricted', 'driveway', 'walkway', 'perimeter', 'other'];
const PAGE = 24;
const round = (n) => Math.round(n * 1000) / 1000;
const pointsText = (poly) => poly.map((p) => `${p.x},${p.y}`).join(' ');

function parsePoints(text) {
  const out = [];
  for (const pair of text.trim().split(/\s+/).filter(Boolean)) {
    const [x, y] = pair.split(',').map(Number);
    if (!Number.isFinite(x) || !Number.isFinite(y) || x < 0 || x > 1 || y < 0 || y > 1) return null;
    out.push({ x, y });
  }
  return out;
}

export async function render(view, { params, signal, navigate }) {
  const id = Number(params.id);
  const admin = session.isAdmin;
  let cam = await get(`/api/v1/cameras/${id}`, null, { signal });
  const [zonesRes, snaps, rooms] = await Promise.all([
    get(`/api/v1/cameras/${id}/zones`, null, { signal }),
    get('/api/v1/snapshots', { camera_id: id, limit: 1 }, { signal }),
    get('/api/v1/rooms', { limit: 1000 }, { signal }).catch(() => ({ items: [] })),
  ]);
  let zones = zonesRes.items;

  // ---- the picture the zones are drawn on: the newest snapshot, else the
  // newest recording's first frame, else the newest detection's picture.
  const picture = h('div', { class: 'zone-stage' });
  const caption = h('p', { class: 'muted' });
  const pictureFrom = async (bust) => {
    if (snaps.items[0] || bust) {
      const s = snaps.items[0];
      return { src: `/api/v1/cameras/${id}/snapshot?t=${bust || Date.parse(s.taken_at)}`, text: bust ? 'Snapshot just taken' : `Snapshot, ${dateTime(s.taken_at)}` };
    }
    const rec = (await get('/api/v1/recordings', { camera_id: id, limit: 1 }, { signal })).items[0];
    if (rec && rec.thumbnail_url) return { src: rec.thumbnail_url, text: `First frame of the recording of ${dateTime(rec.taken_at)} (no snapshot yet)` };
    const det = (await get('/api/v1/detections', { camera_id: id, limit: 10 }, { signal })).items.find((d) => d.image_url);
    if (det) return { src: det.image_url, text: `Picture of a detection, ${dateTime(det.detected_at)} (no snapshot yet)` };
    return null;
  };

  const overlay = svg('svg', { class: 'zones-svg', viewBox: '0 0 1 1', preserveAspectRatio: 'none', role: 'img', 'aria-label': 'Zones on the picture' });
  const img = h('img', { alt: '', class: 'zone-img' });
  const labels = h('div', { class: 'zone-names', 'aria-hidden': 'true' });
  const showPicture = async (bust) => {
    const p = await pictureFrom(bust);
    if (p) {
      img.src = p.src;
      img.alt = `${cam.name}: ${p.text}`;
      caption.textContent = p.text;
    } else {
      img.removeAttribute('src');
      caption.textContent = 'No picture from this camera yet: zones are drawn on an empty frame.';
    }
    img.hidden = !p;
  };
  fill(picture, img, overlay, labels);

  // ---- drawing
  let draft = [];          // points of the zone being drawn
  let editing = null;      // zone whose shape is being changed
  const pointsField = field('points', 'Points (x,y from 0 to 1, origin top left)', {
    help: admin ? 'Click the picture to add corners, or type them here.' : null,
  });
  const pointsInput = pointsField.querySelector('input');
  const drawZones = () => {
    const nodes = zones.map((z) => svg('polygon', {
      points: z.polygon.map((p) => `${p.x},${p.y}`).join(' '),
      class: `zone ${z.enabled ? '' : 'off'} ${editing && editing.id === z.id ? 'editing' : ''}`,
      'data-type': z.zone_type,
    }, svg('title', null, `${z.name} (${z.zone_type.replace(/_/g, ' ')})`)));
    // Names as HTML over the picture: SVG text would stretch with the frame.
    fill(labels, zones.filter((z) => z.polygon.length).map((z) => {
      const c = z.polygon.reduce((a, p) => ({ x: a.x + p.x / z.polygon.length, y: a.y + p.y / z.polygon.length }), { x: 0, y: 0 });
      const tag = h('span', { class: 'zone-name' }, z.name);
      tag.style.setProperty('left', `${c.x * 100}%`);
      tag.style.setProperty('top', `${c.y * 100}%`);
      return tag;
    }));
    const d = draft.length ? [
      svg(draft.length > 2 ? 'polygon' : 'polyline', { points: draft.map((p) => `${p.x},${p.y}`).join(' '), class: 'zone draft' }),
      ...draft.map((p) => svg('circle', { cx: p.x, cy: p.y, r: 0.008, class: 'corner' })),
    ] : [];
    overlay.replaceChildren(...nodes, ...d);
  };
  const setDraft = (pts, { fromInput = false } = {}) => {
    draft = pts;
    if (!fromInput) pointsInput.value = pointsText(draft);
    drawZones();
  };
  if (admin) {
    overlay.classList.add('drawing');
    overlay.addEventListener('click', (ev) => {
      const r = overlay.getBoundingClientRect();
      const x = round(Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)));
      const y = round(Math.min(1, Math.max(0, (ev.clientY - r.top) / r.height)));
      setDraft([...draft, { x, y }]);
    });
    pointsInput.addEventListener('input', () => {
      const pts = parsePoints(pointsInput.value);
      pointsInput.setAttribute('aria-invalid', pts ? 'false' : 'true');
      if (pts) setDraft(pts, { fromInput: true });
    });
  } else {
    pointsInput.readOnly = true;
  }

  // ---- the zone form (admins)
  const zoneBox = h('div');
  let zoneForm = null;
  const zoneTitle = h('h3', null, 'New zone');
  const resetForm = () => {
    editing = null;
    zoneTitle.textContent = 'New zone';
    if (zoneForm) {
      zoneForm.reset();
      zoneForm.elements.enabled.checked = true;
      zoneForm.querySelector('button[type=submit]').textContent = 'Save zone';
      cancelEdit.hidden = true;
    }
    setDraft([]);
  };
  const cancelEdit = h('button', { type: 'button', hidden: true, onclick: () => resetForm() }, 'Cancel');
  if (admin) {
    const save = h('button', { class: 'primary', type: 'submit' }, 'Save zone');
    zoneForm = h('form', { novalidate: true, class: 'zone-form' },
      zoneTitle,
      field('name', 'Name', { required: true, maxlength: 256, placeholder: 'e.g. Front step' }),
      field('zone_type', 'Kind', { options: ZONE_TYPES.map((t) => [t, t.replace(/_/g, ' ')]) }),
      field('enabled', 'Enabled', { type: 'checkbox', value: true }),
      pointsField,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => setDraft(draft.slice(0, -1)) }, 'Undo last point'),
        h('button', { type: 'button', onclick: () => setDraft([]) }, 'Clear points'),
        cancelEdit, save));
    zoneForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(save, async () => {
        const v = formValues(zoneForm);
        const body = { name: v.name.trim(), zone_type: v.zone_type, enabled: v.enabled, polygon: draft };
        if (editing) {
          const z = await patch(`/api/v1/zones/${editing.id}`, body);
          zones = zones.map((x) => (x.id === z.id ? z : x));
          toast(`Zone “${z.name}” saved`, 'ok');
        } else {
          const z = await post(`/api/v1/cameras/${id}/zones`, body);
          zones = [...zones, z];
          toast(`Zone “${z.name}” added`, 'ok');
        }
        resetForm();
        drawList();
      }, zoneForm);
    });
  }

  const drawList = () => {
    drawZones();
    const row = (z) => h('li', { class: 'zone-row' },
      h('span', { class: 'zone-key', 'data-type': z.zone_type }, h('strong', null, z.name)),
      h('span', { class: 'muted' }, `${z.zone_type.replace(/_/g, ' ')} · ${z.polygon.length} corners`),
      badge(z.enabled ? 'on' : 'off', z.enabled ? 'ok' : null),
      admin ? h('div', { class: 'actions' },
        h('button', { type: 'button', 'aria-label': `${z.enabled ? 'Turn off' : 'Turn on'} zone ${z.name}`, onclick: (ev) => busy(ev.currentTarget, async () => {
          const n = await patch(`/api/v1/zones/${z.id}`, { enabled: !z.enabled });
          zones = zones.map((x) => (x.id === n.id ? n : x));
          drawList();
        }) }, z.enabled ? 'Turn off' : 'Turn on'),
        h('button', { type: 'button', 'aria-label': `Edit zone ${z.name}`, onclick: () => {
          editing = z;
          zoneForm.elements.name.value = z.name;
          zoneForm.elements.zone_type.value = z.zone_type;
          zoneForm.elements.enabled.checked = z.enabled;
          zoneTitle.textContent = `Change zone “${z.name}”`;
          zoneForm.querySelector('button[type=submit]').textContent = 'Save changes';
          cancelEdit.hidden = false;
          setDraft(z.polygon.map((p) => ({ x: p.x, y: p.y })));
          zoneForm.elements.name.focus();
        } }, 'Edit'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete zone ${z.name}`, onclick: async (ev) => {
          if (!(await confirmDialog(`Delete the zone “${z.name}”?`))) return;
          await busy(ev.currentTarget, async () => {
            await del(`/api/v1/zones/${z.id}`);
            zones = zones.filter((x) => x.id !== z.id);
            if (editing && editing.id === z.id) resetForm();
            drawList();
            toast('Zone deleted', 'ok');
          });
        } }, 'Delete')) : null);
    fill(zoneBox, zones.length ? h('ul', { class: 'zone-list' }, zones.map(row))
      : h('p', { class: 'muted empty' }, 'No zones: detections anywhere in the picture count the same.'));
  };

  // ---- recordings
  const player = h('div', { class: 'player-box', hidden: true });
  const recGrid = h('div', { class: 'grid recordings' });
  const recMore = h('button', { type: 'button', hidden: true }, 'Show older recordings');
  let recCursor = null;
  const play = (r) => {
    player.hidden = false;
    fill(player,
      h('div', { class: 'page-head' }, h('h3', null, `Recording of ${dateTime(r.taken_at)}`),
        h('button', { type: 'button', onclick: () => { fill(player); player.hidden = true; } }, 'Close')),
      h('video', { controls: true, autoplay: true, preload: 'metadata', src: r.video_url, class: 'player', poster: r.thumbnail_url || null }));
    player.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };
  const recTile = (r) => {
    const frame = h('div', { class: 'scrub' });
    if (r.thumbnail_url) frame.append(h('img', { class: 'scrub-thumb', src: r.thumbnail_url, alt: '', loading: 'lazy' }));
    let sprite = null;
    if (r.sprite_url) {
      // The sprite is 10 frames side by side: show the frame under the pointer.
      const scrub = (clientX) => {
        if (!sprite) {
          sprite = h('img', { class: 'scrub-sprite', src: r.sprite_url, alt: '' });
          frame.append(sprite);
        }
        const box = frame.getBoundingClientRect();
        const i = Math.min(9, Math.max(0, Math.floor(((clientX - box.left) / box.width) * 10)));
        sprite.style.setProperty('left', `${-i * 100}%`);
        frame.classList.add('scrubbing');
      };
      frame.addEventListener('mousemove', (ev) => scrub(ev.clientX));
      frame.addEventListener('touchmove', (ev) => scrub(ev.touches[0].clientX), { passive: true });
      frame.addEventListener('mouseleave', () => frame.classList.remove('scrubbing'));
      frame.addEventListener('touchend', () => frame.classList.remove('scrubbing'));
    }
    const tile = h('article', { class: 'card recording' },
      h('button', { type: 'button', class: 'scrub-button', 'aria-label': `Play the recording of ${dateTime(r.taken_at)}`, onclick: () => play(r) }, frame),
      h('p', null, h('strong', null, dateTime(r.taken_at))),
      h('p', { class: 'muted' }, [duration((r.duration_ms || 0) / 1000), r.width ? `${r.width}×${r.height}` : null, bytes(r.size_bytes)].filter(Boolean).join(' · ')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => play(r) }, 'Play'),
        h('a', { class: 'button', href: r.video_url, download: `recording-${r.id}.mp4` }, 'Download'),
        admin ? h('button', { type: 'button', class: 'danger', onclick: async (ev) => {
          if (!(await confirmDialog(`Delete the recording of ${dateTime(r.taken_at)} with its thumbnail and sprite?`))) return;
          await busy(ev.currentTarget, async () => {
            await del(`/api/v1/recordings/${r.id}`);
            tile.remove();
            toast('Recording deleted', 'ok');
          });
        } }, 'Delete') : null));
    return tile;
  };
  const loadRecordings = async (append = false) => {
    const page = await get('/api/v1/recordings', { camera_id: id, limit: PAGE, cursor: append ? recCursor : undefined }, { signal });
    if (!append) fill(recGrid);
    recGrid.append(...page.items.map(recTile));
    if (!recGrid.children.length) fill(recGrid, h('p', { class: 'muted empty' }, 'No recordings from this camera.'));
    recCursor = page.pagination.next_cursor;
    recMore.hidden = !page.pagination.has_more;
  };
  recMore.addEventListener('click', (ev) => busy(ev.currentTarget, () => loadRecordings(true)));

  // ---- detections
  const detGrid = h('div', { class: 'grid detections' });
  const detMore = h('button', { type: 'button', hidden: true }, 'Show older detections');
  let detCursor = null;
  const detTile = (d) => h('a', { class: 'card det-tile', href: d.event_id ? `/events/${d.event_id}` : null },
    d.image_url ? h('img', { class: 'thumb', src: d.image_url, alt: `${d.object_type}`, loading: 'lazy' }) : h('div', { class: 'thumb no-image' }, 'no picture'),
    h('p', null, h('strong', null, d.object_type), ` ${Math.round(d.confidence * 100)} %`,
      d.zone_type ? ` · ${d.zone_type.replace(/_/g, ' ')}` : ''),
    h('p', { class: 'muted' }, `${dateTime(d.detected_at)} · risk ${d.risk_score}`));
  const loadDetections = async (append = false) => {
    const page = await get('/api/v1/detections', { camera_id: id, limit: PAGE, cursor: append ? detCursor : undefined }, { signal });
    if (!append) fill(detGrid);
    detGrid.append(...page.items.map(detTile));
    if (!detGrid.children.length) fill(detGrid, h('p', { class: 'muted empty' }, 'Nothing detected by this camera.'));
    detCursor = page.pagination.next_cursor;
    detMore.hidden = !page.pagination.has_more;
  };
  detMore.addEventListener('click', (ev) => busy(ev.currentTarget, () => loadDetections(true)));

  // ---- the camera itself
  const head = h('div');
  const facts = h('div');
  const drawHead = () => {
    const take = admin && (cam.snapshot_url || cam.stream_url)
      ? h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, async () => {
        await post(`/api/v1/cameras/${id}/snapshot`);
        await showPicture(Date.now());
        toast('Snapshot taken', 'ok');
      }) }, 'Take snapshot') : null;
    const remove = admin ? h('button', { type: 'button', class: 'danger', onclick: async (ev) => {
      if (!(await confirmDialog(`Delete the camera “${cam.name}”? Its snapshots and recordings stay.`))) return;
      await busy(ev.currentTarget, async () => {
        await del(`/api/v1/cameras/${id}`);
        toast('Camera deleted', 'ok');
        navigate('/cameras');
      });
    } }, 'Delete camera') : null;
    fill(head, pageHead(cam.name, cameraBadge(cam), take, remove));
    const room = rooms.items.find((r) => r.id === cam.room_id);
    fill(facts, h('dl', null,
      h('dt', null, 'Room'), h('dd', null, room ? room.name : '–'),
      h('dt', null, 'Last seen'), h('dd', null, cam.last_seen_at ? `${ago(cam.last_seen_at)}` : 'never'),
      cam.last_error ? [h('dt', null, 'Last error'), h('dd', { class: 'error-box' }, cam.last_error)] : null,
      h('dt', null, 'Snapshot address'), h('dd', { class: 'mono' }, cam.snapshot_url || '–'),
      h('dt', null, 'Stream address'), h('dd', { class: 'mono' }, cam.stream_url || '–'),
      h('dt', null, 'Incoming folder'), h('dd', { class: 'mono' }, cam.incoming_dir)));
  };
  let settings = null;
  if (admin) {
    const save = h('button', { class: 'primary', type: 'submit' }, 'Save camera');
    const form = h('form', { novalidate: true },
      field('name', 'Name', { required: true, maxlength: 256, value: cam.name }),
      field('room_id', 'Room', { value: cam.room_id ?? '', options: [['', 'No room'], ...rooms.items.map((r) => [String(r.id), r.name])] }),
      field('snapshot_url', 'Snapshot address', { maxlength: 2048, value: cam.snapshot_url || '',
        help: cam.has_credentials ? 'Keep *** to keep the stored user name and password.' : 'Answers one JPEG.' }),
      field('stream_url', 'Stream address', { maxlength: 2048, value: cam.stream_url || '' }),
      field('enabled', 'Enabled', { type: 'checkbox', value: cam.enabled }),
      save);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(save, async () => {
        const v = formValues(form);
        cam = await patch(`/api/v1/cameras/${id}`, {
          name: v.name.trim(), enabled: v.enabled, room_id: v.room_id ? Number(v.room_id) : null,
          snapshot_url: v.snapshot_url.trim() || null, stream_url: v.stream_url.trim() || null,
        });
        drawHead();
        toast('Camera saved', 'ok');
      }, form);
    });
    settings = h('details', { class: 'more' }, h('summary', null, 'Change the camera'), form);
  }

  fill(view, head,
    h('div', { class: 'cols media-cols' },
      card('Zones', picture, caption, zoneBox, zoneForm),
      card('Camera', facts, settings)),
    h('section', { class: 'card' }, h('h2', null, 'Recordings'),
      h('p', { class: 'muted' }, 'Move over a picture to look through the recording; click to play it.'),
      player, recGrid, h('p', null, recMore)),
    h('section', { class: 'card' }, h('h2', null, 'Detections'), detGrid, h('p', null, detMore)));
  drawHead();
  drawList();

  subscribe('detections', (msg) => {
    const d = msg.data || {};
    if (msg.type !== 'detection.created' || d.camera_id !== id) return;
    detGrid.querySelector('.empty')?.remove();
    detGrid.prepend(detTile(d));
  }, signal);

  await Promise.all([showPicture(), loadRecordings(), loadDetections()]);
  return undefined;
}
