// Add: applies one or more deltas to a latent. DGE deltas are decoded against an anchor latent
// (w + Dec(w, δ)); linear deltas are W+ offsets and just add.
//  - sum: decode the summed DGE codes once, anchored on the input latent: w + Dec(w, Σδ) + Σ offsets
//  - sequence: apply the deltas one after another, each anchored on the current latent.
import type { ComputeContext, DeltaValue, NodeDefinition, PackManifest, Tensor } from '../graph/types';
import {
  COMBINE_OPTIONS,
  addTensors,
  checkLatent,
  checkPackTag,
  input,
  multiInput,
  nodePack,
  packParam,
  stringParam,
} from './common';

async function decode(
  ctx: ComputeContext,
  packId: string,
  manifest: PackManifest,
  w: Tensor,
  delta: Tensor,
): Promise<Tensor> {
  const dd = manifest.models.delta_decoder;
  if (!dd) throw new Error(`Add: model pack "${packId}" has no Δ-decoder, so it cannot apply DGE deltas`);
  const out = await ctx.packs.run(
    packId,
    'delta_decoder',
    { [dd.inputs[0].name]: w, [dd.inputs[1].name]: delta },
    ctx.signal,
  );
  return out[dd.outputs[0].name];
}

function checkDelta(delta: DeltaValue, index: number, manifest: PackManifest, latent: Tensor): void {
  const want = delta.method === 'dge' ? [1, manifest.deltaDim ?? delta.tensor.dims[1]] : latent.dims;
  if (delta.tensor.dims.join(',') !== want.join(',')) {
    throw new Error(
      `Add: delta #${index + 1} (${delta.method}) has shape [${delta.tensor.dims.join(',')}], pack "${manifest.id}" expects [${want.join(',')}]`,
    );
  }
}

/** w with the deltas applied: `sum` decodes the summed DGE codes once on w (plus the W+ offsets),
 *  `sequence` applies them one after another, each anchored on the latent the previous one gave. */
export async function applyDeltas(
  ctx: ComputeContext,
  id: string,
  manifest: PackManifest,
  latent: Tensor,
  deltas: DeltaValue[],
  combine: 'sum' | 'sequence',
): Promise<Tensor> {
  let w = latent;
  if (combine === 'sequence') {
    for (const d of deltas) {
      w = d.method === 'linear' ? addTensors(w, d.tensor) : addTensors(w, await decode(ctx, id, manifest, w, d.tensor));
    }
  } else {
    const codes = deltas.filter((d) => d.method === 'dge').map((d) => d.tensor);
    const offsets = deltas.filter((d) => d.method === 'linear').map((d) => d.tensor);
    if (codes.length > 0) {
      const sum = codes.reduce(addTensors);
      w = addTensors(w, await decode(ctx, id, manifest, latent, sum));
    }
    for (const o of offsets) w = addTensors(w, o);
  }
  return w;
}

export const addNode: NodeDefinition = {
  type: 'add',
  title: 'Add',
  category: 'edit',
  doc: 'Applies one or more deltas to a latent: sum them and decode once, or apply them in sequence.',
  inputs: [
    { name: 'latent', label: 'Latent', type: 'latent' },
    { name: 'deltas', label: 'Deltas', type: 'delta', multi: true, optional: true },
  ],
  outputs: [{ name: 'latent', label: 'Latent', type: 'latent' }],
  params: [
    packParam(),
    {
      kind: 'enum',
      name: 'combine',
      label: 'Combine',
      default: 'sum',
      options: COMBINE_OPTIONS,
      doc: 'How several DGE deltas are combined: sum them and decode once against the face (w + Dec(w, Σδ)), or apply them one after another, each on the latent the previous one produced.',
    },
  ],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Add');
    const latent = input(inputs, 'latent', 'latent', 'Add');
    checkPackTag(latent, id, 'Add', 'latent');
    checkLatent(latent, manifest, 'Add');
    const deltas = multiInput(inputs, 'deltas', 'delta', 'Add');
    const combine = stringParam(params, 'combine', 'Add');
    if (combine !== 'sum' && combine !== 'sequence')
      throw new Error(`Add: param "combine" must be "sum" or "sequence", got "${combine}"`);
    deltas.forEach((d, i) => {
      checkPackTag(d, id, 'Add', `delta (#${i + 1}, ${d.label})`);
      checkDelta(d, i, manifest, latent.tensor);
    });
    const w = await applyDeltas(ctx, id, manifest, latent.tensor, deltas, combine);
    return { latent: { kind: 'latent', pack: id, tensor: w } };
  },
};
