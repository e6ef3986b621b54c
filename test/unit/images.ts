import type { RgbaImage } from '../../src/graph/types';
// Image helpers shared by unit tests (not a test file itself).

/** The image flipped left-right. */
export function mirrored(img: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const s = (y * img.width + x) * 4;
      data.set(img.data.subarray(s, s + 4), (y * img.width + img.width - 1 - x) * 4);
    }
  }
  return { width: img.width, height: img.height, data };
}
