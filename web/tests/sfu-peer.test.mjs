// Issue #5: a browser and a participant written with GStreamer's webrtcbin
// (build/tests/media/sfu-peer, speaking the SFU protocol of docs/protocol.md)
// in one group call: the browser plays the webrtcbin participant's video,
// and the webrtcbin participant decodes the browser's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exclusive, startServer, launchBrowser, register, remoteVideos, waitFor, watch } from './harness.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sfuPeer = process.env.CONVENE_SFU_PEER || join(repo, 'build', 'tests', 'media', 'sfu-peer');

function runPeer(url, name, invite, seconds) {
  return new Promise((resolve, reject) => {
    const proc = spawn(sfuPeer, [url, name, invite, String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`sfu-peer exited ${code}: ${err.slice(-2000)}`));
      try { resolve(JSON.parse(out.trim().split('\n').pop())); } catch (e) { reject(new Error(`sfu-peer said: ${out}`)); }
    });
  });
}

test('a browser and a webrtcbin participant see each other through the SFU', { timeout: 180000, skip: !existsSync(sfuPeer) && 'sfu-peer is not built' }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    watch(page, 'browser');
    await register(page, server.url, 'webuser');
    await page.fill('#m-name', 'Mixed call');
    await page.selectOption('#m-type', 'GROUP');
    await page.click('form[aria-label="New meeting"] button[type=submit]');
    await page.waitForURL(/\/room\//);
    await page.waitForSelector('text=Connected');
    // The page joins while the camera opens: its own tile follows.
    await page.waitForSelector('.tile[data-peer="self"]', { timeout: 20000 });
    const invite = await page.evaluate(async () => (await fetch('/rooms/' + location.pathname.split('/').pop()).then((x) => x.json())).inviteCode);
    assert.ok(invite, 'the room has an invite code');

    // The webrtcbin participant stays 20 s; meanwhile the browser must play its video.
    const peer = runPeer(server.url, "gstpeer", invite, 20);
    const first = await waitFor(async () => {
      const v = (await remoteVideos(page)).find((x) => x.source === 'camera' && x.width > 0 && x.frames > 0);
      return v || null;
    }, 'the webrtcbin participant\'s video in the browser', 40000);
    await waitFor(async () => {
      const v = (await remoteVideos(page)).find((x) => x.peer === first.peer && x.source === 'camera');
      return v && v.frames > first.frames + 10;
    }, 'its frames to advance', 15000);

    // Quality adaptation has what it needs from a real browser: its camera
    // carries VP8 temporal layers (the server sees TIDs), its subscribe
    // connection reports back (transport-cc feedback, from which the server
    // estimates its link; receiver reports on a lossless link keep every
    // layer of the webrtcbin participant's camera).
    const quality = await waitFor(async () => {
      const m = await page.evaluate(async () => fetch('/rooms/' + location.pathname.split('/').pop() + '/media').then((x) => x.json()));
      const browserSub = m.subscribers.find((s) => s.peerId !== first.peer);
      const received = browserSub?.receives.find((r) => r.source === 'camera');
      const camera = m.subscribers.find((s) => s.peerId === first.peer)?.receives.find((r) => r.source === 'camera');
      // maxTemporalLayer starts above the track's top layer: at most 2 once a receiver report came.
      return browserSub?.estimateBps > 0 && camera?.temporalLayer >= 1 && received?.maxTemporalLayer <= 2 ? { estimate: browserSub.estimateBps, remb: browserSub.estimatedBitrate, camera, received } : null;
    }, 'transport-cc feedback and a receiver report from the browser, and temporal layers in its camera', 15000);
    console.log(`the server's estimate for the browser ${Math.round(quality.estimate / 1000)} kbps (its REMB ${Math.round(quality.remb / 1000)} kbps); its camera reaches the webrtcbin participant up to temporal layer ${quality.camera.temporalLayer} (layers ${JSON.stringify(quality.camera.layerBitrates)} bps); it receives up to layer ${quality.received.maxTemporalLayer}`);
    assert.equal(quality.received.maxTemporalLayer, 2, 'without loss the browser receives every layer');

    const result = await peer;
    const frames = Object.values(result.frames || {});
    console.log(`webrtcbin participant ${result.peerId} decoded ${JSON.stringify(result.frames)} frames; browser plays ${first.peer}`);
    assert.equal(first.peer, result.peerId, 'the tile the browser plays is the webrtcbin participant');
    assert.ok(frames.length === 1 && frames[0] > 30, 'the webrtcbin participant decoded the browser\'s video');
  } finally {
    await browser.close();
    server.stop();
    release();
  }
});
