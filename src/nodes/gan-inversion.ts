// GAN Inversion: image -> latent w = E(image) through the pack's inversion encoder.
import type { NodeDefinition } from '../graph/types';
import { encoderInputSize, resizeImageValue } from '../workers/image';
import { input, nodePack, packParam } from './common';

export const ganInversionNode: NodeDefinition = {
  type: 'gan-inversion',
  title: 'GAN Inversion',
  category: 'model',
  doc: 'Finds the latent of a face with the pack\'s inversion encoder (w = E(image)).',
  inputs: [{ name: 'image', label: 'Image', type: 'image' }],
  outputs: [{ name: 'latent', label: 'Latent', type: 'latent' }],
  params: [packParam()],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'GAN Inversion');
    const image = input(inputs, 'image', 'image', 'GAN Inversion');
    const { width, height } = encoderInputSize(manifest);
    // images from other sources (a generator of another size) are resized to the encoder's input
    const sized = resizeImageValue(image, width, height);
    const e = manifest.models.encoder;
    const out = await ctx.packs.run(id, 'encoder', { [e.inputs[0].name]: sized.tensor }, ctx.signal);
    return { latent: { kind: 'latent', pack: id, tensor: out[e.outputs[0].name] } };
  },
};
