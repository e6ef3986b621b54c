// The timed steps of bench:packs, shared by Node and Chromium so both measure the same thing.
import type { OnnxPackRuntime } from '../../src/workers/pack/runtime';
import type { Tensor } from '../../src/graph/types';

export interface PackTimings {
  /** per step: first call (read + sha256 + session + run) and the median of later runs, ms */
  [figure: string]: number;
}

/** time cap of one model's warm-up runs, ms: a 1024-px generator takes seconds per image */
export const WARMUP_MAX_MS = 5000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;

function randn(n: number, seed: number): Float32Array {
  // deterministic inputs: a small LCG + Box-Muller is enough for timing
  let s = seed >>> 0;
  const u = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/**
 * Per model: the first call, then `warmup` runs, at most WARMUP_MAX_MS of them (their median is
 * `…WarmupMs`: V8 runs the wasm kernels unoptimised until they have run a while and then compiles
 * them again in the background, which is what a user's first edits meet), then the median of
 * `runs` more (the steady state). A background warm-up in the app was tried and measured: on a
 * 2-core machine it slowed the UI (500-node graph open 657 -> 1157 ms) and did not speed up the
 * slider (p95 36.4 vs 34.5 ms), so the app has none.
 */
export async function timePack(
  runtime: OnnxPackRuntime,
  packId: string,
  runs: number,
  warmup = 0,
): Promise<PackTimings> {
  const manifest = await runtime.manifest(packId);
  const D = manifest.zDim ?? manifest.latent.dim;
  const encSize = Number(manifest.models.encoder.inputs[0].shape[2]);
  const figures: PackTimings = {};
  const time = async (label: string, model: string, feeds: Record<string, Tensor>) => {
    // durations of up to n runs, stopping early once capMs of them have passed
    const series = async (n: number, capMs = Infinity) => {
      const out: number[] = [];
      for (let spent = 0; out.length < n && spent < capMs; spent += out[out.length - 1]) {
        const t = performance.now();
        await runtime.run(packId, model, feeds);
        out.push(performance.now() - t);
      }
      return out;
    };
    figures[`${label}FirstMs`] = round((await series(1))[0]);
    if (warmup > 0) figures[`${label}WarmupMs`] = round(median(await series(warmup, WARMUP_MAX_MS)));
    figures[`${label}Ms`] = round(median(await series(runs)));
  };
  if (manifest.models.mapping) {
    await time('mapping', 'mapping', { z: { data: randn(D, 1), dims: [1, D] } });
  }
  const w = manifest.models.mapping
    ? (await runtime.run(packId, 'mapping', { z: { data: randn(D, 2), dims: [1, D] } })).w
    : {
        data: randn(manifest.latent.layers * manifest.latent.dim, 2),
        dims: [1, manifest.latent.layers, manifest.latent.dim],
      };
  await time('generate', 'generator', { w });
  const image = {
    data: new Float32Array(3 * encSize * encSize).map((_, i) => Math.sin(i / 97)),
    dims: [1, 3, encSize, encSize],
  };
  await time('invert', 'encoder', { image });
  // the Δ-encoder pair when the pack has one (the demo pack; converted packs get it from train_delta.py)
  if (manifest.models.delta_encoder && manifest.models.delta_decoder) {
    const C = manifest.deltaDim ?? 16;
    const w2 = { data: randn(w.data.length, 3), dims: w.dims };
    await time('deltaEncode', 'delta_encoder', { w_from: w, w_to: w2 });
    await time('deltaDecode', 'delta_decoder', { w, delta: { data: randn(C, 4), dims: [1, C] } });
  }
  if (manifest.models.attributes) await time('attributes', 'attributes', { image });
  // one step of GAN Inversion's refinement (G forward + its backward pass to W+), packs that have it
  if (manifest.models.generator_grad) {
    const size = manifest.image.size;
    const target = {
      data: new Float32Array(3 * size * size).map((_, i) => Math.cos(i / 89)),
      dims: [1, 3, size, size],
    };
    await time('refineStep', 'generator_grad', { w, target });
  }
  // one Aim solve (issue 15): α for "yaw +10°" of a delta between two faces, solved with G + the
  // estimator (+ domain classifier), the whole node as the engine worker runs it
  if (manifest.models.attributes && manifest.models.delta_encoder && manifest.models.delta_decoder) {
    const { aimNode } = await import('../../src/nodes/aim');
    const w2 = { data: randn(w.data.length, 5), dims: w.dims };
    const de = await runtime.run(packId, 'delta_encoder', { w_from: w, w_to: w2 });
    const delta = {
      kind: 'delta' as const,
      method: 'dge' as const,
      pack: packId,
      tensor: de[manifest.models.delta_encoder.outputs[0].name],
      label: 'bench',
    };
    const params = {
      ...Object.fromEntries(aimNode.params.map((p) => [p.name, p.default])),
      pack: packId,
      attribute: 'yaw',
      mode: 'by',
      target: 10,
    };
    let note = '';
    const ctx = {
      packs: runtime,
      assets: { get: () => undefined },
      signal: new AbortController().signal,
      progress: () => {},
      note: (t: string) => {
        note = t;
      },
      decodeImage: () => Promise.reject(new Error('unused')),
      fetchBytes: () => Promise.reject(new Error('unused')),
    };
    const solve = async () => {
      const t = performance.now();
      await aimNode.compute({ latent: { kind: 'latent', pack: packId, tensor: w }, deltas: [delta] }, params, ctx);
      return performance.now() - t;
    };
    figures.aimSolveFirstMs = round(await solve());
    const times: number[] = [];
    for (let i = 0; i < Math.max(3, Math.min(runs, 20)); i++) times.push(await solve());
    figures.aimSolveMs = round(median(times));
    figures.aimSolveEvaluations = Number(/— (\d+) evaluations/.exec(note)?.[1] ?? NaN);
  }
  return figures;
}
