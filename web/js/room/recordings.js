// Server-side recording (#6): the indicator everyone sees, starting and
// stopping it (moderators), and the recordings tab.
import { get, post, ApiError } from '../api.js';
import { el, errorText, toast } from '../ui.js';

const fmtBytes = (n) => n > 1e9 ? (n / 1e9).toFixed(1) + ' GB' : n > 1e6 ? (n / 1e6).toFixed(1) + ' MB' : Math.round((n || 0) / 1e3) + ' kB';
const fmtDur = (ms) => { const s = Math.round((ms || 0) / 1000); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };
const unavailable = (e) => e instanceof ApiError && (e.status === 404 || e.status === 405 || e.code === 'not_available');

const E2EE_TEXT = 'This meeting is end-to-end encrypted: the server cannot see or hear it, so it cannot record or stream it.';

// onChange: recording started or stopped; isShown(): the recordings tab is open.
export function createRecordings(call, { onChange, isShown }) {
  const indicator = el('span', { class: 'rec-indicator', role: 'status', hidden: true, 'aria-label': 'This meeting is being recorded' }, '● Recording');
  const box = el('div', { class: 'recordings' }, el('p', { class: 'muted' }, 'Open this tab to see the recordings of this meeting.'));

  function set(r) {
    call.recording = r;
    indicator.hidden = !r;
    onChange();
  }
  async function toggle() {
    if (call.room?.room?.e2ee && !call.recording) return toast(E2EE_TEXT);
    try {
      if (!call.recording) set(await post(`/rooms/${call.roomId}/recordings`, { layout: 'grid' }) || { id: null });
      else { if (call.recording.id) await post(`/rooms/${call.roomId}/recordings/${call.recording.id}/stop`); set(null); }
    } catch (e) {
      toast(unavailable(e) ? 'Recording is not available on this server yet.' : e?.code === 'e2ee_room' ? E2EE_TEXT : errorText(e));
    }
  }
  async function load() {
    box.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    try {
      const res = await get(`/rooms/${call.roomId}/recordings`);
      const list = Array.isArray(res) ? res : res?.recordings || [];
      box.replaceChildren(list.length ? el('ul', { class: 'plain' }, list.map((r) => el('li', {},
        el('div', {}, new Date(r.startedAt || r.createdAt || Date.now()).toLocaleString(), ' ', el('span', { class: 'muted' }, String(r.status || '').toLowerCase())),
        el('div', { class: 'row spread' }, el('span', { class: 'muted' }, fmtDur(r.durationMs), ' · ', fmtBytes(r.fileSize)),
          r.status === 'READY' || !r.status ? el('a', { class: 'button compact', href: `/recordings/${r.id}/file`, download: r.filename || `recording-${r.id}.webm` }, 'Download') : null))))
        : el('p', { class: 'muted' }, 'No recordings of this meeting yet.'));
    } catch (e) {
      box.replaceChildren(el('p', { class: 'error' }, unavailable(e) ? 'Recordings are not available on this server yet.' : errorText(e)));
    }
  }
  function handle(m) {
    switch (m.type) {
      case 'recording-started': set(m.recording || { id: m.recordingId || m.id }); toast('This meeting is now being recorded'); if (isShown()) load(); break;
      case 'recording-stopped': set(null); toast('Recording stopped'); if (isShown()) load(); break;
    }
  }
  return { indicator, element: box, set, toggle, load, handle };
}
