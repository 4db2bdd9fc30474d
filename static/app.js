// The dashboard: the page table, the navigation a role may see, and the
// start-up (setup first, then sign-in, then the page asked for).
import { h, fill } from './lib/dom.js';
import { onSignedOut } from './lib/api.js';
import { session } from './lib/session.js';
import { setRoutes, start, navigate, show } from './lib/router.js';
import { toast } from './lib/ui.js';
import { watchPrompts } from './lib/prompts.js';

// public: shown signed out; admin: only for the admin role (the API
// refuses the others anyway; the page is not offered).
const pages = [
  { path: '/signin', load: () => import('./pages/signin.js'), public: true },
  { path: '/setup', load: () => import('./pages/setup.js'), public: true },
  { path: '/', load: () => import('./pages/home.js'), nav: 'Home' },
  { path: '/rooms', load: () => import('./pages/rooms.js'), nav: 'Rooms & sensors' },
  { path: '/sensors/:id', load: () => import('./pages/sensor.js') },
  { path: '/rules', load: () => import('./pages/rules.js'), nav: 'Rules' },
  { path: '/rules/new', load: () => import('./pages/rule.js') },
  { path: '/rules/:id', load: () => import('./pages/rule.js') },
  { path: '/runs', load: () => import('./pages/runs.js'), nav: 'Runs' },
  { path: '/runs/:id', load: () => import('./pages/run.js') },
  { path: '/alerts', load: () => import('./pages/alerts.js'), nav: 'Alerts' },
  { path: '/events', load: () => import('./pages/events.js'), nav: 'Events' },
  { path: '/events/:id', load: () => import('./pages/event.js') },
  { path: '/cameras', load: () => import('./pages/cameras.js'), nav: 'Cameras' },
  { path: '/cameras/:id', load: () => import('./pages/camera.js') },
  { path: '/timelapse', load: () => import('./pages/timelapse.js'), nav: 'Timelapse' },
  { path: '/people', load: () => import('./pages/people.js'), nav: 'People' },
  { path: '/notifications', load: () => import('./pages/notifications.js'), nav: 'Notifications' },
  { path: '/storage', load: () => import('./pages/storage.js'), nav: 'Storage' },
  { path: '/dlq', load: () => import('./pages/dlq.js'), nav: 'Dead letters' },
  { path: '/system', load: () => import('./pages/system.js'), nav: 'System' },
  { path: '/logs', load: () => import('./pages/logs.js'), nav: 'Logs', admin: true },
  { path: '/users', load: () => import('./pages/users.js'), nav: 'Users & keys', admin: true },
  { path: '/settings', load: () => import('./pages/settings.js'), nav: 'Settings', admin: true },
  { path: '/audit', load: () => import('./pages/audit.js'), nav: 'Audit', admin: true },
  { path: '/account', load: () => import('./pages/account.js') },
];

function guard(route) {
  const here = location.pathname + location.search;
  if (!session.setupDone && route.path !== '/setup') return '/setup';
  if (session.setupDone && route.path === '/setup') return session.signedIn ? '/' : '/signin';
  if (!route.public && !session.signedIn) return `/signin?next=${encodeURIComponent(here)}`;
  if (route.path === '/signin' && session.signedIn) return '/';
  if (route.admin && !session.isAdmin) return '/';
  return null;
}

function renderNav(route) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  document.body.dataset.signedIn = session.signedIn ? 'yes' : 'no';
  if (!session.signedIn) {
    fill(nav);
    fill(who);
    return;
  }
  const visible = pages.filter((p) => p.nav && (!p.admin || session.isAdmin));
  fill(nav, h('ul', null, visible.map((p) => {
    const active = route && (route.path === p.path || (p.path !== '/' && route.path.startsWith(`${p.path.replace(/s$/, '')}`)));
    return h('li', null, h('a', { href: p.path, 'aria-current': active ? 'page' : null }, p.nav));
  })));
  fill(who,
    h('a', { href: '/account', title: 'My account' }, session.user ? (session.user.display_name || session.user.username) : session.role),
    h('button', { class: 'link', onclick: async () => {
      await session.signOut().catch(() => {});
      toast('Signed out');
      navigate('/signin', { replace: true });
    } }, 'Sign out'));
  document.getElementById('menu').setAttribute('aria-expanded', 'false');
  document.body.classList.remove('nav-open');
}

async function main() {
  const menu = document.getElementById('menu');
  menu.addEventListener('click', () => {
    const open = document.body.classList.toggle('nav-open');
    menu.setAttribute('aria-expanded', String(open));
  });
  try {
    await session.load();
  } catch (err) {
    fill(document.getElementById('view'), h('h1', null, 'Hearth cannot be reached'),
      h('p', null, String(err.message || err)), h('p', null, h('button', { onclick: () => location.reload() }, 'Try again')));
    return;
  }
  onSignedOut(async () => {
    await session.load().catch(() => {});
    if (!session.signedIn) navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  });
  setRoutes(pages, guard, renderNav);
  await start();
  watchPrompts(session);
}

// Signing in or out elsewhere in the app re-reads the session and the nav.
export async function sessionChanged() {
  await session.load();
  watchPrompts(session);
  return show();
}

main();
