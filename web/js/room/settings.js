// The call's settings dialog: camera, microphone, video quality and the
// call's background theme.
import { el } from '../app.js';
import { prefs, savePrefs, listDevices, fillSelect, QUALITIES } from '../media.js';

const BACKGROUNDS = { plain: 'Plain', midnight: 'Midnight', ocean: 'Ocean', forest: 'Forest', sunset: 'Sunset', paper: 'Paper' };

// callBox: the element whose data-background the theme sets.
export function createSettings(call, { localMedia, callBox }) {
  const background = el('select', { id: 'call-background', onchange: () => {
    localStorage.setItem('convene-background', background.value); callBox.dataset.background = background.value;
  } }, Object.entries(BACKGROUNDS).map(([v, l]) => el('option', { value: v, selected: (localStorage.getItem('convene-background') || 'plain') === v }, l)));
  callBox.dataset.background = localStorage.getItem('convene-background') || 'plain';

  async function open() {
    const ls = call.localStream;
    const cam = el('select', { id: 'dev-camera' }), mic = el('select', { id: 'dev-mic' });
    const { cameras, microphones } = await listDevices();
    fillSelect(cam, cameras, ls.getVideoTracks()[0]?.getSettings().deviceId, 'No camera');
    fillSelect(mic, microphones, ls.getAudioTracks()[0]?.getSettings().deviceId, 'No microphone');
    const quality = el('select', { id: 'dev-quality' }, Object.entries(QUALITIES).map(([k, [label]]) => el('option', { value: k, selected: prefs().quality === k }, label)));
    cam.addEventListener('change', () => localMedia.switchDevice('video', cam.value));
    mic.addEventListener('change', () => localMedia.switchDevice('audio', mic.value));
    quality.addEventListener('change', () => { savePrefs({ quality: quality.value }); if (call.localStream.getVideoTracks().length) localMedia.switchDevice('video', cam.value); });
    const d = el('dialog', { class: 'devices', 'aria-labelledby': 'dev-title' }, el('form', { method: 'dialog' },
      el('h2', { id: 'dev-title' }, 'Settings'),
      el('label', { for: 'dev-camera' }, 'Camera'), cam, el('label', { for: 'dev-mic' }, 'Microphone'), mic,
      el('label', { for: 'dev-quality' }, 'Video quality'), quality,
      el('label', { for: 'call-background' }, 'Call background'), background,
      el('div', { class: 'row end' }, el('button', { value: 'close' }, 'Done'))));
    d.addEventListener('close', () => d.remove());
    document.body.append(d); d.showModal(); cam.focus();
  }
  return { open };
}
