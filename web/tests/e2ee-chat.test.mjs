// End-to-end encrypted chat (#19): in a room created with e2ee, both people
// read each other's messages while the server's chat_messages table holds
// ciphertext only (queried with sqlite3, and the database files searched for
// the words); someone who comes back with a new page (new keys) reads what
// is sent after, not what was sent before. Both screens show the same
// safety code, a new one when a key changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, register, exclusive, watch, waitFor } from './harness.mjs';

const rows = (server) => execFileSync('sqlite3', ['-json', join(server.dataDir, 'convene.db'), 'SELECT kind, content FROM chat_messages ORDER BY created_at'], { encoding: 'utf8' });
const inFiles = (server, text) => ['convene.db', 'convene.db-wal'].map((f) => join(server.dataDir, f)).filter(existsSync)
  .some((f) => readFileSync(f).includes(Buffer.from(text)));

test('chat in an end-to-end encrypted room: readable by the people in it, ciphertext in the database', { timeout: 120000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const a = await launchBrowser();
  const b = await launchBrowser();
  try {
    const host = await a.context.newPage();
    const guest = await b.context.newPage();
    watch(host, 'host'); watch(guest, 'guest');
    await register(host, server.url, 'alice');
    await register(guest, server.url, 'bob');
    await host.fill('#m-name', 'Sealed');
    await host.selectOption('#m-type', 'ONE_TO_ONE');
    await host.check('#m-e2ee');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    const roomId = host.url().split('/room/')[1];
    const room = await host.evaluate((id) => fetch('/rooms/' + id).then((r) => r.json()), roomId);
    assert.equal(room.e2ee, true);
    await host.waitForSelector('.e2ee-note:visible');
    await guest.goto(server.url + '/join/' + room.inviteCode);
    await guest.click('#enter-room');
    await guest.waitForURL(/\/room\//);
    await guest.waitForSelector('.e2ee-note:visible');
    await host.waitForSelector('#tabbtn-people .count:text("2")');

    const say = async (page, text) => { await page.fill('input[aria-label=Message]', text); await page.click('form.chat-form button[type=submit]'); };
    await say(host, 'the plan is at noon');
    await guest.waitForSelector('.msg:has-text("the plan is at noon")');
    await say(guest, 'noted, bring the cake');
    await host.waitForSelector('.msg:has-text("noted, bring the cake")');
    await host.waitForSelector('.msg-group.mine .msg:has-text("the plan is at noon")');
    // Both screens show the same safety code (a digest of both public keys).
    const code = (page) => page.textContent('.e2ee-code');
    const before = await waitFor(async () => { const [h, g] = [await code(host), await code(guest)]; return h === g && h; }, 'the same safety code on both screens');
    assert.match(before, /^\d{4} \d{4} \d{4}$/);

    // The server kept ciphertext only.
    const stored = JSON.parse(rows(server) || '[]');
    assert.equal(stored.length, 2, JSON.stringify(stored));
    for (const r of stored) {
      assert.equal(r.kind, 'text');
      assert.match(r.content, /^e2ee:v1:/);
      assert.ok(!/noon|cake/.test(r.content), r.content);
    }
    for (const words of ['the plan is at noon', 'noted, bring the cake']) assert.equal(inFiles(server, words), false, `"${words}" is not in the database files`);

    // The guest comes back with a new page (new keys): the host's client
    // rotates its key; what follows is readable, what came before is not.
    await guest.reload();
    await guest.waitForSelector('.e2ee-note:visible');
    await guest.waitForSelector('.msg:has-text("Encrypted message")');
    await host.waitForSelector('#tabbtn-people .count:text("2")');
    await host.waitForTimeout(500);
    await say(host, 'after you came back');
    await guest.waitForSelector('.msg:has-text("after you came back")');
    const after = await waitFor(async () => { const [h, g] = [await code(host), await code(guest)]; return h === g && h; }, 'the same safety code again');
    assert.notEqual(after, before, 'a new key, a new safety code');
    const log = await guest.textContent('.chat-log');
    assert.ok(!log.includes('the plan is at noon') && !log.includes('bring the cake'), 'earlier messages stay sealed: ' + log);
    assert.equal(inFiles(server, 'after you came back'), false);
  } finally {
    await b.close();
    await a.close();
    server.stop();
    release();
  }
});
