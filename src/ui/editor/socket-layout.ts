// Socket positions computed from the node layout instead of measured in the DOM: measuring
// every socket of a 500-node graph forces hundreds of layouts and made opening take seconds.
// These numbers must match the .dnode CSS in style.css (header, progress bar, port rows).
import type { BaseSchemes } from 'rete';
import { BaseSocketPosition } from 'rete-render-utils';

/** node border (1) + header (30) + progress bar (2) + ports padding (4) */
export const PORTS_TOP = 37;
/** one port row (20) + the gap between rows (2) */
export const PORT_PITCH = 22;
export const PORT_HEIGHT = 20;

export interface LaidOutNode {
  width: number;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export class LayoutSocketPosition<S extends BaseSchemes, K> extends BaseSocketPosition<S, K> {
  constructor(private nodeOf: (id: string) => LaidOutNode | undefined) {
    super();
  }

  async calculatePosition(
    nodeId: string,
    side: 'input' | 'output',
    key: string,
  ): Promise<{ x: number; y: number } | null> {
    const node = this.nodeOf(nodeId);
    if (!node) return null;
    const keys = Object.keys(side === 'input' ? node.inputs : node.outputs);
    const index = keys.indexOf(key);
    if (index < 0) return null;
    return { x: side === 'input' ? 0 : node.width, y: PORTS_TOP + index * PORT_PITCH + PORT_HEIGHT / 2 };
  }
}
