// Compare: two images side by side, their PSNR, and on request their identity similarity (the
// paper's "CS": cosine of face-recognition descriptors).
import type { ComputeContext, NodeDefinition, RgbaImage } from '../graph/types';
import { hstack, psnr, resizeImageValue, rgbaToTensor, tensorToRgba, cosineSimilarity } from '../image';
import { input } from './common';

/** CS of the two images, or NaN with a note naming the image(s) without a detectable face. */
async function identityOf(before: RgbaImage, after: RgbaImage, ctx: ComputeContext): Promise<number> {
  if (!ctx.faceDescriptor)
    throw new Error(
      'Compare: the identity readout (face descriptors) is not available in this runtime; turn "identity" off',
    );
  // one after the other: the face networks run one image at a time anyway
  const a = await ctx.faceDescriptor(before);
  ctx.progress(0.6);
  const b = await ctx.faceDescriptor(after);
  if (a && b) return cosineSimilarity(a, b);
  const missing = [a ? null : '"before"', b ? null : '"after"'].filter(Boolean).join(' and ');
  ctx.note?.(
    `Identity: no face found in ${missing} (face-api needs a recognisable face; small cartoonish renders are often missed)`,
  );
  return Number.NaN;
}

export const compareNode: NodeDefinition = {
  type: 'compare',
  title: 'Compare',
  category: 'analysis',
  doc: 'Shows two images side by side (before | after), their PSNR in dB and, when "identity" is on, how much the face identity is kept (cosine similarity of face descriptors, 1 = same face).',
  inputs: [
    { name: 'a', label: 'Before', type: 'image' },
    { name: 'b', label: 'After', type: 'image' },
  ],
  outputs: [
    { name: 'image', label: 'Side by side', type: 'image' },
    { name: 'psnr', label: 'PSNR (dB)', type: 'number' },
    { name: 'identity', label: 'Identity (CS)', type: 'number' },
  ],
  params: [
    {
      kind: 'boolean',
      name: 'identity',
      label: 'Identity (CS)',
      default: false,
      doc: 'Also measure identity preservation with face-api descriptors (about 1 s on CPU). Off, or with no face found, the output is NaN.',
    },
  ],
  preview: 'image',
  ui: { widePreview: true, resultRank: 4, compare: { before: 'a', after: 'b' } },
  async compute(inputs, params, ctx) {
    const a = input(inputs, 'a', 'image', 'Compare');
    const bRaw = input(inputs, 'b', 'image', 'Compare');
    const measureIdentity = params.identity ?? false;
    if (typeof measureIdentity !== 'boolean')
      throw new Error(`Compare: param "identity" must be true or false, got ${JSON.stringify(measureIdentity)}`);
    const [, , h, w] = a.tensor.dims;
    // the second image is brought to the first one's size so that PSNR compares like with like
    const b = resizeImageValue(bRaw, w, h);
    const before = tensorToRgba(a.tensor);
    const after = tensorToRgba(b.tensor);
    const side = hstack([before, after], 2);
    return {
      image: { kind: 'image', tensor: rgbaToTensor(side) },
      psnr: { kind: 'number', value: psnr(a.tensor, b.tensor) },
      identity: {
        kind: 'number',
        value: measureIdentity ? await identityOf(before, tensorToRgba(bRaw.tensor), ctx) : Number.NaN,
      },
    };
  },
};
