// RGBA <-> [1,3,H,W] tensors, image values at a pack's input size. No DOM.
import type { ImageValue, PackManifest, PackModelEntry, RgbaImage, Tensor } from '../graph/types';
import { centerCropSquare, resizeRgba } from './rgba';

/** RGBA bytes -> float32 [1,3,H,W] mapped linearly from [0,255] to `range`; alpha is dropped. */
export function rgbaToTensor(img: RgbaImage, range: [number, number] = [-1, 1]): Tensor {
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
export function tensorToRgba(t: Tensor, range: [number, number] = [-1, 1], index = 0): RgbaImage {
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
export function rgbaToPackImage(img: RgbaImage, manifest: PackManifest): ImageValue {
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
