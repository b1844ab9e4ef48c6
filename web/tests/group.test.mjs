// Issue #7: a three-person group call through the server's SFU (issue #5)
// in which every page shows two playing remote videos.
import { test } from 'node:test';
import { exclusive } from './harness.mjs';
import { groupCall } from './group-flow.mjs';

test('three-person group call through the server SFU', { timeout: 240000 }, async (t) => {
  const release = await exclusive();
  try { await groupCall(t); } finally { release(); }
});
