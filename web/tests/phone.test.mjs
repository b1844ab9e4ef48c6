// The call on a phone (375×740, #19): the other person fills the screen,
// our camera is a small picture-in-picture that can be dragged, one bottom
// row of labelled icon buttons, every control reachable without scrolling,
// chat as a sheet over the video, and nothing offered that the device cannot
// do (no screen sharing without getDisplayMedia). The desktop keeps the grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, register, remoteFrames, waitFor, exclusive, outputDir, watch } from './harness.mjs';

const shots = join(outputDir, 'screenshots');
const PHONE = { width: 375, height: 740 };
const rect = (page, sel) => page.$eval(sel, (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height, right: r.right, bottom: r.bottom }; });

test('a 1:1 call on a 375×740 phone: the other person fills the screen, one row of controls, sheets', { timeout: 150000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const desk = await launchBrowser();
  const phone = await launchBrowser({ viewport: PHONE });
  try {
    const host = await desk.context.newPage();
    const guest = await phone.context.newPage();
    watch(host, 'desk'); watch(guest, 'phone');
    // Phones' browsers cannot share the screen.
    await guest.addInitScript(() => { delete MediaDevices.prototype.getDisplayMedia; });
    await register(host, server.url, 'desmond');
    await register(guest, server.url, 'phoebe');
    await host.fill('#m-name', 'On the go');
    await host.selectOption('#m-type', 'ONE_TO_ONE');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    const roomId = host.url().split('/room/')[1];
    const { inviteCode } = await host.evaluate((id) => fetch('/rooms/' + id).then((r) => r.json()), roomId);
    await guest.goto(server.url + '/join/' + inviteCode);
    await guest.click('#enter-room');
    await guest.waitForURL(/\/room\//);
    await waitFor(() => remoteFrames(guest), 'the host\'s video on the phone', 30000);
    await waitFor(() => remoteFrames(host), 'the phone\'s video on the desktop', 30000);

    // The other person fills most of the screen; our camera is a small picture-in-picture.
    const featured = await guest.$eval('.tile.featured', (t) => t.dataset.peer);
    assert.notEqual(featured, 'self', 'the featured tile is the other person');
    const big = await rect(guest, '.tile.featured video');
    assert.ok(big.w * big.h > 0.6 * PHONE.width * PHONE.height, `the remote video covers ${Math.round(100 * big.w * big.h / (PHONE.width * PHONE.height))}% of the screen`);
    const pip = await rect(guest, '.tile[data-peer="self"][data-source="camera"]');
    assert.ok(pip.w <= 130 && pip.w * pip.h < 0.1 * PHONE.width * PHONE.height, 'our camera is small');
    assert.ok(pip.x >= 0 && pip.right <= PHONE.width && pip.y >= big.y && pip.bottom <= big.bottom, 'the picture-in-picture lies over the video');

    // Nothing scrolls; one row of icon buttons, all labelled and on screen.
    assert.deepEqual(await guest.evaluate(() => [document.documentElement.scrollWidth <= innerWidth, document.documentElement.scrollHeight <= innerHeight]), [true, true], 'the page does not scroll');
    const row = await guest.$$eval('.controls button', (bs) => bs.filter((b) => b.offsetParent).map((b) => {
      const r = b.getBoundingClientRect();
      return { id: b.id, label: b.getAttribute('aria-label'), top: Math.round(r.top), bottom: r.bottom, right: r.right, left: r.left };
    }));
    assert.deepEqual(row.map((b) => b.id), ['btn-mic', 'btn-cam', 'btn-react', 'btn-more', 'btn-leave']);
    for (const b of row) {
      assert.ok(b.label, b.id + ' has an aria-label');
      assert.ok(b.left >= 0 && b.right <= PHONE.width && b.bottom <= PHONE.height, b.id + ' is on screen');
      assert.ok(Math.abs(b.top - row[0].top) <= 2, b.id + ' is in the one row');
    }
    assert.ok(row[0].top > PHONE.height - 100, 'the row is at the bottom');
    await guest.screenshot({ path: join(shots, 'phone-call.png') });

    // The buttons work: mute, and the hand from the reactions.
    await guest.click('#btn-mic');
    assert.equal(await guest.getAttribute('#btn-mic', 'aria-pressed'), 'true');
    await guest.click('#btn-react');
    await guest.click('.reaction-menu button[aria-label="Raise hand"]');
    await host.waitForSelector('.tile:not([data-peer="self"]) .badge[aria-label="hand raised"]');

    // The picture-in-picture moves where it is dragged.
    await guest.mouse.move(pip.x + pip.w / 2, pip.y + pip.h / 2);
    await guest.mouse.down();
    await guest.mouse.move(60, big.y + 80, { steps: 6 });
    await guest.mouse.up();
    const moved = await rect(guest, '.tile[data-peer="self"][data-source="camera"]');
    assert.ok(moved.x < 40 && moved.y < big.y + 60, `dragged to the top left (${Math.round(moved.x)}, ${Math.round(moved.y)})`);

    // "More": what the row leaves out, minus what the phone cannot do.
    await guest.click('#btn-more');
    await guest.waitForSelector('dialog.sheet[open]');
    const offered = await guest.$$eval('dialog.sheet [role=menuitem]', (bs) => bs.map((b) => b.textContent));
    assert.ok(offered.some((t) => /Chat/.test(t)) && offered.some((t) => /People/.test(t)) && offered.some((t) => /Settings/.test(t)) && offered.some((t) => /Invite/.test(t)), offered.join(', '));
    assert.ok(!offered.some((t) => /Share screen/.test(t)), 'no screen sharing offered: ' + offered.join(', '));
    assert.deepEqual(await guest.evaluate(() => [document.documentElement.scrollHeight <= innerHeight]), [true]);
    const menu = await rect(guest, 'dialog.sheet');
    assert.ok(menu.bottom <= PHONE.height + 1 && menu.y >= 0, 'the sheet fits on screen');
    await guest.screenshot({ path: join(shots, 'phone-more.png') });

    // Chat as a sheet over the video.
    await guest.click('dialog.sheet [role=menuitem]:has-text("Chat")');
    await guest.waitForSelector('.call.sheet-open .panel');
    await guest.fill('input[aria-label=Message]', 'hello from the bus');
    await guest.keyboard.press('Enter');
    await host.waitForSelector('text=hello from the bus');
    const sheet = await rect(guest, '.panel');
    assert.ok(sheet.bottom <= PHONE.height + 1 && sheet.y > 0, 'the chat sheet is on screen');
    const sendButton = await rect(guest, 'form.chat-form button[type=submit]');
    assert.ok(sendButton.bottom <= PHONE.height && sendButton.y > sheet.y, 'the message field and Send are on screen');
    await guest.screenshot({ path: join(shots, 'phone-chat.png') });
    await guest.click('.panel .sheet-close');
    await guest.waitForSelector('.panel', { state: 'hidden' });

    // The desktop keeps the grid: tiles side by side, no picture-in-picture.
    const tiles = await host.$$eval('.tile', (ts) => ts.map((t) => getComputedStyle(t).position));
    assert.deepEqual(tiles, ['relative', 'relative']);
    assert.equal(await host.$eval('.videos', (v) => getComputedStyle(v).display), 'grid');
    assert.equal(await host.isVisible('#btn-screen'), true, 'the desktop can share its screen');
    assert.equal(await host.isVisible('#btn-more'), false);
  } finally {
    await phone.close();
    await desk.close();
    server.stop();
    release();
  }
});
