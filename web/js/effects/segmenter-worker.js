// Runs the selfie-segmentation model off the page's thread: MediaPipe's
// landscape selfie model (256×144 in, one person-probability a pixel out)
// on the TFLite WebAssembly build that @twilio/video-processors ships,
// vendored by build.mjs into /vendor/segmentation/. It runs on the CPU
// (XNNPACK), so it works the same on machines without a GPU.
// Messages in: {pixels: ArrayBuffer, RGBA at the model's size}; out: first
// {ready: {width, height}} or {error}, then per frame {mask: ArrayBuffer,
// one byte a pixel, 0 = background, 255 = person; pixels (given back); ms:
// inference time}.
/* eslint-env worker */
const BASE = '/vendor/segmentation/';
// A WebAssembly module using one SIMD instruction (as wasm-feature-detect tests it).
const SIMD = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]));

const LOW = 0.3, HIGH = 0.7;

let tflite = null;

async function load() {
  importScripts(BASE + (SIMD ? 'tflite-simd-1-0-0.js' : 'tflite-1-0-0.js'));
  const create = SIMD ? self.createTwilioTFLiteSIMDModule : self.createTwilioTFLiteModule;
  const [module, model] = await Promise.all([
    create({ locateFile: (file) => BASE + file }),
    fetch(BASE + 'selfie_segmentation_landscape.tflite').then((r) => {
      if (!r.ok) throw new Error(`the segmentation model could not be loaded (HTTP ${r.status})`);
      return r.arrayBuffer();
    }),
  ]);
  module.HEAPU8.set(new Uint8Array(model), module._getModelBufferMemoryOffset());
  module._loadModel(model.byteLength);
  if (module._getInputWidth() <= 0 || module._getOutputChannelCount() !== 1) throw new Error('the segmentation model is not the one expected');
  tflite = module;
  return { width: module._getInputWidth(), height: module._getInputHeight() };
}

function segment(pixels) {
  const start = performance.now();
  const n = tflite._getInputWidth() * tflite._getInputHeight();
  const heap = tflite.HEAPF32;
  const input = tflite._getInputMemoryOffset() / 4, output = tflite._getOutputMemoryOffset() / 4;
  for (let i = 0; i < n; i++) {
    heap[input + i * 3] = pixels[i * 4] / 255;
    heap[input + i * 3 + 1] = pixels[i * 4 + 1] / 255;
    heap[input + i * 3 + 2] = pixels[i * 4 + 2] / 255;
  }
  tflite._runInference();
  // The model's probabilities stretched: below LOW is background for sure,
  // above HIGH the person; what the model is unsure about stays a blend
  // (fewer half-transparent patches, softer edges kept).
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = Math.round(Math.min(1, Math.max(0, (heap[output + i] - LOW) / (HIGH - LOW))) * 255);
  return { mask, ms: performance.now() - start };
}

load().then((ready) => postMessage({ ready }), (e) => postMessage({ error: String(e?.message || e) }));

onmessage = (ev) => {
  const pixels = new Uint8ClampedArray(ev.data.pixels);
  try {
    const { mask, ms } = segment(pixels);
    postMessage({ mask: mask.buffer, pixels: pixels.buffer, ms }, [mask.buffer, pixels.buffer]);
  } catch (e) {
    postMessage({ error: String(e?.message || e) });
  }
};
