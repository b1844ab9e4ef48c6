// Shared by the browser tests: a real `convene serve` on loopback and
// Debian's Chromium with fake camera and microphone.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from '../build.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The client under test is this worktree's, freshly built into a directory
// of this test process (never web/dist, which another test file running in
// parallel may be serving), whichever source tree the binary was built from.
const staticDir = build(mkdtempSync(join(tmpdir(), 'convene-web-dist-')));
process.on('exit', () => rmSync(staticDir, { recursive: true, force: true }));
export const outputDir = join(repo, 'web', 'tests', 'output');
mkdirSync(join(outputDir, 'screenshots'), { recursive: true });

// At most one browser test file holds browsers at a time (each uses <= 3
// Chromium instances), even when node --test runs files in parallel.
export async function exclusive() {
  const lock = join(tmpdir(), 'convene-web-tests.lock');
  for (;;) {
    try { mkdirSync(lock); writeFileSync(join(lock, 'pid'), String(process.pid)); break; } catch {
      let pid = 0;
      try { pid = +readFileSync(join(lock, 'pid'), 'utf8'); } catch { /* being created */ }
      if (pid === process.pid) break;  // ours, left by a test of this file that failed early
      let alive = true;
      if (pid) { try { process.kill(pid, 0); } catch { alive = false; } }
      if (!alive) { rmSync(lock, { recursive: true, force: true }); continue; }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return () => rmSync(lock, { recursive: true, force: true });
}

export async function waitFor(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startServer(env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-web-'));
  const binary = process.env.CONVENE_BINARY || join(repo, 'build', 'src', 'convene');
  const proc = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, CONVENE_SERVER_STATIC_DIR: staticDir, CONVENE_MEDIA_ICE_ADDRESSES: '127.0.0.1', CONVENE_AUTH_CAPTCHA: 'false', CONVENE_RATELIMIT_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server's log, its last 4 MB (a failure prints it; GST_DEBUG may make it long).
  let log = '';
  proc.stderr.on('data', (d) => { log += d; if (log.length > 8 << 20) log = log.slice(-(4 << 20)); });
  const url = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => { const m = /listening on (\S+)/.exec(String(d)); if (m) resolve(m[1]); });
    proc.on('exit', (code) => reject(new Error(`convene exited (${code}):\n${log}`)));
  });
  return { url, dataDir, pid: proc.pid, stop: () => { proc.kill('SIGTERM'); rmSync(dataDir, { recursive: true, force: true }); }, log: () => log };
}

// args: more Chromium switches (e.g. a camera file: --use-file-for-fake-video-capture=x.y4m).
export async function launchBrowser({ viewport = { width: 1100, height: 760 }, args = [] } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'convene-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport,
    args: ['--use-fake-device-for-media-stream=device-count=3', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--allow-loopback-in-peer-connection', '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows', '--disable-features=WebRtcHideLocalIpsWithMdns', ...args],
  });
  // 360p cameras (the client's "Standard" quality): three browsers decoding
  // each other on two shared cores stay responsive.
  await context.addInitScript(() => { if (!localStorage.getItem('convene-devices')) localStorage.setItem('convene-devices', JSON.stringify({ quality: 'standard' })); });
  return { context, close: async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); } };
}

export async function register(page, url, name) {
  await page.goto(url + '/register');
  await page.fill('#email', `${name}@example.test`);
  await page.fill('#username', name);
  await page.fill('#password', 'long-password-1');
  const answered = page.waitForResponse((r) => r.url().endsWith('/auth/register'), { timeout: 30000 });
  answered.catch(() => {});  // awaited below; a click that throws must not leave it unhandled
  await page.click('button[type=submit]');
  // A registration that fails says how (status, body, what the page shows),
  // not only that the dashboard never came.
  let res;
  try { res = await answered; } catch (e) {
    throw new Error(`register ${name}: no answer to POST /auth/register within 30 s (page at ${page.url()}): ${e.message}`);
  }
  if (res.status() !== 201) {
    throw new Error(`register ${name}: POST /auth/register answered ${res.status()} ${await res.text().catch(() => '')}`);
  }
  try {
    await page.waitForSelector('text=New meeting');
  } catch (e) {
    const shown = await page.evaluate(() => document.querySelector('main')?.innerText.slice(0, 300)).catch(() => '?');
    throw new Error(`register ${name}: registered, but no dashboard (page at ${page.url()}, showing: ${JSON.stringify(shown)}): ${e.message}`);
  }
}

// Frames decoded by the first remote camera <video> so far (0 when there is none).
export async function remoteFrames(page, source = 'camera') {
  return page.evaluate((source) => {
    const v = document.querySelector(`.tile:not([data-peer="self"])[data-source="${source}"] video`);
    if (!v || !v.videoWidth) return 0;
    return v.getVideoPlaybackQuality().totalVideoFrames;
  }, source);
}

// Every remote video tile: {peer, source, width, frames}.
export async function remoteVideos(page) {
  return page.evaluate(() => [...document.querySelectorAll('.tile:not([data-peer="self"])')].map((t) => {
    const v = t.querySelector('video');
    return { peer: t.dataset.peer, source: t.dataset.source, width: v.videoWidth, frames: v.videoWidth ? v.getVideoPlaybackQuality().totalVideoFrames : 0 };
  }));
}

// Registers through the REST API (no browser): {email, password, username}.
export async function registerApi(url, name) {
  const body = { email: `${name}@example.test`, username: name, password: 'long-password-1' };
  const res = await fetch(url + '/auth/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error('register ' + name + ': ' + res.status + ' ' + await res.text());
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { ...body, cookie, call: (method, path, b) => fetch(url + path, { method, headers: { cookie, 'Content-Type': 'application/json' }, body: b ? JSON.stringify(b) : undefined }) };
}

// Logs what a page says on its console and every uncaught error (test debugging).
export function watch(page, name) {
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  const trace = !!process.env.CONVENE_TEST_TRACE;  // every console line and WebSocket message type
  page.on('console', (m) => { if (trace || m.type() === 'error' || m.type() === 'warning') console.log(`[${name}] ${m.type()}: ${m.text()}`); });
  if (trace) {
    page.on('websocket', (ws) => {
      const type = (p) => { try { const m = JSON.parse(p); return m.type + (m.code ? ' ' + m.code + ': ' + m.message : '') + (m.tracks ? ' ' + JSON.stringify(m.tracks) : ''); } catch { return '?'; } };
      ws.on('framesent', (f) => console.log(`[${name}] ws > ${process.env.CONVENE_TEST_TRACE === 'sdp' && /"sdp"/.test(f.payload) ? f.payload : type(f.payload)}`));
      ws.on('framereceived', (f) => console.log(`[${name}] ws < ${process.env.CONVENE_TEST_TRACE === 'sdp' && /"sdp"/.test(f.payload) ? f.payload : type(f.payload)}`));
    });
  }
}
