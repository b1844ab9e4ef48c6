// The signaling WebSocket: a fresh token, join-room on open, every message
// to onMessage, and reconnection with backoff (media is reset and set up
// again by the next room-joined).
import { get } from '../api.js';
import { el, errorText, navigate } from '../ui.js';
import { canEncryptMedia } from '../e2ee/media.js';

// A ws-token asked for ahead (the join page asks while the person looks at
// the preview): one round trip fewer between Enter and the WebSocket. Used
// once, and only while well inside its 60 s.
let prefetched = null;
export function prefetchWsToken() {
  prefetched = { at: Date.now(), token: get('/auth/ws-token').then((r) => r.token) };
  prefetched.token.catch(() => {});  // asked again by connect()
}
async function prefetchedWsToken() {
  const p = prefetched;
  prefetched = null;
  if (!p || Date.now() - p.at > 30000) return null;
  try { return await p.token; } catch { return null; }
}

// onMessage(m): async; onLost(): the socket closed unexpectedly.
export function createConnection(call, { banner, onMessage, onLost }) {
  // Cluster: the node carrying the room, as a `redirect` named it. Used once:
  // a connection lost later goes back through this page's origin, which
  // places the room again (on a live node) and redirects if need be.
  let redirectTo = null;
  async function connect() {
    banner.status.textContent = call.retry ? 'Reconnecting…' : 'Connecting…';
    const target = redirectTo;
    redirectTo = null;
    let token = target?.wsToken || await prefetchedWsToken();  // the prefetched one serves once
    if (!token) try {
      ({ token } = await get('/auth/ws-token'));
    } catch (e) {
      if (e.status === 401) { sessionStorage.setItem('after-login', location.pathname); return navigate('/login'); }
      banner.setStatus(errorText(e), true);
      return scheduleReconnect();
    }
    if (call.closedByUs) return;
    const ws = call.ws = new WebSocket(`${target?.url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`}?token=${encodeURIComponent(token)}`);
    // `e2ee`: this client encrypts media and chat, so an end-to-end
    // encrypted room lets it in (docs/protocol.md).
    ws.onopen = () => call.send({ type: 'join-room', roomId: call.roomId, requestId: 'join', e2ee: canEncryptMedia() });
    ws.onmessage = (ev) => { let m; try { m = JSON.parse(ev.data); } catch { return; } onMessage(m).catch((e) => console.warn(m.type, e)); };
    ws.onclose = (ev) => {
      call.ws = null;
      if (call.closedByUs || call.ended) return;
      call.joined = false;
      onLost();
      if (redirectTo) return connect();  // moving to the room's node: at once, no backoff
      banner.setStatus(ev.code === 1001 ? 'The server is restarting. Reconnecting…' : 'Connection lost. Reconnecting…', true);
      scheduleReconnect();
    };
  }
  function scheduleReconnect() {
    const delay = Math.min(10000, 500 * 2 ** call.retry++);
    setTimeout(() => { if (!call.closedByUs) connect(); }, delay);
  }
  // The call is over for us (ended, removed, refused): no reconnecting.
  function end(text, onEnd) {
    call.closedByUs = true; call.ended = true;
    onEnd();
    banner.status.replaceChildren(text, ' ', el('a', { href: '/' }, 'Back to your meetings'));
    banner.status.setAttribute('role', 'alert');
    banner.status.classList.add('ended');
    call.ws?.close(1000);
  }
  // `redirect {url, wsToken}`: the room lives on another node of the cluster.
  function redirect(m) {
    redirectTo = { url: m.url, wsToken: m.wsToken };
    call.ws?.close();
  }
  function leave() {
    call.closedByUs = true;
    if (call.ws) { call.send({ type: 'leave-room' }); call.ws.close(1000); }
  }
  return { connect, end, leave, redirect };
}
