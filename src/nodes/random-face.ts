// Random Face: z ~ N(0,1) from a seed -> w through the mapping network, with truncation ψ.
import type { ComputeContext, NodeDefinition, PackManifest, Tensor } from '../graph/types';
import { gaussian, meanOverBatch, nodePack, numberParam, packParam } from './common';

const W_AVG_SAMPLES = 256;
const W_AVG_SEED = 0x5eed;
/** Mean w per pack (keyed by pack id + manifest identity), estimated once: the truncation centre. */
const wAvgCache = new WeakMap<PackManifest, Promise<Tensor>>();

function zDimOf(manifest: PackManifest): number {
  const shape = manifest.models.mapping!.inputs[0].shape;
  const last = shape[shape.length - 1];
  if (typeof last === 'number') return last;
  if (manifest.zDim) return manifest.zDim;
  throw new Error(`model pack "${manifest.id}": the mapping input has no fixed z size and the manifest has no zDim`);
}

async function mapZ(ctx: ComputeContext, packId: string, manifest: PackManifest, z: Tensor): Promise<Tensor> {
  const m = manifest.models.mapping!;
  const out = await ctx.packs.run(packId, 'mapping', { [m.inputs[0].name]: z }, ctx.signal);
  return out[m.outputs[0].name];
}

export const randomFaceNode: NodeDefinition = {
  type: 'random-face',
  title: 'Random Face',
  category: 'input',
  doc: "A random latent from the pack's mapping network; the seed picks the face, ψ pulls it toward the average face.",
  inputs: [],
  outputs: [{ name: 'latent', label: 'Latent', type: 'latent' }],
  params: [
    packParam(),
    { kind: 'seed', name: 'seed', label: 'Seed', default: 1, doc: 'Which random face.' },
    {
      kind: 'number',
      name: 'truncation',
      label: 'Truncation ψ',
      default: 0.7,
      min: 0,
      max: 1,
      step: 0.05,
      doc: '1 = full variety, 0 = the average face.',
    },
  ],
  ui: { compare: 'before' },
  async compute(_inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Random Face');
    if (!manifest.models.mapping) throw new Error(`Random Face: model pack "${id}" has no mapping network`);
    const seed = numberParam(params, 'seed', 'Random Face');
    const psi = numberParam(params, 'truncation', 'Random Face', 0, 1);
    const zDim = zDimOf(manifest);
    const w = await mapZ(ctx, id, manifest, { data: gaussian(Math.trunc(seed), zDim), dims: [1, zDim] });
    let avg = wAvgCache.get(manifest);
    if (!avg) {
      const zs = { data: gaussian(W_AVG_SEED, W_AVG_SAMPLES * zDim), dims: [W_AVG_SAMPLES, zDim] };
      avg = mapZ(ctx, id, manifest, zs).then(meanOverBatch);
      avg.catch(() => wAvgCache.delete(manifest));
      wAvgCache.set(manifest, avg);
    }
    const mean = await avg;
    const data = new Float32Array(w.data.length);
    for (let i = 0; i < data.length; i++) data[i] = mean.data[i] + psi * (w.data[i] - mean.data[i]);
    return { latent: { kind: 'latent', pack: id, tensor: { data, dims: w.dims } } };
  },
};
