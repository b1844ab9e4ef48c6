// The call's toolbar: microphone, camera, screen, settings, hand and
// reactions, layout (grid or speaker), whiteboard, invite, captions,
// recording, leave and end. On a
// phone (css) only microphone, camera, hand/react, more and leave show, as
// icons; "more" (phone.js) offers the rest.
import { post } from '../api.js';
import { el, errorText, toast } from '../ui.js';
import { openShareDialog } from '../share.js';

const REACTIONS = ['👍', '🎉', '❤️', '😂', '🔥', '👏'];

// actions: {openSettings, toggleRecording, leave, openMore, toggleLayout, layout}
export function createControls(call, { localMedia, whiteboard, actions }) {
  const send = call.send;
  let captions = null;
  const btn = (id, label, onclick, attrs = {}) => el('button', { id, type: 'button', onclick, ...attrs }, label);
  const micButton = btn('btn-mic', 'Mute', () => localMedia.setMic(!call.micOn), { 'aria-pressed': 'false', 'aria-label': 'Mute microphone' });
  const camButton = btn('btn-cam', 'Stop video', () => localMedia.setCam(!call.camOn), { 'aria-pressed': 'false', 'aria-label': 'Stop camera' });
  const screenButton = btn('btn-screen', 'Share screen', () => (call.screenStream ? localMedia.stopScreen() : localMedia.startScreen()), { 'aria-pressed': 'false', hidden: !navigator.mediaDevices?.getDisplayMedia });
  const handButton = btn('btn-hand', '✋ Hand', () => { const raised = handButton.getAttribute('aria-pressed') !== 'true'; handButton.setAttribute('aria-pressed', String(raised)); send({ type: 'hand', raised }); handItem.setAttribute('aria-label', raised ? 'Lower hand' : 'Raise hand'); }, { 'aria-pressed': 'false', 'aria-label': 'Raise hand' });
  const recordButton = btn('btn-record', 'Record', actions.toggleRecording, { 'data-moderator': '', hidden: true, 'aria-pressed': 'false' });
  const boardCard = whiteboard.card;
  const boardButton = btn('btn-board', 'Whiteboard', () => { boardCard.hidden = !boardCard.hidden; boardButton.setAttribute('aria-pressed', String(!boardCard.hidden)); if (!boardCard.hidden) boardCard.scrollIntoView({ block: 'nearest' }); }, { 'aria-pressed': String(!boardCard.hidden) });
  // Speaker view: the active speaker large, the others small (and sent small).
  const layoutButton = btn('btn-layout', 'Speaker view', () => { actions.toggleLayout(); sync(); }, { 'aria-pressed': 'false' });
  function sync() {
    const speaker = actions.layout() === 'speaker';
    layoutButton.textContent = speaker ? 'Grid view' : 'Speaker view'; layoutButton.setAttribute('aria-pressed', String(speaker));
    layoutButton.setAttribute('aria-label', speaker ? 'Show everyone the same size' : 'Show the active speaker large');
    const ls = call.localStream;
    micButton.textContent = call.micOn ? 'Mute' : 'Unmute'; micButton.setAttribute('aria-pressed', String(!call.micOn)); micButton.disabled = !ls.getAudioTracks().length;
    camButton.textContent = call.camOn ? 'Stop video' : 'Start video'; camButton.setAttribute('aria-pressed', String(!call.camOn)); camButton.disabled = !ls.getVideoTracks().length;
    screenButton.textContent = call.screenStream ? 'Stop sharing' : 'Share screen'; screenButton.setAttribute('aria-pressed', String(!!call.screenStream));
    recordButton.textContent = call.recording ? 'Stop recording' : 'Record'; recordButton.setAttribute('aria-pressed', String(!!call.recording));
  }

  // Reactions: one button opens the six of them (Escape or a pick closes).
  // On a phone the hand is raised from here (its own button does not show).
  const handItem = el('button', { type: 'button', class: 'phone-only', 'aria-label': 'Raise hand', onclick: () => { handButton.click(); toggleReactions(false); reactButton.focus(); } }, '✋');
  const reactions = el('div', { class: 'reaction-menu', role: 'group', 'aria-label': 'Reactions', hidden: true }, handItem,
    REACTIONS.map((e) => el('button', { type: 'button', 'aria-label': 'React ' + e, onclick: () => { send({ type: 'reaction', emoji: e }); toggleReactions(false); reactButton.focus(); } }, e)));
  const reactButton = btn('btn-react', '😀 React', () => toggleReactions(), { 'aria-expanded': 'false', 'aria-haspopup': 'true', 'aria-label': 'Hand and reactions' });
  function toggleReactions(open = reactions.hidden) {
    reactions.hidden = !open;
    reactButton.setAttribute('aria-expanded', String(open));
    if (open) [...reactions.querySelectorAll('button')].find((b) => b.offsetParent)?.focus();
  }
  reactions.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { toggleReactions(false); reactButton.focus(); }
    const bs = [...reactions.querySelectorAll('button')].filter((b) => b.offsetParent), i = bs.indexOf(document.activeElement);
    const step = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
    if (step && i >= 0) bs[(i + step + bs.length) % bs.length].focus();
  });
  const closeReactions = (ev) => { if (!reactions.hidden && !ev.target.closest('.popover-anchor')) toggleReactions(false); };
  document.addEventListener('click', closeReactions);

  const hasSpeech = 'webkitSpeechRecognition' in window || 'SpeechRecognition' in window;
  const group = (label, ...items) => el('span', { class: 'group', role: 'group', 'aria-label': label }, ...items);
  const element = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Call controls' },
    group('Media', micButton, camButton, screenButton,
      btn('btn-devices', '⚙ Settings', actions.openSettings, { 'aria-label': 'Settings: devices, video quality, theme', 'aria-haspopup': 'dialog' })),
    group('Reactions', handButton,
      el('span', { class: 'popover-anchor' }, reactButton, reactions)),
    group('Meeting tools',
      layoutButton,
      boardButton,
      btn('btn-invite', 'Invite', () => (call.room?.room ? openShareDialog(call.room.room) : toast('Not connected yet')), { 'aria-haspopup': 'dialog' }),
      hasSpeech ? btn('btn-captions', 'Captions', (ev) => {
        if (captions) { captions.stop(); captions = null; ev.target.textContent = 'Captions'; return; }
        // Captions travel through the server as text: not in an encrypted meeting.
        if (call.room?.room?.e2ee) return toast('Captions are off in an end-to-end encrypted meeting: they would reach the server as plain text.');
        const R = window.SpeechRecognition || window.webkitSpeechRecognition;
        captions = new R(); captions.continuous = true; captions.interimResults = true;
        captions.onresult = (e) => { for (let i = e.resultIndex; i < e.results.length; ++i) send({ type: 'caption', text: e.results[i][0].transcript.slice(0, 1000), final: e.results[i].isFinal }); };
        captions.onerror = (e) => { toast('Captions stopped: ' + e.error); captions = null; ev.target.textContent = 'Captions'; };
        captions.start(); ev.target.textContent = 'Stop captions';
      }) : null,
      recordButton),
    group('Leave', btn('btn-more', '⋯', actions.openMore, { class: 'phone-only', 'aria-label': 'More options', 'aria-haspopup': 'dialog' }),
      btn('btn-leave', 'Leave', actions.leave, { class: 'danger', 'aria-label': 'Leave the call' }),
      btn('btn-end', 'End for all', async () => { if (!confirm('End the meeting for everyone?')) return; try { await post('/rooms/' + call.roomId + '/end'); } catch (e) { toast(errorText(e)); } }, { class: 'danger', 'data-host': '', hidden: true })));

  function handle(m) {
    if (m.type === 'hand' && m.peerId === call.self?.peerId && !m.raised) handButton.setAttribute('aria-pressed', 'false');
    handItem.setAttribute('aria-label', handButton.getAttribute('aria-pressed') === 'true' ? 'Lower hand' : 'Raise hand');
  }
  sync();
  function close() { captions?.stop(); document.removeEventListener('click', closeReactions); }
  return { element, sync, handle, close };
}
