// The Rete objects that mirror graph nodes and wires, and the estimates the view uses instead of
// measuring the DOM (fit, minimap, culling, level of detail).
import { ClassicPreset, type GetSchemes } from 'rete';
import type { ContextMenuExtra } from 'rete-context-menu-plugin';
import type { MinimapExtra } from 'rete-minimap-plugin';
import type { VueArea2D } from 'rete-vue-plugin';
import { markRaw } from 'vue';
import type { SocketType } from '../../graph/types';
import type { GraphNodeRecord, GraphStore } from './graph-store';
import { PORTS_TOP, PORT_PITCH } from './socket-layout';
import { frameSize, isFrame } from './frames';

export const NODE_WIDTH = 248;

const sockets = new Map<string, ClassicPreset.Socket>();
function socketOf(type: SocketType | string): ClassicPreset.Socket {
  let s = sockets.get(type);
  if (!s) sockets.set(type, (s = new ClassicPreset.Socket(type)));
  return s;
}

/** A Rete node mirroring one graph node; the Vue view reads everything else from the store. */
export class ReteNode extends ClassicPreset.Node {
  width = NODE_WIDTH;
  height: number;
  declare selected?: boolean;
  /** sockets and type, to know when a node must be rebuilt rather than moved */
  signature: string;

  constructor(
    public record: GraphNodeRecord,
    readonly store: GraphStore,
  ) {
    super(store.catalog.get(record.type)?.title ?? record.type);
    this.id = record.id;
    const inputs = store.inputsOf(record);
    const outputs = store.outputsOf(record);
    for (const s of inputs) this.addInput(s.name, new ClassicPreset.Input(socketOf(s.type), s.label, !!s.multi));
    for (const s of outputs) this.addOutput(s.name, new ClassicPreset.Output(socketOf(s.type), s.label));
    this.signature = nodeSignature(store, record);
    this.height = estimateNodeHeight(store, record);
    if (isFrame(record)) [this.width, this.height] = frameSize(record);
    markRaw(this);
  }
}

/** per catalog entry: its nodes' height estimate (the entries are reactive proxies: slow to walk per node) */
const heightOfType = new WeakMap<object, number>();

/** A height estimate for fit-view, the minimap and culling: the DOM is not measured (500 nodes would thrash layout). */
export function estimateNodeHeight(store: GraphStore, record: GraphNodeRecord): number {
  const def = store.catalog.get(record.type);
  const known = def && heightOfType.get(def);
  if (known !== undefined) return known;
  const ports = Math.max(store.inputsOf(record).length, store.outputsOf(record).length);
  const params = def?.params.reduce((h, p) => h + (p.kind === 'image' ? 54 : p.kind === 'number' ? 43 : 27), 10) ?? 40;
  const height = PORTS_TOP + PORT_PITCH * ports + params + (def?.preview ? 124 : 0) + 8;
  if (def) heightOfType.set(def, height);
  return height;
}

export class ReteConnection extends ClassicPreset.Connection<ReteNode, ReteNode> {
  socketType = 'image';
}

export function nodeSignature(store: GraphStore, record: GraphNodeRecord): string {
  const ins = store.inputsOf(record).map((s) => `${s.name}:${s.type}:${s.multi ? 1 : 0}`);
  const outs = store.outputsOf(record).map((s) => `${s.name}:${s.type}`);
  return `${record.type}|${ins.join(',')}|${outs.join(',')}`;
}

export type Schemes = GetSchemes<ReteNode, ReteConnection>;
export type AreaExtra = VueArea2D<Schemes> | ContextMenuExtra | MinimapExtra;
