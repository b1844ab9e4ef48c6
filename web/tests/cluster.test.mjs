// A Convene cluster (issue #16): the call page opened on one node follows the
// `redirect` that join-room answers when the room is placed on another node
// (docs/protocol.md), and is connected there, with no user action.
// PostgreSQL is the one scripts/test starts; inside this network namespace it
// is reached through its Unix socket, next to its data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { startServer, launchBrowser, register, exclusive, watch } from './harness.mjs';

function freshDatabase() {
  const tcp = process.env.CONVENE_TEST_PG_URL, data = process.env.CONVENE_TEST_PG_DATA;
  if (!tcp || !data) return null;
  const port = /:(\d+)\//.exec(tcp)[1];
  const socket = (db) => `postgresql://postgres@/${db}?host=${dirname(data)}&port=${port}`;
  const name = 'convene_w_' + Math.random().toString(16).slice(2, 10);
  execFileSync(`${process.env.CONVENE_TEST_PG_BIN}/psql`, [socket('postgres'), '-qc', `CREATE DATABASE ${name}`]);
  return socket(name);
}

test('the call page follows a cluster redirect to the room\'s node', { timeout: 90000 }, async (t) => {
  const db = freshDatabase();
  if (!db) {
    if (process.env.CONVENE_REQUIRE_PG) assert.fail('no PostgreSQL');
    return t.skip('cluster mode needs PostgreSQL (scripts/test provides one)');
  }
  const release = await exclusive();
  const cluster = (id, extra = {}) => ({
    CONVENE_DATABASE_URL: db, CONVENE_CLUSTER_ENABLED: 'true', CONVENE_CLUSTER_NODE_ID: id,
    CONVENE_CLUSTER_HEARTBEAT_SEC: '1', CONVENE_AUTH_SECRET: 'web-cluster-secret-0123456789abcdef0123456789', ...extra,
  });
  // The page is served by "entry"; rooms go to "n0" first (fewest rooms, then
  // the smaller id), which lets the entry node's page open a WebSocket to it.
  const entry = await startServer(cluster('n1', { CONVENE_SERVER_CSP_CONNECT_SRC: 'ws://127.0.0.1:*' }));
  const owner = await startServer(cluster('n0', { CONVENE_AUTH_CORS_ORIGINS: entry.url }));
  const b = await launchBrowser();
  try {
    const page = await b.context.newPage();
    watch(page, 'cluster');
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await register(page, entry.url, 'roamer');
    await page.fill('#m-name', 'Placed elsewhere');
    await page.click('form[aria-label="New meeting"] button[type=submit]');
    await page.waitForURL(/\/room\//);
    await page.waitForSelector('text=Connected', { timeout: 20000 });
    const port = (u) => new URL(u).port;
    assert.equal(port(sockets[0]), port(entry.url), 'the first WebSocket goes to the page\'s node');
    assert.equal(port(sockets.at(-1)), port(owner.url), 'the call is on the room\'s node');
    assert.equal(page.url().startsWith(entry.url), true, 'the page itself stays where it was');
  } finally {
    await b.close();
    owner.stop();
    entry.stop();
    release();
  }
});
