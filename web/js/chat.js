// The call's chat panel: messages grouped by sender (a run of messages from
// one person within five minutes shares one header), timestamps, images, an
// emoji picker, and an unread count while the panel is not in view.
import { el, toast } from './ui.js';

const EMOJI = ['😀', '😂', '😊', '😍', '🤔', '😮', '😢', '😡', '👍', '👎', '👏', '🙌', '🙏', '💪', '👋', '🤝',
  '🎉', '🔥', '❤️', '💯', '✅', '❌', '⭐', '🚀', '☕', '🍕', '🎂', '👀', '💡', '📌', '⏰', '🤷'];
const GROUP_MS = 5 * 60 * 1000;

export function createChat({ send, selfUserId, onUnread = () => {} }) {
  const log = el('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Chat messages', tabindex: '0' });
  const input = el('input', { 'aria-label': 'Message', placeholder: 'Message…', maxlength: 4000, autocomplete: 'off' });
  let last = null;       // {userId, at, group}
  let unread = 0, visible = true;

  const picker = el('div', { class: 'emoji-picker', role: 'dialog', 'aria-label': 'Emoji', hidden: true },
    EMOJI.map((e) => el('button', { type: 'button', 'aria-label': 'Insert ' + e, onclick: () => insert(e) }, e)));
  const emojiButton = el('button', { type: 'button', 'aria-label': 'Emoji', 'aria-expanded': 'false', 'aria-haspopup': 'true', onclick: () => togglePicker() }, '😊');
  function togglePicker(open = picker.hidden) {
    picker.hidden = !open;
    emojiButton.setAttribute('aria-expanded', String(open));
    if (open) picker.querySelector('button').focus();
  }
  picker.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { togglePicker(false); emojiButton.focus(); return; }
    const buttons = [...picker.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 8, ArrowUp: -8 }[ev.key];
    if (step && i >= 0) { ev.preventDefault(); buttons[(i + step + buttons.length) % buttons.length].focus(); }
  });
  function insert(e) {
    const s = input.selectionStart ?? input.value.length, t = input.selectionEnd ?? s;
    input.value = input.value.slice(0, s) + e + input.value.slice(t);
    togglePicker(false);
    input.focus();
    input.setSelectionRange(s + e.length, s + e.length);
  }

  const file = el('input', { type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp', class: 'visually-hidden', id: 'chat-image', onchange: (ev) => {
    const f = ev.target.files[0]; ev.target.value = '';
    if (!f) return;
    if (f.size > 2 * 1024 * 1024) return toast('Images are limited to 2 MB.');
    const r = new FileReader(); r.onload = () => send({ type: 'chat-message', kind: 'image', content: r.result }); r.readAsDataURL(f);
  } });
  const form = el('form', { class: 'chat-form', 'aria-label': 'Send a message' },
    emojiButton, input, el('label', { class: 'button', for: 'chat-image', title: 'Send an image', 'aria-label': 'Send an image' }, '🖼', file),
    el('button', { type: 'submit', class: 'primary' }, 'Send'), picker);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send({ type: 'chat-message', kind: 'text', content: text });
    input.value = '';
  });
  const element = el('div', { class: 'chat' }, log, form);

  function add(m) {
    const at = new Date(m.createdAt || Date.now());
    const userId = m.from?.userId ?? m.from?.username;
    const mine = userId === selfUserId;
    const body = m.kind === 'image' ? el('img', { src: m.content, alt: 'Image from ' + m.from.username, loading: 'lazy' }) : el('span', { class: 'text' }, m.content);
    const time = el('time', { datetime: at.toISOString(), title: at.toLocaleString() }, at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    const line = el('div', { class: 'msg' + (m.kind === 'caption' ? ' caption' : '') }, body, time);
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    if (last && last.userId === userId && at - last.at < GROUP_MS && m.kind !== 'caption' && !last.caption) {
      last.group.append(line);
    } else {
      const group = el('div', { class: 'msg-group' + (mine ? ' mine' : ''), 'data-user': String(userId) },
        el('div', { class: 'who' }, mine ? 'You' : m.from.username), line);
      log.append(group);
      last = { userId, at, group, caption: m.kind === 'caption' };
    }
    last.at = at;
    if (stick || mine) log.scrollTop = log.scrollHeight;
    if (!mine && !(visible && document.visibilityState === 'visible')) { unread++; onUnread(unread); }
  }
  function reset(list) { log.replaceChildren(); last = null; list.forEach((m) => add({ ...m, replay: true })); unread = 0; onUnread(0); }
  function setVisible(v) {
    visible = v;
    if (v && unread) { unread = 0; onUnread(0); log.scrollTop = log.scrollHeight; }
  }
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible' && visible) setVisible(true); });
  return { element, input, add, reset, setVisible, get unread() { return unread; } };
}
