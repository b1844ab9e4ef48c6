// Issue #15 in the browser: per-viewer quality through the SFU.
//  - Three pages in a group call; ada's camera is 1280x720 (layers q, h, f),
//    the others 640x360 (q, h). linus's window is small (tiles under 320
//    px): getStats shows every camera he receives at most 400 wide (the q
//    layer), while grace, with larger tiles, receives them at 600 or more.
//  - Dynacast: once linus has left, grace is the only subscriber of ada's
//    camera; a small window asks for q, and ada's browser stops sending its f
//    encoding (active false, framesEncoded no longer grows); the speaker
//    layout in a large window asks for f again, and it resumes. Hiding the
//    tile (display: none) turns every layer of ada's camera off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exclusive, startServer, launchBrowser, register, waitFor, watch } from './harness.mjs';

const stats = (page) => page.evaluate(() => window.conveneStats?.() ?? []);
// Widths of the video this page receives (getStats inbound frameWidth), one per stream decoding.
async function inboundWidths(page) {
  return (await stats(page)).filter((r) => r.dir === 'in' && r.kind === 'video' && r.frames > 0).map((r) => r.width);
}
// The publishing side's f encoding: {active, frames}.
async function fEncoding(page) {
  return (await stats(page)).find((r) => r.dir === 'out' && r.layer === 'f') || null;
}

test('layers: a small window receives the small layer, a large one the large; unwatched layers stop at the publisher', { timeout: 180000 }, async (t) => {
  const release = await exclusive();
  const server = await startServer();
  const browsers = [];
  try {
    browsers.push(await launchBrowser(), await launchBrowser(), await launchBrowser({ viewport: { width: 640, height: 600 } }));
    const [ada, grace, linus] = await Promise.all(browsers.map((b) => b.context.newPage()));
    for (const [p, name] of [[ada, 'ada'], [grace, 'grace'], [linus, 'linus']]) watch(p, name);
    const debug = async () => {
      for (const [p, name] of [[ada, 'ada'], [grace, 'grace'], [linus, 'linus']]) {
        console.log(`${name}: stats ${JSON.stringify(await stats(p).catch(() => null))}`);
        console.log(`${name}: track-settings sent ${JSON.stringify(await p.evaluate(() => window.conveneTrackSettings?.()).catch(() => null))}`);
      }
      const media = await ada.evaluate(() => fetch('/rooms/' + location.pathname.split('/').pop() + '/media').then((r) => r.json())).catch(() => null);
      console.log('server: ' + JSON.stringify(media?.subscribers));
    };

    await register(ada, server.url, 'ada');
    await ada.evaluate(() => localStorage.setItem('convene-devices', JSON.stringify({ quality: 'high' })));
    await ada.fill('#m-name', 'Layers');
    await ada.selectOption('#m-type', 'GROUP');
    await ada.click('form[aria-label="New meeting"] button[type=submit]');
    await ada.waitForURL(/\/room\//);
    await ada.waitForSelector('text=Connected');
    const invite = await ada.evaluate(async () => (await fetch('/rooms/' + location.pathname.split('/').pop()).then((x) => x.json())).inviteCode);
    for (const [p, name] of [[grace, 'grace'], [linus, 'linus']]) {
      await register(p, server.url, name);
      await p.goto(server.url + '/join/' + invite);
      await p.click('#enter-room');
      await p.waitForURL(/\/room\//);
    }
    const published = await waitFor(async () => (await stats(ada)).filter((r) => r.dir === 'out' && r.kind === 'video').map((r) => r.layer).sort().join(), 'ada publishing her camera', 20000);
    assert.equal(published, 'f,h,q', 'a 720p camera goes out as three layers');

    await t.test('the small window receives q, the larger one h', async () => {
      try {
        const small = await waitFor(async () => { const w = await inboundWidths(linus); return w.length === 2 && w.every((x) => x > 0 && x <= 400) && w; }, 'linus receiving both cameras at most 400 wide', 40000);
        const large = await waitFor(async () => { const w = await inboundWidths(grace); return w.length === 2 && w.every((x) => x >= 600) && w; }, 'grace receiving both cameras 600 wide or more', 40000);
        console.log(`linus (small tiles) receives ${small}; grace receives ${large}`);
      } catch (e) { await debug(); throw e; }
    });

    await t.test('dynacast: f stops when the only subscriber asks for q, and resumes when it asks for f', async () => {
      try {
        await linus.click('#btn-leave');
        await grace.setViewportSize({ width: 640, height: 600 });
        await waitFor(async () => (await fEncoding(ada))?.active === false, 'ada\'s f encoding turned off', 20000);
        const before = (await fEncoding(ada)).frames;
        await new Promise((r) => setTimeout(r, 1500));
        const after = (await fEncoding(ada)).frames;
        assert.ok(after - before <= 2, `no f frames encoded while nobody wants them (${before} -> ${after})`);

        await grace.setViewportSize({ width: 1400, height: 900 });
        if ((await grace.getAttribute('#btn-layout', 'aria-pressed')) !== 'true') await grace.click('#btn-layout');
        await waitFor(async () => { const f = await fEncoding(ada); return f?.active === true && f.frames > after + 10; }, 'ada\'s f encoding sending again', 20000);
        await waitFor(async () => { const w = await inboundWidths(grace); return w.some((x) => x >= 1200) && w; }, 'grace receiving ada\'s f layer', 20000);
      } catch (e) { await debug(); throw e; }
    });

    await t.test('a hidden tile asks for nothing: ada sends no camera layer until it shows again', async () => {
      try {
        const sending = async () => (await stats(ada)).filter((r) => r.dir === 'out' && r.kind === 'video' && r.active).map((r) => r.layer).sort().join();
        await grace.evaluate(() => { document.querySelector('.tile:not([data-peer="self"])').style.display = 'none'; });
        await waitFor(async () => (await sending()) === '', 'every layer of ada\'s camera turned off', 20000);
        await grace.evaluate(() => { document.querySelector('.tile:not([data-peer="self"])').style.display = ''; });
        await waitFor(async () => (await sending()).includes('f'), 'ada\'s f layer sending again', 20000);
      } catch (e) { await debug(); throw e; }
    });
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    server.stop();
    release();
  }
});
