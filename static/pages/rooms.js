// Rooms & sensors: the rooms of the home and the sensors in them; admins
// add, rename and remove rooms, and register, configure, switch on or off
// and remove sensors (each type's settings come from its JSON Schema).
import { h, fill } from '../lib/dom.js';
import { get, getAll, post, put, del, ApiError } from '../lib/api.js';
import { session } from '../lib/session.js';
import { pageHead, card, field, busy, formValues, table, badge, confirmDialog, toast, showError } from '../lib/ui.js';
import { ago } from '../lib/format.js';
import { subscribe } from '../lib/stream.js';
import { editorDialog, sensorDialog, sourceNames, stacked } from '../lib/automation.js';


export async function render(view, { signal, query }) {
  const admin = session.isAdmin;
  let rooms = [];
  let sensors = [];
  let types = [];
  const roomsBox = h('div');
  const sensorsBox = h('div');
  const roomFilter = h('select', { id: 'room-filter', name: 'room' });
  const lastSeen = new Map();   // sensor id -> occurred_at of the last live event

  const roomName = (rid) => {
    const r = rooms.find((x) => x.id === rid);
    return r ? r.name : '–';
  };

  // ---- rooms
  const editRoom = (room) => editorDialog(room ? `Edit ${room.name}` : 'New room', [
    field('name', 'Name', { value: room ? room.name : '', required: true, maxlength: 256 }),
    field('description', 'Description', { type: 'textarea', value: room ? room.description || '' : '', help: 'Optional, e.g. “Ground floor, facing the garden”.' }),
  ], (form) => busy(null, async () => {
    const v = formValues(form);
    const body = { name: v.name.trim(), description: v.description.trim() || null };
    if (room) await put(`/api/v1/rooms/${room.id}`, body);
    else await post('/api/v1/rooms', body);
    toast(room ? 'Room saved' : `Room “${body.name}” added`, 'ok');
    await loadAll();
    return true;
  }, form), room ? 'Save' : 'Add room');

  const deleteRoom = async (room, button) => {
    if (room.sensor_count > 0) {
      toast(`${room.name} still has ${room.sensor_count} sensor${room.sensor_count === 1 ? '' : 's'}: move or delete them first.`, 'error');
      return;
    }
    if (!(await confirmDialog(`Delete the room “${room.name}”?`))) return;
    await busy(button, async () => {
      try {
        await del(`/api/v1/rooms/${room.id}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          toast(`${room.name} still has sensors: move or delete them first.`, 'error');
          await loadAll();
          return;
        }
        throw err;
      }
      toast('Room deleted', 'ok');
      await loadAll();
    });
  };

  const drawRooms = () => {
    fill(roomsBox, stacked(table([
      { label: 'Room', cell: (r) => h('span', null, h('strong', null, r.name), r.ha_area_id ? ' ' : null,
        r.ha_missing ? badge('gone from Home Assistant', 'warn') : r.ha_area_id ? badge('Home Assistant', 'info') : null) },
      { label: 'Description', cell: (r) => r.description || h('span', { class: 'muted' }, '–') },
      { label: 'Sensors', class: 'num', cell: (r) => h('button', { class: 'link', type: 'button', title: `Show the sensors of ${r.name}`,
        onclick: () => { roomFilter.value = String(r.id); filterChanged(); } }, String(r.sensor_count)) },
      admin ? { label: 'Actions', cell: (r) => h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => editRoom(r), 'aria-label': `Edit ${r.name}` }, 'Edit'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${r.name}`,
          onclick: (ev) => deleteRoom(r, ev.currentTarget) }, 'Delete')) } : null,
    ].filter(Boolean), rooms, 'No rooms yet.')));
  };

  // ---- sensors
  const editSensor = (sensor) => sensorDialog({
    sensor, types, rooms, room: roomFilter.value,
    onSaved: async (saved) => { toast(sensor ? 'Sensor saved' : `Sensor “${saved.name}” added`, 'ok'); await loadAll(); },
  });

  const toggleSensor = (s, button) => busy(button, async () => {
    await put(`/api/v1/sensors/${s.id}`, { enabled: !s.enabled });
    toast(`${s.name} ${s.enabled ? 'disabled' : 'enabled'}`, 'ok');
    await loadAll();
  });

  const deleteSensor = async (s, button) => {
    if (!(await confirmDialog(`Delete the sensor “${s.name}”? Rules that use it stop firing from it.`))) return;
    await busy(button, async () => {
      await del(`/api/v1/sensors/${s.id}`);
      toast('Sensor deleted', 'ok');
      await loadAll();
    });
  };

  const sensorLink = (s) => (s.sensor_type === 'camera'
    ? h('span', null, h('a', { href: `/sensors/${s.id}` }, s.name), ' ', h('a', { href: `/cameras/${s.id}`, class: 'muted' }, '(camera)'))
    : h('a', { href: `/sensors/${s.id}` }, s.name));

  const drawSensors = () => {
    const rid = roomFilter.value ? Number(roomFilter.value) : null;
    const shown = rid ? sensors.filter((s) => s.room_id === rid) : sensors;
    fill(sensorsBox, stacked(table([
      { label: 'Sensor', cell: sensorLink },
      { label: 'Type', cell: (s) => s.sensor_type.replace(/_/g, ' ') },
      { label: 'Room', cell: (s) => roomName(s.room_id) },
      { label: 'Source', cell: (s) => sourceNames[s.source] || s.source },
      { label: 'State', cell: (s) => h('span', null, s.enabled ? badge('enabled', 'ok') : badge('disabled'),
        lastSeen.has(s.id) ? h('small', { class: 'muted' }, ` event ${ago(lastSeen.get(s.id))}`) : null) },
      admin ? { label: 'Actions', cell: (s) => h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => editSensor(s), 'aria-label': `Edit ${s.name}` }, 'Edit'),
        h('button', { type: 'button', onclick: (ev) => toggleSensor(s, ev.currentTarget), 'aria-label': `${s.enabled ? 'Disable' : 'Enable'} ${s.name}` },
          s.enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'danger', onclick: (ev) => deleteSensor(s, ev.currentTarget), 'aria-label': `Delete ${s.name}` }, 'Delete')) } : null,
    ].filter(Boolean), shown, rid ? 'No sensors in this room.' : 'No sensors yet.')));
  };

  const drawFilter = () => {
    const keep = roomFilter.value || query.get('room') || '';
    fill(roomFilter, h('option', { value: '' }, 'All rooms'), rooms.map((r) => h('option', { value: String(r.id) }, r.name)));
    roomFilter.value = rooms.some((r) => String(r.id) === keep) ? keep : '';
  };

  function filterChanged() {
    const url = roomFilter.value ? `/rooms?room=${roomFilter.value}` : '/rooms';
    history.replaceState(null, '', url);
    drawSensors();
  }
  roomFilter.addEventListener('change', filterChanged);

  async function loadAll() {
    [rooms, sensors] = await Promise.all([
      getAll('/api/v1/rooms', {}, 5000, { signal }),
      getAll('/api/v1/sensors', {}, 5000, { signal }),
    ]);
    drawFilter();
    drawRooms();
    drawSensors();
  }

  const typesPage = await get('/api/v1/sensor-types', null, { signal });
  types = typesPage.items || [];
  await loadAll();

  fill(view,
    pageHead('Rooms & sensors'),
    h('section', { class: 'card' },
      h('div', { class: 'page-head' }, h('h2', null, 'Rooms'),
        admin ? h('button', { class: 'primary', type: 'button', onclick: () => editRoom(null) }, 'Add a room') : null),
      roomsBox),
    h('section', { class: 'card' },
      h('div', { class: 'page-head' }, h('h2', null, 'Sensors'),
        h('div', { class: 'actions list-filters' },
          h('div', { class: 'field inline-field' }, h('label', { for: 'room-filter' }, 'Room'), roomFilter),
          admin ? h('button', { class: 'primary', type: 'button', onclick: () => editSensor(null) }, 'Add a sensor') : null)),
      sensorsBox,
      h('p', { class: 'muted' }, 'Cameras are set up on the ', h('a', { href: '/cameras' }, 'Cameras'), ' page; they are listed here as sensors too.')));

  // A sensor's event shows up in its row; sensors added elsewhere appear.
  let timer = null;
  subscribe('events', (msg) => {
    if (msg.type !== 'event.created' || !msg.data || !msg.data.sensor_id) return;
    lastSeen.set(msg.data.sensor_id, msg.data.occurred_at || msg.at);
    if (!sensors.some((s) => s.id === msg.data.sensor_id)) {
      clearTimeout(timer);
      timer = setTimeout(() => loadAll().catch((err) => showError(err)), 500);
    } else drawSensors();
  }, signal);
  return () => clearTimeout(timer);
}
