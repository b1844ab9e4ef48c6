// End-to-end encrypted chat in rooms created with `e2ee` (#19): the server
// stores and relays ciphertext only. The sender secrets agreed here also key
// the media (../e2ee/media.js derives its own keys from them).
//
// Every client makes an ECDH P-256 key pair (Web Crypto; the private key is
// not extractable) and publishes the public half with `e2e-public-key`
// (publicKey is a JSON string the server passes on unread). Two clients
// derive a pairwise wrapping key (ECDH, then HKDF-SHA-256 salted with the
// room id). Each sender encrypts its messages with a sender key (AES-256-GCM,
// derived by HKDF from a random secret and bound to the sender) and hands the
// secret to every other participant wrapped in their pairwise key. A sender
// makes a new secret whenever someone joins (a newcomer cannot read what was
// sent before it came) or leaves (a leaver cannot read what follows).
// Messages carry "e2ee:v1:<keyId>:<iv>:<ciphertext>"; the additional data
// binds them to the room and the sending user. The safety code is a digest
// of everyone's public keys: the same code on every screen means nobody
// (the server included) swapped a key in between.
const PREFIX = 'e2ee:v1:';
const enc = new TextEncoder(), dec = new TextDecoder();
// In slices: images are megabytes, too many arguments for one call.
function b64(buf) {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const random = (n) => crypto.getRandomValues(new Uint8Array(n));
const WAIT_MS = 5000;  // how long a message waits for its sender's key

export const isSealed = (content) => typeof content === 'string' && content.startsWith(PREFIX);

// onChange: the set of keys (so the safety code) changed.
// onSenderSecret({chatKeyId, secret, userId, peerId, mine}): a sender secret we now
// hold (media keys are derived from it, ../e2ee/media.js).
export function createE2ee(call, { onChange = () => {}, onSenderSecret = async () => {} } = {}) {
  const subtle = crypto.subtle;
  let enabled = false;
  let pair = null, publicKey = '';            // our ECDH key pair, its public half (base64 raw)
  let mine = null;                           // our sender key: {id, secret, key}
  const peers = new Map();                   // peerId -> {pub, wrap: AES-GCM key}
  const senderKeys = new Map();              // keyId -> AES-GCM key (ours and everyone's, kept for this page's life)
  const waiters = new Map();                 // keyId -> [resolve]
  // Key handling one step at a time, in the order the messages came.
  let chain = Promise.resolve();
  const serial = (fn) => (chain = chain.then(fn).catch((e) => console.warn('e2ee', e)));

  const salt = () => enc.encode('convene-e2ee:' + call.roomId);
  async function hkdf(material, info, usages) {
    const base = await subtle.importKey('raw', material, 'HKDF', false, ['deriveKey']);
    return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: salt(), info: enc.encode(info) }, base, { name: 'AES-GCM', length: 256 }, false, usages);
  }
  const senderKey = (secret, userId) => hkdf(secret, 'convene chat sender ' + userId, ['encrypt', 'decrypt']);
  function remember(id, key) {
    senderKeys.set(id, key);
    for (const resolve of waiters.get(id) || []) resolve(key);
    waiters.delete(id);
  }
  function keyFor(id, wait) {
    if (senderKeys.has(id) || !wait) return Promise.resolve(senderKeys.get(id));
    return new Promise((resolve) => {
      waiters.set(id, [...(waiters.get(id) || []), resolve]);
      setTimeout(() => resolve(senderKeys.get(id)), WAIT_MS);
    });
  }

  async function rotate() {
    const secret = random(32);
    mine = { id: b64(random(9)), secret, key: await senderKey(secret, call.me.id) };
    remember(mine.id, mine.key);
    await onSenderSecret({ chatKeyId: mine.id, secret, userId: call.me.id, peerId: call.self?.peerId, mine: true });
  }
  // Our public key, and our sender secret wrapped for `peerId` when we share one with them.
  async function sendKey(peerId, hello) {
    const body = { ecdh: publicKey, hello };
    const p = peerId && peers.get(peerId);
    if (p && mine) {
      const iv = random(12);
      body.sender = { id: mine.id, iv: b64(iv), ct: b64(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(peerId) }, p.wrap, mine.secret)) };
    }
    call.send({ type: 'e2e-public-key', publicKey: JSON.stringify(body), ...(peerId ? { to: peerId } : {}) });
  }
  async function rotateAndShare() {
    await rotate();
    for (const id of peers.keys()) await sendKey(id, false);
  }

  // After room-joined: say hello to everyone (they answer with their keys).
  function start(room) {
    enabled = !!room?.room?.e2ee;
    return serial(() => hello());
  }
  async function hello() {
    peers.clear();
    if (!enabled) return;
    if (!pair) {
      pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
      publicKey = b64(await subtle.exportKey('raw', pair.publicKey));
    }
    await rotate();
    onChange();
    await sendKey(null, true);
  }
  const onKey = (m) => serial(() => receiveKey(m));
  async function receiveKey(m) {
    let body;
    try { body = JSON.parse(m.publicKey); } catch { return; }
    if (!enabled || typeof body?.ecdh !== 'string') return;
    let p = peers.get(m.from);
    const fresh = !p || p.pub !== body.ecdh;
    if (fresh) {
      const theirs = await subtle.importKey('raw', unb64(body.ecdh), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
      const bits = await subtle.deriveBits({ name: 'ECDH', public: theirs }, pair.privateKey, 256);
      p = { pub: body.ecdh, wrap: await hkdf(bits, 'convene chat wrap', ['encrypt', 'decrypt']) };
      peers.set(m.from, p);
      onChange();
    }
    if (body.sender) {
      try {
        const secret = await subtle.decrypt({ name: 'AES-GCM', iv: unb64(body.sender.iv), additionalData: enc.encode(call.self?.peerId || '') }, p.wrap, unb64(body.sender.ct));
        const userId = call.peers.get(m.from)?.info.userId;
        if (userId) {
          remember(body.sender.id, await senderKey(new Uint8Array(secret), userId));
          await onSenderSecret({ chatKeyId: body.sender.id, secret: new Uint8Array(secret), userId, peerId: m.from, mine: false });
        }
      } catch (e) { console.warn('e2ee: a key that does not open', e); }
    }
    // Someone new (or back with new keys): a new sender key for everyone, so
    // the newcomer reads only what follows; a hello always gets our key.
    if (fresh) await rotateAndShare();
    else if (body.hello) await sendKey(m.from, false);
  }
  async function sealBytes(bytes) {
    const iv = random(12);
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(call.roomId + ':' + call.me.id) }, mine.key, bytes);
    return PREFIX + mine.id + ':' + b64(iv) + ':' + b64(ct);
  }
  const seal = (text) => sealBytes(enc.encode(text));
  // The bytes of a sealed message, or null when we hold no key for it.
  async function openBytes(m, wait = true) {
    const [id, iv, ct] = m.content.slice(PREFIX.length).split(':');
    const key = await keyFor(id, wait);
    if (!key) return null;
    try {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: unb64(iv), additionalData: enc.encode(call.roomId + ':' + m.from?.userId) }, key, unb64(ct)));
    } catch { return null; }
  }
  const open = async (m, wait = true) => { const b = await openBytes(m, wait); return b && dec.decode(b); };
  // Images: "<MIME type>\n<image bytes>" sealed, so the server sees neither.
  async function sealImage(dataUrl) {
    const [, mime, data] = /^data:([^;,]+);base64,(.*)$/s.exec(dataUrl) || [];
    if (!mime) throw new Error('not an image');
    const head = enc.encode(mime + '\n'), body = unb64(data);
    const all = new Uint8Array(head.length + body.length);
    all.set(head); all.set(body, head.length);
    return sealBytes(all);
  }
  // A blob: URL of the image, or null.
  async function openImage(m, wait = true) {
    const b = await openBytes(m, wait);
    const nl = b ? b.indexOf(10) : -1;
    if (nl < 0) return null;
    const mime = dec.decode(b.subarray(0, nl));
    if (!/^image\/(png|jpeg|gif|webp)$/.test(mime)) return null;
    return URL.createObjectURL(new Blob([b.subarray(nl + 1)], { type: mime }));
  }
  function peerLeft(peerId) {
    if (!enabled || !peers.delete(peerId)) return;
    onChange();
    serial(() => rotateAndShare());
  }
  // Twelve digits from SHA-256 over the sorted public keys of everyone here.
  async function safetyCode() {
    if (!publicKey) return '';
    const all = [publicKey, ...[...peers.values()].map((p) => p.pub)].sort().join(',');
    const d = new Uint8Array(await subtle.digest('SHA-256', enc.encode(all)));
    return [0, 2, 4].map((i) => String(((d[i] << 8) | d[i + 1]) % 10000).padStart(4, '0')).join(' ');
  }
  return {
    safetyCode,
    get enabled() { return enabled; },
    get ready() { return enabled && !!mine; },
    start, onKey, seal, open, sealImage, openImage, peerLeft,
  };
}
