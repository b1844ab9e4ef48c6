// The call's status line (connecting, connected, reconnecting, ended) and its
// notice for media trouble; a notice can be kept (camera denied) so that a
// later "connected" puts it back instead of clearing it.
import { el } from '../ui.js';

export function createBanner() {
  const status = el('div', { class: 'banner', role: 'status' }, 'Connecting…');
  const notice = el('div', { class: 'notice', role: 'alert', hidden: true });
  function show(text) { notice.hidden = !text; notice.textContent = text || ''; }
  return {
    status, notice, show,
    keep(text) { notice.dataset.keep = text; show(text); },
    restore() { show(notice.dataset.keep || ''); },
    showing: (prefix) => notice.textContent.startsWith(prefix),
    setStatus(text, alert = false) { status.textContent = text; status.setAttribute('role', alert ? 'alert' : 'status'); },
  };
}
