// The call page: signaling over the WebSocket; peer-to-peer media for 1:1
// rooms (perfect negotiation, so either side may add a screen share) and the
// SFU (sfu.js) for group rooms; tiles with names, muted indicators and the
// active speaker; device switching; chat, reactions, whiteboard, people,
// recordings, lobby and host controls; reconnects without a page reload.
import { get, post, ApiError } from './api.js';
import { main, el, errorText, roomErrorText, navigate, toast } from './app.js';
import { prefs, savePrefs, openLocalMedia, openTrack, listDevices, fillSelect, mediaErrorText, QUALITIES } from './media.js';
import { SfuSession } from './sfu.js';
import { createChat } from './chat.js';
import { createWhiteboard } from './whiteboard.js';
import { openShareDialog } from './share.js';

const REACTIONS = ['👍', '🎉', '❤️', '😂', '🔥', '👏'];
const BACKGROUNDS = { plain: 'Plain', midnight: 'Midnight', ocean: 'Ocean', forest: 'Forest', sunset: 'Sunset', paper: 'Paper' };
const isModerator = (role) => role === 'HOST' || role === 'CO_HOST';
const roleName = (r) => ({ HOST: 'host', CO_HOST: 'co-host', PARTICIPANT: 'participant', VIEWER: 'viewer' }[r] || String(r).toLowerCase());

export async function renderRoom(roomId, me) {
  let ws = null, closedByUs = false, retry = 0, self = null, room = null, joined = false, ended = false;
  const peers = new Map();        // peerId -> {info, pc, polite, makingOffer, ignoreOffer, senders, streams}
  const muted = new Map();        // peerId -> {microphone, camera}
  const tiles = new Map();        // "peerId:source" -> {el, video, stream}
  let localStream = new MediaStream(), screenStream = null, sfu = null, activeSpeaker = null, serverSpeaker = false;
  let recording = null;
  const p = prefs();
  let micOn = p.micOn, camOn = p.cameraOn;

  // --- Layout
  const status = el('div', { class: 'banner', role: 'status' }, 'Connecting…');
  const notice = el('div', { class: 'notice', role: 'alert', hidden: true });
  const title = el('h1', { class: 'room-title' }, 'Meeting');
  const recIndicator = el('span', { class: 'rec-indicator', role: 'status', hidden: true, 'aria-label': 'This meeting is being recorded' }, '● Recording');
  const videos = el('div', { class: 'videos', 'aria-label': 'Videos', 'data-count': '0' });
  const people = el('ul', { class: 'plain people', 'aria-label': 'Participants' });
  const lobbyBox = el('div', { class: 'lobby', 'aria-live': 'polite' });
  const recordingsBox = el('div', { class: 'recordings' }, el('p', { class: 'muted' }, 'Open this tab to see the recordings of this meeting.'));

  function send(msg) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(msg)); return true; } return false; }
  function showNotice(text) { notice.hidden = !text; notice.textContent = text || ''; }

  // --- Tiles
  function tileFor(peerId, source, name) {
    const key = peerId + ':' + source;
    let t = tiles.get(key);
    if (!t) {
      const video = el('video', { autoplay: true, playsinline: true });
      video.muted = peerId === 'self';
      const stream = new MediaStream();
      const label = el('span', { class: 'name' });
      const badges = el('span', { class: 'badges', 'aria-live': 'polite' });
      const avatar = el('div', { class: 'avatar', 'aria-hidden': 'true' });
      const node = el('figure', { class: 'tile' + (source === 'screen' ? ' screen' : ''), 'data-peer': peerId, 'data-source': source }, video, avatar, el('figcaption', {}, label, badges));
      t = { key, el: node, video, stream, label, badges, avatar, peerId, source };
      tiles.set(key, t);
      videos.append(node);
      reflow();
    }
    t.label.textContent = source === 'screen' ? (peerId === 'self' ? 'Your screen' : `${name}'s screen`) : name;
    t.avatar.textContent = (name || '?').trim().charAt(0).toUpperCase();
    t.el.setAttribute('aria-label', t.label.textContent);
    updateBadges(peerId);
    return t;
  }
  function setTracks(t, tracks) {
    const want = new Set(tracks.map((x) => x.id));
    for (const x of t.stream.getTracks()) if (!want.has(x.id)) t.stream.removeTrack(x);
    for (const x of tracks) if (!t.stream.getTrackById(x.id)) t.stream.addTrack(x);
    if (t.video.srcObject !== t.stream) t.video.srcObject = t.stream;
    t.video.play?.().catch(() => {});
    t.el.classList.toggle('no-video', !t.stream.getVideoTracks().length);
  }
  function dropTile(key) { const t = tiles.get(key); if (!t) return; t.el.remove(); tiles.delete(key); reflow(); }
  function dropPeerTiles(peerId) { for (const [k, t] of [...tiles]) if (t.peerId === peerId) dropTile(k); }
  function reflow() {
    const n = tiles.size;
    videos.dataset.count = String(n);
    videos.style.setProperty('--cols', String(n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4));
  }
  function updateBadges(peerId) {
    const m = peerId === 'self' ? { microphone: !micOn, camera: !camOn } : muted.get(peerId) || {};
    const t = tiles.get(peerId + ':camera');
    if (!t) return;
    t.badges.replaceChildren(...(m.microphone ? [el('span', { class: 'badge', title: 'Microphone off', 'aria-label': 'microphone off' }, '🔇')] : []),
      ...(peers.get(peerId)?.info.handRaised ? [el('span', { class: 'badge', title: 'Hand raised', 'aria-label': 'hand raised' }, '✋')] : []));
    t.el.classList.toggle('cam-off', !!m.camera);
    t.el.classList.toggle('mic-off', !!m.microphone);
  }
  function setSpeaker(peerId) {
    if (activeSpeaker === peerId) return;
    activeSpeaker = peerId;
    for (const t of tiles.values()) t.el.classList.toggle('speaking', t.peerId === peerId && t.source === 'camera');
  }
  function selfTile() { const t = tileFor('self', 'camera', me.username + ' (you)'); setTracks(t, localStream.getVideoTracks()); t.el.classList.add('mirror'); return t; }

  // --- Local media
  async function startMedia() {
    const opened = await openLocalMedia(p);
    localStream = opened.stream;
    if (opened.error) { notice.dataset.keep = opened.error; showNotice(opened.error); }  // kept across reconnects
    localStream.getAudioTracks().forEach((t) => (t.enabled = micOn));
    localStream.getVideoTracks().forEach((t) => (t.enabled = camOn));
    selfTile();
    syncButtons();
  }
  async function switchDevice(kind, deviceId) {
    const source = kind === 'video' ? 'camera' : 'microphone';
    let track;
    try { track = await openTrack(kind, deviceId); } catch (e) { showNotice(mediaErrorText(e, source)); return; }
    track.enabled = kind === 'video' ? camOn : micOn;
    const old = kind === 'video' ? localStream.getVideoTracks() : localStream.getAudioTracks();
    old.forEach((t) => localStream.removeTrack(t));
    localStream.addTrack(track);
    for (const [, peer] of peers) {
      if (!peer.pc) continue;
      if (peer.senders[source]) await peer.senders[source].replaceTrack(track);
      else peer.senders[source] = peer.pc.addTrack(track, localStream);
    }
    if (sfu) await sfu.replaceTrack(source, track).catch((e) => toast(errorText(e)));
    old.forEach((t) => t.stop());
    selfTile();
    savePrefs(kind === 'video' ? { camera: deviceId } : { microphone: deviceId });
    if (localStream.getAudioTracks().length && localStream.getVideoTracks().length) { notice.dataset.keep = ''; showNotice(''); }
    toast((kind === 'video' ? 'Camera: ' : 'Microphone: ') + (track.label || 'switched'));
  }
  function setMic(on) {
    micOn = on;
    localStream.getAudioTracks().forEach((t) => (t.enabled = on));
    send({ type: 'track-muted', source: 'microphone', muted: !on });
    savePrefs({ micOn: on }); syncButtons(); updateBadges('self');
  }
  function setCam(on) {
    camOn = on;
    localStream.getVideoTracks().forEach((t) => (t.enabled = on));
    send({ type: 'track-muted', source: 'camera', muted: !on });
    savePrefs({ cameraOn: on }); syncButtons(); updateBadges('self');
  }
  async function startScreen() {
    let s;
    try { s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 15 }, width: { max: 1920 }, height: { max: 1080 } }, audio: false }); } catch (e) {
      if (e.name !== 'NotAllowedError') toast(mediaErrorText(e, 'screen capture'));
      return;
    }
    screenStream = s;
    const track = s.getVideoTracks()[0];
    track.onended = () => stopScreen();
    setTracks(tileFor('self', 'screen', 'Your'), [track]);
    for (const [, peer] of peers) if (peer.pc) peer.senders.screen = peer.pc.addTrack(track, s);
    if (sfu) await sfu.addScreen(track).catch((e) => toast('Screen sharing: ' + errorText(e)));
    syncButtons();
  }
  async function stopScreen() {
    if (!screenStream) return;
    const s = screenStream; screenStream = null;
    for (const [, peer] of peers) if (peer.pc && peer.senders.screen) { try { peer.pc.removeTrack(peer.senders.screen); } catch { /* closed */ } delete peer.senders.screen; }
    if (sfu) await sfu.removeScreen().catch(() => {});
    s.getTracks().forEach((t) => t.stop());
    dropTile('self:screen');
    syncButtons();
  }

  // --- Peer-to-peer (ONE_TO_ONE rooms): perfect negotiation
  function peerConnection(peerId, withTracks) {
    const peer = peers.get(peerId);
    if (peer.pc) return peer.pc;
    const pc = new RTCPeerConnection({ iceServers: room.iceServers || [] });
    Object.assign(peer, { pc, polite: String(self.peerId) < String(peerId), makingOffer: false, ignoreOffer: false, senders: {}, streams: new Map() });
    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        send({ type: 'offer', to: peerId, sdp: pc.localDescription.sdp });
      } catch (e) { console.warn('offer', e); } finally { peer.makingOffer = false; }
    };
    pc.onicecandidate = (ev) => { if (ev.candidate?.candidate) send({ type: 'ice-candidate', to: peerId, candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex }); };
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] || new MediaStream([ev.track]);
      let source = peer.streams.get(stream.id);
      if (!source) { source = [...peer.streams.values()].includes('camera') ? 'screen' : 'camera'; peer.streams.set(stream.id, source); }
      const t = tileFor(peerId, source, peer.info.username);
      const sync = () => {
        if (source === 'screen' && !stream.getVideoTracks().length) return dropTile(peerId + ':screen');
        setTracks(tileFor(peerId, source, peer.info.username), stream.getTracks());
      };
      setTracks(t, stream.getTracks());
      stream.onaddtrack = sync;
      stream.onremovetrack = sync;
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') { showNotice(`The media connection to ${peer.info.username} failed. Trying again…`); pc.restartIce(); }
      if (pc.connectionState === 'connected') showNotice(notice.dataset.keep || '');
    };
    if (withTracks) addLocalTracks(peer);
    return pc;
  }
  function addLocalTracks(peer) {
    const a = localStream.getAudioTracks()[0], v = localStream.getVideoTracks()[0];
    if (a) peer.senders.microphone = peer.pc.addTrack(a, localStream);
    if (v) peer.senders.camera = peer.pc.addTrack(v, localStream);
    if (screenStream) peer.senders.screen = peer.pc.addTrack(screenStream.getVideoTracks()[0], screenStream);
  }
  async function onOffer(m) {
    const peer = peers.get(m.from);
    if (!peer) return;
    const fresh = !peer.pc;
    const pc = peerConnection(m.from, false);
    const collision = peer.makingOffer || pc.signalingState !== 'stable';
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    if (fresh) addLocalTracks(peer);  // after the offer: the tracks ride on its transceivers
    await pc.setLocalDescription();
    send({ type: 'answer', to: m.from, sdp: pc.localDescription.sdp });
  }
  function closePeer(peerId) { const peer = peers.get(peerId); peer?.pc?.close(); if (peer) peer.pc = null; }

  // --- SFU (GROUP and VIRTUAL_ROOM rooms)
  function startSfu() {
    sfu = new SfuSession({
      send, iceServers: room.iceServers || [],
      log: (...a) => console.debug('[sfu]', ...a),
      onState: (which, state, err) => {
        if (state === 'negotiation-failed') return showNotice('Some video from the server could not be received (' + (err?.message || 'negotiation failed') + '). Leave and join again if it stays missing.');
        if (state === 'failed') showNotice('The media connection to the server failed. Reconnecting…');
        if (state === 'failed' && which === 'publish') ws?.close(4000, 'media failed');
        if (state === 'connected') showNotice(notice.dataset.keep || '');
      },
      onTracks: (list) => {
        if (notice.textContent.startsWith('Some video')) showNotice(notice.dataset.keep || '');  // a later negotiation went through
        const want = new Map();
        for (const tr of list) {
          const key = tr.peerId + ':' + (tr.source === 'screen' ? 'screen' : 'camera');
          if (!want.has(key)) want.set(key, []);
          want.get(key).push(tr.track);
        }
        for (const [peerId, peer] of peers) if (!want.has(peerId + ':camera')) want.set(peerId + ':camera', []);  // a tile for everyone
        for (const [key, tracks] of want) {
          const [peerId, source] = key.split(':');
          const name = peers.get(peerId)?.info.username || 'Someone';
          setTracks(tileFor(peerId, source, name), tracks);
        }
        for (const key of [...tiles.keys()]) if (!key.startsWith('self:') && !want.has(key)) dropTile(key);
      },
    });
    sfu.start(localStream).then(async () => {
      if (!micOn) send({ type: 'track-muted', source: 'microphone', muted: true });
      if (!camOn) send({ type: 'track-muted', source: 'camera', muted: true });
      if (screenStream) await sfu.addScreen(screenStream.getVideoTracks()[0]);
    }).catch((e) => showNotice('Could not send your video to the server: ' + errorText(e)));
  }

  // --- Active speaker from audio levels when the server names none
  const levelTimer = setInterval(() => {
    if (serverSpeaker) return;
    let best = null, bestLevel = 0.02;
    for (const [peerId, peer] of peers) {
      for (const r of peer.pc?.getReceivers() || []) {
        if (r.track.kind !== 'audio') continue;
        const s = r.getSynchronizationSources?.()[0];
        if (s && Date.now() - s.timestamp < 1000 && s.audioLevel > bestLevel && !muted.get(peerId)?.microphone) { best = peerId; bestLevel = s.audioLevel; }
      }
    }
    for (const { peerId, level } of sfu?.levels() || []) if (level > bestLevel && !muted.get(peerId)?.microphone) { best = peerId; bestLevel = level; }
    if (best) setSpeaker(best);
  }, 500);

  // --- Chat, reactions, whiteboard
  const tabButtons = {};
  const chat = createChat({ send, selfUserId: me.id, onUnread: (n) => {
    tabButtons.chat.querySelector('.count').textContent = n ? String(n) : '';
    tabButtons.chat.setAttribute('aria-label', n ? `Chat, ${n} unread` : 'Chat');
  } });
  function floatReaction(emoji, who) {
    const f = el('div', { class: 'reaction-float', style: `left:${15 + Math.random() * 70}%`, 'aria-hidden': 'true' }, emoji, who ? el('small', {}, who) : null);
    document.body.append(f);
    setTimeout(() => f.remove(), 2600);
  }
  const whiteboard = createWhiteboard({ send });

  // --- Participants
  function renderPeople() {
    const mod = self && isModerator(self.role);
    const row = (name, role, extra, peerId) => el('li', { 'data-peer': peerId },
      el('span', { class: 'person' }, el('span', { class: 'avatar small', 'aria-hidden': 'true' }, name.charAt(0).toUpperCase()), name),
      el('span', { class: 'role role-' + String(role).toLowerCase() }, roleName(role)), extra);
    const you = self ? [row(me.username + ' (you)', self.role, null, self.peerId)] : [];
    people.replaceChildren(...you, ...[...peers.values()].map(({ info }) => row(`${info.handRaised ? '✋ ' : ''}${info.username}`, info.role,
      mod ? el('span', { class: 'row actions' },
        el('button', { class: 'compact', 'aria-label': 'Mute ' + info.username, onclick: () => send({ type: 'mute', peerId: info.peerId, source: 'microphone' }) }, 'Mute'),
        info.role === 'PARTICIPANT' ? el('button', { class: 'compact', 'aria-label': 'Make ' + info.username + ' co-host', onclick: () => send({ type: 'promote', peerId: info.peerId, role: 'CO_HOST' }) }, 'Co-host') : null,
        info.role !== 'HOST' ? el('button', { class: 'compact', 'aria-label': 'Remove ' + info.username, onclick: () => send({ type: 'kick', peerId: info.peerId }) }, 'Remove') : null) : null, info.peerId)));
    tabButtons.people.querySelector('.count').textContent = String(peers.size + (self ? 1 : 0));
    for (const n of document.querySelectorAll('[data-moderator]')) n.hidden = !mod;
    for (const n of document.querySelectorAll('[data-host]')) n.hidden = self?.role !== 'HOST';
  }

  // --- Recording (server-side, #6)
  function setRecording(r) {
    recording = r;
    recIndicator.hidden = !r;
    syncButtons();
  }
  async function toggleRecording() {
    try {
      if (!recording) setRecording(await post(`/rooms/${roomId}/recordings`, { layout: 'grid' }) || { id: null });
      else { if (recording.id) await post(`/rooms/${roomId}/recordings/${recording.id}/stop`); setRecording(null); }
    } catch (e) {
      toast(e instanceof ApiError && (e.status === 404 || e.status === 405 || e.code === 'not_available') ? 'Recording is not available on this server yet.' : errorText(e));
    }
  }
  const fmtBytes = (n) => n > 1e9 ? (n / 1e9).toFixed(1) + ' GB' : n > 1e6 ? (n / 1e6).toFixed(1) + ' MB' : Math.round((n || 0) / 1e3) + ' kB';
  const fmtDur = (ms) => { const s = Math.round((ms || 0) / 1000); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };
  async function loadRecordings() {
    recordingsBox.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    try {
      const res = await get(`/rooms/${roomId}/recordings`);
      const list = Array.isArray(res) ? res : res?.recordings || [];
      recordingsBox.replaceChildren(list.length ? el('ul', { class: 'plain' }, list.map((r) => el('li', {},
        el('div', {}, new Date(r.startedAt || r.createdAt || Date.now()).toLocaleString(), ' ', el('span', { class: 'muted' }, String(r.status || '').toLowerCase())),
        el('div', { class: 'row spread' }, el('span', { class: 'muted' }, fmtDur(r.durationMs), ' · ', fmtBytes(r.fileSize)),
          r.status === 'READY' || !r.status ? el('a', { class: 'button compact', href: `/recordings/${r.id}/file`, download: r.filename || `recording-${r.id}.webm` }, 'Download') : null))))
        : el('p', { class: 'muted' }, 'No recordings of this meeting yet.'));
    } catch (e) {
      recordingsBox.replaceChildren(el('p', { class: 'error' }, e instanceof ApiError && (e.status === 404 || e.status === 405 || e.code === 'not_available') ? 'Recordings are not available on this server yet.' : errorText(e)));
    }
  }

  // --- Messages from the server
  function resetMedia() {
    sfu?.close(); sfu = null;
    for (const id of peers.keys()) closePeer(id);
    for (const key of [...tiles.keys()]) if (!key.startsWith('self:')) dropTile(key);
    serverSpeaker = false; activeSpeaker = null;
  }
  function fatal(text) {
    closedByUs = true; ended = true;
    resetMedia();
    status.replaceChildren(text, ' ', el('a', { href: '/' }, 'Back to your meetings'));
    status.setAttribute('role', 'alert');
    status.classList.add('ended');
    ws?.close(1000);
  }
  async function onMessage(m) {
    if (sfu && sfu.handle(m)) return;
    if (whiteboard.handle(m)) return;
    switch (m.type) {
      case 'room-joined': {
        resetMedia();
        if (m.roomId && m.roomId !== roomId) { roomId = m.roomId; history.replaceState({}, '', '/room/' + roomId); }
        room = m; self = { peerId: m.peerId, role: m.role }; retry = 0; joined = true;
        title.textContent = m.room?.name || 'Meeting';
        document.title = (m.room?.name || 'Meeting') + ' · Convene';
        status.textContent = m.mediaMode === 'p2p' ? 'Connected (peer to peer).' : 'Connected.';
        status.setAttribute('role', 'status');
        peers.clear(); muted.clear();
        m.peers.forEach((x) => peers.set(x.peerId, { info: x, senders: {} }));
        chat.reset(m.chat || []);
        whiteboard.reset();
        renderPeople(); lobbyBox.replaceChildren();
        for (const l of m.lobby || []) onMessage({ type: 'lobby-request', ...l });
        if (m.recording) setRecording(m.recording);
        if (!micOn) send({ type: 'track-muted', source: 'microphone', muted: true });
        if (!camOn) send({ type: 'track-muted', source: 'camera', muted: true });
        if (m.mediaMode === 'p2p') { for (const id of peers.keys()) peerConnection(id, true); }  // the newcomer offers
        else startSfu();
        break;
      }
      case 'lobby-waiting': status.textContent = 'Waiting for the host to let you in…'; break;
      case 'lobby-rejected': fatal('The host did not let you in.'); break;
      case 'lobby-request':
        if (lobbyBox.querySelector(`[data-lobby="${m.lobbyId}"]`)) break;
        lobbyBox.append(el('div', { class: 'row card', 'data-lobby': m.lobbyId, role: 'alert' }, `${m.user.username} is waiting to join`,
          el('button', { class: 'primary', onclick: () => send({ type: 'lobby-admit', lobbyId: m.lobbyId }) }, 'Admit'),
          el('button', { onclick: () => send({ type: 'lobby-reject', lobbyId: m.lobbyId }) }, 'Reject')));
        break;
      case 'lobby-resolved': lobbyBox.querySelector(`[data-lobby="${m.lobbyId}"]`)?.remove(); break;
      case 'peer-joined':
        peers.set(m.peer.peerId, { info: m.peer, senders: {} }); renderPeople(); toast(m.peer.username + ' joined');
        if (sfu) sfu.emitTracks();  // a tile for the newcomer while their media connects
        break;
      case 'peer-left': {
        const name = peers.get(m.peerId)?.info.username;
        closePeer(m.peerId); peers.delete(m.peerId); muted.delete(m.peerId); dropPeerTiles(m.peerId); renderPeople();
        if (name) toast(name + ' left');
        break;
      }
      case 'offer': await onOffer(m).catch((e) => console.warn('offer', e)); break;
      case 'answer': await peers.get(m.from)?.pc?.setRemoteDescription({ type: 'answer', sdp: m.sdp }).catch((e) => console.warn('answer', e)); break;
      case 'ice-candidate': {
        const peer = peers.get(m.from);
        await peer?.pc?.addIceCandidate({ candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex }).catch((e) => { if (!peer.ignoreOffer) console.warn('candidate', e); });
        break;
      }
      case 'track-muted':
        if (m.peerId === self?.peerId) break;
        muted.set(m.peerId, { ...muted.get(m.peerId), [m.source]: m.muted });
        updateBadges(m.peerId);
        break;
      case 'active-speaker': serverSpeaker = true; setSpeaker(m.peerId); break;
      case 'chat-message': chat.add(m); break;
      case 'reaction': floatReaction(m.emoji, m.from?.username); break;
      case 'hand': { const x = peers.get(m.peerId); if (x) { x.info.handRaised = m.raised; renderPeople(); updateBadges(m.peerId); } if (m.peerId === self?.peerId && !m.raised) handButton.setAttribute('aria-pressed', 'false'); break; }
      case 'role-changed': { const x = peers.get(m.peerId); if (x) x.info.role = m.role; if (m.peerId === self?.peerId) { self.role = m.role; toast('You are now ' + roleName(m.role)); } renderPeople(); break; }
      case 'host-changed': {
        for (const x of peers.values()) if (x.info.role === 'HOST') x.info.role = 'CO_HOST';
        if (self?.role === 'HOST') self.role = 'CO_HOST';
        const x = peers.get(m.peerId); if (x) x.info.role = 'HOST'; if (m.peerId === self?.peerId) self.role = 'HOST';
        renderPeople(); toast(m.peerId === self?.peerId ? 'You are now the host' : `${x?.info.username || 'Someone'} is now the host`); break;
      }
      case 'muted-by-host':
        if (m.source === 'camera') setCam(false); else if (m.source === 'microphone') setMic(false); else stopScreen();
        toast(`The host turned off your ${m.source}` + (m.canUnmute === false ? '. Only the host can turn it back on.' : '.'));
        break;
      case 'kicked': fatal('You were removed from the meeting.'); break;
      case 'room-ended': fatal('The meeting has ended.'); break;
      case 'redirect': redirectTo = { url: m.url, wsToken: m.wsToken }; ws?.close(); break;
      case 'room-left': break;
      case 'recording-started': setRecording(m.recording || { id: m.recordingId || m.id }); toast('This meeting is now being recorded'); if (activeTab === 'recordings') loadRecordings(); break;
      case 'recording-stopped': setRecording(null); toast('Recording stopped'); if (activeTab === 'recordings') loadRecordings(); break;
      case 'breakout-assigned': toast('Moving you to ' + m.name); break;
      case 'breakout-ending': toast(`The breakout room closes in ${m.secondsLeft} s`); break;
      case 'breakout-closed': toast('Back to the main room'); break;
      case 'breakout-broadcast': toast(m.from.username + ': ' + m.text); break;
      case 'caption': if (m.final) chat.add({ from: m.from, kind: 'caption', content: '💬 ' + m.text, createdAt: new Date().toISOString() }); break;
      case 'reminder': toast(`${m.name} starts in ${m.minutesBefore} minutes`); break;
      case 'error':
        if (!joined && ['room_ended', 'forbidden', 'not_found'].includes(m.code)) fatal(roomErrorText(m.code === 'forbidden' ? { code: 'forbidden', message: m.message } : m));
        else toast(m.message);
        break;
    }
  }

  // --- The WebSocket, reconnected with backoff
  // Cluster: the node carrying the room, as a `redirect` named it. Used once:
  // a connection lost later goes back through this page's origin, which
  // places the room again (on a live node) and redirects if need be.
  let redirectTo = null;
  async function connect() {
    status.textContent = retry ? 'Reconnecting…' : 'Connecting…';
    const target = redirectTo;
    redirectTo = null;
    let token = target?.wsToken;
    if (!token) try {
      ({ token } = await get('/auth/ws-token'));
    } catch (e) {
      if (e.status === 401) { sessionStorage.setItem('after-login', location.pathname); return navigate('/login'); }
      status.textContent = errorText(e);
      status.setAttribute('role', 'alert');
      return scheduleReconnect();
    }
    if (closedByUs) return;
    ws = new WebSocket(`${target?.url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`}?token=${encodeURIComponent(token)}`);
    ws.onopen = () => send({ type: 'join-room', roomId });
    ws.onmessage = (ev) => { let m; try { m = JSON.parse(ev.data); } catch { return; } onMessage(m).catch((e) => console.warn(m.type, e)); };
    ws.onclose = (ev) => {
      ws = null;
      if (closedByUs || ended) return;
      joined = false;
      resetMedia();
      if (redirectTo) return connect();  // moving to the room's node: at once, no backoff
      status.textContent = ev.code === 1001 ? 'The server is restarting. Reconnecting…' : 'Connection lost. Reconnecting…';
      status.setAttribute('role', 'alert');
      scheduleReconnect();
    };
  }
  function scheduleReconnect() {
    const delay = Math.min(10000, 500 * 2 ** retry++);
    setTimeout(() => { if (!closedByUs) connect(); }, delay);
  }

  // --- Controls
  let captions = null;
  const btn = (id, label, onclick, attrs = {}) => el('button', { id, type: 'button', onclick, ...attrs }, label);
  const micButton = btn('btn-mic', 'Mute', () => setMic(!micOn), { 'aria-pressed': 'false' });
  const camButton = btn('btn-cam', 'Stop video', () => setCam(!camOn), { 'aria-pressed': 'false' });
  const screenButton = btn('btn-screen', 'Share screen', () => (screenStream ? stopScreen() : startScreen()), { 'aria-pressed': 'false', hidden: !navigator.mediaDevices?.getDisplayMedia });
  const handButton = btn('btn-hand', '✋ Hand', (ev) => { const raised = handButton.getAttribute('aria-pressed') !== 'true'; handButton.setAttribute('aria-pressed', String(raised)); send({ type: 'hand', raised }); }, { 'aria-pressed': 'false', 'aria-label': 'Raise hand' });
  const recordButton = btn('btn-record', 'Record', toggleRecording, { 'data-moderator': '', hidden: true, 'aria-pressed': 'false' });
  const boardCard = whiteboard.card;
  const boardButton = btn('btn-board', 'Whiteboard', () => { boardCard.hidden = !boardCard.hidden; boardButton.setAttribute('aria-pressed', String(!boardCard.hidden)); if (!boardCard.hidden) boardCard.scrollIntoView({ block: 'nearest' }); }, { 'aria-pressed': String(!boardCard.hidden) });
  function syncButtons() {
    micButton.textContent = micOn ? 'Mute' : 'Unmute'; micButton.setAttribute('aria-pressed', String(!micOn)); micButton.disabled = !localStream.getAudioTracks().length;
    camButton.textContent = camOn ? 'Stop video' : 'Start video'; camButton.setAttribute('aria-pressed', String(!camOn)); camButton.disabled = !localStream.getVideoTracks().length;
    screenButton.textContent = screenStream ? 'Stop sharing' : 'Share screen'; screenButton.setAttribute('aria-pressed', String(!!screenStream));
    recordButton.textContent = recording ? 'Stop recording' : 'Record'; recordButton.setAttribute('aria-pressed', String(!!recording));
  }

  async function openDevices() {
    const cam = el('select', { id: 'dev-camera' }), mic = el('select', { id: 'dev-mic' });
    const { cameras, microphones } = await listDevices();
    fillSelect(cam, cameras, localStream.getVideoTracks()[0]?.getSettings().deviceId, 'No camera');
    fillSelect(mic, microphones, localStream.getAudioTracks()[0]?.getSettings().deviceId, 'No microphone');
    const quality = el('select', { id: 'dev-quality' }, Object.entries(QUALITIES).map(([k, [label]]) => el('option', { value: k, selected: prefs().quality === k }, label)));
    cam.addEventListener('change', () => switchDevice('video', cam.value));
    mic.addEventListener('change', () => switchDevice('audio', mic.value));
    quality.addEventListener('change', () => { savePrefs({ quality: quality.value }); if (localStream.getVideoTracks().length) switchDevice('video', cam.value); });
    const d = el('dialog', { class: 'devices', 'aria-labelledby': 'dev-title' }, el('form', { method: 'dialog' },
      el('h2', { id: 'dev-title' }, 'Settings'),
      el('label', { for: 'dev-camera' }, 'Camera'), cam, el('label', { for: 'dev-mic' }, 'Microphone'), mic,
      el('label', { for: 'dev-quality' }, 'Video quality'), quality,
      el('label', { for: 'call-background' }, 'Call background'), background,
      el('div', { class: 'row end' }, el('button', { value: 'close' }, 'Done'))));
    d.addEventListener('close', () => d.remove());
    document.body.append(d); d.showModal(); cam.focus();
  }

  const background = el('select', { id: 'call-background', onchange: () => {
    localStorage.setItem('convene-background', background.value); callBox.dataset.background = background.value;
  } }, Object.entries(BACKGROUNDS).map(([v, l]) => el('option', { value: v, selected: (localStorage.getItem('convene-background') || 'plain') === v }, l)));

  // Reactions: one button opens the six of them (Escape or a pick closes).
  const reactions = el('div', { class: 'reaction-menu', role: 'group', 'aria-label': 'Reactions', hidden: true },
    REACTIONS.map((e) => el('button', { type: 'button', 'aria-label': 'React ' + e, onclick: () => { send({ type: 'reaction', emoji: e }); toggleReactions(false); reactButton.focus(); } }, e)));
  const reactButton = btn('btn-react', '😀 React', () => toggleReactions(), { 'aria-expanded': 'false', 'aria-haspopup': 'true', 'aria-label': 'Reactions' });
  function toggleReactions(open = reactions.hidden) {
    reactions.hidden = !open;
    reactButton.setAttribute('aria-expanded', String(open));
    if (open) reactions.querySelector('button').focus();
  }
  reactions.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { toggleReactions(false); reactButton.focus(); }
    const bs = [...reactions.querySelectorAll('button')], i = bs.indexOf(document.activeElement);
    const step = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
    if (step && i >= 0) bs[(i + step + bs.length) % bs.length].focus();
  });
  document.addEventListener('click', (ev) => { if (!reactions.hidden && !ev.target.closest('.popover-anchor')) toggleReactions(false); });

  const hasSpeech = 'webkitSpeechRecognition' in window || 'SpeechRecognition' in window;
  const group = (label, ...items) => el('span', { class: 'group', role: 'group', 'aria-label': label }, ...items);
  const controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Call controls' },
    group('Media', micButton, camButton, screenButton,
      btn('btn-devices', '⚙ Settings', openDevices, { 'aria-label': 'Settings: devices, video quality, background', 'aria-haspopup': 'dialog' })),
    group('Reactions', handButton,
      el('span', { class: 'popover-anchor' }, reactButton, reactions)),
    el('span', { class: 'group', role: 'group', 'aria-label': 'Meeting tools' },
    boardButton,
    btn('btn-invite', 'Invite', () => (room?.room ? openShareDialog(room.room) : toast('Not connected yet')), { 'aria-haspopup': 'dialog' }),
    hasSpeech ? btn('btn-captions', 'Captions', (ev) => {
      if (captions) { captions.stop(); captions = null; ev.target.textContent = 'Captions'; return; }
      const R = window.SpeechRecognition || window.webkitSpeechRecognition;
      captions = new R(); captions.continuous = true; captions.interimResults = true;
      captions.onresult = (e) => { for (let i = e.resultIndex; i < e.results.length; ++i) send({ type: 'caption', text: e.results[i][0].transcript.slice(0, 1000), final: e.results[i].isFinal }); };
      captions.onerror = (e) => { toast('Captions stopped: ' + e.error); captions = null; ev.target.textContent = 'Captions'; };
      captions.start(); ev.target.textContent = 'Stop captions';
    }) : null,
    recordButton),
    group('Leave', btn('btn-leave', 'Leave', () => { closedByUs = true; send({ type: 'leave-room' }); ws?.close(1000); navigate('/'); }, { class: 'danger' }),
    btn('btn-end', 'End for all', async () => { if (!confirm('End the meeting for everyone?')) return; try { await post('/rooms/' + roomId + '/end'); } catch (e) { toast(errorText(e)); } }, { class: 'danger', 'data-host': '', hidden: true })));

  // Side panel with tabs: chat (unread count), people, recordings.
  let activeTab = 'chat';
  const panels = {
    chat: el('div', { id: 'tab-chat', role: 'tabpanel', 'aria-labelledby': 'tabbtn-chat' }, chat.element),
    people: el('div', { id: 'tab-people', role: 'tabpanel', 'aria-labelledby': 'tabbtn-people', hidden: true }, lobbyBox, people),
    recordings: el('div', { id: 'tab-recordings', role: 'tabpanel', 'aria-labelledby': 'tabbtn-recordings', hidden: true }, recordingsBox),
  };
  function selectTab(name) {
    activeTab = name;
    for (const [k, b] of Object.entries(tabButtons)) { b.setAttribute('aria-selected', String(k === name)); b.tabIndex = k === name ? 0 : -1; panels[k].hidden = k !== name; }
    chat.setVisible(name === 'chat');
    if (name === 'recordings') loadRecordings();
  }
  for (const [k, label] of [['chat', 'Chat'], ['people', 'People'], ['recordings', 'Recordings']]) {
    tabButtons[k] = el('button', { type: 'button', role: 'tab', id: 'tabbtn-' + k, 'aria-controls': 'tab-' + k, 'aria-selected': String(k === 'chat'), tabindex: k === 'chat' ? 0 : -1, onclick: () => selectTab(k) },
      label, ' ', el('span', { class: 'count' }));
  }
  const tablist = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Side panel' }, Object.values(tabButtons));
  tablist.addEventListener('keydown', (ev) => {
    const names = Object.keys(tabButtons), i = names.indexOf(activeTab);
    const j = ev.key === 'ArrowRight' ? (i + 1) % names.length : ev.key === 'ArrowLeft' ? (i + names.length - 1) % names.length : -1;
    if (j >= 0) { selectTab(names[j]); tabButtons[names[j]].focus(); }
  });

  const callBox = el('div', { class: 'call', 'data-background': localStorage.getItem('convene-background') || 'plain' },
    el('section', { class: 'stage', 'aria-label': 'Meeting' },
      el('div', { class: 'room-head' }, title, recIndicator), status, notice, videos, controls, boardCard),
    el('aside', { class: 'panel card', 'aria-label': 'Chat and people' }, tablist, ...Object.values(panels)));
  main.replaceChildren(callBox);
  main.classList.add('wide');

  // For troubleshooting from the console (and the tests): RTP counters of
  // every connection of this call.
  window.conveneStats = async () => {
    const pcs = [['publish', sfu?.publish], ['subscribe', sfu?.subscribe], ...[...peers].map(([id, x]) => ['p2p:' + id, x.pc])].filter(([, pc]) => pc);
    const out = [];
    for (const [name, pc] of pcs) {
      const st = await pc.getStats();
      for (const r of st.values()) {
        if (r.type === 'inbound-rtp') out.push({ pc: name, dir: 'in', mid: r.mid, kind: r.kind, packets: r.packetsReceived, lost: r.packetsLost, bytes: r.bytesReceived, frames: r.framesDecoded, keyFrames: r.keyFramesDecoded, width: r.frameWidth, pli: r.pliCount, nack: r.nackCount });
        if (r.type === 'outbound-rtp') out.push({ pc: name, dir: 'out', mid: r.mid, kind: r.kind, packets: r.packetsSent, bytes: r.bytesSent, frames: r.framesEncoded, keyFrames: r.keyFramesEncoded, pli: r.pliCount, nack: r.nackCount, width: r.frameWidth, fps: r.framesPerSecond, limit: r.qualityLimitationReason, target: r.targetBitrate });
        if (r.type === 'candidate-pair' && r.nominated) out.push({ pc: name, pair: r.state, availableOut: r.availableOutgoingBitrate, rtt: r.currentRoundTripTime });
      }
      out.push({ pc: name, state: pc.connectionState, ice: pc.iceConnectionState, signaling: pc.signalingState });
    }
    return out;
  };

  await startMedia();
  connect();
  return () => {
    closedByUs = true; clearInterval(levelTimer); delete window.conveneStats;
    if (ws) { send({ type: 'leave-room' }); ws.close(1000); }
    resetMedia();
    localStream.getTracks().forEach((t) => t.stop()); screenStream?.getTracks().forEach((t) => t.stop());
    captions?.stop();
    main.classList.remove('wide');
    document.title = 'Convene';
  };
}
