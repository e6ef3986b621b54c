// Per-image refinement of an inversion: Adam on W+ against mean |G(W+) − image|, with the
// gradient from the pack's optional `generator_grad` model (onnxruntime-web runs inference only,
// so the pack ships G's backward pass as a model of its own). Used by GAN Inversion's "refine
// steps" and by bench:edits, so both measure the same thing.
import type { PackManifest, PackRuntime, Tensor } from '../graph/types';
import { modelInputSize, resizeImageValue } from '../image';

export interface RefineOptions {
  steps: number;
  /** Adam step size in latent units */
  rate: number;
  signal?: AbortSignal;
  /** called after every step with (done, total) */
  onStep?: (done: number, total: number) => void | Promise<void>;
}

export interface RefineResult {
  /** the latent with the lowest loss seen (the start counts: refinement never makes it worse) */
  latent: Tensor;
  /** mean |G(w) − target| per image at the start and of the returned latent */
  lossBefore: number[];
  lossAfter: number[];
}

export const GRAD_MODEL = 'generator_grad';

export function canRefine(manifest: PackManifest): boolean {
  return manifest.models[GRAD_MODEL] !== undefined;
}

/**
 * Refines a batch of latents `w` [B,L,D] towards the images `target` [B,3,H,W] (resized to the
 * gradient model's input when needed). Each batch item keeps its own best latent.
 */
export async function refineLatents(
  packs: PackRuntime,
  packId: string,
  manifest: PackManifest,
  w: Tensor,
  target: Tensor,
  opts: RefineOptions,
): Promise<RefineResult> {
  const entry = manifest.models[GRAD_MODEL];
  if (!entry) {
    throw new Error(
      `pack "${packId}" has no ${GRAD_MODEL} model, so inversions cannot be refined (set refine steps to 0)`,
    );
  }
  if (!(opts.steps >= 0) || !Number.isInteger(opts.steps))
    throw new Error(`refine steps must be a whole number ≥ 0, got ${opts.steps}`);
  if (!(opts.rate > 0)) throw new Error(`refine rate must be > 0, got ${opts.rate}`);
  const batch = w.dims[0];
  if (target.dims[0] !== batch) throw new Error(`refine: ${batch} latents but ${target.dims[0]} target images`);
  const [wName, tName] = entry.inputs.map((i) => i.name);
  const [, lossName, gradName] = entry.outputs.map((o) => o.name);
  const size = modelInputSize(manifest, { ...entry, inputs: [entry.inputs[1]] });
  let sized = target;
  if (target.dims[2] !== size.height || target.dims[3] !== size.width) {
    if (batch !== 1)
      throw new Error(
        `refine: target images are ${target.dims[3]}×${target.dims[2]}, ${GRAD_MODEL} takes ${size.width}×${size.height}`,
      );
    sized = resizeImageValue({ kind: 'image', tensor: target }, size.width, size.height).tensor;
  }
  const n = w.data.length;
  const per = n / batch;
  const cur = Float32Array.from(w.data);
  const best = Float32Array.from(w.data);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  const bestLoss = new Array<number>(batch).fill(Infinity);
  const lossBefore: number[] = [];
  const b1 = 0.9;
  const b2 = 0.999;
  // steps + 1 evaluations: the last one only scores the final update
  for (let t = 0; t <= opts.steps; t++) {
    const out = await packs.run(
      packId,
      GRAD_MODEL,
      { [wName]: { data: cur, dims: w.dims }, [tName]: sized },
      opts.signal,
    );
    const loss = out[lossName].data;
    const grad = out[gradName].data;
    for (let b = 0; b < batch; b++) {
      if (t === 0) lossBefore.push(loss[b]);
      if (loss[b] < bestLoss[b]) {
        bestLoss[b] = loss[b];
        best.set(cur.subarray(b * per, (b + 1) * per), b * per);
      }
    }
    if (t === opts.steps) break;
    const c1 = 1 - b1 ** (t + 1);
    const c2 = 1 - b2 ** (t + 1);
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      cur[i] -= (opts.rate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
    }
    await opts.onStep?.(t + 1, opts.steps);
  }
  return { latent: { data: best, dims: [...w.dims] }, lossBefore, lossAfter: bestLoss };
}
