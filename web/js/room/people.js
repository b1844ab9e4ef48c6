// The people tab: everyone in the call with their role and raised hand,
// the host's actions on each (mute, co-host, remove), and the lobby.
import { el, toast } from '../ui.js';
import { isModerator, roleName } from './state.js';

// onCount(n): the number of people changed; onChange(peerId): someone's hand changed.
export function createPeople(call, { onCount, onChange }) {
  const list = el('ul', { class: 'plain people', 'aria-label': 'Participants' });
  const lobbyBox = el('div', { class: 'lobby', 'aria-live': 'polite' });
  const send = call.send;

  function render() {
    const { self, me, peers } = call;
    const mod = self && isModerator(self.role);
    const row = (name, role, extra, peerId) => el('li', { 'data-peer': peerId },
      el('span', { class: 'person' }, el('span', { class: 'avatar small', 'aria-hidden': 'true' }, name.charAt(0).toUpperCase()), name),
      el('span', { class: 'role role-' + String(role).toLowerCase() }, roleName(role)), extra);
    const you = self ? [row(me.username + ' (you)', self.role, null, self.peerId)] : [];
    list.replaceChildren(...you, ...[...peers.values()].map(({ info }) => row(`${info.handRaised ? '✋ ' : ''}${info.username}`, info.role,
      mod ? el('span', { class: 'row actions' },
        el('button', { class: 'compact', 'aria-label': 'Mute ' + info.username, onclick: () => send({ type: 'mute', peerId: info.peerId, source: 'microphone' }) }, 'Mute'),
        info.role === 'PARTICIPANT' ? el('button', { class: 'compact', 'aria-label': 'Make ' + info.username + ' co-host', onclick: () => send({ type: 'promote', peerId: info.peerId, role: 'CO_HOST' }) }, 'Co-host') : null,
        info.role !== 'HOST' ? el('button', { class: 'compact', 'aria-label': 'Remove ' + info.username, onclick: () => send({ type: 'kick', peerId: info.peerId }) }, 'Remove') : null) : null, info.peerId)));
    onCount(peers.size + (self ? 1 : 0));
    for (const n of document.querySelectorAll('[data-moderator]')) n.hidden = !mod;
    for (const n of document.querySelectorAll('[data-host]')) n.hidden = self?.role !== 'HOST';
  }
  function lobbyRequest(m) {
    if (lobbyBox.querySelector(`[data-lobby="${m.lobbyId}"]`)) return;
    lobbyBox.append(el('div', { class: 'row card', 'data-lobby': m.lobbyId, role: 'alert' }, `${m.user.username} is waiting to join`,
      el('button', { class: 'primary', onclick: () => send({ type: 'lobby-admit', lobbyId: m.lobbyId }) }, 'Admit'),
      el('button', { onclick: () => send({ type: 'lobby-reject', lobbyId: m.lobbyId }) }, 'Reject')));
  }
  // After room-joined: the people and the lobby as the server has them.
  function reset(m) {
    render(); lobbyBox.replaceChildren();
    for (const l of m.lobby || []) lobbyRequest(l);
  }
  function handle(m) {
    const { peers, self } = call;
    switch (m.type) {
      case 'lobby-request': lobbyRequest(m); break;
      case 'lobby-resolved': lobbyBox.querySelector(`[data-lobby="${m.lobbyId}"]`)?.remove(); break;
      case 'hand': { const x = peers.get(m.peerId); if (x) { x.info.handRaised = m.raised; render(); onChange(m.peerId); } break; }
      case 'role-changed': { const x = peers.get(m.peerId); if (x) x.info.role = m.role; if (m.peerId === self?.peerId) { self.role = m.role; toast('You are now ' + roleName(m.role)); } render(); break; }
      case 'host-changed': {
        for (const x of peers.values()) if (x.info.role === 'HOST') x.info.role = 'CO_HOST';
        if (self?.role === 'HOST') self.role = 'CO_HOST';
        const x = peers.get(m.peerId); if (x) x.info.role = 'HOST'; if (m.peerId === self?.peerId) self.role = 'HOST';
        render(); toast(m.peerId === self?.peerId ? 'You are now the host' : `${x?.info.username || 'Someone'} is now the host`); break;
      }
    }
  }
  return { elements: [lobbyBox, list], render, reset, handle };
}
