// Generate: latent -> image through the pack's generator G.
import type { NodeDefinition } from '../graph/types';
import { checkLatent, checkPackTag, input, nodePack, packParam } from './common';

export const generateNode: NodeDefinition = {
  type: 'generate',
  title: 'Generate',
  category: 'model',
  doc: "Renders a latent into an image with the pack's generator.",
  inputs: [{ name: 'latent', label: 'Latent', type: 'latent' }],
  outputs: [{ name: 'image', label: 'Image', type: 'image' }],
  params: [packParam()],
  preview: 'image',
  ui: { resultRank: 5, compare: 'after' },
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Generate');
    const latent = input(inputs, 'latent', 'latent', 'Generate');
    checkPackTag(latent, id, 'Generate', 'latent');
    checkLatent(latent, manifest, 'Generate');
    const g = manifest.models.generator;
    const out = await ctx.packs.run(id, 'generator', { [g.inputs[0].name]: latent.tensor }, ctx.signal);
    return { image: { kind: 'image', tensor: out[g.outputs[0].name] } };
  },
};
