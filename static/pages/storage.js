// Storage: how full the media disk (or quota) is, what the media are, the
// ceiling and retention (admins change them), and a cleanup on demand.
import { h, fill } from '../lib/dom.js';
import { get, put, post, ApiError } from '../lib/api.js';
import { pageHead, card, badge, busy, field, toast, formValues, table } from '../lib/ui.js';
import { bytes, duration } from '../lib/format.js';
import { session } from '../lib/session.js';

const KINDS = {
  snapshot: 'Snapshots', recording: 'Recordings', thumbnail: 'Thumbnails', sprite: 'Scrub sprites',
  timelapse: 'Timelapse videos', frame: 'Timelapse frames', detection_image: 'Detection pictures', upload: 'Uploads',
};

export async function render(view, { signal }) {
  const admin = session.isAdmin;
  const usageBox = h('div');
  const mediaBox = h('div');
  const resultBox = h('div', { class: 'cleanup-result', 'aria-live': 'polite' });
  let s = await get('/api/v1/storage', null, { signal });

  const drawUsage = () => {
    const u = s.usage;
    const meter = h('meter', {
      id: 'storage-meter', min: 0, max: 100, low: Math.max(1, s.max_percent - 15), high: s.max_percent, optimum: 0,
      value: u.percent, 'aria-label': 'Storage used',
    }, `${u.percent} %`);
    const ceiling = h('span', { class: 'ceiling-mark', 'aria-hidden': 'true' });
    ceiling.style.setProperty('left', `${s.max_percent}%`);
    fill(usageBox,
      h('p', { class: 'usage-big' }, h('strong', null, `${u.percent} %`), ` used: ${bytes(u.used_bytes)} of ${bytes(u.total_bytes)}`),
      h('div', { class: 'meter-wrap' }, meter, ceiling),
      h('p', { class: 'muted' },
        `Ceiling ${s.max_percent} %: `,
        s.enabled ? 'past it the oldest media are deleted automatically.' : 'automatic deletion is off, so nothing is deleted unless you clean up.'),
      h('dl', null,
        h('dt', null, 'Measured on'), h('dd', null, u.basis === 'quota' ? 'the media quota' : 'the file system holding the media'),
        h('dt', null, 'Hearth’s media'), h('dd', null, `${bytes(u.media_bytes)} in ${u.media_count} file${u.media_count === 1 ? '' : 's'}`),
        h('dt', null, 'Automatic deletion'), h('dd', null, s.enabled ? badge('on', 'ok') : badge('off')),
        h('dt', null, 'Retention'), h('dd', null, `detections and security events older than ${s.retention_days} days`)));
    const rows = Object.entries(s.media || {}).map(([k, v]) => ({ kind: k, ...v })).sort((a, b) => b.bytes - a.bytes);
    const total = rows.reduce((n, r) => n + r.bytes, 0);
    fill(mediaBox, table([
      { label: 'Kind', cell: (r) => KINDS[r.kind] || r.kind },
      { label: 'Files', class: 'num', cell: (r) => String(r.count) },
      { label: 'Size', class: 'num', cell: (r) => bytes(r.bytes) },
      { label: 'Share', cell: (r) => {
        const bar = h('span');
        bar.style.setProperty('width', `${total ? (r.bytes / total) * 100 : 0}%`);
        return h('div', { class: 'bar', role: 'img', 'aria-label': `${total ? Math.round((r.bytes / total) * 100) : 0} % of the media` }, bar);
      } },
    ], rows, 'No media stored.'));
  };

  let settings = null;
  if (admin) {
    const save = h('button', { class: 'primary', type: 'submit' }, 'Save settings');
    const form = h('form', { novalidate: true },
      field('enabled', 'Delete automatically', { type: 'checkbox', value: s.enabled,
        help: 'hearth-cleanup applies the retention and the ceiling on its schedule. Orphan files are removed either way.' }),
      field('max_percent', 'Ceiling (% of the disk or quota)', { type: 'number', min: 1, max: 99, step: 1, value: s.max_percent,
        help: 'Past it the oldest media are deleted until usage is back under it.' }),
      field('retention_days', 'Keep detections and security events for (days)', { type: 'number', min: 1, max: 3650, step: 1, value: s.retention_days }),
      save);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(save, async () => {
        s = await put('/api/v1/storage', formValues(form));
        drawUsage();
        toast('Storage settings saved', 'ok');
      }, form);
    });

    const clean = h('button', { type: 'button', onclick: async (ev) => {
      const btn = ev.currentTarget;
      btn.disabled = true;
      fill(resultBox, h('p', { class: 'muted', role: 'status' }, 'Cleaning up…'));
      try {
        const r = await post('/api/v1/storage/cleanup');
        fill(resultBox, h('dl', null,
          h('dt', null, 'Usage'), h('dd', null, `${r.usage_before.percent} % → ${r.usage_after.percent} %`),
          h('dt', null, 'Old media deleted'), h('dd', null, r.ceiling.skipped
            ? 'none: deleting every media file would still leave the disk over the ceiling'
            : `${r.ceiling.media_deleted || 0} (${bytes(r.ceiling.bytes_freed || 0)})`),
          h('dt', null, 'Past retention'), h('dd', null, `${r.retention.detections_deleted || 0} detections, ${r.retention.events_deleted || 0} events, ${r.retention.images_deleted || 0} pictures`),
          h('dt', null, 'Orphans'), h('dd', null, `${r.orphans.rows || 0} rows, ${r.orphans.files || 0} files (${bytes(r.orphans.file_bytes || 0)})`),
          r.unlink_failed ? [h('dt', null, 'Could not delete'), h('dd', { class: 'error-box' }, `${r.unlink_failed} files`)] : null,
          h('dt', null, 'Took'), h('dd', null, duration(r.duration_ms / 1000))));
        s = await get('/api/v1/storage', null, { signal });
        drawUsage();
        toast('Cleanup done', 'ok');
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          fill(resultBox, h('p', { class: 'error-box' }, 'A cleanup is already running (the scheduled one, or another person’s). Try again in a minute.'));
        } else {
          fill(resultBox, h('p', { class: 'error-box' }, err.message || String(err)));
        }
      } finally {
        btn.disabled = false;
      }
    } }, 'Clean up now');
    settings = h('div', null,
      card('Automatic deletion', form),
      card('Clean up now',
        h('p', { class: 'muted' }, `Deletes detections and security events older than the retention, then the oldest media until usage is under the ceiling, then orphans: whether or not automatic deletion is on.`),
        clean, resultBox));
  }

  fill(view,
    pageHead('Storage'),
    h('div', { class: 'cols media-cols' },
      h('div', null, card('Usage', usageBox), card('Media by kind', mediaBox)),
      settings));
  drawUsage();
}
