// My meetings, create or schedule one, join by code, and my analytics drawn
// with Chart.js (vendored into dist/vendor at build time; when it is missing,
// e.g. the unbuilt web/ is served, plain bars stand in).
import { get, post } from './api.js';
import { main, el, errorText, navigate, toast } from './ui.js';
import { openShareDialog } from './share.js';

function when(iso) { return iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : ''; }
const TYPE_LABEL = { ONE_TO_ONE: '1:1', GROUP: 'Group', VIRTUAL_ROOM: 'Virtual room' };

let chartLib = null;
function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  chartLib ??= new Promise((resolve) => {
    const s = document.createElement('script');
    s.src = '/vendor/chart.umd.min.js';
    s.onload = () => resolve(window.Chart || null);
    s.onerror = () => resolve(null);
    document.head.append(s);
  });
  return chartLib;
}
const num = (n) => (n >= 10 ? Math.round(n) : Math.round(n * 10) / 10).toLocaleString();
function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

function fallbackBars(daily) {
  const max = Math.max(1, ...daily.map((d) => d.minutes));
  return el('div', { class: 'bars', role: 'img', 'aria-label': 'Minutes in meetings over the last 30 days' },
    daily.map((d) => el('div', { style: `height:${(d.minutes / max) * 100}%`, title: `${d.date}: ${d.minutes} min` })));
}

async function drawStats(box, s) {
  const totals = el('div', { class: 'totals' },
    [['Meetings', s.totalMeetings], ['Minutes', num(s.totalMinutes)], ['Average (min)', num(s.averageMinutes)], ['Hosted', s.hostedCount]]
      .map(([k, v]) => el('div', { class: 'total' }, el('strong', {}, String(v)), el('span', { class: 'muted' }, k))));
  const daily = el('div', { class: 'chart-box' });
  const types = el('div', { class: 'chart-box small' });
  box.append(totals, el('h3', {}, 'Last 30 days'), daily, el('h3', {}, 'By kind'), types);
  const Chart = await loadChart();
  const typeCounts = ['ONE_TO_ONE', 'GROUP', 'VIRTUAL_ROOM'].map((t) => s.byType[t] || 0);
  if (!Chart) {
    daily.append(fallbackBars(s.daily));
    types.append(el('p', { class: 'muted' }, typeCounts.map((n, i) => `${Object.values(TYPE_LABEL)[i]} ${n}`).join(' · ')));
    return [];
  }
  const fg = cssVar('--fg'), muted = cssVar('--muted'), line = cssVar('--line'), accent = cssVar('--accent'), accent2 = cssVar('--accent2');
  Chart.defaults.color = muted;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  const c1 = el('canvas', { id: 'chart-daily', role: 'img', 'aria-label': `Minutes and meetings per day over the last 30 days: ${Math.round(s.daily.reduce((a, d) => a + d.minutes, 0))} minutes in total` });
  const c2 = el('canvas', { id: 'chart-types', role: 'img', 'aria-label': 'Meetings by kind: ' + typeCounts.map((n, i) => `${Object.values(TYPE_LABEL)[i]} ${n}`).join(', ') });
  daily.append(c1); types.append(c2);
  const labels = s.daily.map((d) => new Date(d.date + 'T00:00:00Z').toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' }));
  const charts = [
    new Chart(c1, {
      type: 'bar',
      data: { labels, datasets: [
        { label: 'Minutes', data: s.daily.map((d) => d.minutes), backgroundColor: accent, borderRadius: 3, yAxisID: 'y' },
        { label: 'Meetings', data: s.daily.map((d) => d.meetings), type: 'line', borderColor: accent2, backgroundColor: accent2, pointRadius: 2, cubicInterpolationMode: 'monotone', yAxisID: 'y1' },
      ] },
      options: { maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false },
        scales: { x: { grid: { display: false }, ticks: { maxTicksLimit: 8, color: muted } },
          y: { beginAtZero: true, grid: { color: line }, title: { display: true, text: 'minutes', color: muted }, ticks: { color: muted } },
          y1: { beginAtZero: true, position: 'right', grid: { display: false }, ticks: { precision: 0, color: muted }, title: { display: true, text: 'meetings', color: muted } } },
        plugins: { legend: { labels: { color: fg, boxWidth: 12 } } } },
    }),
    new Chart(c2, {
      type: 'doughnut',
      data: { labels: Object.values(TYPE_LABEL), datasets: [{ data: typeCounts, backgroundColor: [accent, accent2, cssVar('--accent3')], borderColor: cssVar('--card') }] },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'right', labels: { color: fg, boxWidth: 12 } } } },
    }),
  ];
  return charts;
}

export async function renderDashboard(me) {
  const error = el('p', { class: 'error', role: 'alert' });
  const create = el('form', { class: 'card', 'aria-label': 'New meeting' },
    el('h2', {}, 'New meeting'),
    el('label', { for: 'm-name' }, 'Name'), el('input', { id: 'm-name', name: 'name', placeholder: me.username + "'s meeting", maxlength: 100 }),
    el('label', { for: 'm-type' }, 'Kind'),
    el('select', { id: 'm-type', name: 'type' }, el('option', { value: 'GROUP' }, 'Group call'), el('option', { value: 'ONE_TO_ONE' }, '1:1 call (peer to peer)'), el('option', { value: 'VIRTUAL_ROOM' }, 'Virtual room')),
    el('label', { for: 'm-when' }, 'Schedule for (leave empty to start now)'), el('input', { id: 'm-when', name: 'when', type: 'datetime-local' }),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'lobby' }), ' Waiting room (lobby)'),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'e2ee', id: 'm-e2ee' }), ' End-to-end encrypted (chat, video and audio)'),
    error, el('button', { class: 'primary', type: 'submit' }, 'Create'));
  create.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const d = Object.fromEntries(new FormData(create));
    const body = { type: d.type, lobbyEnabled: !!d.lobby, e2ee: !!d.e2ee };
    if (d.name) body.name = d.name;
    if (d.when) body.scheduledAt = new Date(d.when).toISOString();
    error.textContent = '';
    try {
      const room = await post('/rooms', body);
      if (body.scheduledAt) { toast('Scheduled for ' + when(room.scheduledAt)); renderDashboard(me); openShareDialog(room); }
      else navigate('/room/' + room.id);
    } catch (e) { error.textContent = errorText(e); }
  });
  const joinForm = el('form', { class: 'card', 'aria-label': 'Join a meeting' }, el('h2', {}, 'Join a meeting'),
    el('label', { for: 'code' }, 'Invite code or link'), el('input', { id: 'code', name: 'code', required: true, autocomplete: 'off' }),
    el('button', { type: 'submit' }, 'Join'));
  joinForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = new FormData(joinForm).get('code').trim().replace(/\/+$/, '').split('/').pop();
    if (code) navigate('/join/' + encodeURIComponent(code));
  });

  const lists = el('div', { class: 'card', 'aria-label': 'My meetings' }, el('h2', {}, 'My meetings'), el('p', { class: 'muted' }, 'Loading…'));
  const stats = el('section', { class: 'card', 'aria-label': 'Analytics' }, el('h2', {}, 'Analytics'));
  main.replaceChildren(el('div', { class: 'dashboard' }, el('div', {}, create, joinForm), el('div', {}, stats, lists)));

  try {
    const [active, upcoming, past] = await Promise.all([get('/rooms?active=true'), get('/rooms?scheduled=upcoming'), get('/rooms?active=false')]);
    const item = (r, open) => el('li', {}, el('div', { class: 'row spread' },
      el('span', {}, open ? el('a', { href: '/room/' + r.id }, r.name) : el('span', {}, r.name), ' ',
        el('span', { class: 'muted' }, TYPE_LABEL[r.type] || r.type, ' · ', when(r.scheduledAt || r.endedAt || r.createdAt))),
      open ? el('button', { class: 'compact', 'aria-label': 'Share ' + r.name, onclick: () => openShareDialog(r) }, 'Share') : null));
    const section = (title, rooms, open) => [el('h3', {}, title), rooms.length ? el('ul', { class: 'plain' }, rooms.slice(0, 20).map((r) => item(r, open))) : el('p', { class: 'muted' }, 'None.')];
    const upcomingIds = new Set(upcoming.rooms.map((r) => r.id));
    lists.replaceChildren(el('h2', {}, 'My meetings'), ...section('Active', active.rooms.filter((r) => !upcomingIds.has(r.id)), true),
      ...section('Scheduled', upcoming.rooms, true), ...section('Past', past.rooms, false));
  } catch (e) { lists.append(el('p', { class: 'error', role: 'alert' }, errorText(e))); }

  try {
    await drawStats(stats, await get('/rooms/stats'));
  } catch (e) { stats.append(el('p', { class: 'error', role: 'alert' }, errorText(e))); }
}
