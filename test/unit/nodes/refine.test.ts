// GAN Inversion's per-image refinement on the FaceWorld demo pack (real generator_grad model
// through onnxruntime-web): it lowers |G(w) − image|, never ends worse than the encoder, the
// gradient model agrees with finite differences of the generator, and packs without it or bad
// params fail by name. The pack gets retrained, so checks are orderings, not exact numbers.
import { describe, expect, it } from 'vitest';
import type { ImageValue, LatentValue, Tensor } from '../../../src/graph/types';
import { ganInversionNode } from '../../../src/nodes/gan-inversion';
import { canRefine, refineLatents } from '../../../src/nodes/refine';
import { imageFrom, makeCtx, maxAbsDiff, packs, renderFace } from './helpers';

const FW = { pack: 'faceworld', refineSteps: 0, refineRate: 0.05 };

const face = (seed: number): ImageValue => renderFace(seed, { smile: 0.8 });

function l1(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}

async function invert(
  image: ImageValue,
  params: Record<string, string | number>,
  progress: number[] = [],
  notes: string[] = [],
): Promise<Tensor> {
  return ((await ganInversionNode.compute({ image }, params, makeCtx({}, progress, notes))).latent as LatentValue)
    .tensor;
}

describe('GAN Inversion refinement (generator_grad)', () => {
  it('the demo pack has the gradient model; the fixture pack has not and says so by name', async () => {
    expect(canRefine(await packs.manifest('faceworld'))).toBe(true);
    expect(canRefine(await packs.manifest('fixture'))).toBe(false);
    await expect(invert(imageFrom(1), { pack: 'fixture', refineSteps: 10, refineRate: 0.05 })).rejects.toThrow(
      'GAN Inversion: pack "fixture" has no generator_grad model, so inversions cannot be refined (set refine steps to 0)',
    );
    await expect(invert(imageFrom(1), { pack: 'fixture', refineSteps: 0, refineRate: 0.05 })).resolves.toBeDefined();
    await expect(invert(face(1), { ...FW, refineSteps: 501 })).rejects.toThrow(
      'param "refineSteps" = 501 is outside [0, 500]',
    );
  });

  it('the gradient matches finite differences of the generator', async () => {
    const manifest = await packs.manifest('faceworld');
    const w = await invert(face(2), FW);
    const target = face(3).tensor;
    const out = await packs.run('faceworld', 'generator_grad', { w, target });
    const loss = (x: Float32Array) =>
      packs.run('faceworld', 'generator', { w: { data: x, dims: w.dims } }).then((r) => l1(r.image, target));
    expect(Math.abs(out.loss.data[0] - (await loss(w.data)))).toBeLessThan(1e-5);
    expect(out.grad.dims).toEqual([1, manifest.latent.layers, manifest.latent.dim]);
    // the directional derivative along the gradient: (L(w + h g) − L(w − h g)) / 2h ≈ |g|²
    const g = out.grad.data;
    const norm2 = g.reduce((s, v) => s + v * v, 0);
    const h = 0.5 / Math.sqrt(norm2);
    const plus = await loss(w.data.map((v, i) => v + h * g[i]));
    const minus = await loss(w.data.map((v, i) => v - h * g[i]));
    const fd = (plus - minus) / (2 * h);
    expect(fd / norm2).toBeGreaterThan(0.8);
    expect(fd / norm2).toBeLessThan(1.25);
  });

  it('refining lowers the reconstruction error of a held-out render and reports progress', async () => {
    const image = face(7);
    const w0 = await invert(image, FW);
    const progress: number[] = [];
    const notes: string[] = [];
    const w1 = await invert(image, { ...FW, refineSteps: 30 }, progress, notes);
    expect(notes).toEqual([
      expect.stringMatching(/^Refined: mean \|G\(w\) − image\| \d\.\d{3} → \d\.\d{3} \(\d+ % lower\)$/),
    ]);
    expect(maxAbsDiff(w0, w1)).toBeGreaterThan(1e-3);
    const rec = async (w: Tensor) => l1((await packs.run('faceworld', 'generator', { w })).image, image.tensor);
    const before = await rec(w0);
    const after = await rec(w1);
    expect(after).toBeLessThan(before * 0.95);
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThan(3);
  });

  it("keeps each batch item's best latent, so it never ends worse than where it started", async () => {
    const manifest = await packs.manifest('faceworld');
    const a = await invert(face(8), FW);
    const b = await invert(face(9), FW);
    const w = { data: Float32Array.from([...a.data, ...b.data]), dims: [2, ...a.dims.slice(1)] };
    const target = { data: Float32Array.from([...face(8).tensor.data, ...face(9).tensor.data]), dims: [2, 3, 64, 64] };
    // a huge rate overshoots: the result must then be the start
    const wild = await refineLatents(packs, 'faceworld', manifest, w, target, { steps: 3, rate: 50 });
    for (let i = 0; i < 2; i++) expect(wild.lossAfter[i]).toBeLessThanOrEqual(wild.lossBefore[i]);
    const good = await refineLatents(packs, 'faceworld', manifest, w, target, { steps: 10, rate: 0.05 });
    for (let i = 0; i < 2; i++) expect(good.lossAfter[i]).toBeLessThan(good.lossBefore[i]);
    await expect(
      refineLatents(packs, 'faceworld', manifest, w, face(8).tensor, { steps: 1, rate: 0.05 }),
    ).rejects.toThrow('refine: 2 latents but 1 target images');
  });

  it('stops when the run is cancelled', async () => {
    const manifest = await packs.manifest('faceworld');
    const w = await invert(face(4), FW);
    const ctl = new AbortController();
    const run = refineLatents(packs, 'faceworld', manifest, w, face(4).tensor, {
      steps: 400,
      rate: 0.05,
      signal: ctl.signal,
      onStep: (done) => {
        if (done === 2) ctl.abort();
      },
    });
    await expect(run).rejects.toThrow();
  });
});
