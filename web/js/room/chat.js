// The call's chat (../chat.js does the panel itself), the captions others
// send, and the reactions that float up the page. In an end-to-end encrypted
// room (e2ee.js) text and images are sealed before they leave and opened on
// arrival, in the order they came.
import { el, toast } from '../ui.js';
import { createChat } from '../chat.js';
import { isSealed } from './e2ee.js';

const LOCKED = '🔒 Encrypted message: sent before you joined, or its key did not reach you.';
const LOCKED_IMAGE = '🔒 Encrypted image: sent before you joined, or its key did not reach you.';

export function createCallChat(call, { e2ee, onUnread }) {
  async function sealAndSend(msg) {
    if (!e2ee.ready) return toast('Encryption is still being set up; try again in a moment.');
    call.send({ ...msg, content: await (msg.kind === 'image' ? e2ee.sealImage(msg.content) : e2ee.seal(msg.content)) });
  }
  const send = (msg) => (msg.type === 'chat-message' && e2ee.enabled ? sealAndSend(msg).catch((e) => toast('Not sent: ' + e.message)) : call.send(msg));
  const chat = createChat({ send, selfUserId: call.me.id, onUnread });
  const code = el('strong', { class: 'e2ee-code' });
  const note = el('p', { class: 'muted small e2ee-note', hidden: true }, '🔒 This meeting is end-to-end encrypted: video, audio and chat are sealed in the browsers; the server relays and keeps only ciphertext. Messages sent before you joined cannot be read. Safety code: ',
    code, ' (the same code on everyone\'s screen means no one is in between).');
  let queue = Promise.resolve();  // sealed messages open in the order they came
  const later = (fn) => { queue = queue.then(fn).catch((e) => console.warn('chat', e)); };
  async function opened(m, wait) {
    if (!isSealed(m.content)) return m;
    if (m.kind === 'image') {
      const url = await e2ee.openImage(m, wait);
      return url ? { ...m, content: url } : { ...m, kind: 'text', content: LOCKED_IMAGE };
    }
    return { ...m, content: (await e2ee.open(m, wait)) ?? LOCKED };
  }

  function floatReaction(emoji, who) {
    const f = el('div', { class: 'reaction-float', style: `left:${15 + Math.random() * 70}%`, 'aria-hidden': 'true' }, emoji, who ? el('small', {}, who) : null);
    document.body.append(f);
    setTimeout(() => f.remove(), 2600);
  }
  function handle(m) {
    switch (m.type) {
      case 'chat-message': later(async () => chat.add(await opened(m, true))); break;
      case 'reaction': floatReaction(m.emoji, m.from?.username); break;
      case 'caption': if (m.final) chat.add({ from: m.from, kind: 'caption', content: '💬 ' + m.text, createdAt: new Date().toISOString() }); break;
    }
  }
  // History: opened with the keys this page already holds (no waiting).
  function reset(history) {
    note.hidden = !e2ee.enabled;
    later(async () => chat.reset(await Promise.all(history.map((m) => opened(m, false)))));
  }
  async function showSafetyCode() { code.textContent = await e2ee.safetyCode(); }
  return { element: el('div', {}, note, chat.element), reset, showSafetyCode, setVisible: (v) => chat.setVisible(v), handle };
}
