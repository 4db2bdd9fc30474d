// Shared by the alerts, events, cameras, timelapse and storage pages:
// badges for risk, alert levels and camera status, who may act, filters
// kept in the address bar, and SVG nodes (h() makes HTML elements only).
import { badge } from './ui.js';
import { session } from './session.js';

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'];
const riskState = { low: 'ok', medium: 'info', high: 'warn', critical: 'bad' };
export function riskBadge(level, score) {
  const text = score === undefined || score === null ? `${level} risk` : `${level} risk · ${score}`;
  return badge(text, riskState[level]);
}

export const ALERT_LEVELS = ['emergency', 'warning', 'info', 'reminder'];
const levelState = { emergency: 'bad', warning: 'warn', info: 'info', reminder: 'info' };
export function levelBadge(level) {
  return badge(level, levelState[level]);
}

const cameraState = { online: 'ok', offline: 'warn', error: 'bad' };
export function cameraBadge(cam) {
  if (!cam.enabled) return badge('disabled');
  return badge(cam.status, cameraState[cam.status]);
}

// Acting on alerts is open to admins and caregivers; everything else these
// pages change (reviews, zones, cameras, settings, deletions) to admins only.
export function canActOnAlerts() {
  return session.role === 'admin' || session.role === 'caregiver';
}

// Write the page's filters into the address bar without reloading the page,
// so that a reload or a shared link shows the same list.
export function keepQuery(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
}

// ISO 8601 for the API from an <input type="date"> value, at the start of
// that day in the browser's zone (or of the next day, for "until").
export function dateParam(value, endOfDay = false) {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  const t = new Date(y, m - 1, d + (endOfDay ? 1 : 0));
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) node.append(c);
  return node;
}
