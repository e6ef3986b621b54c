// Soft masks over an image (`width`×`height` values in 0–1, row-major): a polygon filled, grown
// and feathered, two images blended through one, and a mask drawn over a picture. Region Blend
// builds its masks with these.
import type { RgbaImage, Tensor } from '../graph/types';

export interface MaskPoint {
  x: number;
  y: number;
}

/** The share of each pixel inside the polygons (even-odd, 4 samples a pixel), coordinates in pixels. */
export function fillPolygons(polygons: MaskPoint[][], width: number, height: number): Float32Array {
  const mask = new Float32Array(width * height);
  const offsets = [0.25, 0.75];
  for (const poly of polygons) {
    if (poly.length < 3) continue;
    const xs = poly.map((p) => p.x);
    const ys = poly.map((p) => p.y);
    const x0 = Math.max(0, Math.floor(Math.min(...xs)));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
    const y0 = Math.max(0, Math.floor(Math.min(...ys)));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let hits = 0;
        for (const oy of offsets) for (const ox of offsets) if (inside(poly, x + ox, y + oy)) hits++;
        const i = y * width + x;
        mask[i] = Math.max(mask[i], hits / 4);
      }
    }
  }
  return mask;
}

function inside(poly: MaskPoint[], x: number, y: number): boolean {
  let odd = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i];
    const b = poly[j];
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) odd = !odd;
  }
  return odd;
}

/** One pass of `line` over every row (`alongRows`) or column of a `width`×`height` mask. */
function eachLine(
  src: Float32Array,
  width: number,
  height: number,
  alongRows: boolean,
  line: (get: (k: number) => number, len: number, put: (k: number, v: number) => void) => void,
): Float32Array {
  const out = new Float32Array(src.length);
  const [lines, len] = alongRows ? [height, width] : [width, height];
  for (let l = 0; l < lines; l++) {
    const at = alongRows ? (k: number) => l * width + k : (k: number) => k * width + l;
    line(
      (k) => src[at(k)],
      len,
      (k, v) => (out[at(k)] = v),
    );
  }
  return out;
}

/** The mask grown by `r` pixels (a square dilation: the largest value within r along each axis). */
export function growMask(mask: Float32Array, width: number, height: number, r: number): Float32Array {
  const radius = Math.round(r);
  if (radius <= 0) return mask;
  const max = (get: (k: number) => number, len: number, put: (k: number, v: number) => void) => {
    for (let k = 0; k < len; k++) {
      let m = 0;
      for (let j = Math.max(0, k - radius); j <= Math.min(len - 1, k + radius); j++) m = Math.max(m, get(j));
      put(k, m);
    }
  };
  return eachLine(eachLine(mask, width, height, true, max), width, height, false, max);
}

/**
 * The mask blurred to a soft edge of about `sigma` pixels (three box blurs along each axis, close to
 * a Gaussian); the border value repeats outward.
 */
export function featherMask(mask: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return mask;
  // three boxes of width w = 2r + 1 have the variance 3(w² − 1)/12 = σ²
  const radius = Math.max(1, Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2));
  const box = (get: (k: number) => number, len: number, put: (k: number, v: number) => void) => {
    const at = (k: number) => get(Math.min(len - 1, Math.max(0, k)));
    let sum = 0;
    for (let j = -radius; j <= radius; j++) sum += at(j);
    for (let k = 0; k < len; k++) {
      put(k, sum / (2 * radius + 1));
      sum += at(k + radius + 1) - at(k - radius);
    }
  };
  let out = mask;
  for (let pass = 0; pass < 3; pass++)
    out = eachLine(eachLine(out, width, height, true, box), width, height, false, box);
  return out;
}

/** `a` outside the mask, `b` inside it, mixed by its value: two [1,3,H,W] tensors of the mask's size. */
export function blendThroughMask(a: Tensor, b: Tensor, mask: Float32Array): Tensor {
  const plane = mask.length;
  if (a.data.length !== 3 * plane || b.data.length !== 3 * plane)
    throw new Error(
      `blend: images [${a.dims.join(',')}] and [${b.dims.join(',')}] do not match a mask of ${plane} pixels`,
    );
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const m = mask[i % plane];
    out[i] = a.data[i] * (1 - m) + b.data[i] * m;
  }
  return { data: out, dims: [...a.dims] };
}

/** The picture with the mask laid over it: orange where the mask is 1, darkened where it is 0. */
export function maskOverlay(img: RgbaImage, mask: Float32Array): RgbaImage {
  const data = new Uint8ClampedArray(img.data);
  const tint = [255, 110, 20];
  for (let p = 0; p < mask.length; p++) {
    const k = 0.55 * mask[p];
    const dim = 1 - 0.5 * (1 - mask[p]);
    for (let c = 0; c < 3; c++) data[p * 4 + c] = (img.data[p * 4 + c] * (1 - k) + tint[c] * k) * dim;
  }
  return { width: img.width, height: img.height, data };
}

type Quad = readonly [MaskPoint, MaskPoint, MaskPoint, MaskPoint];

/** Bilinear sample of channel `c` of an `n`×`n` grid with `channels` values a pixel, edges clamped. */
function bilinear(data: ArrayLike<number>, n: number, channels: number, c: number, x: number, y: number): number {
  const cl = (v: number) => Math.min(n - 1, Math.max(0, v));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const [fx, fy] = [x - x0, y - y0];
  const at = (xx: number, yy: number) => data[(cl(yy) * n + cl(xx)) * channels + c];
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * An edited square crop pasted back into the photo it was cut from: each photo pixel inside the
 * crop's quad (corners top-left, bottom-left, bottom-right, top-right, at pixel edges — as
 * `resampleQuad` cut it) takes the crop's colour there mixed by the mask's value; everything else
 * stays the photo's own. `mask` is the crop's size.
 */
export function pasteIntoPhoto(photo: RgbaImage, quad: Quad, crop: RgbaImage, mask: Float32Array): RgbaImage {
  const n = crop.width;
  if (crop.height !== n || mask.length !== n * n)
    throw new Error(`paste-back: the crop must be square with a mask of its size, got ${crop.width}×${crop.height}`);
  const [q0, q1, , q3] = quad;
  const ux = { x: q3.x - q0.x, y: q3.y - q0.y };
  const vy = { x: q1.x - q0.x, y: q1.y - q0.y };
  const det = ux.x * vy.y - ux.y * vy.x;
  if (Math.abs(det) < 1e-9) throw new Error('paste-back: the crop has no area in the photo');
  const data = new Uint8ClampedArray(photo.data);
  const xs = quad.map((p) => p.x);
  const ys = quad.map((p) => p.y);
  const [x0, x1] = [Math.max(0, Math.floor(Math.min(...xs))), Math.min(photo.width - 1, Math.ceil(Math.max(...xs)))];
  const [y0, y1] = [Math.max(0, Math.floor(Math.min(...ys))), Math.min(photo.height - 1, Math.ceil(Math.max(...ys)))];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - q0.x;
      const py = y + 0.5 - q0.y;
      const u = (px * vy.y - py * vy.x) / det;
      const v = (ux.x * py - ux.y * px) / det;
      if (u < 0 || u > 1 || v < 0 || v > 1) continue;
      const [cx, cy] = [u * n - 0.5, v * n - 0.5];
      const m = bilinear(mask, n, 1, 0, cx, cy);
      if (m <= 0) continue;
      const o = (y * photo.width + x) * 4;
      for (let c = 0; c < 3; c++) data[o + c] = photo.data[o + c] * (1 - m) + bilinear(crop.data, n, 4, c, cx, cy) * m;
    }
  }
  return { width: photo.width, height: photo.height, data };
}
