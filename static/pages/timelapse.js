// Timelapse: whether frames are captured and how the daily video is made,
// today's capture, and the stitched videos to watch (admins delete them).
import { h, fill } from '../lib/dom.js';
import { get, put, del, getAll } from '../lib/api.js';
import { pageHead, card, badge, busy, field, toast, confirmDialog, formValues } from '../lib/ui.js';
import { ago, dateTime, duration, bytes } from '../lib/format.js';
import { session } from '../lib/session.js';

const PAGE = 24;
const RESOLUTIONS = [['original', 'As the camera sends it'], ['640:480', '640 × 480'], ['320:240', '320 × 240']];

function longDate(date) {
  const [y, m, d] = date.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

export async function render(view, { query, signal }) {
  const admin = session.isAdmin;
  const cameras = await getAll('/api/v1/cameras', {}, 1000, { signal });
  let cameraId = query.get('camera_id') || '';
  const statusBox = h('div');
  const player = h('div', { class: 'player-box', hidden: true });
  const grid = h('div', { class: 'grid recordings' });
  const more = h('button', { type: 'button', hidden: true }, 'Show older videos');
  let cursor = null;

  const loadStatus = async () => {
    const s = await get('/api/v1/timelapse/status', null, { signal });
    fill(statusBox, h('dl', null,
      h('dt', null, 'Capture'), h('dd', null, s.enabled ? badge('on', 'ok') : badge('off')),
      h('dt', null, 'Every'), h('dd', null, `${s.interval_minutes} min`),
      h('dt', null, 'Video'), h('dd', null, `${s.fps} frames a second, ${s.resolution === 'original' ? 'camera size' : s.resolution.replace(':', ' × ')}`),
      h('dt', null, 'Today'), h('dd', null, `${s.today_frame_count} frame${s.today_frame_count === 1 ? '' : 's'} (${longDate(s.today)})`),
      h('dt', null, 'Last frame'), h('dd', null, s.last_capture ? `${dateTime(s.last_capture)} (${ago(s.last_capture)})` : 'none yet')),
    h('p', { class: 'muted' }, 'Each day’s frames are stitched into one video per camera after midnight.'));
    return s;
  };

  const play = (v) => {
    player.hidden = false;
    fill(player,
      h('div', { class: 'page-head' }, h('h3', null, `${v.camera_name || 'Camera'}, ${longDate(v.date)}`),
        h('button', { type: 'button', onclick: () => { fill(player); player.hidden = true; } }, 'Close')),
      h('video', { controls: true, autoplay: true, preload: 'metadata', src: v.video_url, poster: v.thumbnail_url || null, class: 'player' }));
    player.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };
  const tile = (v) => {
    const node = h('article', { class: 'card recording' },
      h('button', { type: 'button', class: 'scrub-button', 'aria-label': `Play the timelapse of ${longDate(v.date)}, ${v.camera_name || ''}`, onclick: () => play(v) },
        v.thumbnail_url ? h('img', { class: 'thumb', src: v.thumbnail_url, alt: '', loading: 'lazy' }) : h('div', { class: 'thumb no-image' }, 'no thumbnail')),
      h('p', null, h('strong', null, longDate(v.date))),
      h('p', { class: 'muted' }, [v.camera_name, v.duration_ms ? duration(v.duration_ms / 1000) : null, bytes(v.size_bytes)].filter(Boolean).join(' · ')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => play(v) }, 'Play'),
        h('a', { class: 'button', href: v.video_url, download: `timelapse-${v.date}-${v.camera_id || v.id}.mp4` }, 'Download'),
        admin ? h('button', { type: 'button', class: 'danger', onclick: async (ev) => {
          if (!(await confirmDialog(`Delete the timelapse of ${longDate(v.date)}${v.camera_name ? ` from ${v.camera_name}` : ''}?`))) return;
          await busy(ev.currentTarget, async () => {
            await del(`/api/v1/timelapse/videos/${v.id}`);
            node.remove();
            if (!grid.children.length) fill(grid, h('p', { class: 'muted empty' }, 'No timelapse videos.'));
            toast('Timelapse deleted', 'ok');
          });
        } }, 'Delete') : null));
    return node;
  };
  const loadVideos = async (append = false) => {
    const page = await get('/api/v1/timelapse/videos', { camera_id: cameraId || undefined, limit: PAGE, cursor: append ? cursor : undefined }, { signal });
    if (!append) fill(grid);
    grid.append(...page.items.map(tile));
    if (!grid.children.length) fill(grid, h('p', { class: 'muted empty' }, 'No timelapse videos yet: turn capture on, and the first one appears the day after.'));
    cursor = page.pagination.next_cursor;
    more.hidden = !page.pagination.has_more;
  };
  more.addEventListener('click', (ev) => busy(ev.currentTarget, () => loadVideos(true)));

  const camFilter = h('form', { class: 'inline filters', 'aria-label': 'Filter videos' },
    field('camera_id', 'Camera', { value: cameraId, options: [['', 'All cameras'], ...cameras.map((c) => [String(c.id), c.name])] }));
  camFilter.addEventListener('submit', (ev) => ev.preventDefault());
  camFilter.addEventListener('change', () => {
    cameraId = camFilter.elements.camera_id.value;
    history.replaceState(null, '', location.pathname + (cameraId ? `?camera_id=${cameraId}` : ''));
    busy(null, () => loadVideos());
  });

  let settings = null;
  if (admin) {
    const t = await get('/api/v1/timelapse', null, { signal });
    const save = h('button', { class: 'primary', type: 'submit' }, 'Save settings');
    const form = h('form', { novalidate: true },
      field('enabled', 'Capture frames', { type: 'checkbox', value: t.enabled }),
      field('interval_minutes', 'Minutes between frames', { type: 'number', min: 1, max: 60, step: 1, value: t.interval_minutes }),
      field('fps', 'Frames a second in the video', { type: 'number', min: 1, max: 60, step: 1, value: t.fps }),
      field('resolution', 'Video size', { value: t.resolution, options: RESOLUTIONS }),
      save);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(save, async () => {
        await put('/api/v1/timelapse', formValues(form));
        await loadStatus();
        toast('Timelapse settings saved', 'ok');
      }, form);
    });
    settings = card('Settings', form);
  }

  fill(view,
    pageHead('Timelapse'),
    h('div', { class: 'cols media-cols' },
      h('section', { class: 'card' }, h('h2', null, 'Videos'), camFilter, player, grid, h('p', null, more)),
      h('div', null, card('Status', statusBox), settings)));
  await Promise.all([loadStatus(), loadVideos()]);
}
