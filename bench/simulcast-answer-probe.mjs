// Real simulcast into webrtcbin 1.22 with an answer completed by hand (issue
// #15 section 1). A probe, not a test: a headless Chromium publishes its
// camera as one transceiver with three encodings (rids q/h/f); its offer goes
// to build/bench/simulcast-answer-probe (a bare webrtcbin), whose answer gets
// a=rid:<id> recv, a=simulcast:recv and the rid extmaps added with
// GstSDPMessage; the script prints what Chromium then sends per rid and what
// reached the webrtcbin (SSRCs, src pads, RID extensions).
// Run from the worktree, after ninja, in a namespace with only lo:
//   scripts/lib/netns-run node bench/simulcast-answer-probe.mjs [--twcc]
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repo, 'web', 'package.json'));
require('playwright-core');
const { launchBrowser } = await import(join(repo, 'web', 'tests', 'harness.mjs'));

// getUserMedia needs a secure context: an empty page from 127.0.0.1.
const http = createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end('<!doctype html><title>probe</title>'); });
await new Promise((r) => http.listen(0, '127.0.0.1', r));
const browser = await launchBrowser();
const probe = spawn(join(repo, 'build', 'bench', 'simulcast-answer-probe'), ['8', ...process.argv.slice(2)], { stdio: ['pipe', 'pipe', 'inherit'] });
let out = '';
probe.stdout.on('data', (d) => { out += d; });
const section = (name) => { const m = new RegExp(`${name}-BEGIN\\n([\\s\\S]*?)${name}-END`).exec(out); return m ? m[1] : null; };
try {
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${http.address().port}/`);
  const offer = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
    const pc = new RTCPeerConnection();
    window.pc = pc;
    window.t = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', sendEncodings: [
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 100000 },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 300000 },
      { rid: 'f', maxBitrate: 900000 }] });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
    return pc.localDescription.sdp;
  });
  probe.stdin.end(offer);
  for (let i = 0; i < 100 && !section('ANSWER'); i++) await new Promise((r) => setTimeout(r, 100));
  const answer = section('ANSWER');
  if (!answer) throw new Error('no answer from the probe:\n' + out);
  const simulcastLines = (sdp) => sdp.split(/\r?\n/).filter((l) => /^a=(simulcast|rid|extmap:\d+ urn:ietf:params:rtp-hdrext:sdes|extmap:\d+ \S+transport-wide|rtcp-fb:\d+ transport-cc)/.test(l));
  console.log('offer  :', simulcastLines(offer));
  console.log('webrtcbin answer:', simulcastLines(section('BEFORE')));
  console.log('answer sent     :', simulcastLines(answer));
  const result = await page.evaluate(async (sdp) => {
    let remoteError = null;
    try { await window.pc.setRemoteDescription({ type: 'answer', sdp: sdp.replace(/\r?\n/g, '\r\n') }); } catch (e) { remoteError = String(e); }
    await new Promise((r) => setTimeout(r, 6000));
    const outbound = [];
    (await window.pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') outbound.push({ rid: s.rid, ssrc: s.ssrc, packetsSent: s.packetsSent, frameWidth: s.frameWidth, active: s.active, qualityLimitationReason: s.qualityLimitationReason }); });
    return { remoteError, connection: window.pc.connectionState, encodings: window.t.sender.getParameters().encodings.map((e) => ({ rid: e.rid, active: e.active })), outbound };
  }, answer);
  console.log('chromium:', JSON.stringify(result, null, 2));
  await new Promise((r) => probe.on('exit', r));
  console.log(out.split('\n').filter((l) => l.startsWith('REPORT')).join('\n'));
} finally {
  probe.kill();
  await browser.close();
  http.close();
}
