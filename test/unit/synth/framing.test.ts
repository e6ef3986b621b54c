// Face framing (src/synth/framing.ts): the crop every image of a face-framed pack goes through.
import { describe, expect, it } from 'vitest';
import { neutralAttributes, renderLayers, sampleIdentity } from '../../../src/synth/index';
import { featureRegion, regionCoverage } from '../../../src/synth/regions';
import {
  FACE_FRAMING,
  areaCrop,
  faceCropBox,
  framedFeatures,
  renderFramed,
  type Framing,
} from '../../../src/synth/framing';

/** Coverage-weighted centroid and total of a size × size map. */
function centroid(m: ArrayLike<number>, size: number) {
  let t = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const v = m[y * size + x];
      t += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  return { x: sx / t, y: sy / t, total: t };
}

describe('faceCropBox', () => {
  it('centres the square on the features, keeps it inside the frame, and falls back to the centre', () => {
    const size = 20;
    const m = new Float32Array(size * size);
    m[6 * size + 9] = 1; // centroid (9.5, 6.5)
    expect(faceCropBox(m, size, 8)).toEqual({ x0: 6, y0: 2 }); // 9.5 − 4 = 5.5 → 6 (half to even), 6.5 − 4 = 2.5 → 2
    m.fill(0);
    m[0] = 1; // top-left corner: clamped
    expect(faceCropBox(m, size, 8)).toEqual({ x0: 0, y0: 0 });
    m.fill(0);
    m[size * size - 1] = 1; // bottom-right
    expect(faceCropBox(m, size, 8)).toEqual({ x0: 12, y0: 12 });
    expect(faceCropBox(new Float32Array(size * size), size, 8)).toEqual({ x0: 6, y0: 6 });
    expect(() => faceCropBox(m, size, 21)).toThrow(/side: 21/);
    expect(() => faceCropBox(new Float32Array(3), size, 8)).toThrow(/expected 400 values, got 3/);
  });
});

describe('areaCrop', () => {
  it('averages the input pixels each output pixel covers, as torch interpolate(mode="area")', () => {
    const size = 4;
    const src = Float64Array.from({ length: size * size }, (_, i) => i); // value = y * 4 + x
    // the whole frame to 2 px: 2 × 2 means
    expect(Array.from(areaCrop(src, size, 1, 0, 0, 4, 2))).toEqual([2.5, 4.5, 10.5, 12.5]);
    // a 3-px square to 2 px: windows [0, 2) and [1, 3) overlap in the middle row and column
    expect(Array.from(areaCrop(src, size, 1, 1, 1, 3, 2))).toEqual([7.5, 8.5, 11.5, 12.5]);
    // same size: a plain cut, every channel kept apart
    const rgba = Uint8Array.from({ length: size * size * 4 }, (_, i) => i % 256);
    expect(Array.from(areaCrop(rgba, size, 4, 2, 2, 2, 2))).toEqual(
      Array.from([10, 11, 14, 15].flatMap((p) => [0, 1, 2, 3].map((c) => p * 4 + c))),
    );
    expect(() => areaCrop(src, size, 1, 2, 2, 3, 2)).toThrow(/leaves the 4-px frame/);
  });
});

describe('renderFramed', () => {
  const identity = sampleIdentity(3);
  const attrs = { ...neutralAttributes(), yaw: 20, roll: 10 };

  it('face framing: the same size, the features larger and near the centre', () => {
    const image = renderFramed(identity, attrs, { size: 64, style: 'photo', seed: 3 }, 'face');
    const features = framedFeatures(identity, attrs, 64, 'face');
    expect([image.width, image.height, image.data.length, features.length]).toEqual([64, 64, 64 * 64 * 4, 64 * 64]);
    const a = centroid(framedFeatures(identity, attrs, 64, 'frame'), 64);
    const b = centroid(features, 64);
    // the crop is 1 / 0.625 = 1.6× larger per axis: the features cover about 2.56× the pixels
    expect(b.total / a.total).toBeGreaterThan(2.2);
    expect(b.total / a.total).toBeLessThan(2.9);
    expect(Math.hypot(b.x - 32, b.y - 32)).toBeLessThan(1.5);
    // a real picture, opaque
    let sum = 0,
      sumSq = 0,
      opaque = true;
    for (let i = 0; i < image.data.length; i += 4) {
      const v = image.data[i + 1];
      sum += v;
      sumSq += v * v;
      opaque &&= image.data[i + 3] === 255;
    }
    const n = 64 * 64;
    expect(Math.sqrt(sumSq / n - (sum / n) ** 2)).toBeGreaterThan(10);
    expect(opaque).toBe(true);
    expect(FACE_FRAMING.renderScale * 64 * FACE_FRAMING.cropShare).toBe(80); // the probe's --crop 80 on 128-px renders
  });

  it('takes the features from the same rasterisation as the picture: equal to regionCoverage', () => {
    const layers = renderLayers(identity, attrs, { size: 64, style: 'photo', seed: 3 }, featureRegion);
    expect(Array.from(layers.regionCoverage!)).toEqual(Array.from(regionCoverage(identity, attrs, 64, featureRegion)));
    expect(renderLayers(identity, attrs, { size: 64, style: 'photo', seed: 3 }).regionCoverage).toBeUndefined();
  });

  it('is deterministic and names a wrong framing', () => {
    const one = renderFramed(identity, attrs, { size: 48, style: 'cgi' }, 'face');
    const two = renderFramed(identity, attrs, { size: 48, style: 'cgi' }, 'face');
    expect(Buffer.from(one.data).equals(Buffer.from(two.data))).toBe(true);
    expect(() => renderFramed(identity, attrs, { size: 48, style: 'cgi' }, 'tight' as Framing)).toThrow(
      /framing: expected "frame" or "face", got "tight"/,
    );
    expect(() => framedFeatures(identity, attrs, 48, 'tight' as Framing)).toThrow(/got "tight"/);
  });
});
