// `npm run build`: the client as the server serves it, in web/dist: the
// pages, styles, modules and pictures copied as they are, plus the vendored
// charting library (Chart.js's self-contained UMD build, pinned in
// package.json), hls.js for live streams and the background effects'
// segmentation model with its WebAssembly runtime, with their licences.
// Nothing is fetched from a CDN at run time.
import { cpSync, mkdirSync, rmSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));

export function build(out = join(web, 'dist')) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'vendor'), { recursive: true });
  for (const f of ['index.html', 'favicon.svg']) if (existsSync(join(web, f))) copyFileSync(join(web, f), join(out, f));
  for (const d of ['css', 'js']) cpSync(join(web, d), join(out, d), { recursive: true });
  cpSync(join(web, 'img'), join(out, 'img'), { recursive: true, filter: (f) => !f.endsWith('.mjs') });
  const chart = join(web, 'node_modules', 'chart.js');
  copyFileSync(join(chart, 'dist', 'chart.umd.min.js'), join(out, 'vendor', 'chart.umd.min.js'));
  copyFileSync(join(chart, 'LICENSE.md'), join(out, 'vendor', 'chart.js-LICENSE.md'));
  // hls.js plays the server's HLS egress (/live/:roomId/index.m3u8) in browsers without native HLS.
  const hls = join(web, 'node_modules', 'hls.js');
  copyFileSync(join(hls, 'dist', 'hls.min.js'), join(out, 'vendor', 'hls.min.js'));
  copyFileSync(join(hls, 'LICENSE'), join(out, 'vendor', 'hls.js-LICENSE'));
  // Background effects (js/effects/): MediaPipe's selfie-segmentation model
  // and the TFLite WebAssembly runtime (CPU) that @twilio/video-processors
  // ships; the rest of that package is not used.
  const tw = join(web, 'node_modules', '@twilio', 'video-processors');
  mkdirSync(join(out, 'vendor', 'segmentation'), { recursive: true });
  for (const f of ['selfie_segmentation_landscape.tflite', 'tflite-simd-1-0-0.js', 'tflite-simd-1-0-0.wasm', 'tflite-1-0-0.js', 'tflite-1-0-0.wasm'])
    copyFileSync(join(tw, 'dist', 'build', f), join(out, 'vendor', 'segmentation', f));
  copyFileSync(join(tw, 'LICENSE.md'), join(out, 'vendor', 'segmentation', 'LICENSE.md'));
  writeFileSync(join(out, 'vendor', 'segmentation', 'NOTICE'), 'selfie_segmentation_landscape.tflite: the MediaPipe Selfie Segmentation model (Google, Apache-2.0);\n' +
    'tflite-*.js/.wasm: TensorFlow Lite built for WebAssembly; both as shipped in @twilio/video-processors (LICENSE.md).\n');
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log('built ' + build());
