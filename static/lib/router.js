// Pages by URL with the History API: deep links work (nginx answers any
// page path with index.html), links inside the dashboard do not reload,
// and the page being left is told (its AbortSignal) so it closes its
// streams and timers.
import { h, fill } from './dom.js';
import { loading } from './ui.js';

let routes = [];
let current = null;   // {controller, cleanup}
let guard = () => null;
let onRender = () => {};

function compile(path) {
  const names = [];
  const re = path.replace(/:([a-z_]+)/g, (_, n) => {
    names.push(n);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${re}/?$`), names };
}

// table: [{path: '/rules/:id', load: () => import(...), ...}]
// guardFn(route) -> a URL to go to instead, or null; renderFn(route) after
// each page is shown (the navigation's current item).
export function setRoutes(table, guardFn, renderFn) {
  routes = table.map((r) => ({ ...r, ...compile(r.path) }));
  guard = guardFn || guard;
  onRender = renderFn || onRender;
}

export function match(pathname) {
  for (const r of routes) {
    const m = r.re.exec(pathname);
    if (m) {
      const params = {};
      r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  return show();
}

export async function show() {
  const view = document.getElementById('view');
  if (current) {
    current.controller.abort();
    if (typeof current.cleanup === 'function') current.cleanup();
    current = null;
  }
  const found = match(location.pathname);
  if (!found) {
    document.title = 'Not found · Hearth';
    fill(view, h('h1', null, 'Not found'), h('p', null, 'There is no such page. ', h('a', { href: '/' }, 'Home')));
    return;
  }
  const redirect = guard(found.route);
  if (redirect && redirect !== location.pathname + location.search) {
    await navigate(redirect, { replace: true });
    return;
  }
  const controller = new AbortController();
  const mine = { controller, cleanup: null };
  current = mine;
  loading(view);
  onRender(found.route);
  try {
    const mod = await found.route.load();
    if (current !== mine) return;
    const cleanup = await mod.render(view, {
      params: found.params,
      query: new URLSearchParams(location.search),
      signal: controller.signal,
      navigate,
      refresh: show,
    });
    if (current === mine) mine.cleanup = cleanup;
    else if (typeof cleanup === 'function') cleanup();
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    if (current !== mine) return;
    console.warn(err);
    fill(view, h('h1', null, 'This page could not be shown'),
      h('p', { class: 'error-box' }, String((err && err.message) || err)),
      h('p', null, h('button', { onclick: () => show() }, 'Try again')));
  }
  if (current === mine) view.focus({ preventScroll: true });
}

// Links inside the dashboard navigate without a reload.
export function start() {
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target.closest && ev.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    if (url.pathname.startsWith('/api/') || url.pathname === '/docs' || url.pathname.includes('.')) return;
    if (!match(url.pathname)) return;
    ev.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  window.addEventListener('popstate', () => show());
  return show();
}
