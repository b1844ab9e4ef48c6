// Issue #6: the HLS egress of a call plays in a browser. A host in Chromium
// holds a group call (fake camera through the SFU) and starts HLS with a view
// link; a second, signed-out Chromium plays the view link with hls.js (the
// client's vendored copy) until the video has advanced several seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exclusive, startServer, launchBrowser, register, waitFor, watch } from './harness.mjs';

test('the HLS stream of a call plays in Chromium with hls.js, through a view link', { timeout: 180000 }, async () => {
  const release = await exclusive();
  const server = await startServer({ CONVENE_RECORDING_WIDTH: '640', CONVENE_RECORDING_HEIGHT: '360' });
  const hostBrowser = await launchBrowser();
  const viewerBrowser = await launchBrowser();
  try {
    const host = await hostBrowser.context.newPage();
    watch(host, 'host');
    await register(host, server.url, 'broadcaster');
    await host.fill('#m-name', 'Town hall');
    await host.selectOption('#m-type', 'GROUP');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    await host.waitForSelector('text=Connected');
    const roomId = host.url().split('/').pop();
    // The host's camera is published before the stream starts (alone in the
    // room she stops sending it once it has arrived — dynacast: nobody
    // watches — and the egress asks for it again: -1 until published).
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
    const viewUrl = new URL(egress.body.viewUrl, server.url).toString();
    const packetsAtEgress = await cameraPackets();

    const viewer = await viewerBrowser.context.newPage();
    watch(viewer, 'viewer');
    await viewer.goto(server.url + '/');  // same origin, signed out: only the view link grants access
    await waitFor(async () => (await viewer.evaluate(async (u) => (await fetch(u)).status, viewUrl)) === 200,
      'the playlist behind the view link', 60000);
    await viewer.evaluate(async (u) => {
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/vendor/hls.min.js';
        s.onload = resolve;
        s.onerror = () => reject(new Error('hls.js is not served'));
        document.head.append(s);
      });
      const video = document.createElement('video');
      video.id = 'live';
      video.muted = true;
      video.playsInline = true;
      document.body.append(video);
      // eslint-disable-next-line no-undef
      const hls = new Hls({ enableWorker: false });  // the CSP allows no blob: workers
      window.hlsErrors = [];
      hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) window.hlsErrors.push(d.details); });
      hls.loadSource(u);
      hls.attachMedia(video);
      hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
    }, viewUrl);
    const playing = await waitFor(async () => {
      const s = await viewer.evaluate(() => {
        const v = document.getElementById('live');
        return { t: v.currentTime, w: v.videoWidth, h: v.videoHeight, errors: window.hlsErrors };
      });
      if (s.errors.length) throw new Error('hls.js: ' + s.errors.join(', '));
      return s.t > 4 && s.w > 0 ? s : null;
    }, 'the live video to play for 4 s', 60000);
    console.log(`HLS through the view link: ${playing.w}x${playing.h}, ${playing.t.toFixed(1)} s played`);
    assert.ok(playing.w >= 320, 'a real picture');
    assert.ok(await cameraPackets() > packetsAtEgress + 30, 'the egress gets the host\'s camera (the composite asked for it)');
  } finally {
    await viewerBrowser.close();
    await hostBrowser.close();
    server.stop();
    release();
  }
});
