// Shared by the browser tests: a real `convene serve` on loopback and
// Debian's Chromium with fake camera and microphone.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function startServer(env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-web-'));
  const binary = process.env.CONVENE_BINARY || join(repo, 'build', 'src', 'convene');
  const proc = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, CONVENE_AUTH_CAPTCHA: 'false', CONVENE_RATELIMIT_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => { const m = /listening on (\S+)/.exec(String(d)); if (m) resolve(m[1]); });
    proc.on('exit', (code) => reject(new Error(`convene exited (${code}):\n${log}`)));
  });
  return { url, stop: () => { proc.kill('SIGTERM'); rmSync(dataDir, { recursive: true, force: true }); }, log: () => log };
}

export async function launchBrowser() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'convene-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1100, height: 760 },
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-sandbox', '--disable-gpu',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });
  return { context, close: async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); } };
}

export async function register(page, url, name) {
  await page.goto(url + '/register');
  await page.fill('#email', `${name}@example.test`);
  await page.fill('#username', name);
  await page.fill('#password', 'long-password-1');
  await page.click('button[type=submit]');
  await page.waitForSelector('text=New meeting');
}

// Frames decoded by the first remote <video> so far (0 when there is none).
export async function remoteFrames(page) {
  return page.evaluate(() => {
    const v = [...document.querySelectorAll('.tile')].find((t) => t.dataset.peer !== 'self')?.querySelector('video');
    if (!v || !v.videoWidth) return 0;
    return v.getVideoPlaybackQuality().totalVideoFrames;
  });
}
