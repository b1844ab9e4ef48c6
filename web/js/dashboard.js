// My meetings, create or schedule one, join by code, and my analytics.
import { get, post } from './api.js';
import { main, el, errorText, navigate, toast } from './app.js';

function when(iso) { return iso ? new Date(iso).toLocaleString() : ''; }

export async function renderDashboard(me) {
  const error = el('p', { class: 'error', role: 'alert' });
  const create = el('form', { class: 'card', 'aria-label': 'New meeting' },
    el('h2', {}, 'New meeting'),
    el('label', { for: 'm-name' }, 'Name'), el('input', { id: 'm-name', name: 'name', placeholder: me.username + "'s meeting" }),
    el('label', { for: 'm-type' }, 'Kind'),
    el('select', { id: 'm-type', name: 'type' }, el('option', { value: 'GROUP' }, 'Group call'), el('option', { value: 'ONE_TO_ONE' }, '1:1 call (peer to peer)'), el('option', { value: 'VIRTUAL_ROOM' }, 'Virtual room')),
    el('label', { for: 'm-when' }, 'Schedule for (leave empty to start now)'), el('input', { id: 'm-when', name: 'when', type: 'datetime-local' }),
    el('label', { class: 'row' }, el('input', { type: 'checkbox', name: 'lobby', style: 'width:auto' }), ' Waiting room (lobby)'),
    error, el('button', { class: 'primary', type: 'submit' }, 'Create'));
  create.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const d = Object.fromEntries(new FormData(create));
    const body = { type: d.type, lobbyEnabled: !!d.lobby };
    if (d.name) body.name = d.name;
    if (d.when) body.scheduledAt = new Date(d.when).toISOString();
    try {
      const room = await post('/rooms', body);
      if (body.scheduledAt) { toast('Scheduled. Invite link copied.'); navigator.clipboard?.writeText(location.origin + '/join/' + room.inviteCode).catch(() => {}); renderDashboard(me); }
      else navigate('/room/' + room.id);
    } catch (e) { error.textContent = errorText(e); }
  });
  const joinForm = el('form', { class: 'card', 'aria-label': 'Join a meeting' }, el('h2', {}, 'Join a meeting'),
    el('label', { for: 'code' }, 'Invite code or link'), el('input', { id: 'code', name: 'code', required: true }),
    el('button', { type: 'submit' }, 'Join'));
  joinForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = new FormData(joinForm).get('code').trim().split('/').pop();
    navigate('/join/' + code);
  });

  const lists = el('div', { class: 'card' }, el('h2', {}, 'My meetings'), el('p', { class: 'muted' }, 'Loading…'));
  const stats = el('div', { class: 'card' }, el('h2', {}, 'Analytics'));
  main.replaceChildren(el('div', { class: 'grid2' }, el('div', {}, create, joinForm), el('div', {}, lists, stats)));

  try {
    const [active, upcoming, past] = await Promise.all([get('/rooms?active=true'), get('/rooms?scheduled=upcoming'), get('/rooms?active=false')]);
    const section = (title, rooms, open) => [el('h3', {}, title), rooms.length ? el('ul', { class: 'plain' }, rooms.slice(0, 20).map((r) =>
      el('li', {}, open ? el('a', { href: '/room/' + r.id }, r.name) : el('span', {}, r.name), ' ', el('span', { class: 'muted' }, r.type.replace('_', ' ').toLowerCase(), ' ', when(r.scheduledAt || r.endedAt || r.createdAt))))) : el('p', { class: 'muted' }, 'None.')];
    const upcomingIds = new Set(upcoming.rooms.map((r) => r.id));
    lists.replaceChildren(el('h2', {}, 'My meetings'), ...section('Active', active.rooms.filter((r) => !upcomingIds.has(r.id)), true),
      ...section('Scheduled', upcoming.rooms, true), ...section('Past', past.rooms, false));
  } catch (e) { lists.append(el('p', { class: 'error' }, errorText(e))); }

  try {
    const s = await get('/rooms/stats');
    const max = Math.max(1, ...s.daily.map((d) => d.minutes));
    stats.append(
      el('p', {}, `${s.totalMeetings} meetings · ${s.totalMinutes} minutes · ${s.averageMinutes} min average · hosted ${s.hostedCount}`),
      el('div', { class: 'bars', role: 'img', 'aria-label': 'Minutes in meetings over the last 30 days' },
        s.daily.map((d) => el('div', { style: `height:${(d.minutes / max) * 100}%`, title: `${d.date}: ${d.minutes} min` }))),
      el('p', { class: 'muted' }, `1:1 ${s.byType.ONE_TO_ONE} · group ${s.byType.GROUP} · virtual ${s.byType.VIRTUAL_ROOM}`));
  } catch (e) { stats.append(el('p', { class: 'error' }, errorText(e))); }
}
