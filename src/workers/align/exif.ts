// EXIF orientation: phones store the sensor image and a tag saying how to turn it; the face
// detector and the crop must see the photo the way the user sees it.
import exifr from 'exifr';
import type { RgbaImage } from '../../graph/types';

/** The EXIF Orientation tag (1–8) of an encoded photo; 1 when absent or unreadable. */
export async function readOrientation(bytes: Uint8Array): Promise<number> {
  try {
    const o = await exifr.orientation(bytes);
    return typeof o === 'number' && o >= 1 && o <= 8 ? o : 1;
  } catch {
    // PNGs and photos without EXIF are upright by definition
    return 1;
  }
}

/** Turns decoded pixels upright for EXIF orientations 1–8 (mirror, rotate 90/180/270 as the tag says). */
export function applyOrientation(img: RgbaImage, orientation: number): RgbaImage {
  if (!Number.isInteger(orientation) || orientation < 1 || orientation > 8)
    throw new Error(`EXIF orientation must be 1–8, got ${orientation}`);
  if (orientation === 1) return img;
  const { width: W, height: H, data } = img;
  const swap = orientation >= 5;
  const w = swap ? H : W;
  const h = swap ? W : H;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (sx, sy): the stored pixel shown at upright position (x, y)
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          sx = W - 1 - x;
          sy = y;
          break;
        case 3:
          sx = W - 1 - x;
          sy = H - 1 - y;
          break;
        case 4:
          sx = x;
          sy = H - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = H - 1 - x;
          break;
        case 7:
          sx = W - 1 - y;
          sy = H - 1 - x;
          break;
        default:
          sx = W - 1 - y;
          sy = x;
          break; // 8
      }
      const s = (sy * W + sx) * 4;
      out.set(data.subarray(s, s + 4), (y * w + x) * 4);
    }
  }
  return { width: w, height: h, data: out };
}
