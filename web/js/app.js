// The Convene browser client: a small router over the pages, the shared
// helpers (el, toast, readable errors) and the light/dark theme.
import { get, post, ApiError } from './api.js';
import { renderAuth } from './auth.js';
import { renderDashboard } from './dashboard.js';
import { renderJoin } from './join.js';
import { renderRoom } from './room.js';
import { renderWatch } from './watch.js';

export const main = document.getElementById('main');
let me = null;
let cleanup = null;

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
}

export function navigate(path, replace = false) {
  if (replace) history.replaceState({}, '', path); else history.pushState({}, '', path);
  route();
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

// A sentence a person can act on, for every error the client can meet.
const MESSAGES = {
  unreachable: 'The server cannot be reached. Check your connection; Convene keeps trying.',
  room_full: 'This meeting is full. Ask the host to raise the limit or to start another meeting.',
  room_ended: 'This meeting has ended.',
  not_found: 'No meeting matches this link or invite code. Check it with the person who sent it.',
  forbidden: 'You are not allowed to do that in this meeting.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
  database_unavailable: 'The server is having trouble with its database. Try again in a minute.',
  internal_error: 'Something went wrong on the server. Try again.',
};
export function errorText(e) {
  if (e instanceof ApiError) return MESSAGES[e.code] && e.code !== 'not_found' ? MESSAGES[e.code] : e.message;
  return String((e && e.message) || e);
}
export function roomErrorText(e) {
  return (e && MESSAGES[e.code]) || errorText(e);
}

// Light/dark: follows the system unless the person picked one.
const THEMES = { system: 'System theme', light: 'Light', dark: 'Dark' };
export function applyTheme(t = localStorage.getItem('convene-theme') || 'system') {
  if (t === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', t);
}
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

export async function route() {
  if (cleanup) { const c = cleanup; cleanup = null; c(); }
  const path = location.pathname;
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

window.addEventListener('popstate', route);
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a');
  if (a && a.origin === location.origin && !a.hasAttribute('download') && !a.target && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) { ev.preventDefault(); navigate(a.pathname); }
});
route();
