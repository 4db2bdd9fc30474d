// Times as the household reads them: in the hub's time zone (from
// /auth/status), falling back to the browser's.

let zone;
export function setTimeZone(tz) {
  zone = tz || undefined;
}

function fmt(opts) {
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: zone });
  } catch {
    return new Intl.DateTimeFormat(undefined, opts);
  }
}

export function dateTime(iso) {
  if (!iso) return '–';
  return fmt({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function time(iso) {
  if (!iso) return '–';
  return fmt({ timeStyle: 'medium' }).format(new Date(iso));
}

export function day(iso) {
  if (!iso) return '–';
  return fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(iso));
}

// "3 min ago", "in 2 h".
export function ago(iso, now = Date.now()) {
  if (!iso) return '–';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const a = Math.abs(s);
  if (a < 60) return rtf.format(s, 'second');
  if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const d = Math.floor(seconds / 86400);
  const hrs = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} d ${hrs} h`;
  if (hrs > 0) return `${hrs} h ${m} min`;
  if (m > 0) return `${m} min ${Math.floor(seconds % 60)} s`;
  return `${Math.round(seconds * 10) / 10} s`;
}

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
