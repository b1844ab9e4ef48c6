// A camera track with its background blurred or replaced, as a new track:
// each camera frame (frames.js: MediaStreamTrackProcessor, or a <video> and
// requestVideoFrameCallback) drawn once on a canvas, a small copy to the
// segmenter (segmenter.js, in a worker) when it is free, the latest person
// mask composited over the chosen background on another canvas, sent as the
// output's next frame (MediaStreamTrackGenerator, or canvas.captureStream()).
// The output track stays the same while the input or the effect changes, so
// whoever sends it never renegotiates.
//
// Cost: the page's part (drawing and compositing) is timed per frame and the
// worker's inference per mask. Over the first seconds of each effect the
// output must keep up with the camera (at least MIN_FPS, or 90 % of a slower
// camera's rate); when it does not, the effect is dropped and onFallback
// says why.
import { createSegmenter } from './segmenter.js';
import { createFrameIo } from './frames.js';

const MIN_FPS = 24;
const CHECK_MS = 3000;     // how long the device gets to show it keeps up
const START_MS = 20000;    // how long the model may take to load
const STATS_FRAMES = 60;   // the frame-time average is over this many frames

function canvas2d(width = 1, height = 1, options = {}) {
  const c = document.createElement('canvas');
  c.width = width; c.height = height;
  return [c, c.getContext('2d', options)];
}

export function createProcessor({ onFallback }) {
  const [out, octx] = canvas2d(640, 360, { alpha: false });
  const [frame, fctx] = canvas2d(1, 1, { alpha: false });
  const [person, pctx] = canvas2d();
  const picture = document.createElement('canvas');
  let pictured = null;     // the image drawn on `picture`
  const [blur, bctx] = canvas2d();
  const [mask, mctx] = canvas2d();
  const [small, sctx] = canvas2d(1, 1, { willReadFrequently: true });
  const io = createFrameIo(out, onFrame);
  const output = io.output;
  let input = null;
  const segmenter = createSegmenter();
  let model = null, maskImage = null, maskBytes = null, masks = 0;
  let effect = { kind: 'none' }, image = null, running = false, closed = false;
  let check = null;        // {start, frames} while the first seconds are measured
  let measured = false;    // whether this activation's first seconds were
  let broken = null;       // the segmenter's error, if it could not start
  let activated = 0;       // when the effect was chosen
  const frameMs = [], segmentMs = [];
  let frames = 0;

  segmenter.ready.then((size) => {
    model = size;
    small.width = mask.width = size.width; small.height = mask.height = size.height;
    maskImage = new ImageData(size.width, size.height);
  }, (e) => { broken = e; fail('The background effect could not start: ' + e.message); });

  function fail(text) {
    if (!running) return;
    running = false; check = null;
    onFallback(text);
  }

  // The picture, cropped to cover the frame, drawn once a size.
  function pictureFor(w, h) {
    if (!image?.complete || !image.naturalWidth) return null;
    if (picture.width !== w || picture.height !== h || pictured !== image) {
      picture.width = w; picture.height = h; pictured = image;
      const s = Math.max(w / image.naturalWidth, h / image.naturalHeight);
      const iw = image.naturalWidth * s, ih = image.naturalHeight * s;
      picture.getContext('2d').drawImage(image, (w - iw) / 2, (h - ih) / 2, iw, ih);
    }
    return picture;
  }

  function drawBackground(w, h) {
    if (effect.kind === 'image') {
      const p = pictureFor(w, h);
      if (p) octx.drawImage(p, 0, 0);
      else { octx.fillStyle = '#202124'; octx.fillRect(0, 0, w, h); }  // the picture is still loading
    } else {
      const bw = Math.ceil(w / effect.scale), bh = Math.ceil(h / effect.scale);
      if (blur.width !== bw || blur.height !== bh) { blur.width = bw; blur.height = bh; }
      bctx.filter = 'none';
      bctx.drawImage(frame, 0, 0, bw, bh);
      bctx.filter = `blur(${effect.radius}px)`;
      bctx.drawImage(blur, 0, 0);  // over itself: the edges stay opaque
      octx.drawImage(blur, 0, 0, bw, bh, 0, 0, w, h);
    }
  }

  function segmentNext() {
    if (!model || segmenter.busy) return;
    sctx.drawImage(frame, 0, 0, model.width, model.height);
    segmenter.segment(sctx.getImageData(0, 0, model.width, model.height).data).then(({ mask: m, ms }) => {
      if (closed) return;
      const px = maskImage.data;
      for (let i = 0; i < m.length; i++) px[i * 4 + 3] = m[i];
      mctx.putImageData(maskImage, 0, 0);
      maskBytes = m; masks++;
      segmentMs.push(ms); if (segmentMs.length > STATS_FRAMES) segmentMs.shift();
    }, (e) => { if (!closed) fail('The background effect stopped: ' + e.message); });
  }

  function draw(source, w, h) {
    const start = performance.now();
    for (const c of [out, frame, person]) if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    fctx.drawImage(source, 0, 0, w, h);  // the camera frame converted once, the source of every step below
    segmentNext();
    drawBackground(w, h);
    if (maskBytes) {
      // The person: the mask (smoothly scaled up), then the frame inside it.
      pctx.globalCompositeOperation = 'copy';
      pctx.drawImage(mask, 0, 0, w, h);
      pctx.globalCompositeOperation = 'source-in';
      pctx.drawImage(frame, 0, 0);
      octx.drawImage(person, 0, 0);
    }
    frames++;
    frameMs.push(performance.now() - start); if (frameMs.length > STATS_FRAMES) frameMs.shift();
    if (!measured && !check && maskBytes) check = { start, frames };
    // Tests set globalThis.conveneEffectsMinFps to check the fallback (a
    // very high rate) or to keep a busy test machine from tripping it (0).
    const override = globalThis.conveneEffectsMinFps;
    if (!maskBytes && override !== 0 && start - activated > START_MS) return fail('The background effect was turned off: this device could not start it in time.');
    if (check && start - check.start >= CHECK_MS) {
      const fps = (frames - check.frames) * 1000 / (start - check.start);
      const cameraFps = input?.getSettings().frameRate || 30;
      check = null; measured = true;
      if (fps < (override ?? Math.min(MIN_FPS, 0.9 * cameraFps))) fail(`The background effect was turned off: this device could not keep up (${fps.toFixed(0)} frames a second).`);
    }
  }

  // A camera frame: drawn when an effect is on and the output is wanted.
  function onFrame(source, w, h) {
    if (closed || !running || !output.enabled || output.readyState !== 'live') { check = null; return false; }  // measured again once it draws
    try { draw(source, w, h); return true; } catch (e) { fail('The background effect stopped: ' + e.message); return false; }
  }

  const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0);
  return {
    output,
    get running() { return running; },
    setInput(track) {
      if (track === input) return;
      input = track;
      io.setInput(track);
    },
    // effect: backgrounds.js effectOf(); {kind: 'none'} pauses.
    setEffect(next) {
      effect = next;
      running = next.kind !== 'none';
      if (next.kind === 'image' && image?.src !== new URL(next.url, location.href).href) { image = new Image(); image.src = next.url; }
      check = null; measured = false;  // each effect costs its own: measured anew
      activated = performance.now();
      if (running && broken) fail('The background effect could not start: ' + broken.message);
    },
    // For the tests and the console: what processing costs here.
    stats() {
      return { width: out.width, height: out.height, frames, masks, frameMs: mean(frameMs), segmentMs: mean(segmentMs), running, effect: effect.kind };
    },
    // The latest person mask at the model's size (255 = person).
    mask() { return maskBytes && model ? { width: model.width, height: model.height, data: [...maskBytes] } : null; },
    close() { closed = true; running = false; segmenter.close(); io.close(); },
  };
}
