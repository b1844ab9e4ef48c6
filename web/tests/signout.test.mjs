// Signing out ends the call in the browser's other tabs: the server closes
// the user's WebSockets with 4001 (docs/protocol.md), the call page's
// reconnect finds its cookies gone (ws-token 401) and goes to the sign-in page
// instead of trying again and again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, register, waitFor, exclusive, watch } from './harness.mjs';

test('signing out in another tab sends the call page to sign-in, with no reconnect', { timeout: 90000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const b = await launchBrowser();
  try {
    const call = await b.context.newPage();
    watch(call, 'call');
    await register(call, server.url, 'sol');
    await call.fill('#m-name', 'Sign-out check');
    await call.click('form[aria-label="New meeting"] button[type=submit]');
    await call.waitForURL(/\/room\//);
    await call.waitForSelector('text=Connected');
    const closes = [];
    let opened = 0;
    call.on('websocket', (ws) => { opened++; ws.on('close', () => closes.push(Date.now())); });

    const other = await b.context.newPage();
    await other.goto(server.url + '/');
    await other.click('text=Sign out');
    await call.waitForURL(/\/login/, { timeout: 15000 });
    // Longer than the client's first reconnect delay (500 ms).
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(opened, 0, 'the call page opened no new WebSocket after the sign-out');
    assert.ok(await call.isVisible('#password'), 'the sign-in form is shown');
  } finally {
    await b.close();
    server.stop();
    release();
  }
});
