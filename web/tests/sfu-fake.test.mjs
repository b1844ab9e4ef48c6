// The browser client's group call (js/sfu.js) against the stand-in SFU of
// fake-sfu.mjs: the protocol of issue #5 end to end in real Chromium, whether
// or not the server binary has its own SFU yet.
import { test } from 'node:test';
import { exclusive } from './harness.mjs';
import { groupCall } from './group-flow.mjs';

test('group call through the SFU protocol against the stand-in SFU', { timeout: 240000 }, async (t) => {
  const release = await exclusive();
  try { await groupCall(t, { fake: true }); } finally { release(); }
});
