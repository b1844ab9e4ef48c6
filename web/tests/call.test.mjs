// Two people hold a 1:1 call in real Chromium: invite link and join page,
// peer-to-peer video both ways (decoded frames keep advancing), a camera
// switch mid-call, chat (grouping, emoji, unread count), a reaction, a
// whiteboard stroke, screen share as its own tile (gone when stopped), mute
// indicators, and the host ending the meeting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, register, remoteFrames, waitFor, exclusive, outputDir, watch } from './harness.mjs';

const shots = join(outputDir, 'screenshots');

async function framesAdvance(page, source = 'camera') {
  const first = await waitFor(() => remoteFrames(page, source), `remote ${source} frames`);
  // Advancing within a few seconds (the machine may be busy: the check is
  // that frames keep coming, not how fast).
  let later = first;
  await waitFor(async () => (later = await remoteFrames(page, source)) > first, `${source} frames to advance past ${first}`, 8000)
    .catch(() => assert.fail(`${source} frames advance (${first} -> ${later})`));
}

test('a 1:1 call connects, video flows both ways, the room features work, and a dropped connection re-joins', { timeout: 180000 }, async () => {
  const release = await exclusive();
  // History chunks of ~one stroke: the late joiner's board arrives in several whiteboard-history messages.
  const server = await startServer({ CONVENE_ROOMS_WHITEBOARD_HISTORY_CHUNK_BYTES: '256' });
  const a = await launchBrowser();
  const b = await launchBrowser();
  try {
    const host = await a.context.newPage();
    const guest = await b.context.newPage();
    watch(host, 'host'); watch(guest, 'guest');
    // The guest's WebSocket passes through the test, which can drop it later.
    let guestSocket = null;
    await guest.routeWebSocket(/\/ws\b/, (ws) => {
      const server = ws.connectToServer();
      guestSocket = ws;
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => ws.send(m));
      ws.onClose(() => server.close());
      server.onClose((code, reason) => ws.close({ code, reason }));
    });
    await register(host, server.url, 'hostess');
    await register(guest, server.url, 'visitor');

    await host.fill('#m-name', 'Pair call');
    await host.selectOption('#m-type', 'ONE_TO_ONE');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    await host.waitForSelector('text=Connected');

    // A stroke before the guest arrives: late joiners get the board's history.
    const drawOn = async (page, from, to) => {
      await page.locator('canvas.board').scrollIntoViewIfNeeded();
      const box = await page.locator('canvas.board').boundingBox();
      await page.mouse.move(box.x + from[0] * box.width, box.y + from[1] * box.height);
      await page.mouse.down();
      await page.mouse.move(box.x + to[0] * box.width, box.y + to[1] * box.height, { steps: 5 });
      await page.mouse.up();
    };
    // Whether the board has paint around a point given as fractions of its size.
    const paintedAt = (page, x, y) => page.evaluate(([x, y]) => {
      const c = document.querySelector('canvas.board');
      const px = c.getContext('2d').getImageData(Math.round(x * c.width) - 6, Math.round(y * c.height) - 6, 12, 12).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) return true;
      return false;
    }, [x, y]);
    // Each stroke shows on the drawer's own board first. A gesture is drawn
    // again when it left no paint: the page's layout can move the board
    // while Playwright's coordinates are stale (a tile appearing above it),
    // so the pointer events landed off the canvas.
    const drawAndSee = async (page, from, to) => {
      const mid = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2];
      const shows = () => waitFor(() => paintedAt(page, ...mid), `the stroke through ${mid} on the drawer's board`, 2000);
      await drawOn(page, from, to);
      await shows().catch(() => drawOn(page, from, to));
      await shows();
    };
    await drawAndSee(host, [0.1, 0.8], [0.3, 0.8]);
    await drawAndSee(host, [0.7, 0.9], [0.9, 0.9]);

    // The share dialog carries the invite link and the share links.
    await host.click('#btn-invite');
    const invite = await host.inputValue('#share-link');
    assert.match(invite, /\/join\/[^/]+$/);
    const links = await host.$$eval('.share-links a', (as) => Object.fromEntries(as.map((a) => [a.dataset.share, a.href])));
    assert.ok(links.whatsapp.startsWith('https://wa.me/?text=') && links.whatsapp.includes(encodeURIComponent(invite)));
    assert.ok(links.telegram.startsWith('https://t.me/share/url?url=' + encodeURIComponent(invite)));
    assert.ok(links.x.startsWith('https://x.com/intent/post?'));
    assert.ok(links.linkedin.startsWith('https://www.linkedin.com/sharing/share-offsite/?url='));
    assert.ok(links['e-mail'].startsWith('mailto:?subject='));
    assert.ok(links.sms.startsWith('sms:'));
    await host.click('dialog.share button[value=close]');

    // The guest follows the link: the join page previews the camera first.
    await guest.goto(invite.replace(/^https?:\/\/[^/]+/, server.url));
    await guest.waitForSelector('#enter-room');
    await waitFor(() => guest.evaluate(() => document.querySelector('video.preview')?.videoWidth > 0), 'the camera preview');
    assert.ok(await guest.$$eval('#camera-select option', (o) => o.length) >= 1);
    assert.ok(await guest.$$eval('#mic-select option', (o) => o.length) >= 1);
    await guest.click('#enter-room');
    await guest.waitForURL(/\/room\//);
    await guest.waitForSelector('text=Connected');

    await waitFor(() => paintedAt(guest, 0.2, 0.8), 'the earlier stroke on the late joiner\'s board');
    await waitFor(() => paintedAt(guest, 0.8, 0.9), 'the second earlier stroke (another history chunk) on the late joiner\'s board');

    // Video both ways: a remote tile with size, and its decoded frames advance.
    for (const page of [host, guest]) await framesAdvance(page);

    // Device switching during the call: the guest picks another camera; the
    // host keeps receiving frames, and again after switching back. Chromium's
    // fake cameras differ in pixel format (0: I420, 1: Y16 depth, 2: MJPEG),
    // and WebRTC sends nothing from a Y16 camera, so the test switches to the
    // last one (MJPEG): decoded and encoded like a real webcam.
    const switchCamera = async (to, what) => {
      await guest.click('#btn-devices');
      await guest.selectOption('#dev-camera', to);
      await waitFor(() => guest.evaluate((o) => document.querySelector('.tile[data-peer="self"] video').srcObject.getVideoTracks()[0].getSettings().deviceId === o, to), what);
      await guest.click('dialog.devices button[value=close]');
      await framesAdvance(host);
    };
    await guest.click('#btn-devices');
    // The dialog opens once the devices are listed (asynchronously): $$eval would not wait.
    await guest.waitForSelector('dialog.devices #dev-camera option', { state: 'attached' });
    const cams = await guest.$$eval('#dev-camera option', (o) => o.map((x) => x.value));
    await guest.click('dialog.devices button[value=close]');
    const before = await guest.evaluate(() => document.querySelector('.tile[data-peer="self"] video').srcObject.getVideoTracks()[0].getSettings().deviceId);
    const other = cams.filter((c) => c !== before).pop();
    assert.ok(other, `a second camera to switch to (${cams.length} listed)`);
    await switchCamera(other, 'the switched camera');
    await switchCamera(before, 'the first camera again');

    // Chat both ways, grouped by sender, emoji from the picker, unread count.
    await guest.fill('input[aria-label=Message]', 'hello host');
    await guest.click('form.chat-form button[type=submit]');
    await host.waitForSelector('text=hello host');
    await host.fill('input[aria-label=Message]', 'hello guest');
    await host.click('button[aria-label=Emoji]');
    await host.click('button[aria-label="Insert 🎉"]');
    assert.equal(await host.inputValue('input[aria-label=Message]'), 'hello guest🎉');
    await host.click('form.chat-form button[type=submit]');
    await guest.waitForSelector('text=hello guest🎉');
    await guest.click('#tabbtn-people');
    await host.fill('input[aria-label=Message]', 'second line');
    await host.click('form.chat-form button[type=submit]');
    await waitFor(() => guest.evaluate(() => document.querySelector('#tabbtn-chat .count').textContent === '1'), 'an unread count of 1');
    await waitFor(async () => (await host.locator('.msg-group.mine .msg').count()) === 2, 'both of the host\'s messages on its page');
    assert.equal(await host.locator('.msg-group.mine').count(), 1, 'two messages in a row share one group');
    assert.ok(await host.locator('.msg-group time').first().getAttribute('datetime'));
    await guest.click('#tabbtn-chat');
    assert.equal(await guest.textContent('#tabbtn-chat .count'), '');

    await host.click('#btn-react');
    await host.click('button[aria-label="React 🎉"]');
    assert.equal(await host.isHidden('.reaction-menu'), true, 'the reactions close after a pick');
    await guest.waitForSelector('.reaction-float', { timeout: 5000 });

    assert.equal(await paintedAt(guest, 0.5, 0.3), false);
    await drawOn(host, [0.4, 0.3], [0.6, 0.3]);
    await waitFor(() => paintedAt(guest, 0.5, 0.3), 'the stroke on the guest whiteboard');

    // An image in the chat.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGNQTX6NFTEMLQkADGRcwcht3uAAAAAASUVORK5CYII=', 'base64');
    await guest.setInputFiles('#chat-image', { name: 'dot.png', mimeType: 'image/png', buffer: png });
    await host.waitForSelector('.msg img[alt="Image from visitor"]');

    // Mute shows on the other side.
    await host.click('#btn-mic');
    await guest.waitForSelector('.tile:not([data-peer="self"]).mic-off');
    await host.click('#btn-mic');
    await guest.waitForSelector('.tile:not([data-peer="self"]):not(.mic-off)');

    // Screen share: a new tile on the other side, playing; gone when stopped.
    await host.click('#btn-screen');
    await guest.waitForSelector('.tile[data-source="screen"]:not([data-peer="self"])');
    await framesAdvance(guest, 'screen');
    for (const p of [host, guest]) await p.evaluate(() => window.scrollTo(0, 0));
    await host.screenshot({ path: join(shots, 'call-host.png') });
    await guest.screenshot({ path: join(shots, 'call-guest.png') });
    await host.click('#btn-screen');
    await guest.waitForSelector('.tile[data-source="screen"]', { state: 'detached', timeout: 10000 });
    await framesAdvance(guest);  // the camera keeps going

    // A dropped connection: the guest says so, reconnects, re-joins the room
    // without a page reload, and video flows both ways again.
    const dropped = guestSocket;
    await dropped.close({ code: 4000, reason: 'test drop' });
    await guest.waitForSelector('.banner:has-text("Connection lost")');
    await waitFor(() => guestSocket !== dropped, 'a new WebSocket');
    await guest.waitForSelector('.banner:has-text("Connected")');
    for (const page of [host, guest]) await framesAdvance(page);

    host.once('dialog', (d) => d.accept());
    await host.click('text=End for all');
    await guest.waitForSelector('text=The meeting has ended');

    // The dashboard now has a meeting in its analytics.
    await host.goto(server.url + '/');
    await host.waitForSelector('#chart-daily');
    await host.waitForTimeout(300);
    await host.screenshot({ path: join(shots, 'dashboard-after-call.png'), fullPage: true });
  } finally {
    await a.close();
    await b.close();
    server.stop();
    release();
  }
});
