// Compare: two images side by side, and their PSNR.
import type { NodeDefinition } from '../graph/types';
import { hstack, psnr, resizeImageValue, rgbaToTensor, tensorToRgba } from '../workers/image';
import { input } from './common';

export const compareNode: NodeDefinition = {
  type: 'compare',
  title: 'Compare',
  category: 'analysis',
  doc: 'Shows two images side by side (before | after) and their PSNR in dB.',
  inputs: [
    { name: 'a', label: 'Before', type: 'image' },
    { name: 'b', label: 'After', type: 'image' },
  ],
  outputs: [
    { name: 'image', label: 'Side by side', type: 'image' },
    { name: 'psnr', label: 'PSNR (dB)', type: 'number' },
  ],
  params: [],
  preview: 'image',
  async compute(inputs) {
    const a = input(inputs, 'a', 'image', 'Compare');
    const bRaw = input(inputs, 'b', 'image', 'Compare');
    const [, , h, w] = a.tensor.dims;
    // the second image is brought to the first one's size so that PSNR compares like with like
    const b = resizeImageValue(bRaw, w, h);
    const side = hstack([tensorToRgba(a.tensor), tensorToRgba(b.tensor)], 2);
    return {
      image: { kind: 'image', tensor: rgbaToTensor(side) },
      psnr: { kind: 'number', value: psnr(a.tensor, b.tensor) },
    };
  },
};
