// A stand-in for Convene's SFU, speaking the client side of the protocol in
// docs/protocol.md (issue #5) from a Chromium page: it answers each client's
// publish-offer, and offers every client the tracks the others publish on a
// subscribe connection (renegotiated whenever that set changes, one offer at
// a time), with trickle ICE both ways. Chromium re-sends the received tracks
// (it decodes and re-encodes, which a real SFU does not; the protocol seen
// by the client is the same). Playwright's routeWebSocket sits between each
// client page and the real server: SFU messages go to this page, everything
// else passes through unchanged. It lets the browser client's group call be
// tested before (and independently of) the server's own SFU.
const SFU_TO_SERVER = new Set(['publish-offer', 'subscribe-answer', 'sfu-candidate']);
const SFU_FROM_SERVER = new Set(['publish-answer', 'subscribe-offer', 'sfu-candidate', 'active-speaker']);

function fakeSfuMain() {
  const clients = new Map();  // peerId -> {pub, sub, published: Map mid -> {source, track}, busy, again, sent: Map key -> transceiver}
  const config = { iceServers: [] };
  function client(peerId) {
    let c = clients.get(peerId);
    if (!c) { c = { peerId, pub: null, sub: null, published: new Map(), busy: false, again: false, sent: new Map(), pendingSub: [], answer: null }; clients.set(peerId, c); }
    return c;
  }
  async function publishOffer(c, m) {
    if (!c.pub) {
      c.pub = new RTCPeerConnection(config);
      c.pub.onicecandidate = (ev) => ev.candidate?.candidate && window.toClient(c.peerId, { type: 'sfu-candidate', pc: 'publish', candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex });
    }
    await c.pub.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    await c.pub.setLocalDescription(await c.pub.createAnswer());
    window.toClient(c.peerId, { type: 'publish-answer', sdp: c.pub.localDescription.sdp });
    const byMid = new Map(c.pub.getTransceivers().map((t) => [t.mid, t]));
    c.published = new Map(m.tracks.filter((t) => byMid.has(t.mid)).map((t) => [t.mid, { source: t.source, track: byMid.get(t.mid).receiver.track }]));
    for (const other of clients.values()) if (other !== c) updateSubscription(other);
  }
  async function updateSubscription(c) {
    if (c.busy) { c.again = true; return; }
    c.busy = true;
    try {
      do {
        c.again = false;
        if (!c.sub) {
          c.sub = new RTCPeerConnection(config);
          c.sub.onicecandidate = (ev) => ev.candidate?.candidate && window.toClient(c.peerId, { type: 'sfu-candidate', pc: 'subscribe', candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex });
        }
        const want = new Map();
        for (const o of clients.values()) if (o !== c) for (const { source, track } of o.published.values()) want.set(`${o.peerId}|${source}`, { peerId: o.peerId, source, track });
        let changed = false;
        for (const [key, t] of c.sent) if (!want.has(key)) { c.sub.removeTrack(t.sender); c.sent.delete(key); changed = true; }
        for (const [key, w] of want) {
          const t = c.sent.get(key);
          if (t && t.sender.track === w.track) continue;
          if (t) { await t.sender.replaceTrack(w.track); continue; }
          c.sent.set(key, c.sub.addTransceiver(w.track, { direction: 'sendonly', streams: [new MediaStream([w.track])] }));
          changed = true;
        }
        if (!changed) continue;
        await c.sub.setLocalDescription(await c.sub.createOffer());
        const tracks = [...c.sent].map(([key, t]) => ({ mid: t.mid, peerId: want.get(key).peerId, source: want.get(key).source, kind: t.sender.track.kind }));
        const answered = new Promise((resolve) => { c.answer = resolve; });
        window.toClient(c.peerId, { type: 'subscribe-offer', sdp: c.sub.localDescription.sdp, tracks });
        const sdp = await answered;
        await c.sub.setRemoteDescription({ type: 'answer', sdp });
        for (const cand of c.pendingSub.splice(0)) await c.sub.addIceCandidate(cand).catch(() => {});
      } while (c.again);
    } finally { c.busy = false; }
  }
  window.fakeSfu = {
    async fromClient(peerId, m) {
      const c = client(peerId);
      if (m.type === 'publish-offer') return publishOffer(c, m);
      if (m.type === 'subscribe-answer') return c.answer?.(m.sdp);
      if (m.type === 'sfu-candidate') {
        const cand = { candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex };
        if (m.pc === 'publish') return c.pub?.addIceCandidate(cand).catch(() => {});
        if (c.sub?.remoteDescription) return c.sub.addIceCandidate(cand).catch(() => {});
        c.pendingSub.push(cand);
      }
    },
    joined(peerId) { updateSubscription(client(peerId)); },
    left(peerId) {
      const c = clients.get(peerId);
      if (!c) return;
      c.pub?.close(); c.sub?.close(); clients.delete(peerId);
      for (const o of clients.values()) updateSubscription(o);
    },
    stats() { return [...clients.values()].map((c) => ({ peerId: c.peerId, published: [...c.published.values()].map((p) => p.source), sent: c.sent.size })); },
  };
}

// Starts the fake SFU in `page` (any page of the server's origin).
export async function startFakeSfu(page, url) {
  const routes = new Map();  // peerId -> client-side WebSocketRoute
  const sockets = new Map(); // client page -> its latest WebSocketRoute
  await page.exposeFunction('toClient', (peerId, m) => { routes.get(peerId)?.send(JSON.stringify(m)); });
  await page.goto(url + '/favicon.svg');
  await page.evaluate(fakeSfuMain);
  return {
    // Puts the fake SFU between `client` (a page) and the server.
    async attach(client) {
      await client.routeWebSocket(/\/ws\b/, (ws) => {
        const server = ws.connectToServer();
        sockets.set(client, ws);
        let peerId = null;
        ws.onMessage((msg) => {
          let m; try { m = JSON.parse(msg); } catch { return server.send(msg); }
          if (SFU_TO_SERVER.has(m.type)) { if (peerId) page.evaluate(([id, mm]) => window.fakeSfu.fromClient(id, mm), [peerId, m]).catch(() => {}); return; }
          server.send(msg);
        });
        server.onMessage((msg) => {
          let m; try { m = JSON.parse(msg); } catch { return ws.send(msg); }
          if (SFU_FROM_SERVER.has(m.type)) return;  // the server's own SFU, if it has one, is not used here
          if (m.type === 'room-joined') { peerId = m.peerId; routes.set(peerId, ws); ws.send(msg); page.evaluate((id) => window.fakeSfu.joined(id), peerId).catch(() => {}); return; }
          if (m.type === 'peer-left') page.evaluate((id) => window.fakeSfu.left(id), m.peerId).catch(() => {});
          ws.send(msg);
        });
        ws.onClose(() => { server.close(); if (peerId) page.evaluate((id) => window.fakeSfu.left(id), peerId).catch(() => {}); });
        server.onClose((code, reason) => ws.close({ code, reason }));
      });
    },
    stats: () => page.evaluate(() => window.fakeSfu.stats()),
    socket: (client) => sockets.get(client),
  };
}
