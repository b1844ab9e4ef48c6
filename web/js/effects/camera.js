// The camera as others see it: the camera's own track, or, with a
// background effect on, the processor's output (processor.js), whose track
// stays the same across effects and camera switches. Used by the join
// page's preview and by the call.
import { createProcessor } from './processor.js';
import { effectOf } from './backgrounds.js';

// onFallback(text, track): the effect was dropped (the device could not keep
// up, or the model did not load); `track` (the camera's) is what to send now.
export function createCameraEffects({ onFallback }) {
  let camera = null, processor = null;
  const current = () => (processor?.running ? processor.output : camera);
  const effects = {
    // The camera changed (or is gone: null); returns the track to send.
    setCamera(track) {
      camera = track;
      processor?.setInput(track);
      return current();
    },
    // A choice from backgrounds.js; returns the track to send.
    setBackground(id) {
      const effect = effectOf(id);
      if (effect.kind !== 'none' && !processor) {
        processor = createProcessor({ onFallback: (text) => onFallback(text, camera) });
        processor.setInput(camera);
      }
      processor?.setEffect(effect);
      if (processor) globalThis.conveneEffects = processor;  // stats and mask, for the console and the tests
      return current();
    },
    get camera() { return camera; },
    get track() { return current(); },
    close() {
      processor?.close();
      if (globalThis.conveneEffects === processor) delete globalThis.conveneEffects;
      processor = null;
    },
  };
  return effects;
}
