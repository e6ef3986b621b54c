// Lock and Layer Range on the fixture pack (linear and DGE deltas) and Layer Range's presets for
// several pack sizes.
import { describe, expect, it } from 'vitest';
import type { DeltaValue, LatentValue } from '../../../src/graph/types';
import { addNode } from '../../../src/nodes/add';
import { encodeDeltaNode } from '../../../src/nodes/encode-delta';
import { layerRangeNode, presetLayers } from '../../../src/nodes/layer-range';
import { lockNode, projectPerLayer } from '../../../src/nodes/lock';
import { imageFrom, latentFrom, makeCtx } from './helpers';
import type { PairsValue } from '../../../src/graph/types';

const pairs = (seed: number): PairsValue => ({
  kind: 'pairs',
  attribute: 'smile',
  fromValue: 0,
  toValue: 1,
  pairs: [0, 1].map((i) => ({ from: imageFrom(seed + i), to: imageFrom(seed + 50 + i), params: { from: {}, to: {} } })),
});
const delta = async (seed: number, method: string) =>
  (await encodeDeltaNode.compute({ pairs: pairs(seed) }, { pack: 'fixture', method }, makeCtx())).delta as DeltaValue;
const dot = (a: Float32Array, b: Float32Array, s = 0, e = a.length) => {
  let d = 0;
  for (let i = s; i < e; i++) d += a[i] * b[i];
  return d;
};

describe('Layer Range', () => {
  it('presets split any layer count into coarse, middle and fine, covering every layer once', () => {
    expect([presetLayers('coarse', 18), presetLayers('middle', 18), presetLayers('fine', 18)]).toEqual([
      [0, 3],
      [4, 7],
      [8, 17],
    ]);
    for (const L of [4, 10, 14, 16, 18]) {
      const [c, m, f] = [presetLayers('coarse', L), presetLayers('middle', L), presetLayers('fine', L)];
      expect(c[0]).toBe(0);
      expect(m[0]).toBe(c[1] + 1);
      expect(f[0]).toBe(m[1] + 1);
      expect(f[1]).toBe(L - 1);
    }
  });

  it('keeps a linear delta on the chosen layers only (fixture pack: 4 layers × 16)', async () => {
    const d = await delta(1, 'linear');
    const out = (
      await layerRangeNode.compute({ delta: d }, { pack: 'fixture', preset: 'custom', from: 1, to: 2 }, makeCtx())
    ).delta as DeltaValue;
    expect(out.method).toBe('linear');
    for (let i = 0; i < 64; i++) expect(out.tensor.data[i]).toBe(i >= 16 && i < 48 ? d.tensor.data[i] : 0);
    const notes: string[] = [];
    await layerRangeNode.compute(
      { delta: d },
      { pack: 'fixture', preset: 'custom', from: 2, to: 9 },
      makeCtx({}, [], notes),
    );
    expect(notes[0]).toBe('Pack "fixture" has 4 layers: layers 2..9 cut to 2..3');
  });

  it('a DGE delta needs the latent; with it, the offset is Dec(w, δ) on the kept layers', async () => {
    const d = await delta(2, 'dge');
    await expect(
      layerRangeNode.compute({ delta: d }, { pack: 'fixture', preset: 'coarse', from: 0, to: 3 }, makeCtx()),
    ).rejects.toThrow('is a DGE delta, a change of W+ only once decoded on a latent');
    const latent = latentFrom(3);
    const out = (
      await layerRangeNode.compute({ delta: d, latent }, { pack: 'fixture', preset: 'fine', from: 0, to: 3 }, makeCtx())
    ).delta as DeltaValue;
    const full = (await addNode.compute({ latent, deltas: [d] }, { pack: 'fixture', combine: 'sum' }, makeCtx()))
      .latent as LatentValue;
    const [s] = presetLayers('fine', 4);
    for (let i = 0; i < 64; i++)
      expect(out.tensor.data[i]).toBeCloseTo(i >= s * 16 ? full.tensor.data[i] - latent.tensor.data[i] : 0, 5);
  });
});

describe('Lock', () => {
  it('removes, per layer, the components along the hold deltas (and nothing else)', async () => {
    const [d, h] = [await delta(4, 'linear'), await delta(5, 'linear')];
    const out = (await lockNode.compute({ delta: d, hold: [h] }, { pack: 'fixture' }, makeCtx())).delta as DeltaValue;
    for (let l = 0; l < 4; l++)
      expect(Math.abs(dot(out.tensor.data, h.tensor.data, l * 16, (l + 1) * 16))).toBeLessThan(1e-5);
    // the part orthogonal to the hold is untouched: locked + its projection = the delta
    const again = projectPerLayer(out.tensor, [h.tensor], 4);
    for (let i = 0; i < 64; i++) expect(again.data[i]).toBeCloseTo(out.tensor.data[i], 6);
    await expect(lockNode.compute({ delta: d }, { pack: 'fixture' }, makeCtx())).rejects.toThrow(
      'input "hold" is not connected',
    );
  });

  it('decodes DGE deltas on the latent first, and refuses a delta of another pack', async () => {
    const [d, h] = [await delta(6, 'dge'), await delta(7, 'dge')];
    const latent = latentFrom(8);
    await expect(lockNode.compute({ delta: d, hold: [h] }, { pack: 'fixture' }, makeCtx())).rejects.toThrow(
      'connect the latent it will be added to',
    );
    const out = (await lockNode.compute({ delta: d, hold: [h], latent }, { pack: 'fixture' }, makeCtx()))
      .delta as DeltaValue;
    expect(out.method).toBe('linear');
    expect(out.tensor.dims).toEqual([1, 4, 16]);
    await expect(
      lockNode.compute({ delta: { ...d, pack: 'faceworld' }, hold: [h], latent }, { pack: 'fixture' }, makeCtx()),
    ).rejects.toThrow('belongs to pack "faceworld"');
  });
});
