// Pure RGBA operations: center crop, antialiased resize, previews, side-by-side, difference.
// No DOM: runs in the UI, in workers and in Node alike.
import type { RgbaImage } from '../graph/types';

/** Largest centered square. */
export function centerCropSquare(img: RgbaImage): RgbaImage {
  const side = Math.min(img.width, img.height);
  if (img.width === side && img.height === side) return img;
  const x0 = Math.floor((img.width - side) / 2);
  const y0 = Math.floor((img.height - side) / 2);
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    const src = ((y0 + y) * img.width + x0) * 4;
    data.set(img.data.subarray(src, src + side * 4), y * side * 4);
  }
  return { width: side, height: side, data };
}

/** Per-output-pixel source taps of a triangle filter widened by the scale: bilinear upscaling, area-like antialiased downscaling. */
function taps(srcSize: number, dstSize: number): { start: number[]; weights: Float32Array[] } {
  const scale = srcSize / dstSize;
  const support = Math.max(1, scale);
  const start: number[] = [];
  const weights: Float32Array[] = [];
  for (let i = 0; i < dstSize; i++) {
    const center = (i + 0.5) * scale - 0.5;
    const lo = Math.max(0, Math.ceil(center - support));
    const hi = Math.min(srcSize - 1, Math.floor(center + support));
    const w = new Float32Array(hi - lo + 1);
    let sum = 0;
    for (let j = lo; j <= hi; j++) {
      const v = Math.max(0, 1 - Math.abs(j - center) / support);
      w[j - lo] = v;
      sum += v;
    }
    if (sum === 0) {
      // a pixel center that falls between samples takes its nearest neighbour
      const nearest = Math.min(srcSize - 1, Math.max(0, Math.round(center)));
      start.push(nearest);
      weights.push(Float32Array.of(1));
      continue;
    }
    for (let j = 0; j < w.length; j++) w[j] /= sum;
    start.push(lo);
    weights.push(w);
  }
  return { start, weights };
}

/** Separable antialiased resize of RGBA. */
export function resizeRgba(img: RgbaImage, width: number, height: number): RgbaImage {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new Error(`cannot resize to ${width}x${height}`);
  }
  if (img.width === width && img.height === height) return img;
  const tx = taps(img.width, width);
  const ty = taps(img.height, height);
  const mid = new Float32Array(width * img.height * 4);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const s = tx.start[x];
      const w = tx.weights[x];
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let k = 0; k < w.length; k++) {
        const p = (y * img.width + s + k) * 4;
        r += img.data[p] * w[k];
        g += img.data[p + 1] * w[k];
        b += img.data[p + 2] * w[k];
        a += img.data[p + 3] * w[k];
      }
      const o = (y * width + x) * 4;
      mid[o] = r;
      mid[o + 1] = g;
      mid[o + 2] = b;
      mid[o + 3] = a;
    }
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const s = ty.start[y];
    const w = ty.weights[y];
    for (let x = 0; x < width; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let k = 0; k < w.length; k++) {
        const p = ((s + k) * width + x) * 4;
        r += mid[p] * w[k];
        g += mid[p + 1] * w[k];
        b += mid[p + 2] * w[k];
        a += mid[p + 3] * w[k];
      }
      const o = (y * width + x) * 4;
      data[o] = Math.round(r);
      data[o + 1] = Math.round(g);
      data[o + 2] = Math.round(b);
      data[o + 3] = Math.round(a);
    }
  }
  return { width, height, data };
}

/** A preview at most `max` px on its longer side. */
export function previewRgba(img: RgbaImage, max = 256): RgbaImage {
  const longer = Math.max(img.width, img.height);
  if (longer <= max) return img;
  const k = max / longer;
  return resizeRgba(img, Math.max(1, Math.round(img.width * k)), Math.max(1, Math.round(img.height * k)));
}

/** Images placed left to right on one row (heights may differ; the row is as tall as the tallest, padded black). */
export function hstack(images: RgbaImage[], gap = 0): RgbaImage {
  const height = Math.max(...images.map((i) => i.height));
  const width = images.reduce((s, i) => s + i.width, 0) + gap * (images.length - 1);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  let x0 = 0;
  for (const img of images) {
    for (let y = 0; y < img.height; y++) {
      data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), (y * width + x0) * 4);
    }
    x0 += img.width + gap;
  }
  return { width, height, data };
}

/** Per-pixel change between two images, for seeing where an edit acted: `after` against `before`
 * resized to `after`'s size; each pixel's mean |Δ| over R, G, B times `gain`, drawn as grey
 * (black = unchanged). `meanAbs`: mean |Δ| in levels of 255 (before the gain); `changed`: share of
 * pixels whose mean |Δ| exceeds `threshold` levels. */
export function differenceRgba(
  before: RgbaImage,
  after: RgbaImage,
  gain = 4,
  threshold = 8,
): { image: RgbaImage; meanAbs: number; changed: number } {
  if (!(gain > 0)) throw new Error(`difference gain must be > 0, got ${gain}`);
  const { width, height } = after;
  const b = resizeRgba(before, width, height).data;
  const a = after.data;
  const data = new Uint8ClampedArray(width * height * 4);
  let sum = 0;
  let changed = 0;
  for (let i = 0; i < width * height; i++) {
    const o = i * 4;
    const d = (Math.abs(a[o] - b[o]) + Math.abs(a[o + 1] - b[o + 1]) + Math.abs(a[o + 2] - b[o + 2])) / 3;
    sum += d;
    if (d > threshold) changed++;
    data[o] = data[o + 1] = data[o + 2] = d * gain;
    data[o + 3] = 255;
  }
  const n = Math.max(1, width * height);
  return { image: { width, height, data }, meanAbs: sum / n, changed: changed / n };
}
