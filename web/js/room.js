// The call page, put together from its parts in room/: the shared state
// (state.js), the signaling socket (connection.js), our media
// (local-media.js), the media connections (transport.js), the video grid
// (grid.js) and what each remote tile asks of the server (adaptive-stream.js), the toolbar (controls.js), the side panel (panel.js) with chat,
// people and recordings, the whiteboard (../whiteboard.js), the settings
// dialog (settings.js), the call's theme (themes.js), what a phone does
// differently (phone.js) and end-to-end encryption in e2ee rooms: the key
// agreement and chat (e2ee.js), media (../e2ee/media.js). This file wires them and routes the server's messages to them;
// it reconnects without a page reload.
import { main, el, roomErrorText, navigate, toast } from './ui.js';
import { createWhiteboard } from './whiteboard.js';
import { createCallState } from './room/state.js';
import { createBanner } from './room/banner.js';
import { createGrid } from './room/grid.js';
import { createAdaptiveStream } from './room/adaptive-stream.js';
import { createLocalMedia } from './room/local-media.js';
import { createTransport } from './room/transport.js';
import { createConnection } from './room/connection.js';
import { createControls } from './room/controls.js';
import { createPanel } from './room/panel.js';
import { createCallChat } from './room/chat.js';
import { createPeople } from './room/people.js';
import { createRecordings } from './room/recordings.js';
import { createSettings } from './room/settings.js';
import { createThemes } from './room/themes.js';
import { createPhone } from './room/phone.js';
import { createE2ee } from './room/e2ee.js';
import { createMediaE2ee } from './e2ee/media.js';

export async function renderRoom(roomId, me) {
  const call = createCallState(roomId, me);
  const banner = createBanner();
  const title = el('h1', { class: 'room-title' }, 'Meeting');
  const adaptive = createAdaptiveStream({ send: (setting) => call.sfu?.trackSettings(setting) ?? false });
  const grid = createGrid(call, { adaptive });
  let controls = null, panel = null, phone = null;
  const localMedia = createLocalMedia(call, { grid, banner, onChange: () => controls?.sync() });
  const mediaE2ee = createMediaE2ee(roomId);
  const transport = createTransport(call, { grid, banner, localMedia, mediaE2ee });
  const e2ee = createE2ee(call, { onChange: () => chat.showSafetyCode().catch(() => {}), onSenderSecret: mediaE2ee.addSenderSecret });
  const chat = createCallChat(call, { e2ee, onUnread: (n) => { panel.setCount('chat', n, n ? `Chat, ${n} unread` : 'Chat'); phone?.setUnread(n); } });
  const people = createPeople(call, { onCount: (n) => panel.setCount('people', n), onChange: (peerId) => grid.updateBadges(peerId) });
  const recordings = createRecordings(call, { onChange: () => controls.sync(), isShown: () => panel.active === 'recordings' });
  const whiteboard = createWhiteboard({ send: call.send });
  const connection = createConnection(call, { banner, onMessage, onLost: resetMedia });
  panel = createPanel({ chat: chat.element, people: people.elements, recordings: recordings.element }, (name) => {
    chat.setVisible(name === 'chat' && (!phone || phone.panelShown()));
    if (name === 'recordings') recordings.load();
  });
  const callBox = el('div', { class: 'call' });
  const themes = createThemes(callBox);
  const settings = createSettings(call, { localMedia, themes });
  controls = createControls(call, { localMedia, whiteboard, actions: {
    openSettings: () => settings.open(),
    toggleRecording: () => recordings.toggle(),
    leave: () => { connection.leave(); navigate('/'); },
    openMore: () => phone.openMore(),
    toggleLayout: () => grid.setLayout(grid.layout === 'speaker' ? 'grid' : 'speaker'),
    layout: () => grid.layout,
  } });
  phone = createPhone({ callBox, videos: grid.element, controls: controls.element, panel, board: whiteboard.card,
    onSheet: () => chat.setVisible(panel.active === 'chat' && phone.panelShown()) });

  callBox.append(
    el('section', { class: 'stage', 'aria-label': 'Meeting' },
      el('div', { class: 'room-head' }, title, recordings.indicator), banner.status, banner.notice, grid.element, controls.element, whiteboard.card),
    panel.element);
  main.replaceChildren(callBox);
  main.classList.add('wide');

  function resetMedia() { transport.reset(); grid.reset(); }
  const fatal = (text) => connection.end(text, resetMedia);

  function joined(m) {
    resetMedia();
    if (m.roomId && m.roomId !== call.roomId) { call.roomId = m.roomId; history.replaceState({}, '', '/room/' + call.roomId); }
    call.room = m; call.self = { peerId: m.peerId, role: m.role }; call.retry = 0; call.joined = true;
    title.textContent = m.room?.name || 'Meeting';
    document.title = (m.room?.name || 'Meeting') + ' · Convene';
    banner.setStatus(m.mediaMode === 'p2p' ? 'Connected (peer to peer).' : 'Connected.');
    call.peers.clear(); call.muted.clear();
    m.peers.forEach((x) => call.peers.set(x.peerId, { info: x, senders: {} }));
    e2ee.start(m).catch((e) => banner.show('End-to-end encryption could not start: ' + e.message));
    chat.reset(m.chat || []);
    whiteboard.reset();
    people.reset(m);
    if (m.recording) recordings.set(m.recording);
    localMedia.announceMuted();
    transport.start(m.mediaMode);
  }

  async function onMessage(m) {
    if (await transport.handle(m)) return;
    if (whiteboard.handle(m)) return;
    for (const part of [grid, chat, people, controls, recordings]) part.handle(m);
    switch (m.type) {
      case 'room-joined': joined(m); break;
      case 'e2e-public-key': await e2ee.onKey(m).catch((e) => console.warn('e2ee key', e)); break;
      case 'lobby-waiting': banner.status.textContent = 'Waiting for the host to let you in…'; break;
      case 'lobby-rejected': fatal('The host did not let you in.'); break;
      case 'peer-joined':
        call.peers.set(m.peer.peerId, { info: m.peer, senders: {} }); people.render(); toast(m.peer.username + ' joined');
        transport.emitTracks();  // a tile for the newcomer while their media connects
        break;
      case 'peer-left': {
        const name = call.peers.get(m.peerId)?.info.username;
        transport.closePeer(m.peerId); e2ee.peerLeft(m.peerId); call.peers.delete(m.peerId); call.muted.delete(m.peerId); grid.dropPeerTiles(m.peerId); people.render();
        if (name) toast(name + ' left');
        break;
      }
      case 'muted-by-host':
        localMedia.mutedByHost(m.source);
        toast(`The host turned off your ${m.source}` + (m.canUnmute === false ? '. Only the host can turn it back on.' : '.'));
        break;
      case 'kicked': fatal('You were removed from the meeting.'); break;
      case 'room-ended': fatal('The meeting has ended.'); break;
      case 'redirect': connection.redirect(m); break;
      case 'breakout-assigned': toast('Moving you to ' + m.name); break;
      case 'breakout-ending': toast(`The breakout room closes in ${m.secondsLeft} s`); break;
      case 'breakout-closed': toast('Back to the main room'); break;
      case 'breakout-broadcast': toast(m.from.username + ': ' + m.text); break;
      case 'reminder': toast(`${m.name} starts in ${m.minutesBefore} minutes`); break;
      case 'error':
        if (!call.joined && m.code === 'e2ee_required') fatal('This meeting is end-to-end encrypted, and this browser cannot encrypt video (it lacks WebRTC encoded transforms). Join from a current Chrome, Edge, Firefox or Safari.');
        else if (!call.joined && ['room_ended', 'forbidden', 'not_found'].includes(m.code)) fatal(roomErrorText(m.code === 'forbidden' ? { code: 'forbidden', message: m.message } : m));
        else toast(m.message);
        break;
    }
  }

  window.conveneStats = transport.stats;
  window.conveneE2eeCounts = mediaE2ee.counts;
  window.conveneTrackSettings = adaptive.sent;
  // The camera opens while the WebSocket joins and the others' media
  // arrives: only publishing waits for it (transport.start). Opening a
  // camera takes from a few hundred milliseconds to seconds.
  call.localReady = localMedia.start();
  connection.connect();
  await call.localReady;
  return () => {
    connection.leave(); grid.close(); adaptive.close(); delete window.conveneStats; delete window.conveneTrackSettings; delete window.conveneE2eeCounts;
    resetMedia();
    mediaE2ee.close();
    localMedia.stop();
    controls.close(); phone.close();
    main.classList.remove('wide');
    document.title = 'Convene';
  };
}
