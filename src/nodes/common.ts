// Helpers shared by the node modules: the default pack, typed input access, pack-tag checks,
// tensor arithmetic and a seeded random source.
import type {
  ComputeContext,
  DeltaValue,
  LatentValue,
  NodeInputs,
  PackManifest,
  ParamSpec,
  Params,
  Tensor,
  Value,
} from '../graph/types';
import packIndex from '../../models/index.json';
import { mulberry32 } from '../synth/noise';

/** The demo pack when it is bundled, else the fixture pack: the default of every `pack` param. */
export const DEFAULT_PACK: string = (packIndex as { packs: string[] }).packs.includes('faceworld')
  ? 'faceworld'
  : 'fixture';

/** The two ways several DGE deltas are combined (Add, Aim). */
export const COMBINE_OPTIONS = [
  { value: 'sum', label: 'Sum, then decode once' },
  { value: 'sequence', label: 'Apply in sequence' },
];

export function packParam(): ParamSpec {
  return {
    kind: 'pack',
    name: 'pack',
    label: 'Model pack',
    default: DEFAULT_PACK,
    doc: 'The model pack (latent space) this node runs in.',
  };
}

/** Thrown for a missing or wrongly typed input; the executor shows it on the node. */
export function input<K extends Value['kind']>(
  inputs: NodeInputs,
  name: string,
  kind: K,
  node: string,
): Extract<Value, { kind: K }> {
  const v = inputs[name];
  if (v === undefined || (Array.isArray(v) && v.length === 0))
    throw new Error(`${node}: input "${name}" is not connected`);
  if (Array.isArray(v)) throw new Error(`${node}: input "${name}" takes one connection, got ${v.length}`);
  if (v.kind !== kind) throw new Error(`${node}: input "${name}" expects ${kind}, got ${v.kind}`);
  return v as Extract<Value, { kind: K }>;
}

export function multiInput<K extends Value['kind']>(
  inputs: NodeInputs,
  name: string,
  kind: K,
  node: string,
): Extract<Value, { kind: K }>[] {
  const v = inputs[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  list.forEach((item, i) => {
    if (item.kind !== kind) throw new Error(`${node}: input "${name}" #${i + 1} expects ${kind}, got ${item.kind}`);
  });
  return list as Extract<Value, { kind: K }>[];
}

export function stringParam(params: Params, name: string, node: string): string {
  const v = params[name];
  if (typeof v !== 'string') throw new Error(`${node}: param "${name}" must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function numberParam(params: Params, name: string, node: string, min?: number, max?: number): number {
  const v = params[name];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`${node}: param "${name}" must be a finite number, got ${JSON.stringify(v)}`);
  if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
    throw new Error(`${node}: param "${name}" = ${v} is outside [${min}, ${max}]`);
  }
  return v;
}

/** The pack named by the node's `pack` param, loaded (rejects with "not installed" when missing). */
export async function nodePack(
  params: Params,
  ctx: ComputeContext,
  node: string,
): Promise<{ id: string; manifest: PackManifest }> {
  const id = stringParam(params, 'pack', node);
  return { id, manifest: await ctx.packs.manifest(id) };
}

/** A latent or delta from another pack cannot be used here: the latent spaces differ. */
export function checkPackTag(value: LatentValue | DeltaValue, packId: string, node: string, what: string): void {
  if (value.pack !== packId) {
    throw new Error(`${node}: this ${what} belongs to pack "${value.pack}"; node ${node} uses pack "${packId}"`);
  }
}

export function latentShape(manifest: PackManifest): number[] {
  return [1, manifest.latent.layers, manifest.latent.dim];
}

export function checkLatent(latent: LatentValue, manifest: PackManifest, node: string): void {
  const want = latentShape(manifest);
  if (latent.tensor.dims.join(',') !== want.join(',')) {
    throw new Error(
      `${node}: latent has shape [${latent.tensor.dims.join(',')}], pack "${manifest.id}" uses [${want.join(',')}]`,
    );
  }
}

export function addTensors(a: Tensor, b: Tensor): Tensor {
  if (a.data.length !== b.data.length)
    throw new Error(`cannot add tensors of shapes [${a.dims.join(',')}] and [${b.dims.join(',')}]`);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return { data: out, dims: [...a.dims] };
}

export function scaleTensor(a: Tensor, k: number): Tensor {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] * k;
  return { data: out, dims: [...a.dims] };
}

/** Stacks single-item [1,...] tensors into one [n,...] batch. */
export function stack(items: Tensor[]): Tensor {
  const per = items[0].data.length;
  const out = new Float32Array(per * items.length);
  items.forEach((t, i) => out.set(t.data, i * per));
  return { data: out, dims: [items.length, ...items[0].dims.slice(1)] };
}

/** Mean over the batch dim: [n,...] -> [1,...]. */
export function meanOverBatch(t: Tensor): Tensor {
  const n = t.dims[0];
  const per = t.data.length / n;
  const out = new Float32Array(per);
  for (let b = 0; b < n; b++) for (let i = 0; i < per; i++) out[i] += t.data[b * per + i];
  for (let i = 0; i < per; i++) out[i] /= n;
  return { data: out, dims: [1, ...t.dims.slice(1)] };
}

/** Standard normal samples (Box-Muller) from a seeded PRNG. */
export function gaussian(seed: number, count: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Lets the event loop breathe (cancellation, progress events) between long steps. */
export function yieldToLoop(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) =>
    setTimeout(() => {
      if (signal.aborted) {
        const err = new Error('cancelled');
        err.name = 'AbortError';
        reject(err);
      } else resolve();
    }, 0),
  );
}

/** Runs a single-input single-output model over a batch in chunks (large packs would not fit one batch). */
export async function runBatched(
  ctx: ComputeContext,
  packId: string,
  manifest: PackManifest,
  model: string,
  batch: Tensor,
  chunk: number,
  onChunk?: (done: number) => void,
): Promise<Tensor> {
  const entry = manifest.models[model];
  if (!entry) throw new Error(`model pack "${packId}" has no ${model} model`);
  const n = batch.dims[0];
  const per = batch.data.length / n;
  const parts: Tensor[] = [];
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const feed = { data: batch.data.slice(s * per, e * per), dims: [e - s, ...batch.dims.slice(1)] };
    const out = await ctx.packs.run(packId, model, { [entry.inputs[0].name]: feed }, ctx.signal);
    parts.push(out[entry.outputs[0].name]);
    onChunk?.(e);
  }
  const outPer = parts[0].data.length / parts[0].dims[0];
  const data = new Float32Array(outPer * n);
  let off = 0;
  for (const p of parts) {
    data.set(p.data, off);
    off += p.data.length;
  }
  return { data, dims: [n, ...parts[0].dims.slice(1)] };
}

export type { DeltaValue, LatentValue };
