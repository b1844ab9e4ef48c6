// Adaptive stream (issue #15): for every remote video tile, tells the server
// what it needs (`track-settings {peerId, source, width, height, visible}`,
// docs/protocol.md), so a small tile gets the small layer, a large active
// speaker the large one, and a tile nobody sees nothing at all. Its size
// comes from a ResizeObserver (CSS pixels times the screen's pixel density,
// at most 2), whether it is seen from an IntersectionObserver (scrolled off,
// hidden: a display:none tile measures 0x0), the camera being off and the
// page being in the background. Changes are debounced; what was sent last is
// not sent again.
const DEBOUNCE_MS = 250;

// send(setting): the SFU session's trackSettings; false when not sent.
export function createAdaptiveStream({ send }) {
  const watched = new Map();        // tile element -> {peerId, source, width, height, seen, on, sent, timer}
  const resize = new ResizeObserver((entries) => {
    for (const e of entries) {
      const w = watched.get(e.target);
      if (!w) continue;
      w.width = e.contentRect.width; w.height = e.contentRect.height;
      w.measured = true;
      schedule(w);
    }
  });
  const intersect = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const w = watched.get(e.target);
      if (!w) continue;
      w.seen = e.isIntersecting;
      schedule(w);
    }
  });
  // At once: a hidden page's timers are throttled.
  const onVisibility = () => { for (const w of watched.values()) { clearTimeout(w.timer); flush(w); } };
  document.addEventListener('visibilitychange', onVisibility);

  function setting(w) {
    const density = Math.min(window.devicePixelRatio || 1, 2);
    const width = Math.round(w.width * density), height = Math.round(w.height * density);
    const visible = document.visibilityState !== 'hidden' && w.seen && w.on && width > 0 && height > 0;
    return { peerId: w.peerId, source: w.source, width, height, visible };
  }
  function schedule(w, ms = DEBOUNCE_MS) {
    clearTimeout(w.timer);
    w.timer = setTimeout(() => flush(w), ms);
  }
  function flush(w) {
    if (!w.hasVideo || !w.measured) return;  // no subscription to set yet, or no size known
    const s = setting(w);
    // A hidden tile's size is of no use: keep the last one while hidden.
    if (!s.visible && w.sent) { s.width = w.sent.width; s.height = w.sent.height; }
    if (w.sent && w.sent.width === s.width && w.sent.height === s.height && w.sent.visible === s.visible) return;
    if (send(s)) w.sent = s;
  }

  return {
    // A remote tile appeared (grid.js): {el, peerId, source}.
    watch(tile) {
      if (watched.has(tile.el)) return;
      const w = { peerId: tile.peerId, source: tile.source, width: 0, height: 0, seen: true, on: true, measured: false, hasVideo: false, sent: null, timer: 0 };
      watched.set(tile.el, w);
      resize.observe(tile.el);
      intersect.observe(tile.el);
    },
    unwatch(tile) {
      const w = watched.get(tile.el);
      if (!w) return;
      clearTimeout(w.timer);
      watched.delete(tile.el);
      resize.unobserve(tile.el);
      intersect.unobserve(tile.el);
    },
    // The tile's video track (a new one is a new subscription on the server,
    // which starts from its default: tell it again, as after any subscribe
    // negotiation: `renew`), and whether the camera behind it is on.
    update(tile, { videoTrackId = null, on = true, renew = false } = {}) {
      const w = watched.get(tile.el);
      if (!w) return;
      const fresh = renew || videoTrackId !== w.videoTrackId;
      w.videoTrackId = videoTrackId; w.hasVideo = !!videoTrackId; w.on = on;
      if (fresh) w.sent = null;
      schedule(w, fresh ? 0 : DEBOUNCE_MS);
    },
    // For the tests and troubleshooting: what was last sent per tile.
    sent: () => [...watched.values()].map((w) => w.sent).filter(Boolean),
    close() {
      resize.disconnect(); intersect.disconnect();
      document.removeEventListener('visibilitychange', onVisibility);
      for (const w of watched.values()) clearTimeout(w.timer);
      watched.clear();
    },
  };
}
