// End-to-end encrypted media (#19). In rooms created with e2ee, every frame
// is sealed in the sending browser (web/js/e2ee/) and opened in the
// receiving one:
//  - peer to peer: two pages decode each other's camera; an image sent in
//    chat arrives, and the database holds only ciphertext of it; a browser
//    that cannot encrypt is refused with a reason;
//  - through the SFU: three pages decode each other; a webrtcbin participant
//    without keys (sfu-peer --claim-e2ee) receives the forwarded packets but
//    sees no picture in them (the SFU forwards ciphertext), every frame
//    each page encodes (on each layer of its camera) is sealed, and the
//    server still reads the VP8 temporal layers; after one page leaves, the
//    other two rotate their keys and keep decoding with the new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, register, exclusive, watch, waitFor, remoteVideos } from './harness.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sfuPeer = process.env.CONVENE_SFU_PEER || join(repo, 'build', 'tests', 'media', 'sfu-peer');
const WIDTH = 640;  // the harness's cameras: "standard" quality, 640×360

const t0 = Date.now();
const step = (what) => { if (process.env.E2EE_TEST_DEBUG) console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`); };
const counts = (page) => page.evaluate(() => window.conveneE2eeCounts?.());
// Remote camera tiles playing at the camera's size, by peer: {peer -> frames}.
async function playing(page) {
  const out = {};
  for (const v of await remoteVideos(page)) if (v.source === 'camera' && v.width === WIDTH) out[v.peer] = v.frames;
  return out;
}
// Video frames decoded so far on every inbound video stream (getStats).
async function decoded(page) {
  const st = (await page.evaluate(() => window.conveneStats())).filter((r) => r.dir === 'in' && r.kind === 'video');
  return st.reduce((n, r) => n + (r.frames || 0), 0);
}
// `page` plays `n` remote cameras and all of them advance.
async function decodesOthers(page, name, n, ms = 20000) {
  const first = await waitFor(async () => { const p = await playing(page); return Object.keys(p).length >= n && p; }, `${name}: ${n} remote cameras at ${WIDTH} px`, ms)
    .catch(async (e) => { console.log(name, JSON.stringify(await remoteVideos(page)), JSON.stringify(await counts(page))); throw e; });
  const before = await decoded(page);
  let last = {};
  await waitFor(async () => { const p = last = await playing(page); return Object.keys(first).every((peer) => p[peer] > first[peer] + 3); }, `${name}: every remote camera advances`, 20000)
    .catch(async (e) => { console.log(name, JSON.stringify(first), JSON.stringify(last), JSON.stringify(await counts(page)), JSON.stringify(await page.evaluate(() => window.conveneStats()))); throw e; });
  // Polled, not read once: the cameras' check can pass on a burst of frames decoded just before
  // `before` was read (after a keyframe), with the next frame still to come.
  await waitFor(async () => await decoded(page) > before, `${name}: getStats framesDecoded increases`, 10000);
  return first;
}
async function createRoom(page, url, name, type) {
  await register(page, url, name);
  await page.fill('#m-name', 'Sealed ' + type);
  await page.selectOption('#m-type', type);
  await page.check('#m-e2ee');
  await page.click('form[aria-label="New meeting"] button[type=submit]');
  await page.waitForURL(/\/room\//);
  const roomId = page.url().split('/room/')[1];
  const room = await page.evaluate((id) => fetch('/rooms/' + id).then((r) => r.json()), roomId);
  assert.equal(room.e2ee, true);
  return room;
}
async function enter(page, url, name, room) {
  await register(page, url, name);
  await page.goto(url + '/join/' + room.inviteCode);
  await page.click('#enter-room');
  await page.waitForURL(/\/room\//);
}

test('peer to peer: both decode, images stay sealed, a browser that cannot encrypt is refused', { timeout: 240000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const a = await launchBrowser(), b = await launchBrowser();
  try {
    const host = await a.context.newPage(), guest = await b.context.newPage();
    watch(host, 'host'); watch(guest, 'guest');
    step('browsers up');
    const room = await createRoom(host, server.url, 'sealhost', 'ONE_TO_ONE');
    await enter(guest, server.url, 'sealguest', room);
    step('both in the room');
    try {
      await decodesOthers(host, 'host', 1);
      await decodesOthers(guest, 'guest', 1);
    } catch (e) {
      for (const [n, p] of [['host', host], ['guest', guest]]) console.log(n, JSON.stringify(await counts(p)), JSON.stringify(await p.evaluate(() => window.conveneStats())));
      throw e;
    }
    for (const [name, page] of [['host', host], ['guest', guest]]) {
      const c = await counts(page);
      assert.ok(c.sealed > 0 && c.opened > 0, `${name} seals and opens frames: ${JSON.stringify(c)}`);
    }

    step('both decode');
    // An image through encrypted chat: shown on the other side, ciphertext in the database.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
    await host.setInputFiles('#chat-image', { name: 'dot.png', mimeType: 'image/png', buffer: png });
    await guest.waitForSelector('.msg img[src^="blob:"]');
    const width = await guest.$eval('.msg img', (img) => new Promise((r) => (img.complete ? r(img.naturalWidth) : (img.onload = () => r(img.naturalWidth)))));
    assert.equal(width, 1, 'the guest sees the 1×1 image');
    const stored = JSON.parse(execFileSync('sqlite3', ['-json', join(server.dataDir, 'convene.db'), 'SELECT kind, content FROM chat_messages'], { encoding: 'utf8' }) || '[]');
    assert.equal(stored.length, 1);
    assert.equal(stored[0].kind, 'image');
    assert.match(stored[0].content, /^e2ee:v1:/);
    const db = ['convene.db', 'convene.db-wal'].map((f) => join(server.dataDir, f)).filter(existsSync).map((f) => readFileSync(f));
    for (const needle of [png, Buffer.from(png.toString('base64')), Buffer.from('data:image/png')]) assert.ok(!db.some((d) => d.includes(needle)), 'no plaintext image in the database files');

    step('image checked');
    // A browser without encoded transforms says so and stays out.
    const old = await b.context.newPage();
    watch(old, 'old browser');
    await old.addInitScript(() => { delete window.RTCRtpScriptTransform; delete RTCRtpSender.prototype.createEncodedStreams; });
    await old.goto(server.url + '/room/' + room.id);
    await old.waitForSelector('.ended:has-text("end-to-end encrypted")');
    assert.equal(await host.textContent('#tabbtn-people .count'), '2', 'the refused page never joined');
  } finally {
    await b.close(); await a.close();
    server.stop(); release();
  }
});

// A camera showing one colour, for Chromium's --use-file-for-fake-video-capture:
// {file, u, v} (the picture's chroma, read back from the file ffmpeg wrote).
function oneColourCamera(dir) {
  const file = join(dir, 'camera.y4m');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `color=c=0x2a56c6:s=${WIDTH}x360:r=15`, '-frames:v', '15', '-pix_fmt', 'yuv420p', '-y', file]);
  const bytes = readFileSync(file);
  const frame = bytes.indexOf('FRAME\n') + 6;
  const luma = WIDTH * 360;
  return { file, u: bytes[frame + luma], v: bytes[frame + luma + luma / 4] };
}

function runPeer(url, invite, seconds, chroma) {
  return new Promise((resolve, reject) => {
    const proc = spawn(sfuPeer, [url, 'keyless', invite, String(seconds), '--claim-e2ee', `--picture-chroma=${chroma.u},${chroma.v}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`sfu-peer exited ${code}: ${err.slice(-2000)}`));
      try { resolve(JSON.parse(out.trim().split('\n').pop())); } catch { reject(new Error('sfu-peer said: ' + out)); }
    });
  });
}

test('through the SFU: three decode each other, a keyless participant sees no picture, keys rotate when one leaves', { timeout: 240000, skip: !existsSync(sfuPeer) && 'sfu-peer is not built' }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const browsers = [];
  const dir = mkdtempSync(join(tmpdir(), 'convene-e2ee-'));
  try {
    // Every camera shows one colour, so the keyless participant can tell the
    // picture from what vp8dec makes of sealed frames: VP8 has no integrity
    // check, and a sealed frame behind its clear header (the picture size)
    // sometimes decodes — as noise of the right size.
    const camera = oneColourCamera(dir);
    for (let i = 0; i < 3; ++i) browsers.push(await launchBrowser({ args: [`--use-file-for-fake-video-capture=${camera.file}`] }));
    const pages = [];
    for (const [i, b] of browsers.entries()) { const p = await b.context.newPage(); watch(p, 'g' + i); pages.push(p); }
    const room = await createRoom(pages[0], server.url, 'gseal0', 'GROUP');
    for (let i = 1; i < 3; ++i) await enter(pages[i], server.url, 'gseal' + i, room);
    step('three in the room');
    for (const [i, p] of pages.entries()) await decodesOthers(p, 'g' + i, 2, 40000);
    const keyless = runPeer(server.url, room.inviteCode, 12, camera);
    // Every frame a page encodes, on every sender (the camera's layers are
    // three), goes through the worker's seal: frames sealed keep up with
    // video frames encoded plus audio packets sent (one Opus frame each).
    for (const [i, p] of pages.entries()) {
      const out = (await p.evaluate(() => window.conveneStats())).filter((r) => r.pc === 'publish' && r.dir === 'out');
      const encoded = out.reduce((n, r) => n + (r.kind === 'video' ? r.frames || 0 : r.packets || 0), 0);
      const sealed = (await counts(p)).sealed;
      assert.ok(out.filter((r) => r.kind === 'video').length >= 2 && sealed >= encoded - 5, `g${i}: every encoded frame is sealed (${sealed} sealed, ${encoded} encoded on ${out.length} senders)`);
    }

    step('three decode');
    // The server still reads what it needs: the temporal layers of the browsers' cameras.
    const media = await pages[0].evaluate((id) => fetch('/rooms/' + id + '/media').then((r) => r.json()), room.id);
    const cams = media.subscribers.flatMap((s) => s.receives).filter((r) => r.source === 'camera' && r.temporalLayer >= 1);
    assert.ok(cams.length > 0, 'VP8 temporal layers are seen by the SFU: ' + JSON.stringify(media.subscribers));

    const result = await keyless;
    const browserPeers = Object.keys(result.packets).filter((p) => p !== result.peerId);
    console.log('keyless webrtcbin participant:', JSON.stringify(result));
    assert.ok(browserPeers.length >= 3 && browserPeers.every((p) => result.packets[p] > 20), 'it received the forwarded video of all three');
    for (const p of browserPeers) assert.equal(result.showing[p], 0, `no frame of ${p} shows its picture without the key`);

    step('keyless checked');
    // One leaves; the others rotate (a new send key) and keep decoding once
    // the keys they held before have expired (5 s).
    const before = await Promise.all(pages.slice(0, 2).map(counts));
    await pages[2].click('#btn-leave');
    await waitFor(async () => (await Promise.all(pages.slice(0, 2).map(counts))).every((c, i) => c.sendKeyId !== before[i].sendKeyId), 'both remaining senders to switch to a new key', 10000);
    await pages[0].waitForTimeout(5500);
    for (const [i, p] of pages.slice(0, 2).entries()) await decodesOthers(p, 'g' + i + ' after the rotation', 1);
  } finally {
    for (const b of browsers) await b.close();
    rmSync(dir, { recursive: true, force: true });
    server.stop(); release();
  }
});
