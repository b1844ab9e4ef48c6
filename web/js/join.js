// The join page /join/:inviteCode: become a member of the meeting, preview
// camera and microphone, pick devices, a background effect and whether to
// start muted, enter.
import { post } from './api.js';
import { main, el, navigate, roomErrorText } from './ui.js';
import { prefs, savePrefs, openLocalMedia, openTrack, listDevices, fillSelect, levelMeter, mediaErrorText, handOverLocalMedia, closeLocalMedia } from './media.js';
import { createCameraEffects } from './effects/camera.js';
import { prefetchWsToken } from './room/connection.js';
import { createBackgroundPicker } from './effects/picker.js';
import { savedBackground, saveBackground } from './effects/backgrounds.js';

export async function renderJoin(code, me) {
  let room;
  try {
    room = await post('/rooms/join/' + encodeURIComponent(code));
  } catch (e) {
    main.replaceChildren(el('div', { class: 'card narrow', role: 'alert', 'data-error': e.code || 'error' },
      el('h2', {}, e.code === 'room_ended' ? 'This meeting has ended' : e.code === 'room_full' ? 'This meeting is full' : 'Cannot join'),
      el('p', { class: 'error' }, roomErrorText(e)), el('a', { href: '/' }, 'Back to your meetings')));
    return () => {};
  }

  // The call's WebSocket token, asked for while the person looks at the preview.
  prefetchWsToken();
  const p = prefs();
  let stream = null, left = false, handedOver = false, stopMeter = () => {};
  // The preview opens while the page shows (Enter may come first).
  const opening = openLocalMedia(p);
  const video = el('video', { autoplay: true, playsinline: true, muted: true, class: 'preview', 'aria-label': 'Your camera preview' });
  video.muted = true;
  const meter = el('div', { class: 'meter', role: 'meter', 'aria-label': 'Microphone level', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, el('span'));
  const error = el('p', { class: 'error', role: 'alert' });
  const cameraSel = el('select', { id: 'camera-select' });
  const micSel = el('select', { id: 'mic-select' });
  const camOn = el('input', { type: 'checkbox', id: 'cam-on', checked: p.cameraOn });
  const micOn = el('input', { type: 'checkbox', id: 'mic-on', checked: p.micOn });
  // The preview shows the camera as others will see it, background effect included.
  const effects = createCameraEffects({ onFallback: (text) => { error.textContent = text; showPreview(); } });
  const background = createBackgroundPicker({ current: savedBackground(), onChoose: (id) => { saveBackground(id); effects.setBackground(id); showPreview(); } });
  function showPreview() {
    const shown = stream ? new MediaStream([...stream.getAudioTracks(), ...(effects.track ? [effects.track] : [])]) : null;
    video.srcObject = shown;
  }

  async function refreshDevices() {
    const { cameras, microphones } = await listDevices();
    const v = stream?.getVideoTracks()[0]?.getSettings().deviceId, a = stream?.getAudioTracks()[0]?.getSettings().deviceId;
    fillSelect(cameraSel, cameras, v || p.camera, 'No camera');
    fillSelect(micSel, microphones, a || p.microphone, 'No microphone');
  }
  function showMeter() {
    stopMeter();
    stopMeter = levelMeter(stream.getAudioTracks()[0], (l) => { meter.firstChild.style.width = Math.round(l * 100) + '%'; meter.setAttribute('aria-valuenow', Math.round(l * 100)); });
  }
  async function swap(kind, deviceId) {
    error.textContent = '';
    try {
      const t = await openTrack(kind, deviceId);
      stream.getTracks().filter((x) => x.kind === t.kind).forEach((x) => { x.stop(); stream.removeTrack(x); });
      stream.addTrack(t);
      if (kind === 'video') { t.enabled = camOn.checked; effects.setCamera(t); }
      showPreview();
      if (kind === 'audio') showMeter();
      savePrefs(kind === 'video' ? { camera: deviceId } : { microphone: deviceId });
    } catch (e) { error.textContent = mediaErrorText(e, kind === 'video' ? 'camera' : 'microphone'); }
  }
  cameraSel.addEventListener('change', () => swap('video', cameraSel.value));
  micSel.addEventListener('change', () => swap('audio', micSel.value));
  camOn.addEventListener('change', () => {
    stream?.getVideoTracks().forEach((t) => (t.enabled = camOn.checked));
    if (effects.track) effects.track.enabled = camOn.checked;
    video.classList.toggle('off', !camOn.checked);
  });
  micOn.addEventListener('change', () => { stream?.getAudioTracks().forEach((t) => (t.enabled = micOn.checked)); });

  const enter = el('button', { class: 'primary', id: 'enter-room', onclick: () => {
    savePrefs({ cameraOn: camOn.checked, micOn: micOn.checked, camera: cameraSel.value || p.camera, microphone: micSel.value || p.microphone });
    // The call keeps the camera and microphone opened here (media.js).
    handOverLocalMedia(opening);
    handedOver = true;
    navigate('/room/' + room.id, true);
  } }, 'Join now');

  main.replaceChildren(el('div', { class: 'join' },
    el('div', { class: 'card' }, el('div', { class: 'preview-box' }, video, el('span', { class: 'name' }, me.username)), meter),
    el('div', { class: 'card' },
      el('h2', {}, 'Join “', room.name, '”'),
      el('p', { class: 'muted' }, room.type === 'ONE_TO_ONE' ? '1:1 call, peer to peer' : room.type === 'GROUP' ? 'Group call' : 'Virtual room',
        room.lobbyEnabled ? ' · the host admits people from a waiting room' : ''),
      el('label', { for: 'camera-select' }, 'Camera'), cameraSel,
      el('label', { for: 'mic-select' }, 'Microphone'), micSel,
      el('div', { class: 'row', style: 'margin:.6rem 0' },
        el('label', { class: 'check' }, camOn, ' Camera on'), el('label', { class: 'check' }, micOn, ' Microphone on')),
      background.element,
      error,
      el('div', { class: 'row' }, enter, el('a', { href: '/' }, 'Cancel')))));

  // Returns the page's cleanup at once: the router runs it when the person
  // leaves, even before the camera has opened.
  (async () => {
    const opened = await opening;
    if (left) return;
    stream = opened.stream;
    if (opened.error) error.textContent = opened.error;
    stream.getVideoTracks().forEach((t) => (t.enabled = camOn.checked));
    if (stream.getVideoTracks()[0]) { effects.setCamera(stream.getVideoTracks()[0]); effects.setBackground(savedBackground()); }
    showPreview();
    stream.getAudioTracks().forEach((t) => (t.enabled = micOn.checked));
    video.classList.toggle('off', !camOn.checked);
    showMeter();
    await refreshDevices();  // labels are known once permission is granted
    if (left) return;
    navigator.mediaDevices?.addEventListener?.('devicechange', refreshDevices);
    enter.focus();
  })().catch((e) => { error.textContent = String(e?.message || e); });
  return () => {
    left = true;
    stopMeter(); effects.close();
    if (!handedOver) closeLocalMedia(opening);
    navigator.mediaDevices?.removeEventListener?.('devicechange', refreshDevices);
  };
}
