// The background picker (join page and the call's settings): none, two
// blurs, the bundled pictures and one's own (uploaded, kept in this browser).
import { el } from '../ui.js';
import { choices, saveUpload } from './backgrounds.js';

// onChoose(id) is called with the new choice (already the checked one).
export function createBackgroundPicker({ current, onChoose }) {
  const error = el('p', { class: 'error', role: 'alert' });
  const list = el('div', { class: 'bg-choices' });
  const upload = el('input', { type: 'file', id: 'bg-upload', accept: 'image/*', class: 'visually-hidden' });
  let selected = current;

  function render() {
    list.replaceChildren(...choices().map((c) => {
      const input = el('input', { type: 'radio', name: 'background', value: c.id, checked: c.id === selected });
      input.addEventListener('change', () => { if (input.checked) choose(c.id); });
      return el('label', { class: 'bg-choice', title: c.label },
        input,
        c.url ? el('img', { src: c.url, alt: '' }) : el('span', { class: 'bg-swatch ' + c.id, 'aria-hidden': 'true' }),
        el('span', { class: 'bg-label' }, c.label));
    }));
  }
  function choose(id) { selected = id; error.textContent = ''; render(); onChoose(id); }
  upload.addEventListener('change', async () => {
    const file = upload.files?.[0];
    upload.value = '';
    if (!file) return;
    try { await saveUpload(file); choose('image:upload'); } catch (e) { error.textContent = e.message; }
  });
  render();
  const element = el('fieldset', { class: 'backgrounds' },
    el('legend', {}, 'Background'), list,
    el('label', { for: 'bg-upload', class: 'button small' }, 'Upload a picture…'), upload, error);
  return { element, set(id) { selected = id; render(); } };
}
