// End-to-end encrypted media (#19): every RTP sender and receiver of an e2ee
// call gets an encoded transform that runs in one worker (worker.js), with
// RTCRtpScriptTransform or, where a browser offers only that, Chromium's
// createEncodedStreams (then the connection needs `encodedInsertableStreams`).
//
// Keys: the chat's key agreement (../room/e2ee.js) hands every sender secret
// it holds, ours and the others', to addSenderSecret; the media key is
// derived from it by HKDF with its own label, so chat and media never share
// a key. A new secret of ours becomes the send key after SWITCH_MS, time for
// the others to receive it wrapped; until then the previous one is used.
// Rotation (joins, leaves) is the chat's: a leaver never gets the next secret.
const enc = new TextEncoder();
const SWITCH_MS = 1000;

export const canEncryptMedia = () => typeof RTCRtpScriptTransform === 'function' || 'createEncodedStreams' in (globalThis.RTCRtpSender?.prototype || {});
const useScript = () => typeof RTCRtpScriptTransform === 'function';

// The key id on the wire: the first four bytes of the chat key id (random).
export function wireKeyId(chatKeyId) {
  const b = Uint8Array.from(atob(chatKeyId), (c) => c.charCodeAt(0));
  return new DataView(b.buffer).getUint32(0);
}

export function createMediaE2ee(roomId) {
  let worker = null;
  const done = new WeakSet();   // senders and receivers that have their transform
  let switchTimer = null, switched = false;
  const asked = new Map();      // request id -> resolve (counts)
  let seq = 0;
  function ensureWorker() {
    if (worker) return worker;
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'convene-e2ee' });
    worker.onmessage = ({ data: m }) => { if (m.type === 'counts') { asked.get(m.id)?.(m.counts); asked.delete(m.id); } };
    return worker;
  }

  async function addSenderSecret({ chatKeyId, secret, userId, peerId, mine }) {
    const base = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
    const key = await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: enc.encode('convene-e2ee:' + roomId), info: enc.encode('convene media sender ' + userId) },
      base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const keyId = wireKeyId(chatKeyId);
    ensureWorker().postMessage({ type: 'key', keyId, key, sender: mine ? 'self' : peerId });
    if (!mine) return;
    // Our first key is used at once (nobody can have frames of ours yet);
    // later ones once the others hold them.
    clearTimeout(switchTimer);
    const use = () => worker.postMessage({ type: 'send-key', keyId });
    if (!switched) { switched = true; use(); } else switchTimer = setTimeout(use, SWITCH_MS);
  }

  function attach(endpoint, side, kind) {
    if (!endpoint || done.has(endpoint) || !kind) return;
    done.add(endpoint);
    if (useScript()) { endpoint.transform = new RTCRtpScriptTransform(ensureWorker(), { side, kind }); return; }
    const { readable, writable } = endpoint.createEncodedStreams();
    ensureWorker().postMessage({ type: 'streams', side, kind, readable, writable }, [readable, writable]);
  }

  // Every sender added to `pc` and every receiver it gets, now and later, is
  // encrypted: addTrack and addTransceiver are wrapped on this one object, so
  // no code path that adds media (camera, screen, device switch) can forget.
  function protect(pc) {
    const addTrack = pc.addTrack.bind(pc), addTransceiver = pc.addTransceiver.bind(pc);
    // The receiver too, at once: on an offerer's connection, a transform
    // set at the `track` event was never used (Chromium 156 decoded, or
    // rather failed to decode, the sealed frames as they came).
    pc.addTrack = (track, ...streams) => {
      const s = addTrack(track, ...streams);
      attach(s, 'send', track.kind);
      attach(pc.getTransceivers().find((t) => t.sender === s)?.receiver, 'recv', track.kind);
      return s;
    };
    pc.addTransceiver = (what, init) => {
      const t = addTransceiver(what, init);
      attach(t.sender, 'send', typeof what === 'string' ? what : what.kind);
      attach(t.receiver, 'recv', t.receiver.track.kind);
      return t;
    };
    pc.addEventListener('track', (ev) => attach(ev.receiver, 'recv', ev.track.kind));
    return pc;
  }
  // Receivers of transceivers created by a remote offer, before answering
  // (the subscribe connection: its frames flow only after the answer).
  function protectReceivers(pc) {
    for (const t of pc.getTransceivers()) attach(t.receiver, 'recv', t.receiver.track.kind);
  }
  // For tests and troubleshooting: frames sealed, opened, unreadable.
  function counts() {
    if (!worker) return Promise.resolve(null);
    const id = ++seq;
    return new Promise((resolve) => { asked.set(id, resolve); worker.postMessage({ type: 'counts', id }); });
  }
  function close() { clearTimeout(switchTimer); worker?.terminate(); worker = null; switched = false; }

  return {
    protect, protectReceivers, addSenderSecret, counts, close,
    // What an RTCPeerConnection of an e2ee call needs in its configuration.
    config: () => (useScript() ? {} : { encodedInsertableStreams: true }),
  };
}
