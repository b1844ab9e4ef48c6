// Draws the bundled background pictures (simple scenes, JPEG, 1280×720) with
// Chromium's canvas: `node web/img/backgrounds/make.mjs` rewrites them here.
// Kept so they can be redrawn; build.mjs ships only the pictures.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

function draw(name) {
  const c = document.createElement('canvas');
  c.width = 1280; c.height = 720;
  const g = c.getContext('2d');
  const linear = (y0, y1, stops) => { const l = g.createLinearGradient(0, y0, 0, y1); stops.forEach(([o, col]) => l.addColorStop(o, col)); return l; };
  const hill = (y, amp, period, phase, color) => {
    g.fillStyle = color; g.beginPath(); g.moveTo(0, 720);
    for (let x = 0; x <= 1280; x += 16) g.lineTo(x, y + amp * Math.sin((x / period) * Math.PI * 2 + phase));
    g.lineTo(1280, 720); g.fill();
  };
  if (name === 'dusk') {
    g.fillStyle = linear(0, 720, [[0, '#2b1d4f'], [0.55, '#d8655a'], [1, '#f6b26b']]); g.fillRect(0, 0, 1280, 720);
    g.fillStyle = '#ffe3a3'; g.beginPath(); g.arc(880, 430, 70, 0, Math.PI * 2); g.fill();
    hill(470, 30, 900, 0.5, '#5a2f4f'); hill(540, 25, 640, 2, '#3a1f3c'); hill(620, 18, 500, 4, '#22142a');
  } else if (name === 'sea') {
    g.fillStyle = linear(0, 400, [[0, '#3c8fd6'], [1, '#bfe3f7']]); g.fillRect(0, 0, 1280, 400);
    g.fillStyle = linear(400, 720, [[0, '#1f6f9a'], [1, '#0d3f5c']]); g.fillRect(0, 400, 1280, 320);
    g.fillStyle = 'rgba(255,255,255,0.85)';
    for (const [x, y, r] of [[220, 120, 50], [280, 110, 60], [340, 125, 45], [900, 80, 40], [950, 70, 55], [1010, 85, 40]]) { g.beginPath(); g.arc(x, y, r, 0, Math.PI * 2); g.fill(); }
    g.fillStyle = '#e8d7a8'; hill(660, 12, 1400, 1, '#e8d7a8');
  } else if (name === 'room') {
    g.fillStyle = linear(0, 560, [[0, '#e9e1d3'], [1, '#d6cbb7']]); g.fillRect(0, 0, 1280, 560);
    g.fillStyle = linear(560, 720, [[0, '#9c7a55'], [1, '#7a5c3c']]); g.fillRect(0, 560, 1280, 160);
    g.fillStyle = '#f7f4ee'; g.fillRect(140, 110, 330, 260);
    g.fillStyle = linear(120, 360, [[0, '#8ec5ec'], [1, '#d7eefa']]); g.fillRect(155, 125, 300, 230);
    g.fillStyle = '#f7f4ee'; g.fillRect(300, 125, 10, 230); g.fillRect(155, 235, 300, 10);
    g.fillStyle = '#6d5640'; g.fillRect(820, 250, 300, 14); g.fillRect(820, 380, 300, 14);
    const books = ['#b5543c', '#3e6b8a', '#d9a441', '#5b8c5a', '#7d5a8c'];
    books.forEach((col, i) => { g.fillStyle = col; g.fillRect(840 + i * 34, 180, 26, 70); g.fillRect(930 + i * 30, 318, 22, 62); });
    g.fillStyle = '#4f7a45'; g.beginPath(); g.arc(1180, 470, 60, 0, Math.PI * 2); g.fill();
    g.fillStyle = '#8a5a3a'; g.fillRect(1150, 500, 60, 60);
  } else {
    g.fillStyle = linear(0, 720, [[0, '#1f4d2b'], [1, '#3f7f3a']]); g.fillRect(0, 0, 1280, 720);
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 90; i++) {
      const x = rand() * 1280, y = rand() * 720, r = 20 + rand() * 60;
      const rg = g.createRadialGradient(x, y, 0, x, y, r);
      rg.addColorStop(0, `rgba(${150 + rand() * 80 | 0},${200 + rand() * 55 | 0},${90 + rand() * 60 | 0},0.45)`);
      rg.addColorStop(1, 'rgba(120,180,80,0)');
      g.fillStyle = rg; g.beginPath(); g.arc(x, y, r, 0, Math.PI * 2); g.fill();
    }
  }
  return c.toDataURL('image/jpeg', 0.85);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
const page = await browser.newPage();
for (const name of ['dusk', 'sea', 'room', 'leaves']) {
  const url = await page.evaluate(draw, name);
  writeFileSync(join(here, name + '.jpg'), Buffer.from(url.split(',')[1], 'base64'));
}
await browser.close();
