// Browser publishers through the call page and the server's SFU: the server's
// CPU per forwarded stream when the publishers are Chromium (what users run),
// beside sfu-bench's webrtcbin clients. Not a test: it prints figures.
// N Chromium instances (default 2) join one GROUP room through the product's
// pages; once every page plays the others' video, the server's CPU time is
// read from /proc over the window (default 20 s).
// The server's pid is printed first, so a profiler can attach meanwhile.
// Run in a namespace with only lo, from the repository:
//   scripts/lib/netns-run node bench/browser-room.mjs [people] [seconds]
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { startServer, launchBrowser, register, remoteVideos, waitFor } = await import(join(repo, 'web', 'tests', 'harness.mjs'));

const people = Number(process.argv[2] || 2);
const seconds = Number(process.argv[3] || 20);
const ticks = 100;  // USER_HZ on Linux
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;  // utime + stime
};

const server = await startServer();
const browsers = [];
try {
  for (let i = 0; i < people; ++i) browsers.push(await launchBrowser());
  const pages = await Promise.all(browsers.map((b) => b.context.newPage()));
  for (const [i, p] of pages.entries()) await register(p, server.url, `person${i}`);
  const [host, ...guests] = pages;
  await host.fill('#m-name', 'Browser room');
  await host.selectOption('#m-type', 'GROUP');
  await host.click('form[aria-label="New meeting"] button[type=submit]');
  await host.waitForURL(/\/room\//);
  const invite = await host.evaluate(async () => (await fetch('/rooms/' + location.pathname.split('/').pop()).then((r) => r.json())).inviteCode);
  for (const g of guests) {
    await g.goto(server.url + '/join/' + invite);
    await g.click('#enter-room');
    await g.waitForURL(/\/room\//);
  }
  for (const [i, p] of pages.entries()) {
    await waitFor(async () => (await remoteVideos(p)).filter((v) => v.source === 'camera' && v.frames > 0).length >= people - 1,
      `page ${i} plays ${people - 1} remote videos`, 60000);
  }
  await new Promise((r) => setTimeout(r, 3000));  // past the joins' key frames and ramp-up
  const frames = async () => Promise.all(pages.map(async (p) => (await remoteVideos(p)).reduce((n, v) => n + v.frames, 0)));
  console.log(`server pid ${server.pid}; measuring ${seconds} s`);
  const cpu0 = cpuSeconds(server.pid);
  const f0 = await frames();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = cpuSeconds(server.pid) - cpu0;
  const wall = (Date.now() - t0) / 1000;
  const f1 = await frames();
  const streams = people * (people - 1) * 2;  // each person's camera and microphone to each other
  const fps = f1.map((f, i) => (f - f0[i]) / wall / (people - 1));
  console.log(`people ${people}, window ${wall.toFixed(1)} s, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  console.log(`server CPU ${(100 * cpu / wall).toFixed(2)} % of a core; per forwarded stream ${(100 * cpu / wall / streams).toFixed(3)} % (${streams} streams)`);
  console.log(`decoded remote video frames per second, per page: ${fps.map((f) => f.toFixed(1)).join(', ')}`);
} finally {
  for (const b of browsers) await b.close().catch(() => {});
  server.stop();
}
