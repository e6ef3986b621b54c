// A delta as a W+ offset [1,L,D]: a linear delta already is one; a DGE code becomes one once it is
// decoded on the latent it will be added to (Dec(w, δ)). Lock and Layer Range work on offsets.
import type { ComputeContext, DeltaValue, LatentValue, PackManifest, Tensor } from '../graph/types';
import { applyDeltas } from './add';
import { checkLatent, checkPackTag } from './common';

export async function wOffset(
  ctx: ComputeContext,
  id: string,
  manifest: PackManifest,
  delta: DeltaValue,
  latent: LatentValue | undefined,
  node: string,
): Promise<Tensor> {
  checkPackTag(delta, id, node, `delta (${delta.label})`);
  if (delta.method === 'linear') return delta.tensor;
  if (!latent) {
    throw new Error(
      `${node}: "${delta.label}" is a DGE delta, a change of W+ only once decoded on a latent: connect the latent it will be added to`,
    );
  }
  checkPackTag(latent, id, node, 'latent');
  checkLatent(latent, manifest, node);
  const w = await applyDeltas(ctx, id, manifest, latent.tensor, [delta], 'sum');
  return { data: w.data.map((v, i) => v - latent.tensor.data[i]), dims: [...latent.tensor.dims] };
}

/** The optional `latent` input of a node, checked. */
export function optionalLatent(v: unknown, node: string): LatentValue | undefined {
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return undefined;
  const l = v as LatentValue;
  if (Array.isArray(v) || l.kind !== 'latent') throw new Error(`${node}: input "latent" expects one latent`);
  return l;
}
