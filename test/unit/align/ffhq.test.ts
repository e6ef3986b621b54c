// Pure math of the FFHQ alignment: crop geometry on synthetic landmark sets, the resampler, EXIF
// orientation and descriptor similarity. No model, no photo.
import { describe, expect, it } from 'vitest';
import {
  applyOrientation,
  ffhqQuad,
  fitWithin,
  resampleQuad,
  shrinkImage,
  type Point,
} from '../../../src/workers/align';
import type { RgbaImage } from '../../../src/graph/types';
import { cosineSimilarity } from '../../../src/image';

/** 68 landmarks of an upright face: eye rings around (eyeLx, eyeY) and (eyeRx, eyeY), mouth corners at mouthY. */
function syntheticLandmarks({
  eyeLx = 40,
  eyeRx = 80,
  eyeY = 50,
  mouthLx = 48,
  mouthRx = 72,
  mouthY = 90,
} = {}): Point[] {
  const pts: Point[] = Array.from({ length: 68 }, (_, i) => ({ x: 60 + Math.cos(i) * 30, y: 70 + Math.sin(i) * 40 })); // jaw, brows, nose: unused
  const ring = (cx: number, cy: number) =>
    Array.from({ length: 6 }, (_, k) => ({
      x: cx + 5 * Math.cos((k * Math.PI) / 3),
      y: cy + 2 * Math.sin((k * Math.PI) / 3),
    }));
  pts.splice(36, 6, ...ring(eyeLx, eyeY));
  pts.splice(42, 6, ...ring(eyeRx, eyeY));
  for (let k = 48; k < 60; k++) pts[k] = { x: (mouthLx + mouthRx) / 2, y: mouthY + 3 };
  pts[48] = { x: mouthLx, y: mouthY };
  pts[54] = { x: mouthRx, y: mouthY };
  return pts;
}

const transform = (p: Point, angle: number, scale: number, t: Point): Point => ({
  x: scale * (Math.cos(angle) * p.x - Math.sin(angle) * p.y) + t.x,
  y: scale * (Math.sin(angle) * p.x + Math.cos(angle) * p.y) + t.y,
});

describe('ffhqQuad', () => {
  it('centres the crop between the eyes, a tenth of the way to the mouth, sized by the larger of eye distance and eye-mouth distance', () => {
    const q = ffhqQuad(syntheticLandmarks());
    // eye_avg (60,50), mouth_avg (60,90): c = eye_avg + 0.1 * (0,40)
    expect(q.center.x).toBeCloseTo(60, 6);
    expect(q.center.y).toBeCloseTo(54, 6);
    // scale = max(40*2, 40*1.8) = 80; the square is 2*scale on a side
    expect(q.size).toBeCloseTo(160, 6);
    expect(q.angle).toBeCloseTo(0, 9);
    expect(q.quad[0].x).toBeCloseTo(-20, 6);
    expect(q.quad[0].y).toBeCloseTo(-26, 6);
    expect(q.quad[2].x).toBeCloseTo(140, 6);
    expect(q.quad[2].y).toBeCloseTo(134, 6);
    // PIL QUAD order: top-left, bottom-left, bottom-right, top-right
    expect(q.quad[1].y).toBeGreaterThan(q.quad[0].y);
    expect(q.quad[3].x).toBeGreaterThan(q.quad[0].x);
  });

  it('uses the eye-mouth distance when the face is long', () => {
    const q = ffhqQuad(syntheticLandmarks({ eyeLx: 50, eyeRx: 70, mouthY: 150 }));
    expect(q.size).toBeCloseTo(2 * 100 * 1.8, 6); // eye_to_mouth = 100
  });

  it('moves with the face: rotating, scaling and shifting the landmarks does the same to the crop', () => {
    const base = syntheticLandmarks();
    const angle = 0.4;
    const scale = 2.5;
    const shift = { x: 300, y: -40 };
    const q0 = ffhqQuad(base);
    const q1 = ffhqQuad(base.map((p) => transform(p, angle, scale, shift)));
    expect(q1.angle).toBeCloseTo(angle, 9);
    expect(q1.size).toBeCloseTo(q0.size * scale, 6);
    q0.quad.forEach((p, i) => {
      const want = transform(p, angle, scale, shift);
      expect(q1.quad[i].x).toBeCloseTo(want.x, 6);
      expect(q1.quad[i].y).toBeCloseTo(want.y, 6);
    });
  });

  it('levels a tilted head: the crop axis follows the eye line (blended with the eye-mouth line)', () => {
    // right eye 10 px lower: the eye line tilts by atan(10/40); the mouth line is still vertical
    const q = ffhqQuad(syntheticLandmarks().map((p, i) => (i >= 42 && i < 48 ? { x: p.x, y: p.y + 10 } : p)));
    expect(q.angle).toBeGreaterThan(0);
    expect(q.angle).toBeLessThan(Math.atan2(10, 40));
  });

  it('refuses wrong landmark sets by name', () => {
    expect(() => ffhqQuad(syntheticLandmarks().slice(0, 5))).toThrow(/68 landmarks, got 5/);
    const bad = syntheticLandmarks();
    bad[40] = { x: NaN, y: 0 };
    expect(() => ffhqQuad(bad)).toThrow(/landmark 40/);
    expect(() => ffhqQuad(Array.from({ length: 68 }, () => ({ x: 1, y: 1 })))).toThrow(/degenerate/);
  });
});

function gradient(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      data[o] = x;
      data[o + 1] = y;
      data[o + 2] = (x + y) % 256;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

const px = (img: RgbaImage, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('resampleQuad', () => {
  it('an axis-aligned quad of the whole image at the same size is the identity', () => {
    const img = gradient(40, 30);
    const out = resampleQuad(
      img,
      [
        { x: 0, y: 0 },
        { x: 0, y: 40 },
        { x: 40, y: 40 },
        { x: 40, y: 0 },
      ],
      40,
    );
    for (const [x, y] of [
      [0, 0],
      [13, 7],
      [39, 29],
    ])
      expect(px(out, x, y)).toEqual(px(img, x, y));
  });

  it('samples a rotated quad: a 90° turned square reads rows as columns', () => {
    const img = gradient(32, 32);
    // top-left at (32,0), going down the right edge: output x runs along source y
    const out = resampleQuad(
      img,
      [
        { x: 32, y: 0 },
        { x: 0, y: 0 },
        { x: 0, y: 32 },
        { x: 32, y: 32 },
      ],
      32,
    );
    expect(px(out, 5, 0)[1]).toBe(5); // green = source y
    expect(px(out, 0, 9)[0]).toBe(31 - 9); // red = source x, counted from the right
  });

  it('mirrors outside the photo instead of leaving black borders', () => {
    const img = gradient(20, 20);
    const out = resampleQuad(
      img,
      [
        { x: -20, y: 0 },
        { x: -20, y: 20 },
        { x: 0, y: 20 },
        { x: 0, y: 0 },
      ],
      20,
    );
    // numpy 'reflect' padding: x = -1 reads x = 1, x = -10 reads x = 10 (the edge pixel is not repeated)
    expect(px(out, 19, 3)[0]).toBe(1);
    expect(px(out, 10, 3)[0]).toBe(10);
    expect(out.data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
  });

  it('pre-shrinks big crops (box filter) so a fine checkerboard averages to grey, not aliasing', () => {
    const n = 256;
    const data = new Uint8ClampedArray(n * n * 4);
    for (let i = 0; i < n * n; i++) {
      const v = ((i % n) + Math.floor(i / n)) % 2 ? 255 : 0;
      data.set([v, v, v, 255], i * 4);
    }
    const out = resampleQuad(
      { width: n, height: n, data },
      [
        { x: 0, y: 0 },
        { x: 0, y: n },
        { x: n, y: n },
        { x: n, y: 0 },
      ],
      32,
    );
    for (let i = 0; i < out.data.length; i += 4) expect(Math.abs(out.data[i] - 127.5)).toBeLessThan(3);
    expect(shrinkImage({ width: n, height: n, data }, 4).width).toBe(64);
  });

  it('refuses a bad image or size by name', () => {
    expect(() =>
      resampleQuad({ width: 4, height: 4, data: new Uint8ClampedArray(10) }, ffhqQuad(syntheticLandmarks()).quad, 8),
    ).toThrow(/4x4 RGBA needs 64/);
    expect(() => resampleQuad(gradient(4, 4), ffhqQuad(syntheticLandmarks()).quad, 0)).toThrow(/output size/);
  });

  it('fitWithin keeps small images and scales large ones to the longest side', () => {
    const small = gradient(50, 20);
    expect(fitWithin(small, 64).image).toBe(small);
    const { image, scale } = fitWithin(gradient(200, 100), 50);
    expect([image.width, image.height]).toEqual([50, 25]);
    expect(scale).toBeCloseTo(0.25, 6);
    expect(Math.abs(px(image, 10, 10)[0] - 10 / 0.25 - 1.5)).toBeLessThan(2.5); // red ≈ source x at that point
  });
});

describe('applyOrientation', () => {
  // a 3x2 image with distinct red values: stored row-major 0..5
  const stored: RgbaImage = {
    width: 3,
    height: 2,
    data: new Uint8ClampedArray([0, 1, 2, 3, 4, 5].flatMap((v) => [v, 0, 0, 255])),
  };
  const reds = (img: RgbaImage) => Array.from({ length: img.width * img.height }, (_, i) => img.data[i * 4]);
  it.each([
    [1, 3, 2, [0, 1, 2, 3, 4, 5]],
    [2, 3, 2, [2, 1, 0, 5, 4, 3]], // mirrored horizontally
    [3, 3, 2, [5, 4, 3, 2, 1, 0]], // rotated 180°
    [4, 3, 2, [3, 4, 5, 0, 1, 2]], // mirrored vertically
    [5, 2, 3, [0, 3, 1, 4, 2, 5]], // transposed
    [6, 2, 3, [3, 0, 4, 1, 5, 2]], // shown rotated 90° clockwise
    [7, 2, 3, [5, 2, 4, 1, 3, 0]], // transverse
    [8, 2, 3, [2, 5, 1, 4, 0, 3]], // shown rotated 90° counter-clockwise
  ])('orientation %i', (o, w, h, want) => {
    const out = applyOrientation(stored, o);
    expect([out.width, out.height]).toEqual([w, h]);
    expect(reds(out)).toEqual(want);
  });
  it('refuses an invalid tag', () => expect(() => applyOrientation(stored, 9)).toThrow(/1–8, got 9/));
});

describe('cosineSimilarity', () => {
  it('is 1 for the same direction, -1 opposite, 0 orthogonal, and scale-free', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 0], [-3, 0])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([1, 0], [0, 5])).toBeCloseTo(0, 12);
  });
  it('refuses mismatched or zero descriptors', () => {
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(/same non-zero length/);
    expect(() => cosineSimilarity([0, 0], [1, 2])).toThrow(/zero descriptor/);
  });
});
