// Issue #17: the "Watch live" page plays a room's composite over WHEP. A
// host in Chromium holds a group call (fake camera through the SFU) and
// starts HLS with a view link (the link WHEP accepts too); a second,
// signed-out Chromium opens the watch URL: the page plays over WebRTC (not
// its HLS fallback), its video decodes frames that keep advancing, and the
// picture is the composite's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exclusive, startServer, launchBrowser, register, waitFor, watch } from './harness.mjs';

test('the Watch live page plays the composite over WHEP', { timeout: 180000 }, async () => {
  const release = await exclusive();
  const server = await startServer({ CONVENE_RECORDING_WIDTH: '640', CONVENE_RECORDING_HEIGHT: '360' });
  const hostBrowser = await launchBrowser();
  const viewerBrowser = await launchBrowser();
  try {
    const host = await hostBrowser.context.newPage();
    watch(host, 'host');
    await register(host, server.url, 'presenter');
    await host.fill('#m-name', 'Launch');
    await host.selectOption('#m-type', 'GROUP');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    await host.waitForSelector('text=Connected');
    const roomId = host.url().split('/').pop();
    // The host's camera packets at the server (-1: not published). Alone in
    // the room she stops sending it once it has arrived (dynacast: nobody
    // watches); the egress then asks for it again.
    const cameraPackets = async () => {
      const media = await host.evaluate(async (id) => fetch('/rooms/' + id + '/media').then((r) => r.json()), roomId);
      return media.tracks?.find((t) => t.kind === 'video')?.packetsReceived ?? -1;
    };
    await waitFor(async () => (await cameraPackets()) >= 0, 'the host\'s camera published', 30000);
    const egress = await host.evaluate(async (id) => {
      const r = await fetch('/rooms/' + id + '/egress', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'hls', viewLink: true }) });
      return { status: r.status, body: await r.json() };
    }, roomId);
    assert.equal(egress.status, 201, JSON.stringify(egress.body));
    assert.match(egress.body.watchUrl, /^\/watch\//);
    const packetsAtEgress = await cameraPackets();

    const viewer = await viewerBrowser.context.newPage();
    watch(viewer, 'viewer');
    await viewer.goto(server.url + egress.body.watchUrl);  // signed out: the view link is all it has
    await viewer.waitForSelector('text=Watch live');
    const stats = () => viewer.evaluate(async () => {
      const w = window.conveneWatch;
      const v = document.getElementById('watch-video');
      let framesDecoded = 0;
      if (w?.pc) (await w.pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded = s.framesDecoded; });
      return { mode: w?.mode, reason: w?.fallbackReason, framesDecoded, width: v.videoWidth, time: v.currentTime };
    });
    const first = await waitFor(async () => {
      const s = await stats();
      if (s.mode === 'hls' || s.mode === 'refused') throw new Error('WHEP did not play: ' + JSON.stringify(s));
      return s.mode === 'webrtc' && s.framesDecoded > 30 && s.width > 0 ? s : null;
    }, 'the composite to play over WebRTC', 60000);
    await viewer.waitForTimeout(1500);
    const later = await stats();
    console.log(`Watch live over WHEP: ${first.width}px wide, frames decoded ${first.framesDecoded} → ${later.framesDecoded}`);
    assert.equal(later.mode, 'webrtc');
    assert.ok(later.framesDecoded > first.framesDecoded + 10, 'frames keep coming: ' + JSON.stringify(later));
    assert.equal(first.width, 640, 'the composite\'s picture');
    assert.ok(await cameraPackets() > packetsAtEgress + 30, 'the egress gets the host\'s camera (the composite asked for it)');
  } finally {
    await viewerBrowser.close();
    await hostBrowser.close();
    server.stop();
    release();
  }
});
