// Issue #17: a browser as a WHIP publisher (RFC 9725), the way a web
// encoder would do it: a plain RTCPeerConnection, one HTTP POST of its offer
// with an ingest key, the answer applied. A participant of the room, in
// another Chromium, decodes its video through the SFU; DELETE of the
// session's Location takes it out of the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, register, remoteVideos, waitFor, exclusive, watch } from './harness.mjs';

test('a browser publishing over WHIP is seen by a participant and leaves on DELETE', { timeout: 120000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const browsers = [];
  try {
    for (let i = 0; i < 2; ++i) browsers.push(await launchBrowser());
    const host = await browsers[0].context.newPage();
    const encoder = await browsers[1].context.newPage();
    watch(host, 'host'); watch(encoder, 'whip');
    await register(host, server.url, 'wendy');
    await host.fill('#m-name', 'Studio');
    await host.selectOption('#m-type', 'GROUP');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    await host.waitForSelector('text=Connected');
    const roomId = host.url().split('/').pop();
    const key = await host.evaluate(async (id) => {
      const r = await fetch(`/rooms/${id}/ingest-keys`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Web encoder' }) });
      return (await r.json()).key;
    }, roomId);
    assert.ok(key, 'an ingest key');

    // The encoder: not signed in; only the key.
    await encoder.goto(server.url + '/login');
    const posted = await encoder.evaluate(async ({ roomId, key }) => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
      const pc = new RTCPeerConnection();
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
      await pc.setLocalDescription();
      // Non-trickle, as the server is: the offer carries every candidate.
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
      });
      const r = await fetch('/whip/' + roomId, { method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer ' + key }, body: pc.localDescription.sdp });
      const answer = await r.text();
      if (r.status !== 201) return { status: r.status, body: answer };
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      window.whip = { pc, location: r.headers.get('Location') };
      return { status: r.status, location: window.whip.location };
    }, { roomId, key });
    assert.equal(posted.status, 201, JSON.stringify(posted));
    assert.match(posted.location, new RegExp('^/whip/' + roomId + '/'));

    await host.waitForSelector('.tile:not([data-peer="self"]) >> text=Web encoder', { timeout: 20000 });
    const first = await waitFor(async () => (await remoteVideos(host)).find((v) => v.source === 'camera' && v.frames > 0),
      'the host to decode the WHIP publisher', 40000);
    await waitFor(async () => (await remoteVideos(host)).find((v) => v.peer === first.peer && v.frames > first.frames + 10),
      'its frames to keep coming', 20000);

    const deleted = await encoder.evaluate(async () => (await fetch(window.whip.location, { method: 'DELETE' })).status);
    assert.equal(deleted, 200);
    await waitFor(async () => !(await remoteVideos(host)).some((v) => v.peer === first.peer), 'its tile to go', 15000);
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    server.stop();
    release();
  }
});
