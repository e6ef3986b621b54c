// Aim's blur guard: the sharpness ratio falls when a face is blurred (not when only its light or
// contrast changes), the solver stops α before the limit and says the face blurs, and on the demo
// pack a far yaw aim ends "out of reach" because the face blurs (the domain classifier calls it photo).
import { describe, expect, it } from 'vitest';
import type { DeltaValue, LatentValue, Tensor } from '../../../src/graph/types';
import { aimNode } from '../../../src/nodes/aim';
import { solveAim } from '../../../src/nodes/aim-solve';
import { encodeDeltaNode } from '../../../src/nodes/encode-delta';
import { SHARPNESS_LIMIT, sharpness, sharpnessRatio } from '../../../src/nodes/fidelity';
import { ganInversionNode } from '../../../src/nodes/gan-inversion';
import { syntheticPairNode } from '../../../src/nodes/synthetic-pair';
import { makeCtx, packFraming, renderFace } from './helpers';

/** A 3×3 box blur of every channel, `times` times. */
function blur(t: Tensor, times: number): Tensor {
  const [, c, h, w] = t.dims;
  let data = Float32Array.from(t.data);
  for (let k = 0; k < times; k++) {
    const out = new Float32Array(data.length);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let s = 0;
          let n = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const [yy, xx] = [y + dy, x + dx];
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              s += data[ch * h * w + yy * w + xx];
              n++;
            }
          out[ch * h * w + y * w + x] = s / n;
        }
    data = out;
  }
  return { data, dims: t.dims };
}

describe('blur guard (sharpness ratio)', () => {
  it('reads a blurred render as blurred, a darker or flatter one as sharp', () => {
    const face = renderFace(960_500, {}, 'photo', 64).tensor;
    expect(sharpness(face)).toBeGreaterThan(0);
    expect(sharpnessRatio(face, face)).toBeCloseTo(1, 6);
    expect(sharpnessRatio(blur(face, 1), face)).toBeLessThan(0.5);
    expect(sharpnessRatio(blur(face, 4), face)).toBeLessThan(SHARPNESS_LIMIT);
    // half the contrast, shifted darker: the same detail
    const flat = { data: face.data.map((v) => 0.5 * v - 0.3), dims: face.dims };
    expect(sharpnessRatio(flat, face)).toBeCloseTo(1, 3);
    expect(() => sharpness({ data: new Float32Array(4), dims: [4] })).toThrow('expected an NCHW image');
  });

  it('the solver stops α where the face blurs and says so (the domain classifier saw nothing)', async () => {
    const evaluate = async (a: number[]) => ({
      values: [10 * Math.tanh(a[0] / 2)],
      cgi: 0.01,
      sharpness: Math.exp(-0.8 * Math.abs(a[0])),
    });
    const src = { values: [0], cgi: 0.01, sharpness: 1 };
    const far = await solveAim(evaluate, src, [9], { tol: [0.1], sharpnessLimit: 0.2 });
    expect(far.reached).toBe(false);
    expect(far.why).toMatch(
      /^fidelity collapses first: at α \d\.\d\d the face blurs \(it keeps \d+ % of the source's detail; the guard stops under 20 %\)$/,
    );
    expect(far.sharpness).toBeGreaterThanOrEqual(0.2);
    expect(Math.abs(far.alphas[0])).toBeLessThanOrEqual(Math.log(5) / 0.8 + 1e-9);
    const near = await solveAim(evaluate, src, [3], { tol: [0.1], sharpnessLimit: 0.2 });
    expect(near.reached).toBe(true);
    // without the guard the same solve runs into the blur
    const unguarded = await solveAim(evaluate, src, [9], { tol: [0.1] });
    expect(unguarded.sharpness).toBeLessThan(0.2);
  });

  it('on the demo pack a yaw aim far beyond the pairs ends out of reach: the face blurs', async () => {
    const ctx = makeCtx();
    const image = renderFace(960_600, {}, 'photo', 64, packFraming('faceworld'));
    const latent = (
      await ganInversionNode.compute({ image }, { pack: 'faceworld', refineSteps: 0, refineRate: 0.05 }, ctx)
    ).latent as LatentValue;
    const { pairs } = await syntheticPairNode.compute(
      {},
      { pack: 'faceworld', attribute: 'yaw', from: 0, to: 25, count: 3, identitySeed: 7 },
      ctx,
    );
    const delta = (await encodeDeltaNode.compute({ pairs }, { pack: 'faceworld', method: 'dge' }, ctx))
      .delta as DeltaValue;
    const defaults = Object.fromEntries(aimNode.params.map((p) => [p.name, p.default]));
    const notes: string[] = [];
    await aimNode.compute(
      { latent, deltas: [delta] },
      { ...defaults, pack: 'faceworld', attribute: 'yaw', mode: 'by', target: 60 },
      makeCtx({}, [], notes),
    );
    expect(notes[0]).toMatch(/^Out of reach: fidelity collapses first: at α -?\d\.\d\d the face blurs/);
  });
});
