// Frame: a titled, coloured rectangle drawn behind the nodes it encloses, to label a part of a
// graph (ComfyUI's groups, Blender's frames). An ordinary node of the graph file: its title is the
// node's label, its top-left corner the node's position, its size and colour params; so saving,
// sharing, undo and paste treat it like any node. It has no sockets and computes nothing. Which
// nodes it holds is not stored: the editor takes the nodes lying inside it when it is dragged.
import type { NodeDefinition } from '../graph/types';

export const FRAME_TYPE = 'frame';

export const FRAME_COLORS = ['grey', 'blue', 'green', 'yellow', 'red', 'purple'] as const;
export type FrameColor = (typeof FRAME_COLORS)[number];

export const frameNode: NodeDefinition = {
  type: FRAME_TYPE,
  title: 'Frame',
  category: 'annotation',
  doc: 'A titled, coloured rectangle behind a part of the graph. Dragging its title moves the nodes inside it; it does not run.',
  inputs: [],
  outputs: [],
  params: [
    {
      kind: 'enum',
      name: 'color',
      label: 'Colour',
      default: 'blue',
      options: FRAME_COLORS.map((c) => ({ value: c, label: c[0]!.toUpperCase() + c.slice(1) })),
      doc: 'The colour of the frame.',
    },
    {
      kind: 'number',
      name: 'width',
      label: 'Width',
      default: 560,
      min: 120,
      max: 100_000,
      step: 1,
      integer: true,
      doc: 'Width on the canvas (drag the corner handle).',
    },
    {
      kind: 'number',
      name: 'height',
      label: 'Height',
      default: 360,
      min: 80,
      max: 100_000,
      step: 1,
      integer: true,
      doc: 'Height on the canvas (drag the corner handle).',
    },
  ],
  async compute() {
    return {};
  },
};
