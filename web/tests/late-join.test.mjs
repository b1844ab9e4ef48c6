// Issue #14 item 5: a person opening a room where two others are already
// talking, through the product's own call page and the server's SFU. The
// late joiner must decode both others' video and receive their audio; the
// test prints how long that took and the join's timeline from the browser's
// side (never asserted: the machine is shared). bench/README.md keeps the
// readings. The call page must take the join page's camera and microphone
// as they are (opened once). Then its WebSocket drops, and it must re-join
// without a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, register, remoteVideos, waitFor, exclusive, watch } from './harness.mjs';

// Runs in the late joiner's page before any of its scripts: logs, in ms since
// navigation start, each step of a join the page can see.
function timelineProbe() {
  const t = (what) => { (window.__joinTimeline ||= []).push([what, Math.round(performance.now())]); };
  const seen = new Set();
  const once = (what) => { if (!seen.has(what)) { seen.add(what); t(what); } };
  document.addEventListener('DOMContentLoaded', () => once('page loaded'));
  // When the click reaches the page (Playwright's own checks before it take time too).
  document.addEventListener('click', (ev) => { if (ev.target?.id === 'enter-room') once('Enter click reaches the page'); }, true);
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  let opens = 0;
  navigator.mediaDevices.getUserMedia = async (c) => {
    const n = window.__cameraOpens = ++opens;  // the join page's preview (the call page takes it over)
    t(`camera ${n} asked`); const s = await gum(c); t(`camera ${n} open`); return s;
  };
  const nativeFetch = window.fetch.bind(window);
  window.fetch = (url, ...rest) => {
    if (String(url).includes('/auth/ws-token')) t('ws-token asked');
    return nativeFetch(url, ...rest);
  };
  const NativeWS = window.WebSocket;
  window.WebSocket = class extends NativeWS {
    constructor(...a) {
      super(...a);
      window.__lastWebSocket = this;
      this.addEventListener('open', () => once('WebSocket open'));
      this.addEventListener('message', (ev) => { try { once('← ' + JSON.parse(ev.data).type); } catch { /* not JSON */ } });
    }
    send(d) { try { once('→ ' + JSON.parse(d).type); } catch { /* not JSON */ } super.send(d); }
  };
  const NativePC = window.RTCPeerConnection;
  let n = 0;
  window.RTCPeerConnection = class extends NativePC {
    constructor(...a) {
      super(...a);
      const id = ++n;
      this.addEventListener('connectionstatechange', () => { if (this.connectionState === 'connected') once(`connection ${id} connected`); });
    }
  };
}

// Per remote peer: first video frame decoded, first audio received (getStats).
async function inbound(page) {
  return page.evaluate(() => window.conveneStats?.() ?? null);
}

test('a late joiner sees and hears two people already talking (time printed)', { timeout: 150000 }, async () => {
  const release = await exclusive();
  const server = await startServer();
  const browsers = [];
  try {
    for (let i = 0; i < 3; ++i) browsers.push(await launchBrowser());
    const [host, guest, late] = await Promise.all(browsers.map((b) => b.context.newPage()));
    watch(host, 'host'); watch(guest, 'guest'); watch(late, 'late');
    await late.addInitScript(timelineProbe);
    for (const [p, n] of [[host, 'hana'], [guest, 'gus'], [late, 'lena']]) await register(p, server.url, n);

    await host.fill('#m-name', 'Stand-up');
    await host.selectOption('#m-type', 'GROUP');
    await host.click('form[aria-label="New meeting"] button[type=submit]');
    await host.waitForURL(/\/room\//);
    const invite = await host.evaluate(async () => (await fetch('/rooms/' + location.pathname.split('/').pop()).then((r) => r.json())).inviteCode);
    await guest.goto(server.url + '/join/' + invite);
    await guest.click('#enter-room');
    for (const p of [host, guest]) {
      await waitFor(async () => (await remoteVideos(p)).some((v) => v.source === 'camera' && v.frames > 0), 'the first two see each other', 40000);
    }

    // The late joiner opens the invite link, sees its own preview (as a
    // person does before clicking; the call page takes that camera over)
    // and enters.
    await late.goto(server.url + '/join/' + invite);
    await late.waitForSelector('#enter-room');
    await waitFor(() => late.evaluate(() => { const v = document.querySelector('video.preview'); return !!v && v.readyState >= 2 && v.videoWidth > 0; }),
      'the late joiner to see its preview', 30000);
    const entered = await late.evaluate(() => performance.now());
    await late.click('#enter-room');
    let seen = null;  // when both others' video was decoded and audio received
    await waitFor(async () => {
      const now = await late.evaluate(() => performance.now());
      const videos = (await remoteVideos(late)).filter((v) => v.source === 'camera' && v.frames > 0);
      const audio = ((await inbound(late)) || []).filter((s) => s.dir === 'in' && s.kind === 'audio' && s.packets > 0);
      seen ||= {};
      if (videos.length >= 2) seen.video ||= now;
      if (audio.length >= 2) seen.audio ||= now;
      return seen.video && seen.audio;
    }, 'the late joiner to decode both others and receive their audio', 40000).catch(async (e) => {
      console.log('late joiner stats: ' + JSON.stringify(await inbound(late)));
      throw e;
    });
    const timeline = await late.evaluate(() => window.__joinTimeline || []);
    console.log('join timeline of the late joiner (ms since its page opened):');
    for (const [what, ms] of timeline) console.log(`  ${String(ms).padStart(6)}  ${what}`);
    console.log(`  ${String(Math.round(entered)).padStart(6)}  clicked Enter`);
    console.log(`  ${String(Math.round(seen.video)).padStart(6)}  both others' video decoded`);
    console.log(`  ${String(Math.round(seen.audio)).padStart(6)}  both others' audio received`);
    console.log(`late joiner sees both others ${Math.round(seen.video - entered)} ms after clicking Enter, hears them after ${Math.round(seen.audio - entered)} ms`);
    assert.ok(seen.video > entered);
    // Its own camera, published once it opened, reaches the other two.
    const everyoneSeesEveryone = async (what) => {
      for (const p of [host, guest, late]) {
        await waitFor(async () => (await remoteVideos(p)).filter((v) => v.source === 'camera' && v.frames > 0).length >= 2, what, 40000);
      }
    };
    await everyoneSeesEveryone('the others to see the late joiner');
    assert.equal(await late.evaluate(() => window.__cameraOpens), 1,
      'the call page sends the camera the join page opened, without opening it again');

    // Its WebSocket drops (the network, not the person): the page says so,
    // joins again without a reload, with new media connections, and the
    // three see each other again.
    await late.evaluate(() => { window.__lastWebSocket.dropped = true; window.__lastWebSocket.close(4000, 'test drop'); });
    await late.waitForSelector('text=Connection lost');
    await waitFor(() => late.evaluate(() => !window.__lastWebSocket.dropped && window.__lastWebSocket.readyState === 1), 'a new WebSocket', 20000);
    await everyoneSeesEveryone('everyone to see everyone after the late joiner re-joined');
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    server.stop();
  }
});
