// Scale: multiplies a delta by α (α = 2 is twice the change, negative reverses it).
import type { NodeDefinition } from '../graph/types';
import { input, numberParam, scaleTensor } from './common';

export const scaleNode: NodeDefinition = {
  type: 'scale',
  title: 'Scale',
  category: 'edit',
  doc: 'Multiplies a delta by α: 2 doubles the edit, negative values reverse it.',
  inputs: [{ name: 'delta', label: 'Delta', type: 'delta' }],
  outputs: [{ name: 'delta', label: 'Delta', type: 'delta' }],
  params: [
    {
      kind: 'number',
      name: 'alpha',
      label: 'α',
      default: 1,
      min: -3,
      max: 3,
      step: 0.05,
      doc: 'How strong the edit is: 1 applies the change shown by the pairs, 2 twice as much, 0 none, negative values the opposite change (a smile becomes a frown).',
    },
  ],
  async compute(inputs, params) {
    const delta = input(inputs, 'delta', 'delta', 'Scale');
    const alpha = numberParam(params, 'alpha', 'Scale', -3, 3);
    return { delta: { ...delta, tensor: scaleTensor(delta.tensor, alpha), label: `${alpha}×${delta.label}` } };
  },
};
