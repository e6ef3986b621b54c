// Socket positions computed from the node layout instead of measured in the DOM: measuring
// every socket of a 500-node graph forces hundreds of layouts and made opening take seconds.
// These numbers must match the .dnode CSS in style.css (header, progress bar, port rows).
//
// The watcher keeps its listeners per node. rete-render-utils' BaseSocketPosition calls every
// wire's listener on every socket event and looks positions up in a flat list of all sockets:
// O(sockets × wires) per event, which is what froze the editor for 19 s on a link with 400 wires
// between two nodes (and for minutes on bigger graphs).
import type { NodeId, Scope } from 'rete';
import { BaseAreaPlugin } from 'rete-area-plugin';
import type { SocketPositionWatcher } from 'rete-render-utils';

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

type Side = 'input' | 'output';
type Position = { x: number; y: number };
interface Listener {
  side: Side;
  key: string;
  change: (position: Position) => void;
}

/** Row of each port key, per ports object (a node's inputs or outputs): Object.keys order, as drawn. */
const rows = new WeakMap<Record<string, unknown>, Map<string, number>>();
function rowOf(ports: Record<string, unknown>, key: string): number | undefined {
  let map = rows.get(ports);
  const keys = Object.keys(ports);
  if (!map || map.size !== keys.length) rows.set(ports, (map = new Map(keys.map((k, i) => [k, i]))));
  return map.get(key);
}

/** Where a socket sits relative to its node's top-left corner, or null when the node has no such port. */
export function socketOffset(node: LaidOutNode | undefined, side: Side, key: string): Position | null {
  if (!node) return null;
  const index = rowOf(side === 'input' ? node.inputs : node.outputs, key);
  if (index === undefined) return null;
  return { x: side === 'input' ? 0 : node.width, y: PORTS_TOP + index * PORT_PITCH + PORT_HEIGHT / 2 };
}

/** Wire ends follow their nodes: O(wires of the node) per move, O(1) per new wire. */
export class LayoutSocketWatcher implements SocketPositionWatcher<Scope<never, [unknown]>> {
  private area: BaseAreaPlugin<never, never> | null = null;
  private listeners = new Map<NodeId, Set<Listener>>();

  constructor(private nodeOf: (id: string) => LaidOutNode | undefined) {}

  attach(scope: Scope<never, [unknown]>): void {
    if (this.area || !scope.hasParent()) return;
    this.area = scope.parentScope<BaseAreaPlugin<never, never>>(BaseAreaPlugin);
    this.area.addPipe((context) => {
      const ctx = context as { type?: string; data?: { id?: string } };
      if (ctx.type === 'nodetranslated' && ctx.data?.id) this.notify(ctx.data.id);
      return context;
    });
  }

  listen(nodeId: NodeId, side: Side, key: string, change: (position: Position) => void): () => void {
    let set = this.listeners.get(nodeId);
    if (!set) this.listeners.set(nodeId, (set = new Set()));
    const listener = { side, key, change };
    set.add(listener);
    this.call(nodeId, listener);
    return () => {
      set.delete(listener);
      if (!set.size && this.listeners.get(nodeId) === set) this.listeners.delete(nodeId);
    };
  }

  private notify(nodeId: NodeId): void {
    const set = this.listeners.get(nodeId);
    if (set) for (const listener of set) this.call(nodeId, listener);
  }

  private call(nodeId: NodeId, { side, key, change }: Listener): void {
    const offset = socketOffset(this.nodeOf(nodeId), side, key);
    const view = (this.area?.nodeViews as Map<string, { position: Position }> | undefined)?.get(nodeId);
    if (offset && view) change({ x: offset.x + view.position.x, y: offset.y + view.position.y });
  }
}
