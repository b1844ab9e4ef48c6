// The media encryption worker (#19): every encoded frame of an e2ee call
// passes through here, sealed on the way out and opened on the way in
// (frame-crypto.js). Frames arrive either from RTCRtpScriptTransform (the
// `rtctransform` event) or, where a browser has only the older
// createEncodedStreams, as streams posted by media.js; both run the same
// pipe.
//
// Keys come from the page (media.js), already derived: {keyId -> CryptoKey}.
// Our own frames use the send key the page last named; until there is one,
// nothing leaves (never plaintext). A received frame whose key we do not
// hold, or that does not open, is dropped: the decoder asks for a keyframe.
// When a sender's new key arrives, its older keys are kept for GRACE_MS for
// frames still in flight, then forgotten.
import { seal, open, keyIdOf } from './frame-crypto.js';

const GRACE_MS = 5000;
const keys = new Map();    // keyId -> {key, sender (peer id, 'self' for ours), until}
let sendKeyId = null;
const counts = { sealed: 0, opened: 0, unreadable: 0, unsent: 0 };

function addKey({ keyId, key, sender }) {
  const now = Date.now();
  for (const k of keys.values()) if (k.sender === sender && !k.until) k.until = now + GRACE_MS;
  keys.set(keyId, { key, sender, until: 0 });
}
function keyFor(keyId) {
  const k = keys.get(keyId);
  if (!k) return null;
  if (k.until && Date.now() > k.until && keyId !== sendKeyId) { keys.delete(keyId); return null; }
  return k.key;
}

async function sendFrame(kind, frame, controller) {
  const k = sendKeyId !== null && keyFor(sendKeyId);
  if (!k) { counts.unsent++; return; }
  frame.data = (await seal(kind, new Uint8Array(frame.data), k, sendKeyId)).buffer;
  counts.sealed++;
  controller.enqueue(frame);
}
async function receiveFrame(kind, frame, controller, transformer) {
  const data = new Uint8Array(frame.data);
  const id = keyIdOf(data);
  const k = id !== null && keyFor(id);
  const plain = k && await open(kind, data, k);
  if (!plain) {
    counts.unreadable++;
    // The decoder lost its reference: ask the sender for a keyframe (at most
    // once a second) rather than wait for the browser's own timeout.
    const now = Date.now();
    if (kind === 'video' && transformer?.sendKeyFrameRequest && now - (transformer.lastAsk || 0) > 1000) {
      transformer.lastAsk = now;
      transformer.sendKeyFrameRequest().catch(() => {});
    }
    return;
  }
  frame.data = plain.buffer;
  counts.opened++;
  controller.enqueue(frame);
}

function pipe(readable, writable, { side, kind }, transformer) {
  const step = side === 'send' ? sendFrame : receiveFrame;
  readable.pipeThrough(new TransformStream({ transform: (frame, controller) => step(kind, frame, controller, transformer) }))
    .pipeTo(writable).catch(() => { /* the connection closed */ });
}

self.onrtctransform = (ev) => pipe(ev.transformer.readable, ev.transformer.writable, ev.transformer.options, ev.transformer);
self.onmessage = ({ data: m }) => {
  switch (m.type) {
    case 'streams': pipe(m.readable, m.writable, m); break;
    case 'key': addKey(m); break;
    case 'send-key': sendKeyId = m.keyId; break;
    case 'counts': self.postMessage({ type: 'counts', id: m.id, counts: { ...counts, keys: keys.size, sendKeyId } }); break;
  }
};
