// The grid of video tiles: one per peer and source ("peerId:source"), with
// names, muted and hand badges, and the active speaker (named by the server,
// or guessed from audio levels when it names none), who is the featured tile
// on a phone and in the speaker layout (large, the others a strip of small
// tiles; the grid layout gives every tile the same size). Every remote tile
// is handed to `adaptive` (adaptive-stream.js), which asks the server for
// the layer its size needs.
import { el } from '../ui.js';

const LAYOUT_KEY = 'convene-layout';
export const LAYOUTS = ['grid', 'speaker'];

export function createGrid(call, { adaptive = null } = {}) {
  const tiles = new Map();        // "peerId:source" -> {el, video, stream, ...}
  let activeSpeaker = null, serverSpeaker = false;
  let layout = LAYOUTS.includes(localStorage.getItem(LAYOUT_KEY)) ? localStorage.getItem(LAYOUT_KEY) : 'grid';
  const videos = el('div', { class: 'videos', 'aria-label': 'Videos', 'data-count': '0', 'data-layout': layout });

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
      if (peerId !== 'self') adaptive?.watch(t);
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
    tellAdaptive(t);
  }
  // renew: after a subscribe negotiation, whose subscriptions the server may
  // have made anew (starting from its default layer) on the same tracks.
  function tellAdaptive(t, renew = false) {
    if (t.peerId !== 'self') adaptive?.update(t, { videoTrackId: t.stream.getVideoTracks()[0]?.id ?? null, on: !t.el.classList.contains('cam-off'), renew });
  }
  function dropTile(key) { const t = tiles.get(key); if (!t) return; adaptive?.unwatch(t); t.el.remove(); tiles.delete(key); reflow(); }
  function dropPeerTiles(peerId) { for (const [k, t] of [...tiles]) if (t.peerId === peerId) dropTile(k); }
  function reflow() {
    const n = tiles.size;
    videos.dataset.count = String(n);
    videos.style.setProperty('--cols', String(n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4));
    videos.style.setProperty('--strip', String(Math.max(4, n - 1)));
    feature();
  }
  // The tile a phone shows full screen (css: .tile.featured): a shared
  // screen, else the active speaker, else the first other person, else us.
  function feature() {
    const remote = [...tiles.values()].filter((t) => t.peerId !== 'self');
    const f = remote.find((t) => t.source === 'screen') || remote.find((t) => t.peerId === activeSpeaker && t.source === 'camera') || remote[0] || tiles.get('self:camera');
    for (const t of tiles.values()) t.el.classList.toggle('featured', t === f);
  }
  function updateBadges(peerId) {
    const m = peerId === 'self' ? { microphone: !call.micOn, camera: !call.camOn } : call.muted.get(peerId) || {};
    const t = tiles.get(peerId + ':camera');
    if (!t) return;
    t.badges.replaceChildren(...(m.microphone ? [el('span', { class: 'badge', title: 'Microphone off', 'aria-label': 'microphone off' }, '🔇')] : []),
      ...(call.peers.get(peerId)?.info.handRaised ? [el('span', { class: 'badge', title: 'Hand raised', 'aria-label': 'hand raised' }, '✋')] : []));
    t.el.classList.toggle('cam-off', !!m.camera);
    t.el.classList.toggle('mic-off', !!m.microphone);
    tellAdaptive(t);
  }
  // The layout of larger screens (a phone always features one tile: css).
  function setLayout(name) {
    if (!LAYOUTS.includes(name)) return;
    layout = name;
    videos.dataset.layout = name;
    try { localStorage.setItem(LAYOUT_KEY, name); } catch { /* private mode */ }
  }
  function setSpeaker(peerId) {
    if (activeSpeaker === peerId) return;
    activeSpeaker = peerId;
    for (const t of tiles.values()) t.el.classList.toggle('speaking', t.peerId === peerId && t.source === 'camera');
    feature();
  }
  function selfTile() {
    const t = tileFor('self', 'camera', call.me.username + ' (you)');
    setTracks(t, call.localStream.getVideoTracks());
    t.el.classList.add('mirror');
    return t;
  }
  // Every remote tile not in `want` ("peerId:source" -> tracks) goes; the rest get their tracks.
  function showRemote(want) {
    for (const [key, tracks] of want) {
      const [peerId, source] = key.split(':');
      const t = tileFor(peerId, source, call.peers.get(peerId)?.info.username || 'Someone');
      setTracks(t, tracks);
      tellAdaptive(t, true);
    }
    for (const key of [...tiles.keys()]) if (!key.startsWith('self:') && !want.has(key)) dropTile(key);
  }
  function reset() {
    for (const key of [...tiles.keys()]) if (!key.startsWith('self:')) dropTile(key);
    serverSpeaker = false; activeSpeaker = null;
  }

  // Active speaker from audio levels when the server names none.
  const levelTimer = setInterval(() => {
    if (serverSpeaker) return;
    let best = null, bestLevel = 0.02;
    for (const [peerId, peer] of call.peers) {
      for (const r of peer.pc?.getReceivers() || []) {
        if (r.track.kind !== 'audio') continue;
        const s = r.getSynchronizationSources?.()[0];
        if (s && Date.now() - s.timestamp < 1000 && s.audioLevel > bestLevel && !call.muted.get(peerId)?.microphone) { best = peerId; bestLevel = s.audioLevel; }
      }
    }
    for (const { peerId, level } of call.sfu?.levels() || []) if (level > bestLevel && !call.muted.get(peerId)?.microphone) { best = peerId; bestLevel = level; }
    if (best) setSpeaker(best);
  }, 500);

  function handle(m) {
    switch (m.type) {
      case 'track-muted':
        if (m.peerId === call.self?.peerId) break;
        call.muted.set(m.peerId, { ...call.muted.get(m.peerId), [m.source]: m.muted });
        updateBadges(m.peerId);
        break;
      case 'active-speaker': serverSpeaker = true; setSpeaker(m.peerId); break;
    }
  }

  return {
    element: videos, tiles, tileFor, setTracks, dropTile, dropPeerTiles, updateBadges, selfTile, showRemote, reset, handle, setLayout,
    get activeSpeaker() { return activeSpeaker; },
    get layout() { return layout; },
    close() { clearInterval(levelTimer); },
  };
}
