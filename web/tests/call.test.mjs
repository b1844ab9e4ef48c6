// Two people hold a 1:1 call in real Chromium: invite link, peer-to-peer
// video both ways (decoded frames keep advancing), chat, a reaction, a
// whiteboard stroke, and the host ending the meeting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { startServer, launchBrowser, register, remoteFrames } from './harness.mjs';

const shots = new URL('../../tests/output/screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

async function waitFor(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a 1:1 call connects, video flows both ways, and the room features work', { timeout: 120000 }, async () => {
  const server = await startServer();
  const a = await launchBrowser();
  const b = await launchBrowser();
  try {
    const host = await a.context.newPage();
    const guest = await b.context.newPage();
    await register(host, server.url, 'hostess');
    await register(guest, server.url, 'visitor');

    await host.fill('#m-name', 'Pair call');
    await host.selectOption('#m-type', 'ONE_TO_ONE');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    await host.waitForSelector('text=Connected');
    const invite = await host.evaluate(async () => {
      const id = location.pathname.split('/').pop();
      const r = await fetch('/rooms/' + id, { credentials: 'same-origin' }).then((x) => x.json());
      return r.inviteCode;
    });

    await guest.goto(server.url + '/join/' + invite);
    await guest.waitForURL(/\/room\//);
    await guest.waitForSelector('text=Connected');

    // Video both ways: a remote tile with size, and its decoded frames advance.
    for (const page of [host, guest]) {
      const first = await waitFor(() => remoteFrames(page), 'remote video frames');
      await page.waitForTimeout(1000);
      const later = await remoteFrames(page);
      assert.ok(later > first, `frames advance (${first} -> ${later})`);
    }

    await guest.fill('input[aria-label=Message]', 'hello host');
    await guest.click('text=Send');
    await host.waitForSelector('text=hello host');
    await host.fill('input[aria-label=Message]', 'hello guest');
    await host.click('text=Send');
    await guest.waitForSelector('text=hello guest');

    await host.click('button[aria-label="React 🎉"]');
    await guest.waitForSelector('.reaction-float', { timeout: 5000 });

    const box = await host.locator('canvas.board').boundingBox();
    await host.mouse.move(box.x + 50, box.y + 50);
    await host.mouse.down();
    await host.mouse.move(box.x + 200, box.y + 120, { steps: 5 });
    await host.mouse.up();
    await waitFor(() => guest.evaluate(() => {
      const c = document.querySelector('canvas.board');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) return true;
      return false;
    }), 'the stroke on the guest whiteboard');

    await host.screenshot({ path: shots + 'call-host.png' });
    await guest.screenshot({ path: shots + 'call-guest.png' });

    host.once('dialog', (d) => d.accept());
    await host.click('text=End for all');
    await guest.waitForSelector('text=The meeting has ended');
  } finally {
    await a.close();
    await b.close();
    server.stop();
  }
});
