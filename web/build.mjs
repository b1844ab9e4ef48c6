// `npm run build`: the client as the server serves it, in web/dist: the
// pages, styles and modules copied as they are, plus the vendored charting
// library (Chart.js's self-contained UMD build, pinned in package.json) and
// hls.js for live streams, with their licences. Nothing is fetched from a CDN at run time.
import { cpSync, mkdirSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));

export function build(out = join(web, 'dist')) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'vendor'), { recursive: true });
  for (const f of ['index.html', 'favicon.svg']) if (existsSync(join(web, f))) copyFileSync(join(web, f), join(out, f));
  for (const d of ['css', 'js']) cpSync(join(web, d), join(out, d), { recursive: true });
  const chart = join(web, 'node_modules', 'chart.js');
  copyFileSync(join(chart, 'dist', 'chart.umd.min.js'), join(out, 'vendor', 'chart.umd.min.js'));
  copyFileSync(join(chart, 'LICENSE.md'), join(out, 'vendor', 'chart.js-LICENSE.md'));
  // hls.js plays the server's HLS egress (/live/:roomId/index.m3u8) in browsers without native HLS.
  const hls = join(web, 'node_modules', 'hls.js');
  copyFileSync(join(hls, 'dist', 'hls.min.js'), join(out, 'vendor', 'hls.min.js'));
  copyFileSync(join(hls, 'LICENSE'), join(out, 'vendor', 'hls.js-LICENSE'));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log('built ' + build());
