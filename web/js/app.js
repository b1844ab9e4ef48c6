// The Convene browser client: a small router over three pages.
import { get, post, ApiError } from './api.js';
import { renderAuth } from './auth.js';
import { renderDashboard } from './dashboard.js';
import { renderRoom } from './room.js';

export const main = document.getElementById('main');
let me = null;
let cleanup = null;

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 3000);
}

export function navigate(path) {
  history.pushState({}, '', path);
  route();
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function errorText(e) { return e instanceof ApiError ? e.message : String(e.message || e); }

function renderNav() {
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  if (!me) return;
  nav.append(el('span', { class: 'muted' }, me.username, ' '),
    el('button', { onclick: async () => { await post('/auth/logout').catch(() => {}); me = null; navigate('/login'); } }, 'Sign out'));
}

export async function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  const path = location.pathname;
  if (!me && !['/login', '/register'].includes(path)) {
    try { me = (await get('/auth/me')).user; } catch { me = null; }
  }
  renderNav();
  main.replaceChildren();
  if (path === '/login' || path === '/register') {
    return renderAuth(path === '/register' ? 'register' : 'login', (user) => { me = user; navigate(sessionStorage.getItem('after-login') || '/'); sessionStorage.removeItem('after-login'); });
  }
  if (!me) { sessionStorage.setItem('after-login', path); return navigate('/login'); }
  const join = path.match(/^\/join\/([^/]+)$/);
  if (join) {
    try {
      const room = await post('/rooms/join/' + encodeURIComponent(join[1]));
      return navigate('/room/' + room.id);
    } catch (e) {
      main.append(el('div', { class: 'card narrow' }, el('h2', {}, 'Cannot join'), el('p', { class: 'error' }, errorText(e)), el('a', { href: '/' }, 'Back to your meetings')));
      return;
    }
  }
  const room = path.match(/^\/room\/([^/]+)$/);
  if (room) { cleanup = await renderRoom(room[1], me); return; }
  return renderDashboard(me);
}

window.addEventListener('popstate', route);
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a');
  if (a && a.origin === location.origin && !a.hasAttribute('download') && !a.target) { ev.preventDefault(); navigate(a.pathname); }
});
route();
