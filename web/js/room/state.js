// What the parts of the call page share: who we are in the room, the other
// peers, our own media and the signaling socket. Every part reads and writes
// this one object; nothing else is shared between them.
import { prefs } from '../media.js';

export function createCallState(roomId, me) {
  const p = prefs();
  const call = {
    roomId, me, prefs: p,
    ws: null, closedByUs: false, retry: 0, joined: false, ended: false,
    self: null,                   // {peerId, role} once joined
    room: null,                   // the room-joined message
    peers: new Map(),             // peerId -> {info, pc, polite, makingOffer, ignoreOffer, senders, streams}
    muted: new Map(),             // peerId -> {microphone, camera}
    localStream: new MediaStream(), screenStream: null,
    localReady: Promise.resolve(),  // settles once the camera and microphone are open (or refused)
    sfu: null,                    // SfuSession in GROUP and VIRTUAL_ROOM rooms
    micOn: p.micOn, camOn: p.cameraOn,
    recording: null,
  };
  call.send = (msg) => { if (call.ws && call.ws.readyState === 1) { call.ws.send(JSON.stringify(msg)); return true; } return false; };
  return call;
}

export const isModerator = (role) => role === 'HOST' || role === 'CO_HOST';
export const roleName = (r) => ({ HOST: 'host', CO_HOST: 'co-host', PARTICIPANT: 'participant', VIEWER: 'viewer' }[r] || String(r).toLowerCase());
