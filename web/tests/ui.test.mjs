// The client around the call, in one Chromium: the dashboard's charts, the
// join page, readable messages for every failure (camera denied, room full,
// room ended, unknown invite, recording not available, connection lost,
// server unreachable), labelled keyboard-reachable controls, themes, and a
// 375 px wide phone layout without sideways scrolling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, register, registerApi, waitFor, exclusive, outputDir, watch } from './harness.mjs';

const shots = join(outputDir, 'screenshots');

// Controls on the page without an accessible name (text, aria-label, label).
const unlabelled = (page) => page.evaluate(() => [...document.querySelectorAll('button, select, input, textarea, a[href], [role=tab]')]
  .filter((e) => !e.closest('[hidden]') && e.type !== 'hidden' && !e.classList.contains('visually-hidden'))
  .filter((e) => !(e.getAttribute('aria-label') || e.textContent.trim() || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e.closest('label') || e.getAttribute('aria-labelledby')))
  .map((e) => e.outerHTML.slice(0, 80)));
const overflowsX = (page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

test('dashboard, join page, errors, accessibility, themes and the phone layout', { timeout: 180000 }, async () => {
  const release = await exclusive();
  let server = await startServer();
  const b = await launchBrowser();
  try {
    const page = await b.context.newPage();
    watch(page, 'ui');
    await register(page, server.url, 'uma');

    // Dashboard analytics drawn by the vendored Chart.js.
    await page.waitForSelector('#chart-daily');
    assert.equal(await page.evaluate(() => typeof window.Chart), 'function', 'Chart.js loaded from /vendor');
    assert.ok(await page.evaluate(() => !!window.Chart.getChart('chart-daily') && !!window.Chart.getChart('chart-types')));
    assert.deepEqual(await unlabelled(page), []);
    await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });

    // The same dashboard with a month of sample analytics (for the README).
    await page.route('**/rooms/stats', (route) => {
      const daily = Array.from({ length: 30 }, (_, i) => {
        const d = new Date(Date.now() - (29 - i) * 86400000);
        const weekday = d.getUTCDay() % 6 !== 0;
        const meetings = weekday ? 1 + ((i * 7) % 4) : (i % 3 === 0 ? 1 : 0);
        return { date: d.toISOString().slice(0, 10), meetings, minutes: meetings * (20 + ((i * 13) % 35)) };
      });
      const totalMinutes = daily.reduce((a, d) => a + d.minutes, 0), totalMeetings = daily.reduce((a, d) => a + d.meetings, 0);
      route.fulfill({ json: { totalMeetings, totalMinutes, averageMinutes: Math.round(totalMinutes / totalMeetings * 10) / 10, hostedCount: 31,
        byType: { ONE_TO_ONE: 18, GROUP: 37, VIRTUAL_ROOM: 6 }, daily, history: [] } });
    });
    await page.reload();
    await page.waitForSelector('#chart-daily');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'dashboard-sample.png'), fullPage: true });

    // Themes: dark on request, and back to the system's.
    await page.selectOption('select[aria-label="Colour theme"]', 'dark');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    await page.screenshot({ path: join(shots, 'dashboard-dark.png'), fullPage: true });
    await page.unroute('**/rooms/stats');
    await page.selectOption('select[aria-label="Colour theme"]', 'system');
    assert.equal(await page.getAttribute('html', 'data-theme'), null);

    // Phone width: the dashboard fits.
    await page.setViewportSize({ width: 375, height: 740 });
    await page.waitForTimeout(300);
    assert.equal(await overflowsX(page), false, 'dashboard fits 375 px');
    await page.screenshot({ path: join(shots, 'dashboard-375.png'), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 760 });

    // Schedule a meeting: the share dialog opens and it is listed.
    const soon = new Date(Date.now() + 3 * 86400000);
    const local = new Date(soon.getTime() - soon.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    await page.fill('#m-name', 'Planning');
    await page.fill('#m-when', local);
    await page.click('form[aria-label="New meeting"] button[type=submit]');
    await page.waitForSelector('dialog.share[open]');
    assert.match(await page.inputValue('#share-link'), /\/join\//);
    await page.keyboard.press('Escape');
    await page.waitForSelector('li:has-text("Planning")');

    // Sign out and in again.
    await page.click('text=Sign out');
    await page.waitForURL(/\/login$/);
    await page.fill('#email', 'uma@example.test');
    await page.fill('#password', 'long-password-1');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=New meeting');

    // Unknown invite code.
    await page.goto(server.url + '/join/no-such-code');
    await page.waitForSelector('text=No meeting matches this link');

    // Room full: a 1:1 room whose second seat another person took.
    const other = await registerApi(server.url, 'otto');
    const third = await registerApi(server.url, 'thea');
    const pair = await (await other.call('POST', '/rooms', { name: 'Pair', type: 'ONE_TO_ONE' })).json();
    assert.equal((await third.call('POST', '/rooms/join/' + pair.inviteCode)).status, 200);
    await page.goto(server.url + '/join/' + pair.inviteCode);
    await page.waitForSelector('text=This meeting is full');

    // Room ended.
    const done = await (await other.call('POST', '/rooms', { name: 'Over', type: 'GROUP' })).json();
    await other.call('POST', `/rooms/${done.id}/end`);
    await page.goto(server.url + '/join/' + done.inviteCode);
    await page.waitForSelector('h2:has-text("This meeting has ended")');

    // The join page of a live room: preview, device pickers, all labelled.
    const live = await (await other.call('POST', '/rooms', { name: 'Design review', type: 'GROUP' })).json();
    await page.goto(server.url + '/join/' + live.inviteCode);
    await page.waitForSelector('#enter-room');
    await waitFor(() => page.evaluate(() => document.querySelector('video.preview')?.videoWidth > 0), 'the camera preview');
    assert.ok(await page.$$eval('#camera-select option', (o) => o.length) >= 1);
    assert.deepEqual(await unlabelled(page), []);
    await page.screenshot({ path: join(shots, 'join.png') });
    await page.setViewportSize({ width: 375, height: 740 });
    assert.equal(await overflowsX(page), false, 'join page fits 375 px');
    await page.setViewportSize({ width: 1100, height: 760 });
    await page.click('#enter-room');
    await page.waitForURL(/\/room\//);
    await page.waitForSelector('text=Connected');

    // The call page: labelled, keyboard-reachable controls.
    assert.deepEqual(await unlabelled(page), []);
    await page.focus('#btn-mic');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#btn-mic', 'aria-pressed'), 'true', 'Enter on the focused mute button mutes');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'btn-cam', 'Tab moves along the toolbar');
    await page.focus('#btn-mic');
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('#btn-mic', 'aria-pressed'), 'false');
    await page.focus('#btn-react');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'React 👍', 'the reactions open with the keyboard');
    await page.keyboard.press('Escape');
    assert.equal(await page.isHidden('.reaction-menu'), true);
    await page.focus('#tabbtn-chat');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tabbtn-people', 'aria-selected'), 'true', 'arrow keys move between the panel tabs');

    // Call themes.
    await page.click('#btn-devices');
    assert.deepEqual(await unlabelled(page), []);
    await page.selectOption('#call-theme', 'midnight');
    await page.click('dialog.devices button[value=close]');
    assert.equal(await page.getAttribute('.call', 'data-call-theme'), 'midnight');
    await page.screenshot({ path: join(shots, 'call-midnight.png') });

    // Phone width: the call fits.
    await page.setViewportSize({ width: 375, height: 740 });
    await page.waitForTimeout(300);
    assert.equal(await overflowsX(page), false, 'call page fits 375 px');
    // The whiteboard open on the desktop closes on a phone: nothing covers the controls.
    assert.equal(await page.evaluate(() => { const b = document.querySelector('#btn-leave').getBoundingClientRect(); return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2)?.closest('#btn-leave') !== null; }), true, 'Leave is reachable at 375 px');
    await page.screenshot({ path: join(shots, 'call-375.png'), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 760 });
    await page.click('#btn-devices');
    await page.selectOption('#call-theme', 'plain');
    await page.click('dialog.devices button[value=close]');

    // Recording where the server has no recording API yet: a readable answer.
    await page.click('#tabbtn-recordings');
    await page.waitForSelector('#tab-recordings :is(.error, ul, p.muted:not(:has-text("Loading")))');
    const rec = await page.textContent('#tab-recordings');
    assert.match(rec, /not available on this server yet|No recordings|Download/);

    // Connection lost, then the server unreachable.
    server.stop();
    await page.waitForSelector('text=/Connection lost|server is restarting/');
    await page.screenshot({ path: join(shots, 'connection-lost.png') });
    await page.click('a.brand');
    await page.waitForSelector('text=The server cannot be reached');
    await page.screenshot({ path: join(shots, 'unreachable.png') });
    server = null;
  } finally {
    await b.close();
    server?.stop();
    release();
  }
});

test('camera denied: the call still opens and says what to do', { timeout: 120000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const b = await launchBrowser();
  try {
    const page = await b.context.newPage();
    watch(page, 'denied');
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = async () => { throw new DOMException('Permission denied', 'NotAllowedError'); };
    });
    await register(page, server.url, 'dora');
    await page.fill('#m-name', 'No camera');
    await page.click('form[aria-label="New meeting"] button[type=submit]');
    await page.waitForURL(/\/room\//);
    await page.waitForSelector('.notice:has-text("denied")');
    await page.waitForSelector('text=Connected');
    assert.equal(await page.isDisabled('#btn-mic'), true, 'no microphone to mute');
    await page.fill('input[aria-label=Message]', 'chat still works');
    await page.click('form.chat-form button[type=submit]');
    await page.waitForSelector('text=chat still works');
    await page.screenshot({ path: join(shots, 'camera-denied.png') });

    // Recording with the server's own recording API (#6): everyone is told,
    // the indicator shows, stopping hides it, and the recording is listed.
    await page.click('#btn-record');
    await waitFor(async () => /being recorded/.test((await page.textContent('#toast')) || ''), 'the recording-started message');
    await page.waitForSelector('.rec-indicator:visible');
    await page.click('#btn-record');
    await page.waitForSelector('.rec-indicator', { state: 'hidden' });
    await page.click('#tabbtn-recordings');
    await page.waitForSelector('#tab-recordings li, #tab-recordings tr, #tab-recordings a', { timeout: 15000 });
    await page.click('#tabbtn-chat');

    // The same controls against a mocked API, to check how a finished
    // recording is listed (duration, size, download link).
    const rec = { id: 'rec-1', roomId: 'x', filename: 'weekly.webm', status: 'RECORDING', durationMs: 0, fileSize: 0, startedAt: new Date().toISOString() };
    await page.route(/\/rooms\/[^/]+\/recordings(\/rec-1\/stop)?$/, (route) => {
      const r = route.request();
      if (r.method() === 'POST' && r.url().endsWith('/stop')) return route.fulfill({ json: { ...rec, status: 'PROCESSING' } });
      if (r.method() === 'POST') return route.fulfill({ status: 201, json: rec });
      return route.fulfill({ json: { recordings: [{ ...rec, status: 'READY', durationMs: 754000, fileSize: 48_300_000 }] } });
    });
    await page.click('#btn-record');
    await page.waitForSelector('.rec-indicator:visible');
    assert.equal(await page.textContent('#btn-record'), 'Stop recording');
    await page.click('#btn-record');
    await page.waitForSelector('.rec-indicator', { state: 'hidden' });
    await page.click('#tabbtn-recordings');
    await page.waitForSelector('#tab-recordings a:has-text("Download")');
    assert.equal(await page.getAttribute('#tab-recordings a', 'href'), '/recordings/rec-1/file');
    assert.match(await page.textContent('#tab-recordings'), /12:34 · 48\.3 MB/);
  } finally {
    await b.close();
    server.stop();
    release();
  }
});

test('served unbuilt (web/ without dist): the client works, with plain bars instead of charts', { timeout: 60000 }, async () => {
  const release = await exclusive();
  const server = await startServer({ CONVENE_SERVER_STATIC_DIR: new URL('..', import.meta.url).pathname });
  const b = await launchBrowser();
  try {
    const page = await b.context.newPage();
    watch(page, 'unbuilt');
    await register(page, server.url, 'una');
    await page.waitForSelector('.bars[role=img]');
    assert.equal(await page.evaluate(() => typeof window.Chart), 'undefined');
  } finally {
    await b.close();
    server.stop();
    release();
  }
});

test('a signed-out visit to / logs no error in the console (the sign-in probe answers 200 for nobody)', { timeout: 60000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const b = await launchBrowser();
  try {
    const page = await b.context.newPage();
    watch(page, 'signed-out');
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    const failed = [];
    page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
    await page.goto(server.url + '/');
    await page.waitForSelector('#email');  // sent on to the sign-in page
    await page.waitForLoadState('networkidle');
    assert.deepEqual(errors, [], 'console errors on a signed-out load of /');
    assert.deepEqual(failed, [], 'failed requests on a signed-out load of /');
  } finally {
    await b.close();
    server.stop();
    release();
  }
});
