import { describe, expect, it } from 'vitest';
import {
  centerCropSquare,
  differenceRgba,
  hstack,
  previewRgba,
  psnr,
  resizeRgba,
  rgbaToTensor,
  tensorToRgba,
} from '../../../src/image';
import { decodeImageNode } from '../../../src/workers/node/context';
import { encode } from 'fast-png';

function gradient(w: number, h: number) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      data[o] = (x * 255) / (w - 1);
      data[o + 1] = (y * 255) / (h - 1);
      data[o + 2] = 128;
      data[o + 3] = 255;
    }
  return { width: w, height: h, data };
}

describe('image helpers', () => {
  it("difference: black where nothing changed, the change × gain where it did, at the after image's size", () => {
    const before = gradient(8, 8);
    const after = { ...before, data: new Uint8ClampedArray(before.data) };
    for (let x = 0; x < 8; x++) after.data[(2 * 8 + x) * 4 + 2] += 30; // row 2: blue 128 → 158 (mean over RGB: 10 levels)
    const same = differenceRgba(before, before);
    expect(same.meanAbs).toBe(0);
    expect(same.changed).toBe(0);
    const d = differenceRgba(before, after, 4);
    expect(d.image.data[(2 * 8 + 3) * 4]).toBe(40);
    expect(d.image.data[(5 * 8 + 3) * 4]).toBe(0);
    expect(d.image.data[(5 * 8 + 3) * 4 + 3]).toBe(255);
    expect(d.meanAbs).toBeCloseTo(10 / 8, 5);
    expect(d.changed).toBeCloseTo(1 / 8, 5);
    // a larger "before" (a 128 px source against a 64 px generated face) is brought to the after's size
    expect(differenceRgba(resizeRgba(before, 16, 16), after).image.width).toBe(8);
    expect(() => differenceRgba(before, after, 0)).toThrow(/gain/);
  });

  it('round-trips RGBA through a [-1,1] tensor', () => {
    const img = gradient(7, 5);
    const t = rgbaToTensor(img);
    expect(t.dims).toEqual([1, 3, 5, 7]);
    expect(t.data[0]).toBeCloseTo(-1);
    expect(t.data[6]).toBeCloseTo(1);
    expect(Array.from(tensorToRgba(t).data)).toEqual(Array.from(img.data));
  });

  it('center-crops to a square and resizes keeping a smooth gradient', () => {
    const crop = centerCropSquare(gradient(40, 20));
    expect([crop.width, crop.height]).toEqual([20, 20]);
    const small = resizeRgba(gradient(64, 64), 16, 16);
    expect([small.width, small.height]).toEqual([16, 16]);
    // red grows left to right; green top to bottom; blue stays 128
    for (let x = 1; x < 16; x++) expect(small.data[x * 4]).toBeGreaterThan(small.data[(x - 1) * 4]);
    expect(small.data[2]).toBe(128);
    const big = resizeRgba(gradient(8, 8), 32, 32);
    expect(big.data[(31 * 32 + 31) * 4 + 1]).toBeGreaterThan(240);
  });

  it('limits previews to 256 px, stacks side by side and measures PSNR', () => {
    const p = previewRgba(gradient(1024, 512));
    expect([p.width, p.height]).toEqual([256, 128]);
    const s = hstack([gradient(4, 4), gradient(6, 3)], 2);
    expect([s.width, s.height]).toEqual([12, 4]);
    const a = rgbaToTensor(gradient(8, 8));
    expect(psnr(a, a)).toBe(100);
    const b = { data: a.data.map((v) => v + 0.02), dims: a.dims };
    // MSE = 0.0004, peak 2 -> 10*log10(4/0.0004) = 40 dB
    expect(psnr(a, b)).toBeCloseTo(40, 3);
  });

  it('decodes PNG (RGB, grey, 16-bit) in Node and refuses unknown formats', async () => {
    const rgb = await decodeImageNode(
      encode({ width: 2, height: 1, data: new Uint8Array([255, 0, 0, 0, 0, 255]), channels: 3 }),
    );
    expect(Array.from(rgb.data)).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
    const grey16 = await decodeImageNode(
      encode({ width: 1, height: 1, data: new Uint16Array([65535]), channels: 1, depth: 16 }),
    );
    expect(Array.from(grey16.data)).toEqual([255, 255, 255, 255]);
    await expect(decodeImageNode(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow('unsupported image format');
  });
});
