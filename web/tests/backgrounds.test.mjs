// Virtual backgrounds (#19): the sender's camera is a file the test makes
// (a checkerboard, full of edges, no person in it); the sender picks a
// picture on the join page (preview), joins a group call (through the SFU)
// and the other page's RECEIVED video, where the sender's mask says
// background, is that picture; a strong blur chosen in the call's settings
// takes most of the edges away; switching never renegotiates (no new
// publish-offer); the choice is still there after a reload; nothing is
// fetched from anywhere but the server; a device that cannot keep up falls
// back to the camera with a message. Prints what processing costs here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, registerApi, waitFor, exclusive, outputDir, watch } from './harness.mjs';

const W = 640, H = 360;

// A y4m camera: a 20-px grey checkerboard, slowly sliding (so frames change).
function cameraFile(dir) {
  const frames = 30, y = W * H, c = (W / 2) * (H / 2);
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F30:1 Ip A1:1 C420jpeg\n`);
  const parts = [header];
  for (let f = 0; f < frames; f++) {
    const frame = Buffer.alloc(y + 2 * c, 128);
    for (let row = 0; row < H; row++) for (let col = 0; col < W; col++) {
      frame[row * W + col] = ((Math.floor((col + f) / 20) + Math.floor(row / 20)) % 2) ? 200 : 60;
    }
    parts.push(Buffer.from('FRAME\n'), frame);
  }
  const file = join(dir, 'checkerboard.y4m');
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

// On the receiving page: the first remote camera video, drawn at its size;
// over the pixels that the sender's mask (model size) calls background,
// the mean |difference| from a picture drawn the way the sender draws it
// (cover), and the mean |Laplacian| of the luminance (edge energy).
function measureRemote([mask, pictureUrl]) {
  const v = document.querySelector('.tile:not([data-peer="self"])[data-source="camera"] video');
  const w = v.videoWidth, h = v.videoHeight;
  const canvas = (draw) => { const c = document.createElement('canvas'); c.width = w; c.height = h; const g = c.getContext('2d'); draw(g); return g.getImageData(0, 0, w, h).data; };
  const got = canvas((g) => g.drawImage(v, 0, 0, w, h));
  const load = pictureUrl ? new Promise((resolve, reject) => { const i = new Image(); i.onload = () => resolve(i); i.onerror = reject; i.src = pictureUrl; }) : Promise.resolve(null);
  return load.then((img) => {
    const want = img && canvas((g) => { const s = Math.max(w / img.naturalWidth, h / img.naturalHeight); g.drawImage(img, (w - img.naturalWidth * s) / 2, (h - img.naturalHeight * s) / 2, img.naturalWidth * s, img.naturalHeight * s); });
    const lum = (d, i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    // Background for sure: the mask cell and its neighbours are 0 (the mask is scaled up smoothly).
    const sure = new Uint8Array(mask.width * mask.height);
    for (let my = 1; my < mask.height - 1; my++) for (let mx = 1; mx < mask.width - 1; mx++) {
      let any = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) any |= mask.data[(my + dy) * mask.width + mx + dx];
      sure[my * mask.width + mx] = any ? 0 : 1;
    }
    let n = 0, diff = 0, edges = 0;
    for (let y = 2; y < h - 2; y++) for (let x = 2; x < w - 2; x++) {
      if (!sure[Math.floor(y * mask.height / h) * mask.width + Math.floor(x * mask.width / w)]) continue;
      const i = (y * w + x) * 4;
      n++;
      if (want) diff += (Math.abs(got[i] - want[i]) + Math.abs(got[i + 1] - want[i + 1]) + Math.abs(got[i + 2] - want[i + 2])) / 3;
      edges += Math.abs(4 * lum(got, i) - lum(got, i - 4) - lum(got, i + 4) - lum(got, i - 4 * w) - lum(got, i + 4 * w));
    }
    return { width: w, height: h, background: n / ((w - 4) * (h - 4)), diff: want ? diff / n : null, edges: edges / n };
  });
}

test('virtual backgrounds: picture and blur reach the other side, switching does not renegotiate, the choice persists', { timeout: 300000 }, async () => {
  const release = await exclusive();
  const dir = mkdtempSync(join(tmpdir(), 'convene-bg-'));
  const server = await startServer();
  const a = await launchBrowser();
  const b = await launchBrowser({ args: [`--use-file-for-fake-video-capture=${cameraFile(dir)}`] });
  try {
    const host = await a.context.newPage();
    const sender = await b.context.newPage();
    watch(host, 'host'); watch(sender, 'sender');
    // A busy test machine must not trip the device check (tested on its own below).
    await b.context.addInitScript(() => { globalThis.conveneEffectsMinFps = 0; });
    const foreign = [];
    b.context.on('request', (r) => { if (!r.url().startsWith(server.url) && !/^(data|blob):/.test(r.url())) foreign.push(r.url()); });
    const offers = [];
    sender.on('websocket', (ws) => ws.on('framesent', (f) => { try { const m = JSON.parse(f.payload); if (/offer/.test(m.type)) offers.push(m.type); } catch { /* not JSON */ } }));

    // People and the room through the API (quicker than the pages).
    const signIn = async (context, name) => {
      const who = await registerApi(server.url, name);
      await context.addCookies(who.cookie.split('; ').map((c) => ({ name: c.slice(0, c.indexOf('=')), value: c.slice(c.indexOf('=') + 1), url: server.url })));
      return who;
    };
    const owner = await signIn(a.context, 'bghost');
    await signIn(b.context, 'bgsender');
    const room = await (await owner.call('POST', '/rooms', { name: 'Backgrounds', type: 'GROUP' })).json();
    await host.goto(server.url + '/room/' + room.id);
    await host.waitForSelector('text=Connected');

    // On the join page: a picture, in the preview before joining.
    await sender.goto(server.url + '/join/' + room.inviteCode);
    const pick = (value) => sender.locator('label.bg-choice', { has: sender.locator(`input[value="${value}"]`) }).click();
    await pick('image:sea');
    await waitFor(() => sender.evaluate(() => globalThis.conveneEffects?.stats().masks > 0), 'masks in the join page preview', 20000);
    const preview = await sender.evaluate(() => globalThis.conveneEffects.stats());
    assert.equal(preview.effect, 'image');
    await sender.click('#enter-room');
    await sender.waitForSelector('text=Connected');

    const remoteWidth = () => host.evaluate(() => document.querySelector('.tile:not([data-peer="self"])[data-source="camera"] video')?.videoWidth || 0);
    await waitFor(async () => (await remoteWidth()) === W, 'the sender\'s video at 640×360 on the host', 30000);
    await waitFor(() => sender.evaluate(() => globalThis.conveneEffects?.stats().masks > 5), 'masks in the call');
    await new Promise((r) => setTimeout(r, 1000));  // frames composited with a settled mask
    const mask = () => sender.evaluate(() => globalThis.conveneEffects.mask());
    const picture = await host.evaluate(measureRemote, [await mask(), '/img/backgrounds/sea.jpg']);
    console.log('picture on the host:', JSON.stringify(picture));
    assert.ok(picture.background > 0.5, `the mask calls most of the checkerboard background (${picture.background})`);
    assert.ok(picture.diff < 20, `the received background is the picture (mean |diff| ${picture.diff.toFixed(1)})`);
    const offersBefore = offers.length;
    assert.ok(offersBefore >= 1, 'the sender published');

    // The raw camera's edges, then a strong blur (chosen in the call's settings).
    const choose = async (value) => {
      await sender.click('#btn-devices');
      await pick(value);
      await sender.click('dialog.devices button[value=close]');
    };
    // (Measured until the host shows the change: the new frames take a moment.)
    const measureUntil = async (ok, what) => {
      let m;
      await waitFor(async () => ok(m = await host.evaluate(measureRemote, [await mask(), null])), what, 20000).catch(() => {});
      return m;
    };
    await choose('none');
    const raw = await measureUntil((m) => m.edges > 10, 'the checkerboard on the host');
    await choose('blur-strong');
    const blurred = await measureUntil((m) => m.edges < raw.edges / 4, 'the blur on the host');
    console.log(`edge energy on the host: camera ${raw.edges.toFixed(1)}, strong blur ${blurred.edges.toFixed(1)} (${raw.width}×${raw.height}, ${blurred.width}×${blurred.height})`);
    assert.ok(raw.edges > 10, `the camera's checkerboard has edges (${raw.edges.toFixed(1)})`);
    assert.ok(blurred.edges < raw.edges / 4, `blur takes most edges away (${raw.edges.toFixed(1)} -> ${blurred.edges.toFixed(1)})`);
    assert.deepEqual(offers.slice(offersBefore), [], 'switching effects sends no new offer');

    const cost = await sender.evaluate(() => globalThis.conveneEffects.stats());
    console.log(`background effect cost at ${cost.width}×${cost.height}: ${cost.frameMs.toFixed(1)} ms a frame on the page (drawing and compositing), ${cost.segmentMs.toFixed(1)} ms a mask in the worker (segmentation)`);

    // After a reload: the same choice, applied.
    await sender.reload();
    await sender.waitForSelector('text=Connected');
    await waitFor(() => sender.evaluate(() => globalThis.conveneEffects?.stats().effect === 'blur'), 'the blur after a reload');
    await sender.click('#btn-devices');
    assert.equal(await sender.isChecked('input[name=background][value="blur-strong"]'), true);
    // One's own picture: kept in this browser, chosen at once.
    await sender.setInputFiles('#bg-upload', { name: 'mine.jpg', mimeType: 'image/jpeg', buffer: readFileSync(new URL('../img/backgrounds/room.jpg', import.meta.url)) });
    await waitFor(() => sender.isChecked('input[name=background][value="image:upload"]'), 'the uploaded picture chosen');
    assert.match(await sender.evaluate(() => localStorage.getItem('convene-background-upload')), /^data:image\/jpeg;base64,/);
    await waitFor(() => sender.evaluate(() => globalThis.conveneEffects.stats().effect === 'image'), 'the uploaded picture applied');
    await sender.click('dialog.devices button[value=close]');

    // A device that cannot keep up: back to the camera, with a message.
    await sender.evaluate(() => { globalThis.conveneEffectsMinFps = 1000; });
    await choose('image:dusk');
    await waitFor(() => sender.evaluate(() => globalThis.conveneEffects.stats().running === false), 'the fallback', 20000)
      .catch(async (e) => { console.log('effect stats:', JSON.stringify(await sender.evaluate(() => globalThis.conveneEffects.stats()))); throw e; });
    assert.match(await sender.textContent('#toast'), /could not keep up/);
    // A camera's own track has a device; the effect's has none.
    assert.ok(await sender.evaluate(() => document.querySelector('.tile[data-peer="self"] video').srcObject.getVideoTracks()[0].getSettings().deviceId), 'the camera is sent again');

    // Peer to peer (a 1:1 room): the remembered picture is what the other
    // side receives, and switching effects sends no new offer there either.
    const pair = await (await owner.call('POST', '/rooms', { name: 'Backgrounds 1:1', type: 'ONE_TO_ONE' })).json();
    assert.equal((await sender.request.post(server.url + '/rooms/join/' + pair.inviteCode)).status(), 200);
    await host.goto(server.url + '/room/' + pair.id);
    await host.waitForSelector('text=Connected');
    await sender.evaluate(() => localStorage.setItem('convene-background', 'image:room'));
    await sender.goto(server.url + '/room/' + pair.id);
    await sender.waitForSelector('text=Connected');
    await waitFor(async () => (await remoteWidth()) === W, 'the sender\'s video at 640×360 on the host (peer to peer)', 30000);
    await waitFor(() => sender.evaluate(() => globalThis.conveneEffects?.stats().masks > 5), 'masks in the 1:1 call');
    const p2pOffers = offers.length;
    let p2p;
    await waitFor(async () => (p2p = await host.evaluate(measureRemote, [await mask(), '/img/backgrounds/room.jpg'])).diff < 20, 'the picture on the host (peer to peer)', 20000).catch(() => {});
    console.log('picture on the host, peer to peer:', JSON.stringify(p2p));
    assert.ok(p2p.diff < 20, `the received background is the picture, peer to peer (mean |diff| ${p2p.diff.toFixed(1)})`);
    await choose('blur-light');
    await choose('none');
    await measureUntil((m) => m.edges > 10, 'the checkerboard on the host (peer to peer)');
    assert.deepEqual(offers.slice(p2pOffers), [], 'switching effects sends no new offer (peer to peer)');

    assert.deepEqual(foreign, [], 'nothing fetched from elsewhere');
  } finally {
    await b.close();
    await a.close();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
    release();
  }
});
