// Camera and microphone: the devices the person picked (remembered in
// localStorage), getUserMedia with them, and a readable sentence for every
// way getUserMedia can fail.
const KEY = 'convene-devices';

const DEFAULTS = { camera: '', microphone: '', cameraOn: true, micOn: true, quality: 'high' };
export function prefs() {
  try { return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(KEY) || '{}') }; } catch { return { ...DEFAULTS }; }
}
// Camera quality: what the camera is asked for (the SFU forwards it as is).
export const QUALITIES = { high: ['High (720p)', 1280, 720], standard: ['Standard (360p)', 640, 360], low: ['Data saver (180p)', 320, 180] };
export function savePrefs(p) { localStorage.setItem(KEY, JSON.stringify({ ...prefs(), ...p })); }

export function mediaErrorText(e, what = 'camera and microphone') {
  switch (e && e.name) {
    case 'NotAllowedError': case 'SecurityError':
      return `Access to the ${what} was denied. Allow it in the browser's site settings (the icon left of the address) and reload; you can still join and use chat and the whiteboard.`;
    case 'NotFoundError': case 'OverconstrainedError':
      return `No ${what} was found. Connect one, or pick another device.`;
    case 'NotReadableError': case 'AbortError':
      return `The ${what} is in use by another application or could not be started.`;
    case 'TypeError':
      return 'This page needs a secure connection (https or localhost) to use the camera and microphone.';
    default:
      return `The ${what} could not be started${e && e.message ? ': ' + e.message : ''}.`;
  }
}

export function videoConstraints(deviceId, quality = prefs().quality) {
  const [, w, h] = QUALITIES[quality] || QUALITIES.high;
  return { width: { ideal: w }, height: { ideal: h }, frameRate: { ideal: 30 }, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) };
}
export function audioConstraints(deviceId) {
  return { echoCancellation: true, noiseSuppression: true, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) };
}

// The join page's camera and microphone, handed to the call page it opens:
// they stay open instead of being closed and opened again (which takes from
// a few hundred milliseconds to seconds, and blinks the camera's light).
// Handed as the promise of openLocalMedia's result, as Enter may come
// before they open. What the call page does not take, the router closes.
let handedOver = null;
export function handOverLocalMedia(opening) { releaseHandedOverMedia(); handedOver = opening; }
// {stream, error} from the join page, or null (nothing handed over, or a
// track of it has ended since: then the call page opens its own).
export async function takeHandedOverMedia() {
  const opening = handedOver;
  handedOver = null;
  if (!opening) return null;
  const opened = await opening;
  if (opened.stream.getTracks().some((t) => t.readyState !== 'live')) { closeLocalMedia(opened); return null; }
  return opened;
}
export function releaseHandedOverMedia() {
  const opening = handedOver;
  handedOver = null;
  closeLocalMedia(opening);
}
// Stops the camera and microphone of an openLocalMedia() result, or of its
// promise once it has opened (no-op for null).
export function closeLocalMedia(opening) {
  Promise.resolve(opening).then((opened) => opened?.stream.getTracks().forEach((t) => t.stop()));
}

// Camera and microphone together; when one of them fails, tries each alone,
// so a denied camera still leaves the microphone. Returns {stream, error}.
export async function openLocalMedia(p = prefs()) {
  if (!navigator.mediaDevices?.getUserMedia) return { stream: new MediaStream(), error: mediaErrorText({ name: 'TypeError' }) };
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ video: videoConstraints(p.camera), audio: audioConstraints(p.microphone) }), error: null };
  } catch (both) {
    const stream = new MediaStream();
    let error = null;
    for (const [kind, c, what] of [['video', videoConstraints(p.camera), 'camera'], ['audio', audioConstraints(p.microphone), 'microphone']]) {
      try {
        (await navigator.mediaDevices.getUserMedia({ [kind]: c })).getTracks().forEach((t) => stream.addTrack(t));
      } catch (e) {
        // A remembered device that is gone: fall back to the default one.
        if (e.name === 'OverconstrainedError' || e.name === 'NotFoundError') {
          try { (await navigator.mediaDevices.getUserMedia({ [kind]: kind === 'video' ? videoConstraints('') : audioConstraints('') })).getTracks().forEach((t) => stream.addTrack(t)); continue; } catch (e2) { e = e2; }
        }
        error = error ? mediaErrorText(both) : mediaErrorText(e, what);
      }
    }
    return { stream, error };
  }
}

// One new track from a chosen device (device switching).
export async function openTrack(kind, deviceId) {
  const s = await navigator.mediaDevices.getUserMedia(kind === 'video' ? { video: videoConstraints(deviceId) } : { audio: audioConstraints(deviceId) });
  return kind === 'video' ? s.getVideoTracks()[0] : s.getAudioTracks()[0];
}

export async function listDevices() {
  const all = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) || [];
  return {
    cameras: all.filter((d) => d.kind === 'videoinput'),
    microphones: all.filter((d) => d.kind === 'audioinput'),
  };
}

// Fills a <select> with devices, the current one selected.
export function fillSelect(select, devices, current, none) {
  select.replaceChildren(...(devices.length ? devices : [{ deviceId: '', label: none }]).map((d, i) => {
    const o = document.createElement('option');
    o.value = d.deviceId; o.textContent = d.label || `${none.split(' ')[1] || 'Device'} ${i + 1}`;
    if (d.deviceId === current) o.selected = true;
    return o;
  }));
  select.disabled = !devices.length;
}

// A small level meter for a microphone track: calls onLevel(0..1) ~10×/s.
export function levelMeter(track, onLevel) {
  if (!track || !window.AudioContext) return () => {};
  const ctx = new AudioContext();
  const src = ctx.createMediaStreamSource(new MediaStream([track]));
  const an = ctx.createAnalyser(); an.fftSize = 512;
  src.connect(an);
  const buf = new Uint8Array(an.fftSize);
  const timer = setInterval(() => {
    an.getByteTimeDomainData(buf);
    let peak = 0; for (const v of buf) peak = Math.max(peak, Math.abs(v - 128));
    onLevel(Math.min(1, peak / 64));
  }, 100);
  return () => { clearInterval(timer); ctx.close().catch(() => {}); };
}
