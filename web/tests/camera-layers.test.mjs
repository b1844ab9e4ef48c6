// Which spatial layers a camera of a given size is published in, and how far
// each is scaled down (sfu.js cameraLayers; no browser needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cameraLayers } from '../js/sfu.js';

const table = [
  // [captured width, height, expected [layer, scaleResolutionDownBy]...]
  [1280, 720, [['q', 4], ['h', 2], ['f', 1]]],
  [1920, 1080, [['q', 6], ['h', 3], ['f', 1.5]]],
  [640, 360, [['q', 2], ['h', 1]]],
  [320, 180, [['q', 1]]],
  [160, 90, [['q', 1]]],             // smaller than q: sent as it is
  [720, 1280, [['q', 4], ['h', 2], ['f', 1]]],  // portrait: the long side against the long side
  [640, 480, [['q', 2], ['h', 1]]],  // 4:3: each layer covers its nominal size
  [1270, 714, [['q', 3.966666666666667], ['h', 1.9833333333333334], ['f', 1]]],  // a few pixels short still counts
  [0, 0, [['q', 4], ['h', 2], ['f', 1]]],        // size unknown: a 720p camera is assumed
];

test('camera layers by captured size', () => {
  for (const [w, h, want] of table) {
    const got = cameraLayers(w, h).map((l) => [l.layer, l.scaleResolutionDownBy]);
    assert.deepEqual(got, want, `${w}x${h}`);
  }
});

test('camera layers carry the bitrate ceilings of the spec (100/300/900 kbps)', () => {
  assert.deepEqual(cameraLayers(1280, 720).map((l) => l.maxBitrate), [100_000, 300_000, 900_000]);
});
