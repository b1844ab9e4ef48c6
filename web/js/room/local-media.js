// Our own camera, microphone and screen: opening them, switching devices
// and background effects (replaceTrack on every connection, no
// renegotiation), muting, and adding or removing a screen share on the
// peer-to-peer and SFU connections.
import { errorText, toast } from '../ui.js';
import { savePrefs, openLocalMedia, openTrack, mediaErrorText, videoConstraints, takeHandedOverMedia } from '../media.js';
import { createCameraEffects } from '../effects/camera.js';
import { savedBackground, saveBackground } from '../effects/backgrounds.js';

// onChange: our media changed (the controls and our tile follow).
export function createLocalMedia(call, { grid, banner, onChange }) {
  function changed() { onChange(); grid.updateBadges('self'); }
  // Our camera as sent: its own track or the background effect's (effects/).
  const effects = createCameraEffects({ onFallback: (text, camera) => { toast(text); sendVideo(camera).catch(() => {}); } });

  // What we send as our camera changed: in our stream and on every connection.
  async function sendVideo(track) {
    const ls = call.localStream;
    if (!track || ls.getVideoTracks()[0] === track) return;
    ls.getVideoTracks().forEach((t) => ls.removeTrack(t));
    ls.addTrack(track);
    track.enabled = call.camOn;
    for (const [, peer] of call.peers) {
      if (!peer.pc) continue;
      if (peer.senders.camera) await peer.senders.camera.replaceTrack(track);
      else peer.senders.camera = peer.pc.addTrack(track, ls);
    }
    if (call.sfu) await call.sfu.replaceTrack('camera', track).catch((e) => toast(errorText(e)));
    grid.selfTile();
  }
  async function setBackground(id) {
    saveBackground(id);
    await sendVideo(effects.setBackground(id));
  }

  async function start() {
    // The join page's camera and microphone when it opened this call.
    const opened = (await takeHandedOverMedia()) || await openLocalMedia(call.prefs);
    call.localStream = opened.stream;
    if (opened.error) banner.keep(opened.error);  // kept across reconnects
    const camera = call.localStream.getVideoTracks()[0];
    if (camera) {
      effects.setCamera(camera);
      await sendVideo(effects.setBackground(savedBackground()));
    }
    call.localStream.getAudioTracks().forEach((t) => (t.enabled = call.micOn));
    call.localStream.getVideoTracks().forEach((t) => (t.enabled = call.camOn));
    if (effects.camera) effects.camera.enabled = call.camOn;
    grid.selfTile();
    onChange();
  }
  async function switchDevice(kind, deviceId) {
    const source = kind === 'video' ? 'camera' : 'microphone';
    // Another quality of the camera in use: the same track, reconfigured (a
    // second capture of a device in use keeps its first size), and the
    // camera's layers fitted to its new size.
    const camera = effects.camera;
    if (kind === 'video' && camera && camera.readyState === 'live' && camera.getSettings().deviceId === deviceId) {
      try {
        await camera.applyConstraints(videoConstraints(deviceId));
        const { width, height } = camera.getSettings();
        await call.sfu?.fitCameraLayers([width, height]);
        grid.selfTile();
        return;
      } catch { /* not possible with this camera: reopened below */ }
    }
    let track;
    try { track = await openTrack(kind, deviceId); } catch (e) { banner.show(mediaErrorText(e, source)); return; }
    track.enabled = kind === 'video' ? call.camOn : call.micOn;
    const ls = call.localStream;
    if (kind === 'video') {
      // With a background effect on, the effect's track stays; its input changes.
      const old = effects.camera;
      await sendVideo(effects.setCamera(track));
      if (old !== track) old?.stop();
    } else {
      const old = ls.getAudioTracks();
      old.forEach((t) => ls.removeTrack(t));
      ls.addTrack(track);
      for (const [, peer] of call.peers) {
        if (!peer.pc) continue;
        if (peer.senders[source]) await peer.senders[source].replaceTrack(track);
        else peer.senders[source] = peer.pc.addTrack(track, ls);
      }
      if (call.sfu) await call.sfu.replaceTrack(source, track).catch((e) => toast(errorText(e)));
      old.forEach((t) => t.stop());
    }
    grid.selfTile();
    savePrefs(kind === 'video' ? { camera: deviceId } : { microphone: deviceId });
    if (ls.getAudioTracks().length && ls.getVideoTracks().length) banner.keep('');
    toast((kind === 'video' ? 'Camera: ' : 'Microphone: ') + (track.label || 'switched'));
  }
  function setMic(on) {
    call.micOn = on;
    call.localStream.getAudioTracks().forEach((t) => (t.enabled = on));
    call.send({ type: 'track-muted', source: 'microphone', muted: !on });
    savePrefs({ micOn: on }); changed();
  }
  function setCam(on) {
    call.camOn = on;
    call.localStream.getVideoTracks().forEach((t) => (t.enabled = on));
    if (effects.camera) effects.camera.enabled = on;
    call.send({ type: 'track-muted', source: 'camera', muted: !on });
    savePrefs({ cameraOn: on }); changed();
  }
  async function startScreen() {
    let s;
    try { s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 15 }, width: { max: 1920 }, height: { max: 1080 } }, audio: false }); } catch (e) {
      if (e.name !== 'NotAllowedError') toast(mediaErrorText(e, 'screen capture'));
      return;
    }
    call.screenStream = s;
    const track = s.getVideoTracks()[0];
    track.onended = () => stopScreen();
    grid.setTracks(grid.tileFor('self', 'screen', 'Your'), [track]);
    for (const [, peer] of call.peers) if (peer.pc) peer.senders.screen = peer.pc.addTrack(track, s);
    if (call.sfu) await call.sfu.addScreen(track).catch((e) => toast('Screen sharing: ' + errorText(e)));
    onChange();
  }
  async function stopScreen() {
    if (!call.screenStream) return;
    const s = call.screenStream; call.screenStream = null;
    for (const [, peer] of call.peers) if (peer.pc && peer.senders.screen) { try { peer.pc.removeTrack(peer.senders.screen); } catch { /* closed */ } delete peer.senders.screen; }
    if (call.sfu) await call.sfu.removeScreen().catch(() => {});
    s.getTracks().forEach((t) => t.stop());
    grid.dropTile('self:screen');
    onChange();
  }
  // Whatever the host turned off.
  function mutedByHost(source) {
    if (source === 'camera') setCam(false); else if (source === 'microphone') setMic(false); else stopScreen();
  }
  // Tells the room what is muted (after joining or publishing).
  function announceMuted() {
    if (!call.micOn) call.send({ type: 'track-muted', source: 'microphone', muted: true });
    if (!call.camOn) call.send({ type: 'track-muted', source: 'camera', muted: true });
  }
  function stop() {
    effects.camera?.stop();
    effects.close();
    call.localStream.getTracks().forEach((t) => t.stop());
    call.screenStream?.getTracks().forEach((t) => t.stop());
  }

  return { start, switchDevice, setBackground, setMic, setCam, startScreen, stopScreen, mutedByHost, announceMuted, stop,
    get camera() { return effects.camera; } };
}
