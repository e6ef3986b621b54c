import { describe, expect, it } from 'vitest';
import type { DeltaValue, LatentValue } from '../../../src/graph/types';
import { addNode } from '../../../src/nodes/add';
import { compareNode } from '../../../src/nodes/compare';
import { encodeDeltaNode } from '../../../src/nodes/encode-delta';
import { ganInversionNode } from '../../../src/nodes/gan-inversion';
import { generateNode } from '../../../src/nodes/generate';
import { randomFaceNode } from '../../../src/nodes/random-face';
import { saveFileName, saveImageNode } from '../../../src/nodes/save-image';
import { scaleNode } from '../../../src/nodes/scale';
import { imageFrom, latentFrom, makeCtx, maxAbsDiff, packs, pairsFrom, std } from './helpers';

const P = { pack: 'fixture' };

describe('model nodes on the fixture pack', () => {
  it('Generate renders a latent into a [1,3,32,32] image in [-1,1]', async () => {
    const out = await generateNode.compute({ latent: latentFrom(1) }, P, makeCtx());
    const img = out.image;
    expect(img.kind).toBe('image');
    if (img.kind !== 'image') return;
    expect(img.tensor.dims).toEqual([1, 3, 32, 32]);
    expect(std(img.tensor)).toBeGreaterThan(0.01);
    const direct = await packs.run('fixture', 'generator', { w: latentFrom(1).tensor });
    expect(maxAbsDiff(img.tensor, direct.image)).toBe(0);
  });

  it('Generate refuses a latent of another pack, naming both packs', async () => {
    await expect(generateNode.compute({ latent: latentFrom(1, 'faceworld') }, P, makeCtx())).rejects.toThrow(
      'this latent belongs to pack "faceworld"; node Generate uses pack "fixture"',
    );
    await expect(generateNode.compute({}, P, makeCtx())).rejects.toThrow('Generate: input "latent" is not connected');
  });

  it('GAN Inversion encodes an image (resizing other sizes to the encoder input) into a tagged latent', async () => {
    const out = await ganInversionNode.compute(
      { image: imageFrom(3) },
      { ...P, refineSteps: 0, refineRate: 0.05 },
      makeCtx(),
    );
    const latent = out.latent as LatentValue;
    expect(latent.pack).toBe('fixture');
    expect(latent.tensor.dims).toEqual([1, 4, 16]);
    const big = await ganInversionNode.compute(
      { image: imageFrom(3, 64) },
      { ...P, refineSteps: 0, refineRate: 0.05 },
      makeCtx(),
    );
    expect((big.latent as LatentValue).tensor.dims).toEqual([1, 4, 16]);
  });

  it('Random Face is deterministic per seed, differs across seeds, and ψ = 0 gives the average face', async () => {
    const a = (await randomFaceNode.compute({}, { ...P, seed: 5, truncation: 0.7 }, makeCtx())).latent as LatentValue;
    const a2 = (await randomFaceNode.compute({}, { ...P, seed: 5, truncation: 0.7 }, makeCtx())).latent as LatentValue;
    const b = (await randomFaceNode.compute({}, { ...P, seed: 6, truncation: 0.7 }, makeCtx())).latent as LatentValue;
    expect(maxAbsDiff(a.tensor, a2.tensor)).toBe(0);
    expect(maxAbsDiff(a.tensor, b.tensor)).toBeGreaterThan(1e-3);
    const avg5 = (await randomFaceNode.compute({}, { ...P, seed: 5, truncation: 0 }, makeCtx())).latent as LatentValue;
    const avg6 = (await randomFaceNode.compute({}, { ...P, seed: 6, truncation: 0 }, makeCtx())).latent as LatentValue;
    expect(maxAbsDiff(avg5.tensor, avg6.tensor)).toBeLessThan(1e-6);
    await expect(randomFaceNode.compute({}, { ...P, seed: 5, truncation: 2 }, makeCtx())).rejects.toThrow(
      'Random Face: param "truncation" = 2 is outside [0, 1]',
    );
  });

  it('Encode Delta (dge) averages Δ-encoder codes over the K pairs; (linear) averages E(to) − E(from)', async () => {
    const progress: number[] = [];
    const pairs = pairsFrom(3);
    const dge = (await encodeDeltaNode.compute({ pairs }, { ...P, method: 'dge' }, makeCtx({}, progress)))
      .delta as DeltaValue;
    expect(dge).toMatchObject({ kind: 'delta', method: 'dge', pack: 'fixture', label: 'smile 0→1' });
    expect(dge.tensor.dims).toEqual([1, 8]);
    expect(progress.at(-1)).toBe(1);
    // reference: per-pair E then Enc, then the mean
    const expected = new Float32Array(8);
    const expectedLinear = new Float32Array(64);
    for (const p of pairs.pairs) {
      const wf = (await packs.run('fixture', 'encoder', { image: p.from.tensor })).w;
      const wt = (await packs.run('fixture', 'encoder', { image: p.to.tensor })).w;
      const d = (await packs.run('fixture', 'delta_encoder', { w_from: wf, w_to: wt })).delta;
      d.data.forEach((v, i) => (expected[i] += v / 3));
      wt.data.forEach((v, i) => (expectedLinear[i] += (v - wf.data[i]) / 3));
    }
    expect(maxAbsDiff(dge.tensor, { data: expected, dims: [1, 8] })).toBeLessThan(1e-4);
    const lin = (await encodeDeltaNode.compute({ pairs }, { ...P, method: 'linear' }, makeCtx())).delta as DeltaValue;
    expect(lin.method).toBe('linear');
    expect(lin.tensor.dims).toEqual([1, 4, 16]);
    expect(maxAbsDiff(lin.tensor, { data: expectedLinear, dims: [1, 4, 16] })).toBeLessThan(1e-4);
  });

  it('Scale multiplies the delta by α and rejects α out of range', async () => {
    const delta: DeltaValue = {
      kind: 'delta',
      method: 'dge',
      pack: 'fixture',
      label: 'smile',
      tensor: { data: Float32Array.of(1, -2, 0.5), dims: [1, 3] },
    };
    const out = (await scaleNode.compute({ delta }, { alpha: -1.5 }, makeCtx())).delta as DeltaValue;
    expect(Array.from(out.tensor.data)).toEqual([-1.5, 3, -0.75]);
    expect(out.method).toBe('dge');
    await expect(scaleNode.compute({ delta }, { alpha: 9 }, makeCtx())).rejects.toThrow(
      'Scale: param "alpha" = 9 is outside [-3, 3]',
    );
  });

  it('Compare stacks before|after and reports PSNR', async () => {
    const a = imageFrom(1);
    const out = await compareNode.compute({ a, b: a }, {}, makeCtx());
    expect(out.psnr).toEqual({ kind: 'number', value: 100 });
    expect(out.image.kind === 'image' && out.image.tensor.dims).toEqual([1, 3, 32, 66]);
    const other = await compareNode.compute({ a, b: imageFrom(2, 64) }, {}, makeCtx());
    expect(other.psnr.kind === 'number' && other.psnr.value).toBeLessThan(30);
  });

  it('Save Image passes its image through and sanitises the file name', async () => {
    const img = imageFrom(4);
    const out = await saveImageNode.compute({ image: img }, { filename: 'x.png' }, makeCtx());
    expect(out.image).toBe(img);
    expect(saveFileName('../../etc/evil name?.PNG')).toBe('evil name_.png');
    expect(saveFileName('')).toBe('image.png');
  });
});

describe('Add', () => {
  const dge = (seed: number): DeltaValue => ({
    kind: 'delta',
    method: 'dge',
    pack: 'fixture',
    label: `d${seed}`,
    tensor: { data: new Float32Array(8).map((_, i) => Math.cos(seed + i)), dims: [1, 8] },
  });
  const dec = async (w: LatentValue['tensor'], d: DeltaValue['tensor']) =>
    (await packs.run('fixture', 'delta_decoder', { w, delta: d })).dw;
  const plus = (a: LatentValue['tensor'], b: LatentValue['tensor']) => ({
    data: a.data.map((v, i) => v + b.data[i]),
    dims: a.dims,
  });

  it('sum decodes Σδ once against the input latent; sequence re-anchors on the current latent; they differ', async () => {
    const w = latentFrom(7);
    const d1 = dge(1);
    const d2 = dge(2);
    const sum = (await addNode.compute({ latent: w, deltas: [d1, d2] }, { ...P, combine: 'sum' }, makeCtx()))
      .latent as LatentValue;
    const seq = (await addNode.compute({ latent: w, deltas: [d1, d2] }, { ...P, combine: 'sequence' }, makeCtx()))
      .latent as LatentValue;
    const sumDelta = { data: d1.tensor.data.map((v, i) => v + d2.tensor.data[i]), dims: [1, 8] };
    const expectedSum = plus(w.tensor, await dec(w.tensor, sumDelta));
    const w1 = plus(w.tensor, await dec(w.tensor, d1.tensor));
    const expectedSeq = plus(w1, await dec(w1, d2.tensor));
    expect(maxAbsDiff(sum.tensor, expectedSum)).toBeLessThan(1e-5);
    expect(maxAbsDiff(seq.tensor, expectedSeq)).toBeLessThan(1e-5);
    expect(maxAbsDiff(sum.tensor, seq.tensor)).toBeGreaterThan(1e-3);
    expect(sum.pack).toBe('fixture');
  });

  it('adds linear offsets directly (mixed with DGE deltas) and passes the latent through without deltas', async () => {
    const w = latentFrom(8);
    const offset: DeltaValue = {
      kind: 'delta',
      method: 'linear',
      pack: 'fixture',
      label: 'lin',
      tensor: { data: new Float32Array(64).fill(0.25), dims: [1, 4, 16] },
    };
    const only = (await addNode.compute({ latent: w, deltas: [offset] }, { ...P, combine: 'sum' }, makeCtx()))
      .latent as LatentValue;
    expect(maxAbsDiff(only.tensor, plus(w.tensor, offset.tensor))).toBeLessThan(1e-6);
    const mixed = (await addNode.compute({ latent: w, deltas: [dge(3), offset] }, { ...P, combine: 'sum' }, makeCtx()))
      .latent as LatentValue;
    const expected = plus(plus(w.tensor, await dec(w.tensor, dge(3).tensor)), offset.tensor);
    expect(maxAbsDiff(mixed.tensor, expected)).toBeLessThan(1e-5);
    const none = (await addNode.compute({ latent: w, deltas: [] }, { ...P, combine: 'sum' }, makeCtx()))
      .latent as LatentValue;
    expect(maxAbsDiff(none.tensor, w.tensor)).toBe(0);
  });

  it('refuses deltas and latents from another pack, and a wrongly shaped delta', async () => {
    const w = latentFrom(9);
    const foreign = { ...dge(1), pack: 'faceworld', label: 'smile' };
    await expect(
      addNode.compute({ latent: w, deltas: [foreign] }, { ...P, combine: 'sum' }, makeCtx()),
    ).rejects.toThrow('this delta (#1, smile) belongs to pack "faceworld"; node Add uses pack "fixture"');
    await expect(
      addNode.compute({ latent: latentFrom(1, 'other'), deltas: [] }, { ...P, combine: 'sum' }, makeCtx()),
    ).rejects.toThrow('this latent belongs to pack "other"; node Add uses pack "fixture"');
    const bad = { ...dge(1), tensor: { data: new Float32Array(5), dims: [1, 5] } };
    await expect(addNode.compute({ latent: w, deltas: [bad] }, { ...P, combine: 'sum' }, makeCtx())).rejects.toThrow(
      'Add: delta #1 (dge) has shape [1,5], pack "fixture" expects [1,8]',
    );
    await expect(addNode.compute({ latent: w, deltas: [] }, { ...P, combine: 'both' }, makeCtx())).rejects.toThrow(
      'param "combine" must be "sum" or "sequence"',
    );
  });
});
