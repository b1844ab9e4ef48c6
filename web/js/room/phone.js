// The call on a phone (narrow screens; the layout itself is css, under the
// same media query): the "more" sheet with what the bottom row leaves out,
// chat and people as a sheet over the video, and our own camera as a
// picture-in-picture that can be dragged to any corner of the video.
import { el } from '../ui.js';

export const PHONE = '(max-width: 600px)';

// controls: the toolbar element, whose buttons the "more" sheet stands in for;
// panel: the side panel (panel.js), shown as a sheet; board: the whiteboard's
// card, also a sheet (closed when the screen becomes a phone's).
export function createPhone({ callBox, videos, controls, panel, board, onSheet }) {
  const phone = matchMedia(PHONE);
  const closeSheet = el('button', { type: 'button', class: 'phone-only sheet-close', 'aria-label': 'Close', onclick: () => showSheet(null) }, '✕');
  panel.element.prepend(closeSheet);
  panel.element.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && sheet) { showSheet(null); controls.querySelector('#btn-more')?.focus(); } });
  let sheet = null;
  function showSheet(tab) {
    sheet = tab;
    callBox.classList.toggle('sheet-open', !!tab);
    if (tab) { panel.select(tab); closeSheet.focus(); }
    onSheet();
  }
  // Is the panel in view (always on larger screens, when open on a phone)?
  const panelShown = () => !phone.matches || !!sheet;

  // The "more" sheet: one item per toolbar button that is hidden on a phone
  // and offered here (not the ones hidden because they cannot work, such as
  // screen sharing without getDisplayMedia, or are not ours to use).
  const MORE = ['btn-hand', 'btn-screen', 'btn-devices', 'btn-board', 'btn-invite', 'btn-captions', 'btn-record', 'btn-end'];
  function openMore() {
    const items = [
      el('button', { type: 'button', role: 'menuitem', onclick: () => { d.close(); showSheet('chat'); } }, '💬 Chat', el('span', { class: 'count' }, unread ? String(unread) : '')),
      el('button', { type: 'button', role: 'menuitem', onclick: () => { d.close(); showSheet('people'); } }, '👥 People'),
      ...MORE.map((id) => controls.querySelector('#' + id)).filter((b) => b && !b.hidden).map((b) =>
        el('button', { type: 'button', role: 'menuitem', class: b.classList.contains('danger') ? 'danger' : null, 'data-for': b.id, onclick: () => { d.close(); b.click(); } },
          b.id === 'btn-hand' ? (b.getAttribute('aria-pressed') === 'true' ? '✋ Lower hand' : '✋ Raise hand') : b.textContent)),
    ];
    const d = el('dialog', { class: 'sheet more', 'aria-label': 'More options' },
      el('div', { role: 'menu', 'aria-label': 'More options' }, items),
      el('form', { method: 'dialog' }, el('button', { value: 'close', class: 'sheet-cancel' }, 'Cancel')));
    d.addEventListener('close', () => d.remove());
    d.addEventListener('click', (ev) => { if (ev.target === d) d.close(); });  // a tap on the backdrop
    document.body.append(d); d.showModal(); items[0].focus();
  }
  let unread = 0;
  function setUnread(n) {
    unread = n;
    controls.querySelector('#btn-more')?.setAttribute('data-unread', n ? String(n) : '');
  }

  // Our camera's picture-in-picture: dragged with a finger or the mouse;
  // where it was let go is kept (as offsets from the bottom-right corner).
  let drag = null;
  videos.addEventListener('pointerdown', (ev) => {
    const tile = ev.target.closest('.tile[data-peer="self"][data-source="camera"]:not(.featured)');
    if (!tile || !phone.matches) return;
    const box = videos.getBoundingClientRect(), r = tile.getBoundingClientRect();
    drag = { tile, id: ev.pointerId, dx: ev.clientX - r.left, dy: ev.clientY - r.top, box, w: r.width, h: r.height };
    tile.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  videos.addEventListener('pointermove', (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const { box, w, h } = drag;
    const left = Math.min(Math.max(ev.clientX - drag.dx - box.left, 0), box.width - w);
    const top = Math.min(Math.max(ev.clientY - drag.dy - box.top, 0), box.height - h);
    videos.style.setProperty('--pip-right', Math.round(box.width - w - left) + 'px');
    videos.style.setProperty('--pip-bottom', Math.round(box.height - h - top) + 'px');
  });
  const drop = (ev) => { if (drag && ev.pointerId === drag.id) drag = null; };
  videos.addEventListener('pointerup', drop);
  videos.addEventListener('pointercancel', drop);
  const boardButton = () => controls.querySelector('#btn-board');
  board.prepend(el('button', { type: 'button', class: 'phone-only sheet-close', 'aria-label': 'Close the whiteboard', onclick: () => boardButton()?.click() }, '✕'));
  const onChange = () => {
    if (phone.matches && !board.hidden) boardButton()?.click();  // a sheet over the call's controls
    if (!phone.matches && sheet) showSheet(null); else onSheet();
  };
  phone.addEventListener('change', onChange);

  return { openMore, showSheet, panelShown, setUnread, close: () => phone.removeEventListener('change', onChange) };
}
