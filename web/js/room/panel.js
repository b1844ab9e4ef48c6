// The side panel: tabs for chat (with its unread count), people and
// recordings, moved between with the arrow keys.
import { el } from '../ui.js';

// contents: {chat, people, recordings} -> the element each tab shows;
// onSelect(name) runs when a tab is chosen.
export function createPanel(contents, onSelect) {
  let active = 'chat';
  const buttons = {}, panels = {};
  const labels = { chat: 'Chat', people: 'People', recordings: 'Recordings' };
  for (const [k, label] of Object.entries(labels)) {
    panels[k] = el('div', { id: 'tab-' + k, role: 'tabpanel', 'aria-labelledby': 'tabbtn-' + k, hidden: k !== 'chat' }, contents[k]);
    buttons[k] = el('button', { type: 'button', role: 'tab', id: 'tabbtn-' + k, 'aria-controls': 'tab-' + k, 'aria-selected': String(k === 'chat'), tabindex: k === 'chat' ? 0 : -1, onclick: () => select(k) },
      label, ' ', el('span', { class: 'count' }));
  }
  function select(name) {
    active = name;
    for (const [k, b] of Object.entries(buttons)) { b.setAttribute('aria-selected', String(k === name)); b.tabIndex = k === name ? 0 : -1; panels[k].hidden = k !== name; }
    onSelect(name);
  }
  const tablist = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Side panel' }, Object.values(buttons));
  tablist.addEventListener('keydown', (ev) => {
    const names = Object.keys(buttons), i = names.indexOf(active);
    const j = ev.key === 'ArrowRight' ? (i + 1) % names.length : ev.key === 'ArrowLeft' ? (i + names.length - 1) % names.length : -1;
    if (j >= 0) { select(names[j]); buttons[names[j]].focus(); }
  });
  const element = el('aside', { class: 'panel card', 'aria-label': 'Chat and people' }, tablist, ...Object.values(panels));
  return {
    element, select,
    get active() { return active; },
    setCount(name, n, label) { buttons[name].querySelector('.count').textContent = n ? String(n) : ''; if (label) buttons[name].setAttribute('aria-label', label); },
  };
}
