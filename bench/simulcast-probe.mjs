// Does webrtcbin 1.22 receive simulcast from Chromium? A probe, not a test:
// a headless Chromium publishes its camera with three encodings (rids q/h/f)
// on the SFU's publish connection; the script prints the server's answer
// (does it keep a=simulcast / a=rid?), what the browser then sends per rid,
// and the server's view of the room (GET /rooms/:id/media).
// Run in a namespace with only lo, from web/ (for playwright-core):
//   scripts/lib/netns-run node bench/simulcast-probe.mjs
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repo, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const { startServer, launchBrowser, registerApi } = await import(join(repo, 'web', 'tests', 'harness.mjs'));

const server = await startServer({ GST_DEBUG: 'convene-media:5' });
const browser = await launchBrowser();
try {
  const user = await registerApi(server.url, 'simulcast');
  const room = await (await user.call('POST', '/rooms', { name: 'Simulcast probe', type: 'GROUP' })).json();
  const page = await browser.context.newPage();
  await page.context().addCookies(user.cookie.split('; ').map((c) => {
    const [name, ...v] = c.split('=');
    return { name, value: v.join('='), url: server.url };
  }));
  await page.goto(server.url + '/');
  const report = await page.evaluate(async (roomId) => {
    const { token } = await fetch('/auth/ws-token').then((r) => r.json());
    const ws = new WebSocket(`ws://${location.host}/ws?token=${token}`);
    const inbox = [];
    let wake = null;
    ws.onmessage = (e) => { inbox.push(JSON.parse(e.data)); wake?.(); };
    await new Promise((r) => { ws.onopen = r; });
    const next = async (type) => {
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
        if (i >= 0) return inbox.splice(i, 1)[0];
        await new Promise((r) => { wake = r; setTimeout(r, 200); });
      }
    };
    ws.send(JSON.stringify({ type: 'join-room', roomId }));
    await next('room-joined');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
    const pc = new RTCPeerConnection();
    pc.onicecandidate = (e) => e.candidate && ws.send(JSON.stringify({ type: 'sfu-candidate', pc: 'publish', candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex }));
    const t = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', sendEncodings: [
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 100000 },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 300000 },
      { rid: 'f', maxBitrate: 900000 }] });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    ws.send(JSON.stringify({ type: 'publish-offer', sdp: offer.sdp, tracks: [{ mid: t.mid, source: 'camera' }] }));
    const answer = await next('publish-answer');
    if (answer.type === 'error') return { error: answer };
    let remoteError = null;
    try { await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp }); } catch (e) { remoteError = String(e); }
    for (;;) {  // server candidates
      const i = inbox.findIndex((m) => m.type === 'sfu-candidate');
      if (i < 0) break;
      const c = inbox.splice(i, 1)[0];
      await pc.addIceCandidate({ candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex }).catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 6000));
    const outbound = [];
    (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') outbound.push({ rid: s.rid, ssrc: s.ssrc, packetsSent: s.packetsSent, frameWidth: s.frameWidth, active: s.active }); });
    return {
      offerSimulcast: offer.sdp.split('\r\n').filter((l) => /^a=(simulcast|rid)/.test(l)),
      answerSimulcast: answer.sdp.split('\r\n').filter((l) => /^a=(simulcast|rid)/.test(l)),
      remoteError,
      senderEncodings: t.sender.getParameters().encodings.map((e) => ({ rid: e.rid, active: e.active })),
      outbound,
    };
  }, room.id);
  console.log(JSON.stringify(report, null, 2));
  const media = await (await user.call('GET', `/rooms/${room.id}/media`)).json();
  console.log('server view:', JSON.stringify(media.tracks));
  console.log('server log lines about streams:');
  console.log(server.log().split('\n').filter((l) => /publish pad|second stream|publishes/.test(l)).map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').slice(-160)).join('\n'));
} finally {
  await browser.close();
  server.stop();
}
