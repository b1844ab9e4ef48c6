// The call's chat (../chat.js does the panel itself), the captions others
// send, and the reactions that float up the page.
import { el } from '../app.js';
import { createChat } from '../chat.js';

export function createCallChat(call, { onUnread }) {
  const chat = createChat({ send: call.send, selfUserId: call.me.id, onUnread });
  function floatReaction(emoji, who) {
    const f = el('div', { class: 'reaction-float', style: `left:${15 + Math.random() * 70}%`, 'aria-hidden': 'true' }, emoji, who ? el('small', {}, who) : null);
    document.body.append(f);
    setTimeout(() => f.remove(), 2600);
  }
  function handle(m) {
    switch (m.type) {
      case 'chat-message': chat.add(m); break;
      case 'reaction': floatReaction(m.emoji, m.from?.username); break;
      case 'caption': if (m.final) chat.add({ from: m.from, kind: 'caption', content: '💬 ' + m.text, createdAt: new Date().toISOString() }); break;
    }
  }
  return { element: chat.element, reset: (history) => chat.reset(history), setVisible: (v) => chat.setVisible(v), handle };
}
