// An uploaded picture becomes a graph asset: downsized (big photos would bloat every saved and
// shared graph), PNG-encoded, base64, with an id derived from its content.
import type { GraphAsset } from '../../graph/document';
import { checkImageHeader } from '../../image';
import { bytesToBase64 } from '../../graph/assets';

export { bytesToBase64 };

const MAX_SIDE = 512;
const MAX_INPUT_BYTES = 40 * 1024 * 1024;

export async function fileToAsset(file: File): Promise<{ id: string; asset: GraphAsset }> {
  if (!file.type.startsWith('image/'))
    throw new Error(`"${file.name}" is not an image (type "${file.type || 'unknown'}")`);
  if (file.size > MAX_INPUT_BYTES)
    throw new Error(`"${file.name}" is too large (${(file.size / 1048576).toFixed(1)} MB; the limit is 40 MB)`);
  // size from the header before the browser decodes it: a small file can claim gigapixels
  checkImageHeader(new Uint8Array(await file.arrayBuffer()), `"${file.name}"`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`cannot decode "${file.name}" as an image`);
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('this browser cannot draw images off-screen');
  g.imageSmoothingQuality = 'high';
  g.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const id = `img-${[...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  return { id, asset: { mime: 'image/png', name: file.name.slice(0, 120), data: bytesToBase64(bytes) } };
}
