// Note: text on the canvas that labels part of a graph; it has no sockets and computes nothing.
import type { NodeDefinition } from '../graph/types';

export const noteNode: NodeDefinition = {
  type: 'note',
  title: 'Note',
  category: 'annotation',
  doc: 'A note on the canvas: say what a part of the graph does. It does not run.',
  inputs: [],
  outputs: [],
  params: [
    {
      kind: 'string',
      name: 'text',
      label: 'Text',
      default: '',
      multiline: true,
      doc: 'Shown on the canvas and saved with the graph.',
    },
  ],
  async compute() {
    return {};
  },
};
