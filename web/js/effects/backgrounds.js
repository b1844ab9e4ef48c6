// The background effects one can choose, and the choice, remembered in this
// browser (localStorage), with the image one uploaded (kept here only,
// never sent to the server).
const KEY = 'convene-background', UPLOAD_KEY = 'convene-background-upload';

export const IMAGES = [
  { id: 'dusk', label: 'Dusk', url: '/img/backgrounds/dusk.jpg' },
  { id: 'sea', label: 'Sea', url: '/img/backgrounds/sea.jpg' },
  { id: 'room', label: 'Room', url: '/img/backgrounds/room.jpg' },
  { id: 'leaves', label: 'Leaves', url: '/img/backgrounds/leaves.jpg' },
];

// Blur: the frame drawn at 1/scale of its size, blurred by `radius` px there,
// and drawn back (cheap on a CPU; the radius seen is about scale × radius).
export const BLURS = { 'blur-light': { label: 'Light blur', scale: 4, radius: 2 }, 'blur-strong': { label: 'Strong blur', scale: 8, radius: 3 } };

export function choices() {
  return [{ id: 'none', label: 'None' }, ...Object.entries(BLURS).map(([id, b]) => ({ id, label: b.label })),
    ...IMAGES.map((i) => ({ id: 'image:' + i.id, label: i.label, url: i.url })),
    ...(uploadedImage() ? [{ id: 'image:upload', label: 'Your image', url: uploadedImage() }] : [])];
}

// What a choice means: {kind: 'none'} | {kind: 'blur', scale, radius} | {kind: 'image', url}.
export function effectOf(id) {
  if (BLURS[id]) return { kind: 'blur', ...BLURS[id] };
  if (id === 'image:upload' && uploadedImage()) return { kind: 'image', url: uploadedImage() };
  const image = IMAGES.find((i) => 'image:' + i.id === id);
  return image ? { kind: 'image', url: image.url } : { kind: 'none' };
}

export function savedBackground() {
  const id = localStorage.getItem(KEY) || 'none';
  return effectOf(id).kind === 'none' ? 'none' : id;
}
export function saveBackground(id) { localStorage.setItem(KEY, id); }
export function uploadedImage() { return localStorage.getItem(UPLOAD_KEY); }

// An uploaded picture, made small enough for localStorage (a JPEG of at most
// 1280×720); resolves to its data: URL, also kept.
export async function saveUpload(file) {
  if (!file.type.startsWith('image/')) throw new Error('That file is not a picture.');
  const bitmap = await createImageBitmap(file).catch(() => { throw new Error('That picture could not be read.'); });
  const scale = Math.min(1, 1280 / bitmap.width, 720 / bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const url = canvas.toDataURL('image/jpeg', 0.85);
  try { localStorage.setItem(UPLOAD_KEY, url); } catch { throw new Error('That picture is too large to keep in this browser.'); }
  return url;
}
