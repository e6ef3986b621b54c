// Photo Pair: two pictures of the same person, before and after a change (neutral → smiling), as
// Pairs for Encode Delta: the few-shot edit from real examples. Both are inverted here by GAN
// Inversion's own compute (encoder, optional refinement, domain check), and Encode Delta uses those
// latents instead of encoding the pictures again.
import type { ComputeContext, NodeDefinition, PairsValue, Tensor } from '../graph/types';
import { input, nodePack, numberParam, packParam, stringParam } from './common';
import { ganInversionNode } from './gan-inversion';

const NODE = 'Photo Pair';
const refineParams = ganInversionNode.params.filter((p) => p.name === 'refineSteps' || p.name === 'refineRate');

async function invert(
  which: string,
  image: PairsValue['pairs'][number]['from'],
  params: Record<string, number | string | boolean>,
  ctx: ComputeContext,
  span: [number, number],
): Promise<{ latent: Tensor; note: string }> {
  const notes: string[] = [];
  const out = await ganInversionNode
    .compute({ image }, params, {
      ...ctx,
      note: (text) => notes.push(text),
      progress: (f) => ctx.progress(span[0] + f * (span[1] - span[0])),
    })
    .catch((e: unknown) => {
      if (e instanceof Error && e.name === 'AbortError') throw e;
      throw new Error(`${NODE}: cannot invert "${which}": ${(e as Error).message.replace(/^GAN Inversion: /, '')}`);
    });
  ctx.progress(span[1]);
  return { latent: (out.latent as { tensor: Tensor }).tensor, note: notes.join(' · ') };
}

const NUMBER = /\d+(?:\.\d+)?/g;

/**
 * What GAN Inversion said of each picture, said once: "both: …" when the two remarks differ only in
 * their figures (shown "13.9 / 14.1"), else each with its picture's name.
 */
export function mergeNotes(before: string, after: string): string {
  if (!before || !after) return before ? `before: ${before}` : after ? `after: ${after}` : '';
  const words = before.split(NUMBER);
  if (words.join('#') !== after.split(NUMBER).join('#')) return `before: ${before} · after: ${after}`;
  const [a, b] = [before.match(NUMBER) ?? [], after.match(NUMBER) ?? []];
  return `both: ${words.map((w, i) => w + (i < a.length ? (a[i] === b[i] ? a[i] : `${a[i]} / ${b[i]}`) : '')).join('')}`;
}

export const photoPairNode: NodeDefinition = {
  type: 'photo-pair',
  title: 'Photo Pair',
  category: 'input',
  doc:
    'Two pictures of the same person before and after a change (neutral and smiling) as a pair for Encode Delta: ' +
    'the edit learnt from your own examples. Chain Photo Pairs through "More pairs" to average over several people.',
  inputs: [
    { name: 'before', label: 'Before', type: 'image' },
    { name: 'after', label: 'After', type: 'image' },
    { name: 'more', label: 'More pairs', type: 'pairs', optional: true },
  ],
  outputs: [{ name: 'pairs', label: 'Pairs', type: 'pairs' }],
  params: [
    packParam(),
    {
      kind: 'string',
      name: 'attribute',
      label: 'Change',
      default: 'smile',
      doc: 'What differs between the two pictures, in your words: the name the delta and its saved file carry.',
    },
    {
      kind: 'number',
      name: 'from',
      label: 'From',
      default: 0,
      min: -180,
      max: 180,
      step: 0.05,
      doc: 'How much of the change "before" shows (a label kept with the delta, as Synthetic Pair\'s From).',
    },
    {
      kind: 'number',
      name: 'to',
      label: 'To',
      default: 1,
      min: -180,
      max: 180,
      step: 0.05,
      doc: 'How much of the change "after" shows.',
    },
    ...refineParams,
  ],
  preview: 'pairs',
  ui: { widePreview: true },
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, NODE);
    if (!manifest.models.encoder?.file)
      throw new Error(`${NODE}: model pack "${id}" has no encoder, so it cannot invert photos`);
    const before = input(inputs, 'before', 'image', NODE);
    const after = input(inputs, 'after', 'image', NODE);
    const more = inputs.more === undefined ? undefined : input(inputs, 'more', 'pairs', NODE);
    const attribute = stringParam(params, 'attribute', NODE).trim();
    if (!attribute) throw new Error(`${NODE}: param "attribute" (the change) must not be empty`);
    const from = numberParam(params, 'from', NODE);
    const to = numberParam(params, 'to', NODE);
    if (more && (more.attribute !== attribute || more.fromValue !== from || more.toValue !== to))
      throw new Error(
        `${NODE}: "More pairs" show ${more.attribute} ${more.fromValue}→${more.toValue}, this pair ${attribute} ${from}→${to}; chained pairs must show the same change`,
      );
    const wFrom = await invert('before', before, params, ctx, [0, 0.5]);
    const wTo = await invert('after', after, params, ctx, [0.5, 1]);
    const said = mergeNotes(wFrom.note, wTo.note);
    if (said) ctx.note?.(said);
    const pair = {
      from: before,
      to: after,
      params: { from: { photo: 'before' }, to: { photo: 'after' } },
      latents: { pack: id, from: wFrom.latent, to: wTo.latent },
    };
    return {
      pairs: { kind: 'pairs', attribute, fromValue: from, toValue: to, pairs: [...(more?.pairs ?? []), pair] },
    };
  },
};
