// Measure on the real packs: the fixture pack (no attribute estimator: a clear error) and the
// FaceWorld demo pack on renders whose attributes are known. The demo pack gets retrained, so
// the checks are orderings of clearly different renders, not exact numbers.
import { describe, expect, it } from 'vitest';
import type { ImageValue, NodeOutputs } from '../../../src/graph/types';
import { generateNode } from '../../../src/nodes/generate';
import { MEASURED, measureNode } from '../../../src/nodes/measure';
import { latentFrom, makeCtx, packFraming, renderFace } from './helpers';

const FW = { pack: 'faceworld' };
const SEEDS = [1, 2, 3];

// renders framed as the demo pack's estimator was trained (the whole head, or cut around the face)
const FRAMING = packFraming('faceworld');
const face = (
  seed: number,
  changes: Parameters<typeof renderFace>[1] = {},
  style: Parameters<typeof renderFace>[2] = 'photo',
  size = 64,
) => renderFace(seed, changes, style, size, FRAMING);

async function measure(
  image: ImageValue,
  params: Record<string, string> = FW,
  notes: string[] = [],
): Promise<Record<string, number>> {
  const out: NodeOutputs = await measureNode.compute({ image }, params, makeCtx({}, [], notes));
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => {
      if (v.kind !== 'number') throw new Error(`output ${k} is a ${v.kind}, not a number`);
      return [k, v.value];
    }),
  );
}

const names = [
  'yaw',
  'pitch',
  'roll',
  'smile',
  'mouthOpen',
  'eyeClosedLeft',
  'eyeClosedRight',
  'browRaise',
  'lightAzimuth',
  'cgi',
];

describe('Measure', () => {
  it('declares one number output per shown attribute plus cgi, with units in the angle labels', () => {
    expect(measureNode.outputs.map((o) => o.name)).toEqual(names);
    expect(measureNode.outputs.every((o) => o.type === 'number')).toBe(true);
    for (const a of ['yaw', 'pitch', 'roll', 'lightAzimuth'])
      expect(measureNode.outputs.find((o) => o.name === a)!.label).toMatch(/\(°\)$/);
    expect(MEASURED.length).toBe(names.length - 1);
  });

  it('on the fixture pack (no attribute estimator) fails naming the pack and the missing model', async () => {
    await expect(measure(face(1, {}, 'photo', 32), { pack: 'fixture' })).rejects.toThrow(
      'Measure: model pack "fixture" has no "attributes" model (attribute estimator)',
    );
    await expect(measureNode.compute({}, FW, makeCtx())).rejects.toThrow('Measure: input "image" is not connected');
    await expect(measure(face(1, {}), { pack: 'nope' })).rejects.toThrow(/nope/);
  });

  it('gives the right count of finite values, angles in degrees and expressions near 0–1; other sizes are resized', async () => {
    const notes: string[] = [];
    const at64 = await measure(face(1, {}), FW, notes);
    expect(Object.keys(at64)).toEqual(names);
    for (const n of names) expect(Number.isFinite(at64[n]), n).toBe(true);
    expect(notes).toEqual([]);
    // a neutral face: pose and light azimuth within ±25°, expressions within [-0.3, 0.6], cgi a probability
    for (const a of ['yaw', 'pitch', 'roll', 'lightAzimuth']) expect(Math.abs(at64[a]), a).toBeLessThan(25);
    for (const a of ['smile', 'mouthOpen', 'eyeClosedLeft', 'eyeClosedRight', 'browRaise']) {
      expect(at64[a], a).toBeGreaterThan(-0.3);
      expect(at64[a], a).toBeLessThan(0.6);
    }
    expect(at64.cgi).toBeGreaterThanOrEqual(0);
    expect(at64.cgi).toBeLessThanOrEqual(1);
    // the same render at 128 px and at 40 px (resized to the pack's 64 px) reads about the same
    for (const size of [128, 40]) {
      const other = await measure(face(1, {}, 'photo', size));
      for (const n of names) expect(Number.isFinite(other[n]), `${n} at ${size} px`).toBe(true);
      expect(Math.abs(other.yaw - at64.yaw), `yaw at ${size} px`).toBeLessThan(15);
      expect(Math.abs(other.lightAzimuth - at64.lightAzimuth), `light azimuth at ${size} px`).toBeLessThan(20);
    }
    // a 32-px image from another pack's generator (the fixture pack's) goes through as well
    const foreign = (await generateNode.compute({ latent: latentFrom(2) }, { pack: 'fixture' }, makeCtx()))
      .image as ImageValue;
    expect(foreign.tensor.dims).toEqual([1, 3, 32, 32]);
    const read = await measure(foreign);
    for (const n of names) expect(Number.isFinite(read[n]), n).toBe(true);
  });

  it('orders head turns: yaw −40° reads lower than yaw +40° (three identities)', async () => {
    for (const seed of SEEDS) {
      const left = await measure(face(seed, { yaw: -40 }));
      const right = await measure(face(seed, { yaw: 40 }));
      expect(right.yaw - left.yaw, `identity ${seed}: ${left.yaw} vs ${right.yaw}`).toBeGreaterThan(20);
      expect(left.yaw, `identity ${seed}`).toBeLessThan(0);
      expect(right.yaw, `identity ${seed}`).toBeGreaterThan(0);
    }
  });

  it('orders light: azimuth −70° reads lower than +70° (three identities)', async () => {
    for (const seed of SEEDS) {
      const left = await measure(face(seed, { lightAzimuth: -70 }));
      const right = await measure(face(seed, { lightAzimuth: 70 }));
      expect(
        right.lightAzimuth - left.lightAzimuth,
        `identity ${seed}: ${left.lightAzimuth} vs ${right.lightAzimuth}`,
      ).toBeGreaterThan(20);
    }
  });

  it('tells a cgi render from a photo render of the same face (three identities)', async () => {
    for (const seed of SEEDS) {
      const cgi = await measure(face(seed, {}, 'cgi'));
      const photo = await measure(face(seed, {}, 'photo'));
      expect(cgi.cgi - photo.cgi, `identity ${seed}: cgi ${cgi.cgi} vs photo ${photo.cgi}`).toBeGreaterThan(0.5);
      expect(cgi.cgi).toBeGreaterThan(0.5);
      expect(photo.cgi).toBeLessThan(0.5);
    }
  });
});
