// The media connections: peer to peer in ONE_TO_ONE rooms (perfect
// negotiation, so either side may add a screen share), through the SFU
// (../sfu.js) in GROUP and VIRTUAL_ROOM rooms; remote tracks go to the grid.
import { errorText } from '../ui.js';
import { SfuSession } from '../sfu.js';

// mediaE2ee (../e2ee/media.js): encrypts every connection's media in an
// end-to-end encrypted room.
export function createTransport(call, { grid, banner, localMedia, mediaE2ee }) {
  const e2ee = () => (call.room?.room?.e2ee ? mediaE2ee : null);
  // --- Peer to peer
  function peerConnection(peerId, withTracks) {
    const peer = call.peers.get(peerId);
    if (peer.pc) return peer.pc;
    const pc = new RTCPeerConnection({ iceServers: call.room.iceServers || [], ...(e2ee()?.config() || {}) });
    e2ee()?.protect(pc);
    Object.assign(peer, { pc, polite: String(call.self.peerId) < String(peerId), makingOffer: false, ignoreOffer: false, senders: {}, streams: new Map() });
    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        call.send({ type: 'offer', to: peerId, sdp: pc.localDescription.sdp });
      } catch (e) { console.warn('offer', e); } finally { peer.makingOffer = false; }
    };
    pc.onicecandidate = (ev) => { if (ev.candidate?.candidate) call.send({ type: 'ice-candidate', to: peerId, candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex }); };
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] || new MediaStream([ev.track]);
      let source = peer.streams.get(stream.id);
      if (!source) { source = [...peer.streams.values()].includes('camera') ? 'screen' : 'camera'; peer.streams.set(stream.id, source); }
      const t = grid.tileFor(peerId, source, peer.info.username);
      const sync = () => {
        if (source === 'screen' && !stream.getVideoTracks().length) return grid.dropTile(peerId + ':screen');
        grid.setTracks(grid.tileFor(peerId, source, peer.info.username), stream.getTracks());
      };
      grid.setTracks(t, stream.getTracks());
      stream.onaddtrack = sync;
      stream.onremovetrack = sync;
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') { banner.show(`The media connection to ${peer.info.username} failed. Trying again…`); pc.restartIce(); }
      if (pc.connectionState === 'connected') banner.restore();
    };
    if (withTracks) addLocalTracks(peer);
    return pc;
  }
  function addLocalTracks(peer) {
    const ls = call.localStream;
    const a = ls.getAudioTracks()[0], v = ls.getVideoTracks()[0];
    if (a) peer.senders.microphone = peer.pc.addTrack(a, ls);
    if (v) peer.senders.camera = peer.pc.addTrack(v, ls);
    if (call.screenStream) peer.senders.screen = peer.pc.addTrack(call.screenStream.getVideoTracks()[0], call.screenStream);
  }
  async function onOffer(m) {
    const peer = call.peers.get(m.from);
    if (!peer) return;
    if (!peer.pc) await call.localReady;  // the answer carries our tracks
    if (!call.peers.has(m.from)) return;
    const fresh = !peer.pc;
    const pc = peerConnection(m.from, false);
    const collision = peer.makingOffer || pc.signalingState !== 'stable';
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    if (fresh) addLocalTracks(peer);  // after the offer: the tracks ride on its transceivers
    await pc.setLocalDescription();
    call.send({ type: 'answer', to: m.from, sdp: pc.localDescription.sdp });
  }
  function closePeer(peerId) { const peer = call.peers.get(peerId); peer?.pc?.close(); if (peer) peer.pc = null; }

  // --- Through the SFU
  function startSfu() {
    const sfu = call.sfu = new SfuSession({
      send: call.send, iceServers: call.room.iceServers || [], e2ee: e2ee(),
      captureSize: () => { const s = localMedia.camera?.getSettings?.(); return s?.width ? s : null; },
      log: (...a) => console.debug('[sfu]', ...a),
      onState: (which, state, err) => {
        if (state === 'negotiation-failed') return banner.show('Some video from the server could not be received (' + (err?.message || 'negotiation failed') + '). Leave and join again if it stays missing.');
        if (state === 'failed') banner.show('The media connection to the server failed. Reconnecting…');
        if (state === 'failed' && which === 'publish') call.ws?.close(4000, 'media failed');
        if (state === 'connected') banner.restore();
      },
      onTracks: (list) => {
        if (banner.showing('Some video')) banner.restore();  // a later negotiation went through
        const want = new Map();
        for (const tr of list) {
          const key = tr.peerId + ':' + (tr.source === 'screen' ? 'screen' : 'camera');
          if (!want.has(key)) want.set(key, []);
          want.get(key).push(tr.track);
        }
        for (const peerId of call.peers.keys()) if (!want.has(peerId + ':camera')) want.set(peerId + ':camera', []);  // a tile for everyone
        grid.showRemote(want);
      },
    });
    // Subscribing starts at once (the server's subscribe-offer); publishing
    // once the camera and microphone are open.
    Promise.resolve(call.localReady).then(() => (call.sfu === sfu ? sfu.start(call.localStream) : null)).then(async () => {
      if (call.sfu !== sfu) return;
      localMedia.announceMuted();
      if (call.screenStream) await sfu.addScreen(call.screenStream.getVideoTracks()[0]);
    }).catch((e) => banner.show('Could not send your video to the server: ' + errorText(e)));
  }

  // After room-joined: the newcomer offers to everyone, or publishes to the SFU.
  async function start(mediaMode) {
    if (mediaMode === 'p2p') {
      await call.localReady;  // the newcomer's offer carries its tracks
      for (const id of call.peers.keys()) if (call.peers.has(id)) peerConnection(id, true);
    } else startSfu();
  }
  function reset() {
    call.sfu?.close(); call.sfu = null;
    for (const id of call.peers.keys()) closePeer(id);
  }
  async function handle(m) {
    if (call.sfu && call.sfu.handle(m)) return true;
    switch (m.type) {
      case 'offer': await onOffer(m).catch((e) => console.warn('offer', e)); return true;
      case 'answer': await call.peers.get(m.from)?.pc?.setRemoteDescription({ type: 'answer', sdp: m.sdp }).catch((e) => console.warn('answer', e)); return true;
      case 'ice-candidate': {
        const peer = call.peers.get(m.from);
        await peer?.pc?.addIceCandidate({ candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex }).catch((e) => { if (!peer.ignoreOffer) console.warn('candidate', e); });
        return true;
      }
    }
    return false;
  }

  // For troubleshooting from the console (and the tests): RTP counters of
  // every connection of this call.
  async function stats() {
    const pcs = [['publish', call.sfu?.publish], ['subscribe', call.sfu?.subscribe], ...[...call.peers].map(([id, x]) => ['p2p:' + id, x.pc])].filter(([, pc]) => pc);
    const out = [];
    for (const [name, pc] of pcs) {
      const st = await pc.getStats();
      for (const r of st.values()) {
        if (r.type === 'inbound-rtp') out.push({ pc: name, dir: 'in', mid: r.mid, kind: r.kind, packets: r.packetsReceived, lost: r.packetsLost, bytes: r.bytesReceived, frames: r.framesDecoded, keyFrames: r.keyFramesDecoded, width: r.frameWidth, pli: r.pliCount, nack: r.nackCount });
        if (r.type === 'outbound-rtp') out.push({ pc: name, dir: 'out', mid: r.mid, kind: r.kind, layer: name === 'publish' ? call.sfu?.layerOfMid(r.mid) ?? null : null, active: r.active, packets: r.packetsSent, bytes: r.bytesSent, frames: r.framesEncoded, keyFrames: r.keyFramesEncoded, pli: r.pliCount, nack: r.nackCount, width: r.frameWidth, fps: r.framesPerSecond, limit: r.qualityLimitationReason, target: r.targetBitrate });
        if (r.type === 'candidate-pair' && r.nominated) out.push({ pc: name, pair: r.state, availableOut: r.availableOutgoingBitrate, rtt: r.currentRoundTripTime });
      }
      out.push({ pc: name, state: pc.connectionState, ice: pc.iceConnectionState, signaling: pc.signalingState });
    }
    return out;
  }

  return { start, reset, closePeer, handle, stats, emitTracks: () => call.sfu?.emitTracks() };
}
