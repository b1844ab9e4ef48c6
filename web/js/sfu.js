// The group call through Convene's SFU (docs/protocol.md, "media"): two
// RTCPeerConnections per participant, so there is never glare.
//  - publish: this client offers, sendonly transceivers for microphone,
//    camera and (while sharing) screen; `publish-offer {sdp, tracks}` →
//    `publish-answer {sdp}`. Adding or stopping a track is a new publish-offer
//    on the same connection.
//  - subscribe: the server offers whenever the set of tracks this client
//    should receive changes: `subscribe-offer {sdp, tracks:[{mid, peerId,
//    source, kind}]}` → `subscribe-answer {sdp}`. Offers that arrive while
//    one is being answered wait their turn.
//  - trickle ICE both ways: `sfu-candidate {pc, candidate, sdpMid, sdpMLineIndex}`.
// The owner gets onTracks(list) after each subscribe negotiation: every
// remote track now live, as {peerId, source, kind, mid, track}; a track whose
// mid left the list or whose transceiver went inactive is simply not in it.

function preferCodec(transceiver, mime) {
  const caps = RTCRtpReceiver.getCapabilities?.(transceiver.receiver.track.kind);
  if (!caps || !transceiver.setCodecPreferences) return;
  const first = caps.codecs.filter((c) => c.mimeType.toLowerCase() === mime);
  if (!first.length) return;
  try { transceiver.setCodecPreferences([...first, ...caps.codecs.filter((c) => c.mimeType.toLowerCase() !== mime)]); } catch { /* keep the defaults */ }
}

// Tolerance for offers Chromium refuses as they are: RTX on an audio
// m-section (webrtcbin offers `rtx/48000` and an `ssrc-group:FID` for Opus)
// fails setRemoteDescription with "Failed to add remote stream ssrc" —
// Chromium has no audio RTX. Audio sections lose the RTX payload type, the
// FID group and the retransmission SSRC; everything else is untouched.
export function tidyOffer(sdp) {
  return sdp.split(/\r\n(?=m=)/).map((sec) => {
    if (!sec.startsWith('m=audio')) return sec;
    const rtx = [...sec.matchAll(/^a=rtpmap:(\d+) rtx\//gim)].map((m) => m[1]);
    const fid = /^a=ssrc-group:FID (\d+) (\d+)/m.exec(sec);
    const ssrcs = [...new Set([...sec.matchAll(/^a=ssrc:(\d+) /gm)].map((m) => m[1]))];
    const drop = new Set(fid ? [fid[2]] : ssrcs.slice(1));
    if (!rtx.length && !fid && !drop.size) return sec;
    return sec.split('\r\n').filter((l) => {
      if (/^a=ssrc-group:FID /.test(l)) return false;
      const ss = /^a=ssrc:(\d+) /.exec(l); if (ss && drop.has(ss[1])) return false;
      const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(l); if (pt && rtx.includes(pt[1])) return false;
      return true;
    }).map((l) => (l.startsWith('m=audio') ? l.split(' ').filter((x, i) => i < 3 || !rtx.includes(x)).join(' ') : l)).join('\r\n');
  }).join('\r\n');
}

// The mids of an SDP's m-sections in order, with their kind.
function sections(sdp) {
  return sdp.split(/\r\n(?=m=)/).slice(1).map((sec) => ({ kind: sec.slice(2, 7), mid: (/^a=mid:(\S+)/m.exec(sec) || [])[1] }));
}
// Tracks whose mid is missing get the next unclaimed m-section of their kind.
export function fillMids(tracks, sdp) {
  const claimed = new Set(tracks.map((t) => String(t.mid ?? '')).filter(Boolean));
  const free = sections(sdp).filter((s) => s.mid && !claimed.has(s.mid));
  return tracks.map((t) => {
    if (t.mid !== undefined && t.mid !== null && t.mid !== '') return t;
    const i = free.findIndex((s) => s.kind === t.kind);
    return i < 0 ? t : { ...t, mid: free.splice(i, 1)[0].mid };
  });
}

export class SfuSession {
  // e2ee: in an end-to-end encrypted call, the media encryption
  // (e2ee/media.js) every connection's senders and receivers go through.
  constructor({ send, iceServers = [], onTracks = () => {}, onState = () => {}, log = () => {}, e2ee = null }) {
    this.send = send;
    this.e2ee = e2ee;
    this.config = { iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', ...(e2ee ? e2ee.config() : {}) };
    this.onTracks = onTracks;
    this.onState = onState;
    this.log = log;
    this.closed = false;
    this.started = false;         // start() ran: the local camera and microphone are published
    this.seq = 0;
    this.publish = null;          // RTCPeerConnection
    this.subscribe = null;        // RTCPeerConnection
    this.sources = new Map();     // source -> transceiver (publish)
    this.publishChain = Promise.resolve();
    this.pendingAnswer = null;    // {resolve, reject} while a publish-offer waits
    this.subscribeQueue = Promise.resolve();
    this.remoteTracks = [];       // last subscribe-offer's list
    this.pendingCandidates = { publish: [], subscribe: [] };
  }

  // Publishes the local microphone and camera (either may be missing).
  // Nothing to send (camera and microphone denied): no publish connection
  // until there is (a screen share, a device picked later).
  start(stream) {
    this.started = true;
    const audio = stream?.getAudioTracks()[0], video = stream?.getVideoTracks()[0];
    if (audio) this.addSource('microphone', audio, stream);
    if (video) this.addSource('camera', video, stream);
    return this.publish ? this.renegotiate() : Promise.resolve();
  }

  addSource(source, track, stream) {
    if (!this.publish) {
      const pc = this.publish = new RTCPeerConnection(this.config);
      this.e2ee?.protect(pc);
      pc.onicecandidate = (ev) => this.sendCandidate('publish', ev.candidate);
      pc.onconnectionstatechange = () => this.stateChanged('publish', pc.connectionState);
    }
    // Video in three temporal layers (VP8 L1T3): the server forwards a
    // quarter, half or all of the frames to each subscriber, as its network
    // allows. Simulcast is not used: the server (webrtcbin 1.22) cannot
    // receive it, and the browser would then send only the lowest layer.
    const encodings = source === 'screen' ? [{ maxBitrate: 1_500_000, maxFramerate: 15, scalabilityMode: 'L1T3' }]
      : source === 'camera' ? [{ maxBitrate: 1_200_000, scalabilityMode: 'L1T3' }] : undefined;
    const init = { direction: 'sendonly', streams: stream ? [stream] : [] };
    let t;
    try {
      t = this.publish.addTransceiver(track, { ...init, ...(encodings ? { sendEncodings: encodings } : {}) });
    } catch {
      // A browser without scalabilityMode: one layer, the server forwards it whole.
      t = this.publish.addTransceiver(track, { ...init, ...(encodings ? { sendEncodings: encodings.map(({ scalabilityMode, ...e }) => e) } : {}) });
    }
    if (track.kind === 'video') preferCodec(t, 'video/vp8');
    if (source === 'screen' && 'contentHint' in track) track.contentHint = 'detail';
    this.sources.set(source, t);
    return t;
  }

  // Screen share on: a new sendonly track and a new publish-offer.
  async addScreen(track) {
    if (this.sources.has('screen')) await this.removeScreen();
    this.addSource('screen', track, new MediaStream([track]));
    return this.renegotiate();
  }
  // Screen share off: removeTrack and a publish-offer without it.
  async removeScreen() {
    const t = this.sources.get('screen');
    if (!t) return;
    this.sources.delete('screen');
    try { this.publish?.removeTrack(t.sender); } catch { /* connection closed */ }
    return this.renegotiate();
  }

  // Device switching: the same transceiver, another track, no renegotiation.
  async replaceTrack(source, track) {
    const t = this.sources.get(source);
    if (t) { await t.sender.replaceTrack(track); return; }
    // Before start() (the camera still opening): start() publishes what the
    // local stream then holds.
    if (!this.started) return;
    if (track && !this.closed) { this.addSource(source, track, new MediaStream([track])); await this.renegotiate(); }
  }

  renegotiate() {
    // One publish negotiation at a time; each waits for the previous answer.
    this.publishChain = this.publishChain.catch(() => {}).then(() => this.negotiatePublish());
    return this.publishChain;
  }

  async negotiatePublish() {
    if (this.closed) return;
    const pc = this.publish;
    await pc.setLocalDescription(await pc.createOffer());
    const tracks = [];
    for (const [source, t] of this.sources) if (t.mid !== null && t.sender.track !== null && t.currentDirection !== 'stopped') tracks.push({ mid: t.mid, source });
    const answered = new Promise((resolve, reject) => {
      this.pendingAnswer = { resolve, reject };
      setTimeout(() => reject(new Error('the media server did not answer the publish offer')), 15000);
    });
    this.send({ type: 'publish-offer', requestId: 'sfu-publish-' + ++this.seq, sdp: pc.localDescription.sdp, tracks });
    const sdp = await answered.finally(() => { this.pendingAnswer = null; });
    if (this.closed) return;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    this.flushCandidates('publish');
  }

  async answerSubscribe(m) {
    if (this.closed) return;
    if (!this.subscribe) {
      const pc = this.subscribe = new RTCPeerConnection(this.config);
      this.e2ee?.protect(pc);
      pc.onicecandidate = (ev) => this.sendCandidate('subscribe', ev.candidate);
      pc.onconnectionstatechange = () => this.stateChanged('subscribe', pc.connectionState);
      pc.ontrack = () => {};  // tracks are read from the transceivers after each negotiation
    }
    const pc = this.subscribe;
    await pc.setRemoteDescription({ type: 'offer', sdp: tidyOffer(m.sdp) });
    this.e2ee?.protectReceivers(pc);
    this.flushCandidates('subscribe');
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.send({ type: 'subscribe-answer', requestId: 'sfu-subscribe-' + ++this.seq, sdp: pc.localDescription.sdp });
    this.remoteTracks = fillMids(m.tracks || [], m.sdp);
    this.emitTracks();
  }

  emitTracks() {
    const pc = this.subscribe;
    if (!pc) return this.onTracks([]);
    const byMid = new Map(pc.getTransceivers().filter((t) => t.mid !== null).map((t) => [t.mid, t]));
    const live = [];
    for (const info of this.remoteTracks) {
      const t = byMid.get(String(info.mid));
      if (!t || t.stopped || t.currentDirection === 'inactive' || t.currentDirection === 'stopped' || t.currentDirection === 'sendonly') continue;
      live.push({ ...info, track: t.receiver.track });
    }
    this.onTracks(live);
  }

  sendCandidate(pc, c) {
    if (!c || !c.candidate) return;  // end of candidates: nothing to send
    this.send({ type: 'sfu-candidate', pc, candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
  }

  flushCandidates(which) {
    const pc = which === 'publish' ? this.publish : this.subscribe;
    for (const c of this.pendingCandidates[which].splice(0)) pc.addIceCandidate(c).catch((e) => this.log('candidate refused', e));
  }

  stateChanged(which, state) {
    this.log(`${which} connection: ${state}`);
    this.onState(which, state);
  }

  // Feeds a server message; true when it was one of ours.
  handle(m) {
    switch (m.type) {
      case 'publish-answer':
        if (this.pendingAnswer) this.pendingAnswer.resolve(m.sdp);
        return true;
      case 'error':
        // The server refused our publish-offer (a server without an SFU says unknown_type).
        if (!String(m.requestId || '').startsWith('sfu-')) return false;
        if (m.requestId.startsWith('sfu-subscribe-')) {  // the server refused our answer; it offers again
          this.log('subscribe answer refused', m.code, m.message);
          this.onState('subscribe', 'negotiation-failed', new Error(m.message || m.code));
          return true;
        }
        this.pendingAnswer?.reject(new Error(m.code === 'unknown_type' || m.code === 'wrong_media_mode'
          ? 'this server does not support group video yet' : m.message || m.code));
        return true;
      case 'subscribe-offer':
        this.subscribeQueue = this.subscribeQueue.then(() => this.answerSubscribe(m)).catch((e) => {
          this.log('subscribe negotiation failed', e);
          this.onState('subscribe', 'negotiation-failed', e);
        });
        return true;
      case 'sfu-candidate': {
        const which = m.pc === 'subscribe' ? 'subscribe' : 'publish';
        const pc = which === 'publish' ? this.publish : this.subscribe;
        const c = { candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex };
        if (pc && pc.remoteDescription) pc.addIceCandidate(c).catch((e) => this.log('candidate refused', e));
        else this.pendingCandidates[which].push(c);
        return true;
      }
      default: return false;
    }
  }

  // Audio levels of what we receive, for an active-speaker guess when the
  // server sends none: [{peerId, level}].
  levels() {
    if (!this.subscribe) return [];
    const byMid = new Map(this.subscribe.getTransceivers().map((t) => [t.mid, t]));
    return this.remoteTracks.filter((i) => i.kind === 'audio').map((i) => {
      const r = byMid.get(String(i.mid))?.receiver;
      const s = r?.getSynchronizationSources?.()[0];
      return { peerId: i.peerId, level: s && Date.now() - s.timestamp < 1000 ? s.audioLevel || 0 : 0 };
    });
  }

  close() {
    this.closed = true;
    this.pendingAnswer?.reject(new Error('closed'));
    this.publish?.close();
    this.subscribe?.close();
    this.publish = this.subscribe = null;
  }
}
