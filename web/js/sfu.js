// The group call through Convene's SFU (docs/protocol.md, "media"): two
// RTCPeerConnections per participant, so there is never glare.
//  - publish: this client offers, sendonly transceivers for microphone,
//    camera and (while sharing) screen; `publish-offer {sdp, tracks}` →
//    `publish-answer {sdp}`. Adding or stopping a track is a new publish-offer
//    on the same connection. The camera goes out as up to three transceivers
//    of the same track, one per spatial layer (q 320x180, h 640x360, f
//    1280x720, as far as the capture reaches), declared `{mid, source:
//    "camera", layer}`; the server forwards each subscriber one of them.
//  - dynacast: `layers-wanted {source, layers}` turns the encodings nobody
//    needs off (`active: false`) and back on when someone does.
//  - adaptive stream: `trackSettings()` sends `track-settings` (what a tile
//    needs of a remote track: its size, whether it is seen).
//  - subscribe: the server offers whenever the set of tracks this client
//    should receive changes: `subscribe-offer {sdp, tracks:[{mid, peerId,
//    source, kind}]}` → `subscribe-answer {sdp}`. Offers that arrive while
//    one is being answered wait their turn.
//  - trickle ICE both ways: `sfu-candidate {pc, candidate, sdpMid, sdpMLineIndex}`.
// The owner gets onTracks(list) after each subscribe negotiation: every
// remote track now live, as {peerId, source, kind, mid, track}; a track whose
// mid left the list or whose transceiver went inactive is simply not in it.

// A camera's spatial layers (issue #15): nominal size and bitrate ceiling.
// Each is sent in three VP8 temporal layers (L1T3) where the browser can.
export const CAMERA_LAYERS = [
  { layer: 'q', width: 320, height: 180, maxBitrate: 100_000 },
  { layer: 'h', width: 640, height: 360, maxBitrate: 300_000 },
  { layer: 'f', width: 1280, height: 720, maxBitrate: 900_000 },
];
const FRESH_LAYER_MS = 2000;
const SCREEN_ENCODING = { maxBitrate: 1_500_000, maxFramerate: 15, scalabilityMode: 'L1T3' };

// How far each layer scales a capture of width x height down (portrait or
// landscape alike): the layers the capture reaches (q always), each with the
// factor that makes it cover its nominal size. A 640x360 camera has q and h.
export function cameraLayers(width, height) {
  if (!(width > 0 && height > 0)) return CAMERA_LAYERS.map((l) => ({ ...l, scaleResolutionDownBy: 1280 / l.width }));
  const long = Math.max(width, height), short = Math.min(width, height);
  const out = [];
  for (const l of CAMERA_LAYERS) {
    const scale = Math.min(long / l.width, short / l.height);
    if (out.length && scale < 0.95) break;  // the capture does not reach this layer
    out.push({ ...l, scaleResolutionDownBy: Math.max(1, scale) });
  }
  return out;
}

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
  // captureSize(): {width, height} of the camera as captured, for a track
  // that does not say its own (a background effect's output).
  constructor({ send, iceServers = [], onTracks = () => {}, onState = () => {}, log = () => {}, e2ee = null, captureSize = () => null }) {
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
    this.captureSize = captureSize;
    this.sources = new Map();     // source -> [{layer (null: one layer), transceiver}] (publish)
    this.streams = new Map();     // source -> the MediaStream its transceivers name
    this.wanted = new Map();      // source -> Set of layers the server wants (layers-wanted); absent: all
    this.encodingChain = new Map();  // sender -> promise: one setParameters at a time
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
    this.streams.set(source, stream);
    const layers = source === 'camera' ? cameraLayers(...this.sizeOf(track))
      : [{ layer: null, ...(source === 'screen' ? SCREEN_ENCODING : {}) }];
    const list = layers.map((spec) => this.addLayer(source, track, spec));
    if (source === 'screen' && 'contentHint' in track) track.contentHint = 'detail';
    this.sources.set(source, list);
    return list;
  }

  // One transceiver of `source`: a layer of the camera, or the whole track.
  // Video in three temporal layers (VP8 L1T3): the server forwards a
  // quarter, half or all of the frames to each subscriber, as its network
  // allows. The camera also in spatial layers, one transceiver each (the
  // server does not take real simulcast yet: docs/architecture.md).
  // fresh: a layer added to a published camera goes out until shortly
  // after its publish-answer whatever the server last wanted: the server
  // takes a layer as a target once its first packets have arrived.
  addLayer(source, track, { layer, width, height, ...encoding }, { fresh = false } = {}) {
    const stream = this.streams.get(source);
    const init = { direction: 'sendonly', streams: stream ? [stream] : [] };
    const encodings = track.kind === 'video' ? [{ ...(layer ? { scalabilityMode: 'L1T3' } : {}), ...encoding, active: fresh || this.isWanted(source, layer) }] : undefined;
    let t;
    try {
      t = this.publish.addTransceiver(track, { ...init, ...(encodings ? { sendEncodings: encodings } : {}) });
    } catch {
      // A browser without scalabilityMode: one temporal layer, the server forwards it whole.
      t = this.publish.addTransceiver(track, { ...init, ...(encodings ? { sendEncodings: encodings.map(({ scalabilityMode, ...e }) => e) } : {}) });
    }
    if (track.kind === 'video') preferCodec(t, 'video/vp8');
    // A layer is its size: when short of bandwidth or CPU, the browser
    // lowers its frame rate, not its resolution (the server picks sizes).
    if (layer) this.updateParameters(t, (p) => (p.degradationPreference === 'maintain-resolution' ? false : (p.degradationPreference = 'maintain-resolution', true)));
    return { layer, transceiver: t, freshUntil: fresh ? Infinity : 0 };
  }

  // The camera's layers after its track changed size (another device or
  // quality): each scaled anew, and layers the capture now reaches added
  // (then a new publish-offer). A layer the capture no longer reaches keeps
  // going at the capture's size: a subscriber may be receiving it, and the
  // server switches only at a keyframe of the layer it goes to.
  // [w, h]: the camera's new size.
  async fitCameraLayers([w, h]) {
    const list = this.sources.get('camera');
    if (!w || !h || !list || this.closed) return;
    const track = list[0].transceiver.sender.track;
    const long = Math.max(w, h), short = Math.min(w, h);
    await Promise.all(list.map(({ layer, transceiver }) => {
      const l = CAMERA_LAYERS.find((x) => x.layer === layer);
      return this.updateEncoding(transceiver, { scaleResolutionDownBy: Math.max(1, Math.min(long / l.width, short / l.height)) });
    }));
    const added = track ? cameraLayers(w, h).filter((l) => !list.some((e) => e.layer === l.layer)).map((l) => this.addLayer('camera', track, l, { fresh: true })) : [];
    if (!added.length) return;
    const order = (e) => CAMERA_LAYERS.findIndex((l) => l.layer === e.layer);
    this.sources.set('camera', [...list, ...added].sort((a, b) => order(a) - order(b)));
    await this.renegotiate();
  }

  // [width, height] of what `track` captures (0, 0: unknown).
  sizeOf(track) {
    const s = track?.getSettings?.() || {};
    const hint = s.width > 0 && s.height > 0 ? s : this.captureSize() || {};
    return [hint.width || 0, hint.height || 0];
  }

  // Does the server want this layer of `source` sent (layers-wanted)? Until
  // it says, everything is. A one-layer track goes while any layer is wanted.
  isWanted(source, layer) {
    const w = this.wanted.get(source);
    if (!w) return true;
    return layer ? w.has(layer) : w.size > 0;
  }

  // Changes `transceiver`'s send parameters: edit(p) changes them in place
  // and says whether it did. One change at a time per sender: setParameters
  // refuses parameters older than the last.
  updateParameters(transceiver, edit) {
    const sender = transceiver.sender;
    const next = (this.encodingChain.get(sender) || Promise.resolve()).then(async () => {
      if (this.closed || transceiver.stopped || transceiver.currentDirection === 'stopped') return;
      const p = sender.getParameters();
      if (p.encodings?.length && edit(p)) await sender.setParameters(p);
    }).catch((err) => this.log('send parameters refused', err));
    this.encodingChain.set(sender, next);
    return next;
  }
  // Changes the one encoding of `transceiver`'s sender.
  updateEncoding(transceiver, change) {
    return this.updateParameters(transceiver, (p) => {
      const e = p.encodings[0];
      if (Object.keys(change).every((k) => e[k] === change[k])) return false;
      p.encodings[0] = { ...e, ...change };
      return true;
    });
  }

  // layers-wanted: each video encoding of the source on or off.
  applyWanted(source) {
    const list = this.sources.get(source) || [];
    return Promise.all(list.filter(({ transceiver: t }) => t.sender.track?.kind === 'video')
      .map(({ layer, transceiver, freshUntil }) => this.updateEncoding(transceiver, { active: freshUntil > Date.now() || this.isWanted(source, layer) })));
  }

  // Adaptive stream: what a tile needs of a remote track (docs/protocol.md
  // `track-settings`). False when it could not be sent.
  trackSettings({ peerId, source, width, height, visible }) {
    if (this.closed) return false;
    return this.send({ type: 'track-settings', requestId: 'sfu-settings-' + ++this.seq, peerId, source, width: Math.round(width), height: Math.round(height), visible: !!visible }) !== false;
  }

  // The layer a publish mid carries ("q", "h", "f"; null for a one-layer
  // track), for the stats.
  layerOfMid(mid) {
    for (const list of this.sources.values()) for (const { layer, transceiver } of list) if (transceiver.mid === mid) return layer;
    return null;
  }

  // Screen share on: a new sendonly track and a new publish-offer.
  async addScreen(track) {
    if (this.sources.has('screen')) await this.removeScreen();
    this.addSource('screen', track, new MediaStream([track]));
    return this.renegotiate();
  }
  // Screen share off: removeTrack and a publish-offer without it.
  async removeScreen() {
    const list = this.sources.get('screen');
    if (!list) return;
    this.sources.delete('screen');
    for (const { transceiver } of list) { try { this.publish?.removeTrack(transceiver.sender); } catch { /* connection closed */ } }
    return this.renegotiate();
  }

  // Device switching and background effects: the same transceivers (every
  // layer of the camera), another track, no renegotiation unless the
  // camera's size changes its set of layers (fitCameraLayers).
  async replaceTrack(source, track) {
    const list = this.sources.get(source);
    if (list) {
      await Promise.all(list.map(({ transceiver }) => transceiver.sender.replaceTrack(track)));
      if (source === 'camera' && track) await this.fitCameraLayers(this.sizeOf(track));
      return;
    }
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
    for (const [source, list] of this.sources) {
      for (const { layer, transceiver: t } of list) {
        if (t.mid !== null && t.sender.track !== null && t.currentDirection !== 'stopped') tracks.push({ mid: t.mid, source, ...(layer ? { layer } : {}) });
      }
    }
    const answered = new Promise((resolve, reject) => {
      this.pendingAnswer = { resolve, reject };
      setTimeout(() => reject(new Error('the media server did not answer the publish offer')), 15000);
    });
    this.send({ type: 'publish-offer', requestId: 'sfu-publish-' + ++this.seq, sdp: pc.localDescription.sdp, tracks });
    const sdp = await answered.finally(() => { this.pendingAnswer = null; });
    if (this.closed) return;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    this.flushCandidates('publish');
    // Layers added by this offer: on for a moment more, then as wanted.
    for (const [source, list] of this.sources) {
      const fresh = list.filter((e) => e.freshUntil === Infinity);
      if (!fresh.length) continue;
      for (const e of fresh) e.freshUntil = Date.now() + FRESH_LAYER_MS;
      setTimeout(() => this.applyWanted(source), FRESH_LAYER_MS + 100);
    }
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
      case 'layers-wanted':
        this.wanted.set(m.source, new Set(m.layers || []));
        this.applyWanted(m.source);
        return true;
      case 'error':
        // The server refused our publish-offer (a server without an SFU says unknown_type).
        if (!String(m.requestId || '').startsWith('sfu-')) return false;
        if (m.requestId.startsWith('sfu-settings-')) {  // a track that just went away: nothing to tell anyone
          this.log('track settings refused', m.code, m.message);
          return true;
        }
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
