// Aim on the real packs: the FaceWorld demo pack solves α so the estimator reads the asked change
// on G(edited latent); the fixture pack (no estimator) applies the plain α and says why.
import { describe, expect, it } from 'vitest';
import type { DeltaValue, LatentValue, NodeOutputs } from '../../../src/graph/types';
import { addNode } from '../../../src/nodes/add';
import { aimNode, parseTargets } from '../../../src/nodes/aim';
import { followerResets, resolveParamSpec } from '../../../src/graph/param-range';
import { solveAim } from '../../../src/nodes/aim-solve';
import { encodeDeltaNode } from '../../../src/nodes/encode-delta';
import { ganInversionNode } from '../../../src/nodes/gan-inversion';
import { syntheticPairNode } from '../../../src/nodes/synthetic-pair';
import { latentFrom, makeCtx, maxAbsDiff, packFraming, pairsFrom, renderFace } from './helpers';

const FW = 'faceworld';
const defaults = Object.fromEntries(aimNode.params.map((p) => [p.name, p.default]));

async function fwDelta(attribute: string, from: number, to: number, method = 'dge'): Promise<DeltaValue> {
  const ctx = makeCtx();
  const { pairs } = await syntheticPairNode.compute(
    {},
    { pack: FW, attribute, from, to, count: 3, identitySeed: 7 },
    ctx,
  );
  return (await encodeDeltaNode.compute({ pairs }, { pack: FW, method }, ctx)).delta as DeltaValue;
}
async function fwLatent(seed: number): Promise<LatentValue> {
  const image = renderFace(seed, {}, 'photo', 64, packFraming(FW));
  return (await ganInversionNode.compute({ image }, { pack: FW, refineSteps: 0, refineRate: 0.05 }, makeCtx()))
    .latent as LatentValue;
}
const num = (o: NodeOutputs, k: string) => (o[k] as { value: number }).value;

describe('Aim', () => {
  it('reads targets as the issue writes them: signed = change by, unsigned = set to; bad ones are named', () => {
    expect(parseTargets('smile 0.8, yaw +25°; mouthOpen -0.2')).toEqual([
      { attribute: 'smile', mode: 'to', value: 0.8 },
      { attribute: 'yaw', mode: 'by', value: 25 },
      { attribute: 'mouthOpen', mode: 'by', value: -0.2 },
    ]);
    expect(parseTargets('  ')).toEqual([]);
    expect(() => parseTargets('grin 0.5')).toThrow('"grin" is not an attribute');
    expect(() => parseTargets('smile lots')).toThrow('cannot read the target "smile lots"');
  });

  it("the target slider follows the attribute: ± its range, its units' steps, a reachable default", () => {
    const target = aimNode.params.find((p) => p.name === 'target')!;
    const spec = (attribute: string) => resolveParamSpec(target, { attribute }, aimNode.params);
    expect(spec('yaw')).toMatchObject({ min: -120, max: 120, step: 0.5, default: 25 });
    expect(spec('smile')).toMatchObject({ min: -1, max: 1, step: 0.01, default: 0.5 });
    expect(spec('lightAzimuth')).toMatchObject({ min: -180, max: 180, default: 38 });
    expect(resolveParamSpec(target, {}, aimNode.params)).toMatchObject({ min: -120, max: 120 }); // default attribute: yaw
    expect(followerResets(aimNode.params, 'attribute', { attribute: 'mouthOpen' })).toEqual({ target: 0.5 });
    // every case stays inside the bounds a file may hold
    for (const c of Object.values(
      (target as { follows: { cases: Record<string, { min: number; max: number }> } }).follows.cases,
    ))
      expect(c.min >= -180 && c.max <= 180).toBe(true);
  });

  it('the solver finds α of a monotone response, and says when the target is out of reach or fidelity collapses', async () => {
    const evaluate = async (a: number[]) => ({
      values: [10 * Math.tanh(a[0] / 2)],
      cgi: Math.abs(a[0]) > 2.5 ? 0.9 : 0.1,
    });
    const src = { values: [0], cgi: 0.1 };
    const ok = await solveAim(evaluate, src, [6], { tol: [0.1] });
    expect(ok.reached).toBe(true);
    expect(Math.abs(ok.values[0] - 6)).toBeLessThanOrEqual(0.1);
    expect(ok.evals).toBeLessThanOrEqual(8);
    const far = await solveAim(evaluate, src, [9.5], { tol: [0.1] });
    expect(far.reached).toBe(false);
    expect(far.why).toMatch(/fidelity collapses first/);
    expect(far.values[0]).toBeGreaterThan(7);
    const flat = await solveAim(async () => ({ values: [1], cgi: 0 }), { values: [1], cgi: 0 }, [3], { tol: [0.1] });
    expect(flat.why).toBe('this delta does not move the attribute');
    // two deltas with crossed effects
    const two = await solveAim(
      async (a) => ({ values: [2 * a[0] + 0.5 * a[1], -a[0] + a[1] + 0.1 * a[1] ** 2], cgi: 0 }),
      { values: [0, 0], cgi: 0 },
      [1, 0.5],
      { tol: [0.01, 0.01] },
    );
    expect(two.reached).toBe(true);
  });

  it('on the demo pack lands a yaw change within 5 % of the range and reports what it reached', async () => {
    const [latent, delta] = [await fwLatent(11), await fwDelta('yaw', 0, 25)];
    const notes: string[] = [];
    const out = await aimNode.compute(
      { latent, deltas: [delta] },
      { ...defaults, pack: FW, attribute: 'yaw', mode: 'by', target: 12 },
      makeCtx({}, [], notes),
    );
    expect(Math.abs(num(out, 'reached') - 12)).toBeLessThan(0.05 * 120);
    expect(notes.join()).toMatch(/^Reached yaw \+1\d\.\d° of \+12\.0° \(α -?\d\.\d\d\)/);
    // the latent is the edit at that α, as Add makes it
    const again = await addNode.compute(
      {
        latent,
        deltas: [
          { ...delta, tensor: { data: delta.tensor.data.map((v) => v * num(out, 'alpha')), dims: delta.tensor.dims } },
        ],
      },
      { pack: FW, combine: 'sum' },
      makeCtx(),
    );
    expect(maxAbsDiff((out.latent as LatentValue).tensor, (again.latent as LatentValue).tensor)).toBeLessThan(1e-5);
  });

  it('says plainly when a target is out of reach', async () => {
    const [latent, delta] = [await fwLatent(12), await fwDelta('smile', 0, 0.3)];
    const notes: string[] = [];
    await aimNode.compute(
      { latent, deltas: [delta] },
      { ...defaults, pack: FW, attribute: 'yaw', mode: 'by', target: 150, maxAlpha: 1 },
      makeCtx({}, [], notes),
    );
    expect(notes[0]).toMatch(/^Out of reach: /);
  });

  it('aims several deltas at once, one target each, and checks the count', async () => {
    const latent = await fwLatent(13);
    const [yaw, smile] = [await fwDelta('yaw', 0, 25), await fwDelta('mouthOpen', 0, 0.5)];
    const notes: string[] = [];
    const params = { ...defaults, pack: FW, attribute: 'yaw', mode: 'by', target: -10, more: 'mouthOpen +0.2' };
    await aimNode.compute({ latent, deltas: [yaw, smile] }, params, makeCtx({}, [], notes));
    expect(notes[0]).toMatch(/yaw .* mouthOpen /);
    await expect(aimNode.compute({ latent, deltas: [yaw] }, params, makeCtx())).rejects.toThrow(
      '1 deltas are connected but 2 targets are given',
    );
  });

  it('on the fixture pack (no estimator) applies plain α and says why', async () => {
    const latent = latentFrom(1);
    const ctx = makeCtx();
    const delta = (await encodeDeltaNode.compute({ pairs: pairsFrom(2) }, { pack: 'fixture', method: 'linear' }, ctx))
      .delta as DeltaValue;
    const notes: string[] = [];
    const out = await aimNode.compute(
      { latent, deltas: [delta] },
      { ...defaults, pack: 'fixture', alpha: 0.5 },
      makeCtx({}, [], notes),
    );
    expect(notes[0]).toMatch(/has no attribute estimator, so Aim cannot measure the edit: plain α = 0.5/);
    const w = (out.latent as LatentValue).tensor.data;
    expect(w[5]).toBeCloseTo(latent.tensor.data[5] + 0.5 * delta.tensor.data[5], 5);
    expect(Number.isNaN(num(out, 'reached'))).toBe(true);
    await expect(aimNode.compute({ latent }, { ...defaults, pack: 'fixture' }, ctx)).rejects.toThrow(
      'Aim: input "deltas" is not connected',
    );
  });
});
