// Image helpers shared by the nodes, the worker and the headless run: RGBA <-> [1,3,H,W] tensors,
// antialiased resize, center crop, previews, side-by-side and PSNR. No DOM.
import type { ImageValue, PackManifest, PackModelEntry, Tensor } from '../graph/types';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** RGBA bytes -> float32 [1,3,H,W] mapped linearly from [0,255] to `range`; alpha is dropped. */
export function rgbaToTensor(img: Rgba, range: [number, number] = [-1, 1]): Tensor {
  const { width: w, height: h, data } = img;
  if (data.length !== w * h * 4)
    throw new Error(`image data has ${data.length} bytes, ${w}x${h} RGBA needs ${w * h * 4}`);
  const out = new Float32Array(3 * w * h);
  const [lo, hi] = range;
  const k = (hi - lo) / 255;
  const plane = w * h;
  for (let i = 0; i < plane; i++) {
    out[i] = lo + data[i * 4] * k;
    out[plane + i] = lo + data[i * 4 + 1] * k;
    out[2 * plane + i] = lo + data[i * 4 + 2] * k;
  }
  return { data: out, dims: [1, 3, h, w] };
}

/** One image of a [B,3,H,W] tensor -> opaque RGBA, values outside `range` clamped. */
export function tensorToRgba(t: Tensor, range: [number, number] = [-1, 1], index = 0): Rgba {
  if (t.dims.length !== 4 || t.dims[1] !== 3)
    throw new Error(`expected an image tensor [batch,3,H,W], got [${t.dims.join(',')}]`);
  const [, , h, w] = t.dims;
  const plane = w * h;
  const base = index * 3 * plane;
  const data = new Uint8ClampedArray(plane * 4);
  const [lo, hi] = range;
  const k = 255 / (hi - lo);
  for (let i = 0; i < plane; i++) {
    data[i * 4] = Math.round((t.data[base + i] - lo) * k);
    data[i * 4 + 1] = Math.round((t.data[base + plane + i] - lo) * k);
    data[i * 4 + 2] = Math.round((t.data[base + 2 * plane + i] - lo) * k);
    data[i * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

/** Largest centered square. */
export function centerCropSquare(img: Rgba): Rgba {
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
export function resizeRgba(img: Rgba, width: number, height: number): Rgba {
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

/** The image input size of one of the pack's models (from its manifest entry, else the pack's image size). */
export function modelInputSize(manifest: PackManifest, entry: PackModelEntry): { width: number; height: number } {
  const shape = entry.inputs[0].shape;
  const h = shape[2];
  const w = shape[3];
  if (typeof h === 'number' && typeof w === 'number') return { width: w, height: h };
  return { width: manifest.image.size, height: manifest.image.size };
}

/** The pack's encoder input size (from its manifest, never hard-coded). */
export function encoderInputSize(manifest: PackManifest): { width: number; height: number } {
  return modelInputSize(manifest, manifest.models.encoder);
}

/** Decoded picture -> the pack's encoder input: center-crop to square, resize, normalise to the pack's range. */
export function rgbaToPackImage(img: Rgba, manifest: PackManifest): ImageValue {
  const { width, height } = encoderInputSize(manifest);
  const sized = resizeRgba(centerCropSquare(img), width, height);
  return { kind: 'image', tensor: rgbaToTensor(sized, manifest.image.range) };
}

/** Resizes an image value (any [1,3,H,W] in [-1,1]) to the given size. */
export function resizeImageValue(img: ImageValue, width: number, height: number): ImageValue {
  const [, , h, w] = img.tensor.dims;
  if (w === width && h === height) return img;
  return { kind: 'image', tensor: rgbaToTensor(resizeRgba(tensorToRgba(img.tensor), width, height)) };
}

/** A preview at most `max` px on its longer side. */
export function previewRgba(img: Rgba, max = 256): Rgba {
  const longer = Math.max(img.width, img.height);
  if (longer <= max) return img;
  const k = max / longer;
  return resizeRgba(img, Math.max(1, Math.round(img.width * k)), Math.max(1, Math.round(img.height * k)));
}

/** Images placed left to right on one row (heights may differ; the row is as tall as the tallest, padded black). */
export function hstack(images: Rgba[], gap = 0): Rgba {
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
  before: Rgba,
  after: Rgba,
  gain = 4,
  threshold = 8,
): { image: Rgba; meanAbs: number; changed: number } {
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

/** PSNR in dB between two equal-shape tensors whose values span `range`; identical images give 100 dB (a cap, so the value stays finite and serialisable). */
export function psnr(a: Tensor, b: Tensor, range: [number, number] = [-1, 1]): number {
  if (a.data.length !== b.data.length)
    throw new Error(`PSNR needs equal shapes, got [${a.dims.join(',')}] and [${b.dims.join(',')}]`);
  let se = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    se += d * d;
  }
  const mse = se / a.data.length;
  const peak = range[1] - range[0];
  if (mse === 0) return 100;
  return Math.min(100, 10 * Math.log10((peak * peak) / mse));
}
