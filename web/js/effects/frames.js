// Camera frames in, processed frames out, for processor.js. Where the
// browser has insertable streams for raw video (Chromium:
// MediaStreamTrackProcessor and MediaStreamTrackGenerator), frames are read
// from the track and the canvas is written out as VideoFrames: neither side
// depends on the page being rendered, so a call in a hidden tab keeps its
// effect. Elsewhere: the camera in a <video>, requestVideoFrameCallback, and
// canvas.captureStream().
//
// onFrame(source, width, height): draw `source` (a VideoFrame or the
// <video>) onto `canvas`; then the canvas is sent as the next frame.
export function createFrameIo(canvas, onFrame) {
  const insertable = typeof MediaStreamTrackProcessor === 'function' && typeof MediaStreamTrackGenerator === 'function' && typeof VideoFrame === 'function';
  return insertable ? insertableIo(canvas, onFrame) : videoIo(canvas, onFrame);
}

function insertableIo(canvas, onFrame) {
  const generator = new MediaStreamTrackGenerator({ kind: 'video' });
  const writer = generator.writable.getWriter();
  let reader = null, closed = false;
  async function pump(r) {
    for (;;) {
      const { value: frame, done } = await r.read();
      if (done) return;
      if (closed || r !== reader) { frame.close(); return; }
      let drawn = false;
      try { drawn = onFrame(frame, frame.displayWidth, frame.displayHeight); } finally { frame.close(); }
      // The generator takes the written frame (and closes it).
      if (drawn && generator.readyState === 'live') await writer.write(new VideoFrame(canvas, { timestamp: frame.timestamp })).catch((e) => console.warn('background effect frame', e));
    }
  }
  return {
    output: generator,
    setInput(track) {
      reader?.cancel().catch(() => {});
      reader = null;
      if (!track) return;
      const r = reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
      pump(r).catch((e) => console.warn('background effect input', e));  // ends with the track or a new input
    },
    close() { closed = true; reader?.cancel().catch(() => {}); writer.close().catch(() => {}); generator.stop(); },
  };
}

function videoIo(canvas, onFrame) {
  const video = document.createElement('video');
  video.muted = true; video.playsInline = true;
  const output = canvas.captureStream().getVideoTracks()[0];
  let closed = false;
  function next() {
    if (closed) return;
    if (video.videoWidth) onFrame(video, video.videoWidth, video.videoHeight);
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(next);
    else setTimeout(next, 1000 / 30);
  }
  next();
  return {
    output,
    setInput(track) {
      video.srcObject = track ? new MediaStream([track]) : null;
      if (track) video.play().catch(() => {});
    },
    close() { closed = true; output.stop(); video.srcObject = null; },
  };
}
