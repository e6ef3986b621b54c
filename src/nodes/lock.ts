// Lock: keeps chosen attributes fixed while editing (InterFaceGAN's conditional direction, per W+
// layer): on every layer the delta loses its components along the deltas of the attributes to
// hold (Gram–Schmidt over the hold deltas of that layer). Gives a W+ offset delta. For a closed
// loop on the estimator, feed the hold deltas into Aim as well, each with a "+0" target.
import type { NodeDefinition, Tensor } from '../graph/types';
import { input, multiInput, nodePack, packParam } from './common';
import { optionalLatent, wOffset } from './w-offset';

/** `d` with, on each of its L layers, the span of the `holds` on that layer projected out. */
export function projectPerLayer(d: Tensor, holds: Tensor[], layers: number): Tensor {
  const D = d.data.length / layers;
  const out = Float32Array.from(d.data);
  for (let l = 0; l < layers; l++) {
    const basis: Float64Array[] = [];
    for (const h of holds) {
      const v = Float64Array.from(h.data.subarray(l * D, (l + 1) * D));
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < D; i++) dot += v[i] * b[i];
        for (let i = 0; i < D; i++) v[i] -= dot * b[i];
      }
      let norm = 0;
      for (let i = 0; i < D; i++) norm += v[i] * v[i];
      norm = Math.sqrt(norm);
      if (norm > 1e-8) basis.push(v.map((x) => x / norm));
    }
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += out[l * D + i] * b[i];
      for (let i = 0; i < D; i++) out[l * D + i] -= dot * b[i];
    }
  }
  return { data: out, dims: [...d.dims] };
}

export const lockNode: NodeDefinition = {
  type: 'lock',
  title: 'Lock',
  category: 'edit',
  doc: 'Keeps attributes fixed while editing: removes from the delta, layer by layer, what the deltas to hold change. Gives a W+ offset delta.',
  inputs: [
    { name: 'delta', label: 'Delta', type: 'delta' },
    { name: 'hold', label: 'Hold', type: 'delta', multi: true },
    { name: 'latent', label: 'Latent (for DGE)', type: 'latent', optional: true },
  ],
  outputs: [{ name: 'delta', label: 'Delta', type: 'delta' }],
  params: [packParam()],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Lock');
    const delta = input(inputs, 'delta', 'delta', 'Lock');
    const holds = multiInput(inputs, 'hold', 'delta', 'Lock');
    if (holds.length === 0)
      throw new Error('Lock: input "hold" is not connected: connect the deltas of the attributes to keep fixed');
    const latent = optionalLatent(inputs.latent, 'Lock');
    const d = await wOffset(ctx, id, manifest, delta, latent, 'Lock');
    const hs = [];
    for (const h of holds) hs.push(await wOffset(ctx, id, manifest, h, latent, 'Lock'));
    const locked = projectPerLayer(d, hs, manifest.latent.layers);
    const norm = (t: Tensor) => Math.sqrt(t.data.reduce((s, v) => s + v * v, 0));
    ctx.note?.(`Kept ${((100 * norm(locked)) / Math.max(norm(d), 1e-12)).toFixed(0)} % of the delta's size`);
    return {
      delta: {
        kind: 'delta',
        method: 'linear',
        pack: id,
        tensor: locked,
        label: `${delta.label} | holding ${holds.map((h) => h.label).join(', ')}`,
      },
    };
  },
};
