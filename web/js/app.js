// The Convene browser client: a small router over the pages and the
// navigation bar. Shared helpers live in ui.js.
import { get, post } from './api.js';
import { main, el, errorText, navigate, setRouter, applyTheme } from './ui.js';
import { renderAuth } from './auth.js';
import { renderDashboard } from './dashboard.js';
import { renderJoin } from './join.js';
import { renderRoom } from './room.js';
import { renderWatch } from './watch.js';
import { releaseHandedOverMedia } from './media.js';

const THEMES = { system: 'System theme', light: 'Light', dark: 'Dark' };
let me = null;
let cleanup = null;

applyTheme();

// Charts take their colours from the theme when drawn: the dashboard redraws.
function themeChanged() { if (location.pathname === '/') route(); }
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', themeChanged);

function renderNav() {
  const nav = document.getElementById('nav');
  const theme = el('select', { 'aria-label': 'Colour theme', class: 'compact', onchange: (ev) => { localStorage.setItem('convene-theme', ev.target.value); applyTheme(ev.target.value); themeChanged(); } },
    Object.entries(THEMES).map(([v, label]) => el('option', { value: v, selected: (localStorage.getItem('convene-theme') || 'system') === v }, label)));
  nav.replaceChildren(theme);
  if (!me) return;
  nav.append(el('span', { class: 'muted who-am-i' }, me.username),
    el('button', { onclick: async () => { await post('/auth/logout').catch(() => {}); me = null; navigate('/login'); } }, 'Sign out'));
}

async function route() {
  if (cleanup) { const c = cleanup; cleanup = null; c(); }
  const path = location.pathname;
  // A join page's camera handed to a call page that is not what opens now.
  if (!/^\/room\//.test(path)) releaseHandedOverMedia();
  if (!me && !['/login', '/register'].includes(path)) {
    // /auth/session answers 200 {"user":null} when nobody is signed in: no red 401 in the console.
    try { me = (await get('/auth/session')).user; } catch (e) {
      me = null;
      if (e.code === 'unreachable') {
        renderNav();
        main.replaceChildren(el('div', { class: 'card narrow', role: 'alert' }, el('h2', {}, 'Cannot reach Convene'), el('p', { class: 'error' }, errorText(e)),
          el('button', { class: 'primary', onclick: () => route() }, 'Try again')));
        return;
      }
    }
  }
  renderNav();
  main.replaceChildren();
  if (path === '/login' || path === '/register') {
    return renderAuth(path === '/register' ? 'register' : 'login', (user) => { me = user; navigate(sessionStorage.getItem('after-login') || '/'); sessionStorage.removeItem('after-login'); });
  }
  // A view link plays without signing in.
  const watch = path.match(/^\/watch\/([^/]+)$/);
  if (watch) { cleanup = await renderWatch(decodeURIComponent(watch[1]), new URLSearchParams(location.search).get('view')); return; }
  if (!me) { sessionStorage.setItem('after-login', path); return navigate('/login', true); }
  const join = path.match(/^\/join\/([^/]+)$/);
  if (join) { cleanup = await renderJoin(decodeURIComponent(join[1]), me); return; }
  const room = path.match(/^\/room\/([^/]+)$/);
  if (room) { cleanup = await renderRoom(room[1], me); return; }
  return renderDashboard(me);
}

setRouter(route);
window.addEventListener('popstate', route);
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a');
  if (a && a.origin === location.origin && !a.hasAttribute('download') && !a.target && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) { ev.preventDefault(); navigate(a.pathname); }
});
route();
