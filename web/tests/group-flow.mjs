// The three-person group call of group.test.mjs, through the server's own
// SFU: three people in three Chromium instances join a GROUP room; every page shows two
// remote videos playing (videoWidth > 0, decoded frames advancing); mute shows
// on the others' tiles; a screen share is a new tile for the others and goes
// away when stopped; chat and whiteboard; screenshots for the README.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, register, remoteVideos, waitFor, outputDir, watch } from './harness.mjs';

const shots = join(outputDir, 'screenshots');

async function twoRemoteVideosPlaying(page, name, ms) {
  const ready = async () => {
    const notice = await page.textContent('.notice');
    if (/does not support group video|Could not send your video/.test(notice || '')) throw new Error(`${name}: ${notice}`);
    return (await remoteVideos(page)).filter((x) => x.source === 'camera' && x.width > 0);
  };
  let first;
  try {
    first = await waitFor(async () => { const v = await ready(); return v.length >= 2 ? v : null; }, `${name}: two remote videos with frames`, ms);
  } catch (e) {
    // What the page has, for whoever reads the failure.
    console.log(`${name} tiles: ${JSON.stringify(await remoteVideos(page))}`);
    console.log(`${name} RTP: ${JSON.stringify(await page.evaluate(() => window.conveneStats?.()), null, 0)}`);
    throw e;
  }
  // Both keep advancing (within a few seconds: the machine may be busy).
  let later = [];
  const advanced = () => first.every((v) => { const l = later.find((x) => x.peer === v.peer); return l && l.frames > v.frames; });
  await waitFor(async () => { later = await ready(); return advanced(); }, `${name}: frames of both remote videos to advance`, 8000).catch(() => {});
  assert.equal(later.length, 2, `${name} shows two remote videos`);
  for (const v of first) {
    const l = later.find((x) => x.peer === v.peer);
    assert.ok(l && l.frames > v.frames, `${name}: frames of ${v.peer} advance (${v.frames} -> ${l?.frames})`);
  }
}

export async function groupCall(t, { prefix = '' } = {}) {
  // The forwarders' keyframe decisions are logged, for a failure to show.
  const server = await startServer({ GST_DEBUG: process.env.GST_DEBUG || 'convenertpforward:5', GST_DEBUG_NO_COLOR: '1' });
  const browsers = [];
  const pages = [];
  let joined = false;
  // Each part of the call is a subtest, so a report says which part failed;
  // after a failed join the rest is skipped, otherwise every part runs.
  const step = (name, fn) => t.test(name, { skip: !joined && name !== JOIN ? 'the three people are not in the call' : false }, async () => {
    try { await fn(); } catch (e) {
      for (const [i, p] of pages.entries()) {
        const stats = await p.evaluate(() => window.conveneStats?.()).catch(() => null);
        console.log(`RTP of page ${i}: ${JSON.stringify(stats)}`);
      }
      // The server's side of it: what each forwarder sent on, keyframes and
      // keyframe requests included, and its log's keyframe lines.
      const media = await pages[0]?.evaluate(() => fetch('/rooms/' + location.pathname.split('/').pop() + '/media').then((r) => r.text())).catch(() => null);
      console.log(`server media: ${media}`);
      console.log(`server log (keyframe lines, last 200):\n${server.log().split('\n').filter((l) => /keyframe|layer|resync|PLI|FIR|ForceKeyUnit/i.test(l)).slice(-200).join('\n')}`);
      throw e;
    }
  });
  const JOIN = 'three people join; every page plays two remote videos';
  try {
    for (let i = 0; i < 3; ++i) browsers.push(await launchBrowser());
    const names = ['ada', 'grace', 'linus'];
    for (const [i, b] of browsers.entries()) { const p = await b.context.newPage(); watch(p, names[i]); pages.push(p); }
    const [host, ...guests] = pages;

    await step(JOIN, async () => {
      for (const [i, p] of pages.entries()) await register(p, server.url, names[i]);
      await host.fill('#m-name', 'Weekly sync');
      await host.selectOption('#m-type', 'GROUP');
      await host.click('form[aria-label="New meeting"] button[type=submit]');
      await host.waitForURL(/\/room\//);
      await host.waitForSelector('text=Connected');
      const invite = await host.evaluate(async () => {
        const r = await fetch('/rooms/' + location.pathname.split('/').pop()).then((x) => x.json());
        return r.inviteCode;
      });
      for (const g of guests) {
        await g.goto(server.url + '/join/' + invite);
        await g.click('#enter-room');
        await g.waitForURL(/\/room\//);
        await g.waitForSelector('text=Connected');
      }
      const t0 = Date.now();
      for (const [i, p] of pages.entries()) await twoRemoteVideosPlaying(p, names[i], 40000);
      console.log(`all three pages play two remote videos ${Date.now() - t0} ms after the last join`);
      // Chromium offers the RFC 6464 audio-level header extension: the server
      // answers it and takes active-speaker levels from it, decoding no Opus.
      const media = await host.evaluate(() => fetch('/rooms/' + location.pathname.split('/').pop() + '/media').then((r) => r.json()));
      const mics = media.tracks.filter((x) => x.kind === 'audio');
      assert.equal(mics.length, 3, `three microphones published: ${JSON.stringify(media.tracks)}`);
      for (const m of mics) assert.equal(m.levelFrom, 'header', `the server reads ${m.peerId}'s level from the header extension`);
      joined = true;
    });

    await step('mute shows on the others\' tiles; chat and whiteboard reach everyone', async () => {
      await guests[0].click('#btn-mic');
      await host.waitForSelector('.tile:not([data-peer="self"]).mic-off');
      await guests[0].click('#btn-mic');

      await host.fill('input[aria-label=Message]', 'Morning! Agenda: release notes, then the demo.');
      await host.click('form.chat-form button[type=submit]');
      await guests[0].fill('input[aria-label=Message]', 'Hi 👋');
      await guests[0].click('form.chat-form button[type=submit]');
      await guests[1].fill('input[aria-label=Message]', 'I can take the demo');
      await guests[1].click('form.chat-form button[type=submit]');
      await host.waitForSelector('text=I can take the demo');
      await host.locator('canvas.board').scrollIntoViewIfNeeded();
      const box = await host.locator('canvas.board').boundingBox();
      const stroke = async (pts) => {
        await host.mouse.move(box.x + pts[0][0] * box.width, box.y + pts[0][1] * box.height);
        await host.mouse.down();
        for (const [x, y] of pts.slice(1)) await host.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 6 });
        await host.mouse.up();
      };
      await stroke([[0.1, 0.2], [0.3, 0.2], [0.3, 0.6], [0.1, 0.6], [0.1, 0.2]]);
      await host.fill('input[type=color]', '#2563eb');
      await stroke([[0.45, 0.4], [0.6, 0.4]]);
      await stroke([[0.56, 0.33], [0.62, 0.4], [0.56, 0.47]]);
      await host.fill('input[type=color]', '#16a34a');
      await stroke([[0.7, 0.25], [0.9, 0.25], [0.9, 0.65], [0.7, 0.65], [0.7, 0.25]]);
      await waitFor(() => guests[1].evaluate(() => {
        const c = document.querySelector('canvas.board');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) return true;
        return false;
      }), 'the strokes on a guest whiteboard');

      await host.evaluate(() => window.scrollTo(0, 0));
      await host.screenshot({ path: join(shots, prefix + 'group-call.png') });
      // Element screenshots by clip: the pages are busy decoding video, and a
      // locator screenshot waits for a stable layout between animation frames.
      const clip = async (page, selector, file) => {
        await page.locator(selector).scrollIntoViewIfNeeded();
        const b = await page.locator(selector).boundingBox();
        await page.screenshot({ timeout: 60000, path: join(shots, prefix + file), clip: { x: b.x, y: b.y, width: b.width, height: b.height } });
      };
      await clip(host, '.panel', 'chat.png');
      await clip(guests[1], '.board-card', 'whiteboard.png');
    });

    await step('a screen share is a new playing tile for the others and goes away when stopped', async () => {
      await guests[1].click('#btn-screen');
      try {
        for (const p of [host, guests[0]]) {
          await waitFor(() => remoteVideos(p).then((v) => v.some((x) => x.source === 'screen' && x.width > 0)), 'the screen tile playing', 20000);
        }
        await host.evaluate(() => window.scrollTo(0, 0));
        await host.screenshot({ path: join(shots, prefix + 'group-call-screen.png') });
      } finally {
        if ((await guests[1].textContent('#btn-screen')) === 'Stop sharing') await guests[1].click('#btn-screen');
      }
      for (const p of [host, guests[0]]) await p.waitForSelector('.tile[data-source="screen"]', { state: 'detached', timeout: 15000 });
    });

    await step('a leave removes the tile for the others; the host ends the meeting for all', async () => {
      await guests[1].click('#btn-leave');
      for (const p of [host, guests[0]]) await waitFor(() => remoteVideos(p).then((v) => v.filter((x) => x.source === 'camera').length === 1), 'one remote tile after a leave');
      host.once('dialog', (d) => d.accept());
      await host.click('text=End for all');
      await guests[0].waitForSelector('text=The meeting has ended');
    });
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    server.stop();
  }
}
