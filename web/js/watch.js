// The "Watch live" page (/watch/:roomId?view=<token>): a view link plays the
// room's composite over WebRTC (WHEP: a plain receive-only RTCPeerConnection
// and one fetch, no signaling socket), with sub-second delay. When WebRTC
// cannot work here (the POST fails, the connection fails, or no picture
// comes), it falls back to the room's HLS stream through hls.js, which is
// seconds behind but goes wherever HTTP goes.
import { el } from './ui.js';

const NO_PICTURE_MS = 10000;  // WebRTC connected but nothing decoded by then: fall back

function loadScript(src) {
  return new Promise((resolve, reject) => {
    if (document.querySelector(`script[src="${src}"]`)) return resolve();
    const s = el('script', { src });
    s.onload = resolve;
    s.onerror = () => reject(new Error(src + ' could not be loaded'));
    document.head.append(s);
  });
}

// Non-trickle WHEP: the offer goes out with every candidate in it.
function gathered(pc, maxMs = 3000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === 'complete') { pc.removeEventListener('icegatheringstatechange', done); resolve(); } };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, maxMs);
  });
}

export async function renderWatch(roomId, viewToken) {
  const main = document.getElementById('main');
  const video = el('video', { id: 'watch-video', autoplay: true, playsinline: true, controls: true, muted: true });
  video.muted = true;  // browsers play without a click only when muted
  const status = el('p', { class: 'muted', role: 'status', id: 'watch-status' }, 'Connecting…');
  const sound = el('button', { onclick: () => { video.muted = false; sound.hidden = true; } }, 'Sound on');
  main.replaceChildren(el('section', { class: 'card watch', 'aria-label': 'Watch live' },
    el('h2', {}, 'Watch live'), video, el('div', { class: 'row' }, status, sound)));
  const query = viewToken ? '?view=' + encodeURIComponent(viewToken) : '';
  const state = { mode: 'connecting', pc: null, hls: null, session: null, closed: false };
  window.conveneWatch = state;  // for tests and the curious: which way it plays

  const say = (text) => { status.textContent = text; };

  async function playHls(reason) {
    if (state.closed || state.mode === 'hls') return;
    if (state.pc) { state.pc.close(); state.pc = null; }
    stopSession();
    state.mode = 'hls';
    state.fallbackReason = reason;
    say('Live (HLS, a few seconds behind): ' + reason);
    const url = `/live/${encodeURIComponent(roomId)}/index.m3u8${query}`;
    if (video.canPlayType('application/vnd.apple.mpegurl')) { video.src = url; return; }
    try {
      await loadScript('/vendor/hls.min.js');
    } catch (e) { say('This stream cannot be played here: ' + e.message); return; }
    // eslint-disable-next-line no-undef
    const hls = new Hls({ enableWorker: false, liveSyncDurationCount: 2 });  // the CSP allows no blob: workers
    state.hls = hls;
    // eslint-disable-next-line no-undef
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) say('The stream stopped: ' + d.details); });
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  function stopSession() {
    if (!state.session) return;
    fetch(state.session, { method: 'DELETE', keepalive: true }).catch(() => {});
    state.session = null;
  }

  async function playWhep() {
    const pc = new RTCPeerConnection();
    state.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    pc.ontrack = (ev) => { stream.addTrack(ev.track); video.srcObject = stream; };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') { state.mode = 'webrtc'; say('Live'); }
      if (pc.connectionState === 'failed') playHls('the WebRTC connection failed');
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const r = await fetch(`/whep/${encodeURIComponent(roomId)}${query}`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
    });
    if (r.status !== 201) {
      let message = r.statusText;
      try { message = (await r.json()).error.message; } catch { /* not JSON */ }
      const e = new Error(message);
      e.status = r.status;
      throw e;
    }
    state.session = r.headers.get('Location');
    await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
    // Connected but no picture (a middlebox eating UDP after ICE): HLS instead.
    setTimeout(() => { if (!state.closed && state.pc === pc && !(video.videoWidth > 0)) playHls('no picture over WebRTC'); }, NO_PICTURE_MS);
  }

  if (typeof RTCPeerConnection !== 'function') {
    playHls('this browser has no WebRTC');
  } else {
    playWhep().catch((e) => {
      if (e.status === 401 || e.status === 403 || e.status === 404) { state.mode = 'refused'; say(e.message); return; }
      playHls(e.message);
    });
  }
  const leave = () => stopSession();
  window.addEventListener('pagehide', leave);
  return () => {
    state.closed = true;
    window.removeEventListener('pagehide', leave);
    if (state.pc) state.pc.close();
    if (state.hls) state.hls.destroy();
    stopSession();
  };
}
