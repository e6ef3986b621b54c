// GAN Inversion: image -> latent w = E(image) through the pack's inversion encoder, optionally
// refined per image by gradient steps through the generator (packs with `generator_grad`).
import type { NodeDefinition } from '../graph/types';
import { encoderInputSize, resizeImageValue } from '../image';
import { input, nodePack, numberParam, packParam } from './common';
import { refineLatents } from './refine';
import { checkDomain, farFromDomainNote } from './domain-check';

export const ganInversionNode: NodeDefinition = {
  type: 'gan-inversion',
  title: 'GAN Inversion',
  category: 'model',
  doc:
    "Finds the latent of a face with the pack's inversion encoder (w = E(image)); with refine steps > 0 it then " +
    'moves w so that G(w) matches the image more closely (sharper, more faithful; edits may then move less).',
  inputs: [{ name: 'image', label: 'Image', type: 'image' }],
  outputs: [{ name: 'latent', label: 'Latent', type: 'latent' }],
  params: [
    packParam(),
    {
      kind: 'number',
      name: 'refineSteps',
      label: 'Refine steps',
      default: 0,
      min: 0,
      max: 500,
      step: 10,
      integer: true,
      // added in round 5; 0 is the node as it was, so older files need no repair
      optional: true,
      doc:
        'Gradient steps on w against |G(w) − image| after the encoder (0: encoder only). Needs a pack with a ' +
        'generator_grad model; a step costs about two generator runs.',
    },
    {
      kind: 'number',
      name: 'refineRate',
      label: 'Refine rate',
      default: 0.05,
      min: 0.005,
      max: 0.5,
      step: 0.005,
      when: { param: 'refineSteps', isNot: [0] },
      optional: true,
      doc: 'Adam step size of the refinement, in latent units.',
    },
  ],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'GAN Inversion');
    const image = input(inputs, 'image', 'image', 'GAN Inversion');
    const steps = numberParam(params, 'refineSteps', 'GAN Inversion', 0, 500);
    const rate = numberParam(params, 'refineRate', 'GAN Inversion', 0.005, 0.5);
    const { width, height } = encoderInputSize(manifest);
    // images from other sources (a generator of another size) are resized to the encoder's input
    const sized = resizeImageValue(image, width, height);
    const e = manifest.models.encoder;
    const out = await ctx.packs.run(id, 'encoder', { [e.inputs[0].name]: sized.tensor }, ctx.signal);
    let latent = out[e.outputs[0].name];
    const notes: string[] = [];
    if (steps > 0) {
      ctx.progress(0.05);
      const refined = await refineLatents(ctx.packs, id, manifest, latent, image.tensor, {
        steps: Math.round(steps),
        rate,
        signal: ctx.signal,
        onStep: (done, total) => {
          if (done % 5 === 0 || done === total) ctx.progress(0.05 + (0.95 * done) / total);
        },
      }).catch((err: unknown) => {
        if (err instanceof Error && err.name === 'AbortError') throw err;
        throw new Error(`GAN Inversion: ${err instanceof Error ? err.message : String(err)}`);
      });
      latent = refined.latent;
      const [before, after] = [refined.lossBefore[0], refined.lossAfter[0]];
      notes.push(
        `Refined: mean |G(w) − image| ${before.toFixed(3)} → ${after.toFixed(3)} (${(100 * (1 - after / before)).toFixed(0)} % lower)`,
      );
    }
    // a picture far outside the pack's domain is said so on the node, not handed on as a silent blob
    const check = await checkDomain(id, manifest, sized, latent, ctx);
    if (check?.far) notes.unshift(farFromDomainNote(manifest, check));
    if (notes.length) ctx.note?.(notes.join(' · '));
    return { latent: { kind: 'latent', pack: id, tensor: latent } };
  },
};
