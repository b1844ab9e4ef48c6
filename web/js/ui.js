// The browser client's shared helpers (el, toast, readable errors, the
// light/dark theme, navigation). Pages import these; this module imports no
// page, so the pages and the router (app.js) never import each other in a circle.
import { ApiError } from './api.js';

export const main = document.getElementById('main');
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
}

// The router (app.js) registers itself; navigating renders the new page.
let router = () => {};
export function setRouter(fn) { router = fn; }
export function navigate(path, replace = false) {
  if (replace) history.replaceState({}, '', path); else history.pushState({}, '', path);
  router();
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
export function applyTheme(t = localStorage.getItem('convene-theme') || 'system') {
  if (t === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', t);
}
