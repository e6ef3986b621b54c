// Synthetic Pair: K CGI-style renders pairs (FaceWorld, src/synth) of K identities in which ONE
// attribute goes from `from` to `to` and everything else stays fixed.
import type { NodeDefinition, ParamRangeCases, SyntheticPair } from '../graph/types';
import { ATTRIBUTES, imageFraming, neutralAttributes, renderFramed, sampleIdentity, type Attributes } from '../synth';
import { encoderInputSize, rgbaToTensor } from '../image';
import { nodePack, numberParam, packParam, stringParam, yieldToLoop } from './common';

const attrMin = Math.min(...ATTRIBUTES.map((a) => a.min));
const attrMax = Math.max(...ATTRIBUTES.map((a) => a.max));
const defaultAttribute = ATTRIBUTES.find((a) => a.name === 'smile') ?? ATTRIBUTES[0];

/** Degrees move in whole steps, 0…1 expressions in twentieths. */
const stepOf = (a: (typeof ATTRIBUTES)[number]) => (a.max - a.min > 10 ? 1 : 0.05);
/** A typical target: the end of a 0…1-like range, half-way from neutral to the end of a wide one (yaw 0 → 30°). */
const targetOf = (a: (typeof ATTRIBUTES)[number]) =>
  a.max - a.min > 10 ? Math.round(a.neutral + (a.max - a.neutral) / 2) : a.max;
/** From starts at the attribute's neutral value, To at a typical target; both span the attribute's range. */
const attributeCases = (end: 'from' | 'to'): ParamRangeCases => ({
  param: 'attribute',
  cases: Object.fromEntries(
    ATTRIBUTES.map((a) => [
      a.name,
      { min: a.min, max: a.max, step: stepOf(a), default: end === 'from' ? a.neutral : targetOf(a) },
    ]),
  ),
});

export const syntheticPairNode: NodeDefinition = {
  type: 'synthetic-pair',
  title: 'Synthetic Pair',
  category: 'input',
  doc: 'Renders K grey CGI heads twice, changing only the chosen attribute: the example of the edit.',
  inputs: [],
  outputs: [{ name: 'pairs', label: 'Pairs', type: 'pairs' }],
  params: [
    packParam(),
    {
      kind: 'enum',
      name: 'attribute',
      label: 'Attribute',
      default: defaultAttribute.name,
      options: ATTRIBUTES.map((a) => ({ value: a.name, label: `${a.name} (${a.min}…${a.max})` })),
      doc: 'The one attribute that changes.',
    },
    {
      kind: 'number',
      name: 'from',
      label: 'From',
      default: defaultAttribute.neutral,
      min: attrMin,
      max: attrMax,
      step: 0.05,
      follows: attributeCases('from'),
      doc: 'The attribute\'s value in the "before" render of every pair. The edit learns the change From → To, so it points from this value towards To.',
    },
    {
      kind: 'number',
      name: 'to',
      label: 'To',
      default: defaultAttribute.max,
      min: attrMin,
      max: attrMax,
      step: 0.05,
      follows: attributeCases('to'),
      doc: 'The attribute\'s value in the "after" render. A larger gap From → To makes a stronger delta (Scale\'s α multiplies it further).',
    },
    {
      kind: 'seed',
      name: 'identitySeed',
      label: 'CGI identity seed',
      default: 1,
      doc: 'Which CGI heads show the change (pair k uses seed + k). Another seed gives other heads, so the delta averages over other faces; the edited face itself does not change identity.',
    },
    {
      kind: 'number',
      name: 'count',
      label: 'K pairs',
      default: 4,
      min: 1,
      max: 20,
      step: 1,
      integer: true,
      doc: "How many heads (pairs) the delta is averaged over: more pairs give a cleaner, less identity-specific edit, at K renders' cost.",
    },
  ],
  preview: 'pairs',
  ui: { widePreview: true },
  async compute(_inputs, params, ctx) {
    const node = 'Synthetic Pair';
    const { manifest } = await nodePack(params, ctx, node);
    const attribute = stringParam(params, 'attribute', node);
    const spec = ATTRIBUTES.find((a) => a.name === attribute);
    if (!spec)
      throw new Error(
        `${node}: param "attribute" must be one of ${ATTRIBUTES.map((a) => a.name).join(', ')}; got "${attribute}"`,
      );
    const from = numberParam(params, 'from', node, spec.min, spec.max);
    const to = numberParam(params, 'to', node, spec.min, spec.max);
    const seed = Math.trunc(numberParam(params, 'identitySeed', node));
    const count = numberParam(params, 'count', node, 1, 20);
    if (!Number.isInteger(count)) throw new Error(`${node}: param "count" must be a whole number, got ${count}`);
    // the pairs only ever go into the encoder: render at its input size (256 for a 1024-px FFHQ pack)
    const size = encoderInputSize(manifest).width;
    // framed as the pack's encoder was trained (manifest image.framing)
    const framing = imageFraming(manifest.image);
    const pairs: SyntheticPair[] = [];
    for (let k = 0; k < count; k++) {
      const identity = sampleIdentity(seed + k);
      const attrs = neutralAttributes();
      const a: Attributes = { ...attrs, [spec.name]: from };
      const b: Attributes = { ...attrs, [spec.name]: to };
      const opts = { size, style: 'cgi' as const, seed: seed + k };
      const ra = renderFramed(identity, a, opts, framing);
      await yieldToLoop(ctx.signal);
      const rb = renderFramed(identity, b, opts, framing);
      pairs.push({
        from: { kind: 'image', tensor: rgbaToTensor(ra, manifest.image.range) },
        to: { kind: 'image', tensor: rgbaToTensor(rb, manifest.image.range) },
        params: { from: { identity, attributes: a }, to: { identity, attributes: b } },
      });
      ctx.progress((k + 1) / count);
      await yieldToLoop(ctx.signal);
    }
    return { pairs: { kind: 'pairs', attribute, fromValue: from, toValue: to, pairs } };
  },
};
