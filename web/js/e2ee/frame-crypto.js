// One encoded frame in and out of AES-256-GCM (#19, media). Used inside the
// transform worker (worker.js); plain functions of bytes and keys, no state.
//
// What stays in the clear is what the SFU and the receiving browser's
// depacketizer read: the VP8 payload header (10 bytes of a keyframe: frame
// tag, start code and size; 3 bytes of a delta frame: the frame tag) and the
// Opus TOC byte. Those bytes are the additional data, so they cannot be
// changed either. The rest is ciphertext followed by a trailer:
//   clear | ciphertext + 16-byte tag | IV (12 bytes) | key id (4 bytes, big endian)
export const TRAILER = 16;
const IV = 12;

// Bytes left in the clear. VP8's frame tag says itself whether this is a
// keyframe (P bit 0), so sender and receiver count the same bytes without
// trusting any metadata.
export function clearBytes(kind, data) {
  if (kind === 'audio') return Math.min(1, data.byteLength);
  if (!data.byteLength) return 0;
  return Math.min((data[0] & 1) === 0 ? 10 : 3, data.byteLength);
}

// Frame bytes for `keyId`'s key; a new random IV per frame.
export async function seal(kind, data, key, keyId) {
  const n = clearBytes(kind, data);
  const iv = crypto.getRandomValues(new Uint8Array(IV));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: data.subarray(0, n) }, key, data.subarray(n)));
  const out = new Uint8Array(n + ct.byteLength + TRAILER);
  out.set(data.subarray(0, n), 0);
  out.set(ct, n);
  out.set(iv, n + ct.byteLength);
  new DataView(out.buffer).setUint32(out.byteLength - 4, keyId);
  return out;
}

// The key id a sealed frame names (null when it is too short to be one).
export function keyIdOf(data) {
  if (data.byteLength < TRAILER + 16) return null;
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(data.byteLength - 4);
}

// The plain frame, or null when `key` does not open it (wrong key, changed
// clear bytes, not a sealed frame at all).
export async function open(kind, data, key) {
  const n = clearBytes(kind, data);
  const end = data.byteLength - TRAILER;
  if (end - n < 16) return null;
  try {
    const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: data.subarray(end, end + IV), additionalData: data.subarray(0, n) }, key, data.subarray(n, end)));
    const out = new Uint8Array(n + plain.byteLength);
    out.set(data.subarray(0, n), 0);
    out.set(plain, n);
    return out;
  } catch { return null; }
}
