// The call page: signaling over the WebSocket, peer-to-peer video for 1:1
// rooms, chat, reactions, whiteboard, hands, lobby and host controls.
import { get, post } from './api.js';
import { main, el, errorText, navigate, toast } from './app.js';

const REACTIONS = ['👍', '🎉', '❤️', '😂', '🔥', '👏'];

export async function renderRoom(roomId, me) {
  let ws = null, closedByUs = false, retry = 0, self = null, room = null;
  const peers = new Map();       // peerId -> {info, pc, tile}
  let localStream = null;
  const status = el('div', { class: 'banner', role: 'status' }, 'Connecting…');
  const videos = el('div', { class: 'videos', 'aria-label': 'Videos' });
  const people = el('ul', { class: 'plain', 'aria-label': 'Participants' });
  const lobbyBox = el('div');
  const chatLog = el('div', { class: 'chat-log', 'aria-live': 'polite', 'aria-label': 'Chat' });
  const chatInput = el('input', { 'aria-label': 'Message', placeholder: 'Message…', maxlength: 4000 });
  const board = el('canvas', { class: 'board', width: 1280, height: 720, 'aria-label': 'Whiteboard' });
  const penColor = el('input', { type: 'color', value: '#e53935', 'aria-label': 'Pen colour', style: 'width:3rem' });
  const penWidth = el('select', { 'aria-label': 'Pen width', style: 'width:auto' }, [2, 4, 8, 16].map((w) => el('option', { value: w }, w + ' px')));
  const penTool = el('select', { 'aria-label': 'Tool', style: 'width:auto' }, el('option', { value: 'pen' }, 'Pen'), el('option', { value: 'eraser' }, 'Eraser'));
  const strokes = [];

  function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }

  // --- Video tiles
  function tile(id, name, stream, muted) {
    let t = videos.querySelector(`[data-peer="${id}"]`);
    if (!t) {
      t = el('div', { class: 'tile', 'data-peer': id }, el('video', { autoplay: true, playsinline: true }), el('span', { class: 'name' }, name));
      videos.append(t);
    }
    const v = t.querySelector('video');
    v.muted = !!muted;
    if (stream && v.srcObject !== stream) v.srcObject = stream;
    return t;
  }
  function dropTile(id) { videos.querySelector(`[data-peer="${id}"]`)?.remove(); }

  async function startMedia() {
    try {
      localStream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
      tile('self', me.username + ' (you)', localStream, true);
    } catch (e) {
      toast('Camera or microphone unavailable: ' + (e.name === 'NotAllowedError' ? 'permission denied' : e.message));
    }
  }

  // --- Peer-to-peer (ONE_TO_ONE rooms)
  function peerConnection(peerId) {
    const p = peers.get(peerId);
    if (p.pc) return p.pc;
    const pc = new RTCPeerConnection({ iceServers: room.iceServers || [] });
    p.pc = pc;
    localStream?.getTracks().forEach((t) => pc.addTrack(t, localStream));
    pc.ontrack = (ev) => tile(peerId, p.info.username, ev.streams[0]);
    pc.onicecandidate = (ev) => { if (ev.candidate) send({ type: 'ice-candidate', to: peerId, candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex }); };
    return pc;
  }
  async function callPeer(peerId) {
    const pc = peerConnection(peerId);
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: 'offer', to: peerId, sdp: pc.localDescription.sdp });
  }

  // --- Chat, reactions, whiteboard
  function addChat(m) {
    const body = m.kind === 'image' ? el('img', { src: m.content, alt: 'image from ' + m.from.username }) : m.content;
    chatLog.append(el('div', { class: 'msg' }, el('span', { class: 'who' }, m.from.username + ': '), body,
      el('time', { datetime: m.createdAt }, new Date(m.createdAt).toLocaleTimeString())));
    chatLog.scrollTop = chatLog.scrollHeight;
  }
  function floatReaction(emoji) {
    const f = el('div', { class: 'reaction-float', style: `left:${20 + Math.random() * 60}%`, 'aria-hidden': 'true' }, emoji);
    document.body.append(f);
    setTimeout(() => f.remove(), 2000);
  }
  const ctx = board.getContext('2d');
  function drawStroke(s) {
    ctx.globalCompositeOperation = s.tool === 'eraser' ? 'destination-out' : 'source-over';
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (s.points.length === 1) ctx.lineTo(s.points[0][0] + 0.1, s.points[0][1]);
    ctx.stroke();
  }
  function redraw() { ctx.clearRect(0, 0, board.width, board.height); strokes.forEach(drawStroke); }
  let current = null;
  const pos = (ev) => { const r = board.getBoundingClientRect(); return [Math.round((ev.clientX - r.left) * board.width / r.width), Math.round((ev.clientY - r.top) * board.height / r.height)]; };
  board.addEventListener('pointerdown', (ev) => { board.setPointerCapture(ev.pointerId); current = { tool: penTool.value, color: penColor.value, width: +penWidth.value, points: [pos(ev)] }; });
  board.addEventListener('pointermove', (ev) => { if (current) { current.points.push(pos(ev)); redraw(); drawStroke(current); } });
  board.addEventListener('pointerup', () => { if (!current) return; strokes.push(current); send({ type: 'whiteboard-draw', stroke: current }); current = null; redraw(); });

  // --- Participants
  function renderPeople() {
    const host = self && (self.role === 'HOST' || self.role === 'CO_HOST');
    const you = self ? [el('li', {}, `${me.username} (you) `, el('span', { class: 'muted' }, self.role.toLowerCase().replace('_', '-')))] : [];
    people.replaceChildren(...you, ...[...peers.values()].map(({ info }) => el('li', {}, `${info.handRaised ? '✋ ' : ''}${info.username} `, el('span', { class: 'muted' }, info.role.toLowerCase().replace('_', '-')),
      host ? el('span', { class: 'row' }, el('button', { onclick: () => send({ type: 'mute', peerId: info.peerId, source: 'microphone' }) }, 'Mute'),
        info.role !== 'HOST' ? el('button', { onclick: () => send({ type: 'kick', peerId: info.peerId }) }, 'Remove') : null) : null)));
  }

  // --- Messages from the server
  async function onMessage(m) {
    switch (m.type) {
      case 'room-joined':
        room = m; self = { peerId: m.peerId, role: m.role }; retry = 0;
        status.textContent = m.mediaMode === 'p2p' ? 'Connected (peer to peer).' : 'Connected. Group video through the server is not available in this version yet: chat, whiteboard and reactions work for everyone.';
        peers.clear();
        m.peers.forEach((p) => peers.set(p.peerId, { info: p }));
        chatLog.replaceChildren(); m.chat.forEach(addChat);
        strokes.splice(0, strokes.length, ...m.whiteboard); redraw();
        renderPeople(); lobbyBox.replaceChildren();
        if (m.mediaMode === 'p2p') for (const id of peers.keys()) callPeer(id);  // the newcomer calls
        break;
      case 'lobby-waiting': status.textContent = 'Waiting for the host to let you in…'; break;
      case 'lobby-rejected': status.textContent = 'The host did not let you in.'; closedByUs = true; ws.close(); break;
      case 'lobby-request':
        lobbyBox.append(el('div', { class: 'row', 'data-lobby': m.lobbyId }, `${m.user.username} is waiting `,
          el('button', { class: 'primary', onclick: () => send({ type: 'lobby-admit', lobbyId: m.lobbyId }) }, 'Admit'),
          el('button', { onclick: () => send({ type: 'lobby-reject', lobbyId: m.lobbyId }) }, 'Reject')));
        break;
      case 'lobby-resolved': lobbyBox.querySelector(`[data-lobby="${m.lobbyId}"]`)?.remove(); break;
      case 'peer-joined': peers.set(m.peer.peerId, { info: m.peer }); renderPeople(); toast(m.peer.username + ' joined'); break;
      case 'peer-left': peers.get(m.peerId)?.pc?.close(); peers.delete(m.peerId); dropTile(m.peerId); renderPeople(); break;
      case 'offer': { const pc = peerConnection(m.from); await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp }); await pc.setLocalDescription(await pc.createAnswer()); send({ type: 'answer', to: m.from, sdp: pc.localDescription.sdp }); break; }
      case 'answer': await peers.get(m.from)?.pc?.setRemoteDescription({ type: 'answer', sdp: m.sdp }); break;
      case 'ice-candidate': await peers.get(m.from)?.pc?.addIceCandidate({ candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex }).catch(() => {}); break;
      case 'chat-message': addChat(m); break;
      case 'reaction': floatReaction(m.emoji); break;
      case 'whiteboard-draw': strokes.push(m.stroke); drawStroke(m.stroke); break;
      case 'whiteboard-clear': strokes.length = 0; redraw(); break;
      case 'hand': { const p = peers.get(m.peerId); if (p) { p.info.handRaised = m.raised; renderPeople(); } break; }
      case 'role-changed': { const p = peers.get(m.peerId); if (p) p.info.role = m.role; if (m.peerId === self?.peerId) self.role = m.role; renderPeople(); break; }
      case 'host-changed': { const p = peers.get(m.peerId); if (p) p.info.role = 'HOST'; if (m.peerId === self?.peerId) self.role = 'HOST'; renderPeople(); toast('The host changed'); break; }
      case 'muted-by-host': localStream?.getAudioTracks().forEach((t) => (t.enabled = false)); toast('The host muted your ' + m.source); break;
      case 'kicked': status.textContent = 'You were removed from the meeting.'; closedByUs = true; ws.close(); break;
      case 'room-ended': status.textContent = 'The meeting has ended.'; closedByUs = true; break;
      case 'breakout-assigned': toast('Moving you to ' + m.name); break;
      case 'breakout-broadcast': toast(m.from.username + ': ' + m.text); break;
      case 'caption': if (m.final) addChat({ from: m.from, kind: 'text', content: '💬 ' + m.text, createdAt: new Date().toISOString() }); break;
      case 'reminder': toast(`${m.name} starts in ${m.minutesBefore} minutes`); break;
      case 'error': toast(m.message); break;
    }
  }

  async function connect() {
    try {
      const { token } = await get('/auth/ws-token');
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    } catch (e) { status.textContent = errorText(e); return scheduleReconnect(); }
    ws.onopen = () => send({ type: 'join-room', roomId });
    ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
    ws.onclose = () => { if (!closedByUs) { status.textContent = 'Connection lost. Reconnecting…'; scheduleReconnect(); } };
  }
  function scheduleReconnect() {
    peers.forEach((p) => p.pc?.close());
    setTimeout(() => { if (!closedByUs) connect(); }, Math.min(10000, 500 * 2 ** retry++));
  }

  // --- Controls
  let captions = null;
  const controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Call controls' },
    el('button', { 'aria-pressed': 'false', onclick: (ev) => { const t = localStream?.getAudioTracks()[0]; if (!t) return; t.enabled = !t.enabled; ev.target.setAttribute('aria-pressed', String(!t.enabled)); ev.target.textContent = t.enabled ? 'Mute' : 'Unmute'; send({ type: 'track-muted', source: 'microphone', muted: !t.enabled }); } }, 'Mute'),
    el('button', { onclick: (ev) => { const t = localStream?.getVideoTracks()[0]; if (!t) return; t.enabled = !t.enabled; ev.target.textContent = t.enabled ? 'Stop video' : 'Start video'; send({ type: 'track-muted', source: 'camera', muted: !t.enabled }); } }, 'Stop video'),
    el('button', { onclick: async () => {
      try {
        const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 } });
        const track = screen.getVideoTracks()[0];
        peers.forEach((p) => p.pc?.getSenders().find((s) => s.track?.kind === 'video')?.replaceTrack(track));
        tile('self', me.username + ' (screen)', screen, true);
        track.onended = () => { const cam = localStream?.getVideoTracks()[0]; peers.forEach((p) => p.pc?.getSenders().find((s) => s.track?.kind === 'video')?.replaceTrack(cam)); tile('self', me.username + ' (you)', localStream, true); };
      } catch (e) { toast('Screen sharing: ' + e.message); }
    } }, 'Share screen'),
    el('button', { onclick: (ev) => { const raised = ev.target.getAttribute('aria-pressed') !== 'true'; ev.target.setAttribute('aria-pressed', String(raised)); send({ type: 'hand', raised }); } , 'aria-pressed': 'false' }, '✋ Hand'),
    ...REACTIONS.map((e) => el('button', { 'aria-label': 'React ' + e, onclick: () => send({ type: 'reaction', emoji: e }) }, e)),
    el('button', { onclick: () => { navigator.clipboard?.writeText(location.origin + '/join/' + (room?.room?.inviteCode || '')); toast('Invite link copied'); } }, 'Copy invite link'),
    ('webkitSpeechRecognition' in window || 'SpeechRecognition' in window) ? el('button', { onclick: (ev) => {
      if (captions) { captions.stop(); captions = null; ev.target.textContent = 'Captions'; return; }
      const R = window.SpeechRecognition || window.webkitSpeechRecognition;
      captions = new R(); captions.continuous = true; captions.interimResults = true;
      captions.onresult = (e) => { for (let i = e.resultIndex; i < e.results.length; ++i) send({ type: 'caption', text: e.results[i][0].transcript, final: e.results[i].isFinal }); };
      captions.start(); ev.target.textContent = 'Stop captions';
    } }, 'Captions') : null,
    el('button', { class: 'danger', onclick: () => { closedByUs = true; send({ type: 'leave-room' }); ws?.close(); navigate('/'); } }, 'Leave'),
    el('button', { class: 'danger', onclick: async () => { if (!confirm('End the meeting for everyone?')) return; try { await post('/rooms/' + roomId + '/end'); } catch (e) { toast(errorText(e)); } } }, 'End for all'));

  const chatForm = el('form', { class: 'row' }, chatInput, el('button', { type: 'submit' }, 'Send'),
    el('label', { class: 'button', style: 'margin:0' }, 'Image', el('input', { type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp', style: 'display:none', onchange: (ev) => {
      const f = ev.target.files[0]; if (!f) return;
      if (f.size > 2 * 1024 * 1024) return toast('Images are limited to 2 MB');
      const r = new FileReader(); r.onload = () => send({ type: 'chat-message', kind: 'image', content: r.result }); r.readAsDataURL(f);
    } })));
  chatForm.addEventListener('submit', (ev) => { ev.preventDefault(); const text = chatInput.value.trim(); if (text) send({ type: 'chat-message', kind: 'text', content: text }); chatInput.value = ''; });

  main.replaceChildren(status, lobbyBox, el('div', { class: 'call' },
    el('section', {}, videos, controls, el('div', { class: 'card' }, el('div', { class: 'row' }, el('strong', {}, 'Whiteboard'), penTool, penColor, penWidth,
      el('button', { onclick: () => { strokes.length = 0; redraw(); send({ type: 'whiteboard-clear' }); } }, 'Clear')), board)),
    el('aside', { class: 'panel' }, el('div', { class: 'card' }, el('h3', {}, 'People'), people), el('div', { class: 'card' }, el('h3', {}, 'Chat'), chatLog, chatForm))));

  await startMedia();
  connect();
  return () => { closedByUs = true; ws?.close(); peers.forEach((p) => p.pc?.close()); localStream?.getTracks().forEach((t) => t.stop()); captions?.stop(); };
}
