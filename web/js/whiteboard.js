// The call's whiteboard panel: a canvas to draw on with pen or eraser, and
// the board's strokes. After joining, the server sends the board so far in
// chunks (`whiteboard-history`, the last with done:true) while live strokes
// may already arrive; history goes under them, in the order it was drawn.
import { el } from './ui.js';

const MAX_POINTS = 10000;

export function createWhiteboard({ send }) {
  const board = el('canvas', { class: 'board', width: 1280, height: 720, 'aria-label': 'Whiteboard: draw with the mouse, a pen or a finger' });
  const penColor = el('input', { type: 'color', value: '#e53935', 'aria-label': 'Pen colour', class: 'color' });
  const penWidth = el('select', { 'aria-label': 'Pen width', class: 'compact' }, [2, 4, 8, 16, 32].map((w) => el('option', { value: w, selected: w === 4 }, w + ' px')));
  const penTool = el('select', { 'aria-label': 'Tool', class: 'compact' }, el('option', { value: 'pen' }, 'Pen'), el('option', { value: 'eraser' }, 'Eraser'));
  const ctx = board.getContext('2d');
  const strokes = [];
  let history = 0;           // strokes[0, history) came from the server's history
  let historyDone = true;
  const pending = new Map(); // requestId -> our stroke, until the server could refuse it
  let nextRequest = 1;

  function drawStroke(s) {
    ctx.globalCompositeOperation = s.tool === 'eraser' ? 'destination-out' : 'source-over';
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (s.points.length === 1) ctx.lineTo(s.points[0][0] + 0.1, s.points[0][1]);
    ctx.stroke();
    ctx.globalCompositeOperation = 'source-over';
  }
  function redraw() { ctx.clearRect(0, 0, board.width, board.height); strokes.forEach(drawStroke); }
  function clear() { strokes.length = 0; history = 0; pending.clear(); redraw(); }

  let current = null;
  const pos = (ev) => { const r = board.getBoundingClientRect(); return [Math.round((ev.clientX - r.left) * board.width / r.width), Math.round((ev.clientY - r.top) * board.height / r.height)]; };
  board.addEventListener('pointerdown', (ev) => { board.setPointerCapture(ev.pointerId); current = { tool: penTool.value, color: penColor.value, width: +penWidth.value, points: [pos(ev)] }; });
  board.addEventListener('pointermove', (ev) => { if (current && current.points.length < MAX_POINTS) { current.points.push(pos(ev)); redraw(); drawStroke(current); } });
  const endStroke = () => {
    if (!current) return;
    const requestId = 'wb-' + nextRequest++;
    strokes.push(current); pending.set(requestId, current);
    send({ type: 'whiteboard-draw', requestId, stroke: current });
    // The server answers only a refusal; after a while the stroke is taken as kept.
    setTimeout(() => pending.delete(requestId), 10000);
    current = null; redraw();
  };
  board.addEventListener('pointerup', endStroke);
  board.addEventListener('pointercancel', endStroke);

  const card = el('section', { class: 'card board-card', 'aria-label': 'Whiteboard', hidden: matchMedia('(max-width: 800px)').matches },
    el('div', { class: 'row' }, el('strong', {}, 'Whiteboard'), penTool, penColor, penWidth,
      el('button', { type: 'button', onclick: () => { clear(); send({ type: 'whiteboard-clear' }); } }, 'Clear')), board);

  return {
    card,
    // A new room-joined: the history follows in whiteboard-history messages.
    reset() { clear(); historyDone = false; },
    // Returns true when the message was the whiteboard's.
    handle(m) {
      switch (m.type) {
        case 'whiteboard-history':
          if (historyDone) return true;  // the rest of a board cleared meanwhile
          strokes.splice(history, 0, ...(m.strokes || []));
          history += (m.strokes || []).length;
          if (m.done) historyDone = true;
          redraw();
          return true;
        case 'whiteboard-draw': strokes.push(m.stroke); drawStroke(m.stroke); return true;
        case 'whiteboard-clear': clear(); historyDone = true; return true;
        case 'error': {
          // A stroke the server refused (drawing too fast, malformed) leaves our board too.
          const refused = m.requestId && pending.get(m.requestId);
          if (!refused) return false;
          pending.delete(m.requestId);
          const i = strokes.indexOf(refused);
          if (i >= 0) { strokes.splice(i, 1); redraw(); }
          return false;  // the caller still shows the message
        }
        default: return false;
      }
    },
  };
}
