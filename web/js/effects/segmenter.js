// The page's side of segmenter-worker.js: one frame at a time to the
// worker, the person mask back.
export function createSegmenter() {
  const worker = new Worker('/js/effects/segmenter-worker.js');
  let pending = null, failed = null;
  let resolveReady, rejectReady;
  const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
  worker.onmessage = ({ data }) => {
    if (data.ready) return resolveReady(data.ready);
    if (data.error) {
      failed = new Error(data.error);
      rejectReady(failed);
      pending?.reject(failed); pending = null;
      return;
    }
    const p = pending; pending = null;
    p?.resolve({ mask: new Uint8Array(data.mask), pixels: new Uint8ClampedArray(data.pixels), ms: data.ms });
  };
  worker.onerror = (ev) => { ev.preventDefault(); failed = new Error(ev.message || 'the segmentation worker failed'); rejectReady(failed); pending?.reject(failed); pending = null; };
  return {
    ready,                          // resolves to {width, height}: the model's input size
    get busy() { return !!pending; },
    // pixels: Uint8ClampedArray RGBA at the model's size (its buffer is moved to the worker).
    segment(pixels) {
      if (failed) return Promise.reject(failed);
      if (pending) return Promise.reject(new Error('one frame at a time'));
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage({ pixels: pixels.buffer }, [pixels.buffer]);
      });
    },
    close() { worker.terminate(); pending?.reject(new Error('closed')); pending = null; },
  };
}
