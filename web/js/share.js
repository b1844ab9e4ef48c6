// The share dialog: the invite link to copy, and links that hand it to
// WhatsApp, Telegram, X, LinkedIn, e-mail and SMS (plain links: nothing is
// sent anywhere until the person follows one).
import { el, toast } from './ui.js';

export function inviteUrl(room) { return `${location.origin}/join/${encodeURIComponent(room.inviteCode)}`; }

export function shareLinks(room) {
  const url = inviteUrl(room);
  const text = `Join my Convene meeting “${room.name}”${room.scheduledAt ? ' on ' + new Date(room.scheduledAt).toLocaleString() : ''}`;
  const u = encodeURIComponent(url), t = encodeURIComponent(text), both = encodeURIComponent(`${text}: ${url}`);
  return [
    ['WhatsApp', `https://wa.me/?text=${both}`],
    ['Telegram', `https://t.me/share/url?url=${u}&text=${t}`],
    ['X', `https://x.com/intent/post?text=${t}&url=${u}`],
    ['LinkedIn', `https://www.linkedin.com/sharing/share-offsite/?url=${u}`],
    ['E-mail', `mailto:?subject=${encodeURIComponent('Invitation: ' + room.name)}&body=${both}`],
    ['SMS', `sms:?&body=${both}`],
  ];
}

async function copy(text) {
  try { await navigator.clipboard.writeText(text); return true; } catch {
    // Clipboard API refused (no permission, insecure context): the old way.
    const ta = el('textarea', { style: 'position:fixed;opacity:0' }); ta.value = text; document.body.append(ta); ta.select();
    const ok = document.execCommand('copy'); ta.remove(); return ok;
  }
}

export function openShareDialog(room) {
  const url = inviteUrl(room);
  const link = el('input', { id: 'share-link', readonly: true, value: url, 'aria-label': 'Invite link' });
  const done = el('p', { class: 'muted', role: 'status' });
  const dialog = el('dialog', { class: 'share', 'aria-labelledby': 'share-title' },
    el('form', { method: 'dialog' },
      el('h2', { id: 'share-title' }, 'Invite people'),
      el('p', { class: 'muted' }, 'Anyone with an account and this link can join', room.lobbyEnabled ? ' (after the host admits them).' : '.'),
      el('div', { class: 'row nowrap' }, link, el('button', { type: 'button', class: 'primary', onclick: async () => {
        const ok = await copy(url);
        done.textContent = ok ? 'Link copied.' : 'Select the link and copy it.';
        if (ok) toast('Invite link copied');
        link.select();
      } }, 'Copy link')),
      done,
      el('nav', { class: 'share-links', 'aria-label': 'Share via' },
        shareLinks(room).map(([name, href]) => el('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'button', 'data-share': name.toLowerCase() }, name))),
      el('p', { class: 'muted small' }, 'Invite code: ', el('code', {}, room.inviteCode)),
      el('div', { class: 'row end' }, el('button', { value: 'close' }, 'Close'))));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  link.focus(); link.select();
  return dialog;
}
