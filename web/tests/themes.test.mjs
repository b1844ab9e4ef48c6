// Call themes (#19): a theme chosen in the call's settings applies at once,
// is there again after a reload, and follows the person to another browser
// (another profile: nothing shared but the account), because the server keeps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, register, waitFor, exclusive, outputDir, watch } from './harness.mjs';

const shots = join(outputDir, 'screenshots');
const stageBackground = (page) => page.evaluate(() => getComputedStyle(document.querySelector('.stage')).backgroundImage);

test('a call theme persists across a reload and in another browser of the same person', { timeout: 120000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const a = await launchBrowser();
  let b = null;
  try {
    const page = await a.context.newPage();
    watch(page, 'first');
    await register(page, server.url, 'theo');
    await page.fill('#m-name', 'Themed');
    await page.selectOption('#m-type', 'ONE_TO_ONE');
    await page.click('form[aria-label="New meeting"] button[type=submit]');
    await page.waitForURL(/\/room\//);
    await page.waitForSelector('text=Connected');
    const roomUrl = page.url();
    assert.equal(await page.getAttribute('.call', 'data-call-theme'), 'plain');
    const plain = await stageBackground(page);

    // Chosen in settings: applied without a reload.
    await page.click('#btn-devices');
    // The dialog opens once the devices are listed (the camera may still be opening).
    await page.waitForSelector('#call-theme option', { state: 'attached' });
    assert.equal(await page.$$eval('#call-theme option', (o) => o.length), 11, 'eleven themes');
    const saved = page.waitForResponse((r) => r.url().endsWith('/users/me/preferences') && r.request().method() === 'PUT');
    await page.selectOption('#call-theme', 'aurora');
    assert.equal((await saved).status(), 200);
    await page.click('dialog.devices button[value=close]');
    assert.equal(await page.getAttribute('.call', 'data-call-theme'), 'aurora');
    assert.notEqual(await stageBackground(page), plain, 'the stage looks different');
    await page.screenshot({ path: join(shots, 'call-theme-aurora.png') });

    // A reload, with this browser's memory of it wiped: the server's answer.
    await page.evaluate(() => localStorage.removeItem('convene-call-theme'));
    await page.reload();
    await page.waitForSelector('text=Connected');
    await waitFor(async () => (await page.getAttribute('.call', 'data-call-theme')) === 'aurora', 'the theme after a reload');

    // Another browser, signed in as the same person.
    b = await launchBrowser();
    const other = await b.context.newPage();
    watch(other, 'second');
    await other.goto(server.url + '/login');
    await other.fill('#email', 'theo@example.test');
    await other.fill('#password', 'long-password-1');
    await other.click('button[type=submit]');
    await other.waitForSelector('text=New meeting');
    await other.goto(roomUrl);
    await other.waitForSelector('.call');
    await waitFor(async () => (await other.getAttribute('.call', 'data-call-theme')) === 'aurora', 'the theme in the other browser');
  } finally {
    await b?.close();
    await a.close();
    server.stop();
    release();
  }
});
