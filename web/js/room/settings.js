// The call's settings dialog: camera, microphone, video quality, the
// background effect (../effects/) and the call's theme (themes.js), each
// applied at once.
import { el } from '../ui.js';
import { prefs, savePrefs, listDevices, fillSelect, QUALITIES } from '../media.js';
import { THEMES } from './themes.js';
import { createBackgroundPicker } from '../effects/picker.js';
import { savedBackground } from '../effects/backgrounds.js';

export function createSettings(call, { localMedia, themes }) {
  async function open() {
    const ls = call.localStream;
    const cam = el('select', { id: 'dev-camera' }), mic = el('select', { id: 'dev-mic' });
    const { cameras, microphones } = await listDevices();
    fillSelect(cam, cameras, (localMedia.camera || ls.getVideoTracks()[0])?.getSettings().deviceId, 'No camera');
    fillSelect(mic, microphones, ls.getAudioTracks()[0]?.getSettings().deviceId, 'No microphone');
    const quality = el('select', { id: 'dev-quality' }, Object.entries(QUALITIES).map(([k, [label]]) => el('option', { value: k, selected: prefs().quality === k }, label)));
    cam.addEventListener('change', () => localMedia.switchDevice('video', cam.value));
    mic.addEventListener('change', () => localMedia.switchDevice('audio', mic.value));
    quality.addEventListener('change', () => { savePrefs({ quality: quality.value }); if (call.localStream.getVideoTracks().length) localMedia.switchDevice('video', cam.value); });
    const theme = el('select', { id: 'call-theme', onchange: () => themes.choose(theme.value) },
      Object.entries(THEMES).map(([v, l]) => el('option', { value: v, selected: themes.current === v }, l)));
    const background = createBackgroundPicker({ current: savedBackground(), onChoose: (id) => localMedia.setBackground(id) });
    const d = el('dialog', { class: 'devices', 'aria-labelledby': 'dev-title' }, el('form', { method: 'dialog' },
      el('h2', { id: 'dev-title' }, 'Settings'),
      el('label', { for: 'dev-camera' }, 'Camera'), cam, el('label', { for: 'dev-mic' }, 'Microphone'), mic,
      el('label', { for: 'dev-quality' }, 'Video quality'), quality,
      background.element,
      el('label', { for: 'call-theme' }, 'Call theme'), theme,
      el('div', { class: 'row end' }, el('button', { value: 'close' }, 'Done'))));
    d.addEventListener('close', () => d.remove());
    document.body.append(d); d.showModal(); cam.focus();
  }
  return { open };
}
