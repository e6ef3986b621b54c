// Frames on the canvas (the `frame` node type, src/nodes/frame.ts): drawn behind every node and
// wire, created around the selected nodes, and carrying the nodes inside them when dragged. The
// editor (rete-editor.ts) calls in here at a few points; everything about frames lives here.
import type { AreaPlugin } from 'rete-area-plugin';
import { FRAME_COLORS, FRAME_TYPE, frameNode, type FrameColor } from '../../nodes/frame';
import type { GraphNodeRecord, GraphStore } from './graph-store';
import type { AreaExtra, Schemes } from './rete-node';

/** room around the enclosed nodes, and above them for the frame's title */
const FRAME_PAD = 24;
const FRAME_HEAD = 44;
/** a node is inside a frame when the middle of its title bar is */
const TITLE_MIDDLE = 15;

export const FRAME_FILL: Record<FrameColor, string> = {
  grey: '148, 156, 176',
  blue: '96, 140, 255',
  green: '84, 196, 128',
  yellow: '232, 196, 72',
  red: '236, 98, 98',
  purple: '176, 120, 236',
};

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function isFrame(record: Pick<GraphNodeRecord, 'type'> | undefined): boolean {
  return record?.type === FRAME_TYPE;
}

const paramNumber = (record: GraphNodeRecord, name: string): number => {
  const value = record.params[name];
  const spec = frameNode.params.find((p) => p.name === name);
  return typeof value === 'number' && Number.isFinite(value) ? value : spec?.kind === 'number' ? spec.default : 0;
};

/** A frame's size on the canvas, from its params. */
export function frameSize(record: GraphNodeRecord): [number, number] {
  return [paramNumber(record, 'width'), paramNumber(record, 'height')];
}

export function frameColor(record: GraphNodeRecord): FrameColor {
  const c = record.params.color;
  return (FRAME_COLORS as readonly unknown[]).includes(c) ? (c as FrameColor) : 'blue';
}

/** The frame's box that encloses `boxes`, with room for its title. */
export function boxAround(boxes: Box[]): Box {
  const minX = Math.min(...boxes.map((b) => b.x));
  const minY = Math.min(...boxes.map((b) => b.y));
  const maxX = Math.max(...boxes.map((b) => b.x + b.width));
  const maxY = Math.max(...boxes.map((b) => b.y + b.height));
  return {
    x: Math.round(minX - FRAME_PAD),
    y: Math.round(minY - FRAME_HEAD),
    width: Math.round(maxX - minX + 2 * FRAME_PAD),
    height: Math.round(maxY - minY + FRAME_HEAD + FRAME_PAD),
  };
}

/** Add a frame around the nodes `ids` (their boxes from `boxOf`), or an empty one at `at`; returns its id. One undo step. */
export function addFrame(
  store: GraphStore,
  ids: string[],
  boxOf: (id: string) => Box | undefined,
  at: [number, number] = [0, 0],
): string {
  const boxes = ids.map(boxOf).filter((b): b is Box => !!b);
  if (!boxes.length) return store.addNode(FRAME_TYPE, at).id;
  const box = boxAround(boxes);
  return store.addNode(FRAME_TYPE, [box.x, box.y], { params: { width: box.width, height: box.height } }).id;
}

/** The nodes inside `frame` (other frames included): those whose title bar's middle lies in it. */
export function nodesInside(frame: GraphNodeRecord, nodes: GraphNodeRecord[], widthOf: (r: GraphNodeRecord) => number) {
  const [fx, fy] = frame.position;
  const [w, h] = frameSize(frame);
  return nodes.filter((n) => {
    if (n.id === frame.id) return false;
    const x = n.position[0] + widthOf(n) / 2;
    const y = n.position[1] + TITLE_MIDDLE;
    return x >= fx && x <= fx + w && y >= fy && y <= fy + h;
  });
}

/** Context-menu entries for a frame: recolour it, delete it (its nodes stay). */
export function frameMenu(store: GraphStore, record: GraphNodeRecord) {
  const current = frameColor(record);
  return [
    ...FRAME_COLORS.filter((c) => c !== current).map((c) => ({
      label: `Colour: ${c}`,
      key: `color-${c}`,
      handler: () => store.setParam(record.id, 'color', c),
    })),
    { label: 'Delete frame (its nodes stay)', key: 'delete', handler: () => store.removeNodes([record.id]) },
  ];
}

/**
 * Frames behind everything, transparent to the pointer except for their own controls (title bar,
 * swatches, resize handle), and a dragged frame carries the nodes inside it: they move by the
 * same amount through their views, so the editor records every move of the drag as one undo step.
 */
export function installFrames(
  area: AreaPlugin<Schemes, AreaExtra>,
  store: GraphStore,
  options: { syncing(): boolean; selected(): string[]; widthOf(record: GraphNodeRecord): number },
): void {
  let carrier: string | null = null;
  let carried: string[] = [];
  area.addPipe((ctx) => {
    if (ctx.type === 'rendered' && ctx.data.type === 'node' && isFrame(store.node(ctx.data.payload.id))) {
      ctx.data.element.style.zIndex = '-1';
      ctx.data.element.style.pointerEvents = 'none';
    } else if (ctx.type === 'nodepicked' && !options.syncing()) {
      const picked = store.node(ctx.data.id);
      carrier = picked && isFrame(picked) ? picked.id : null;
      carried = [];
      if (picked && carrier) {
        // the selection moves its own members (rete's selector); the frames among it carry their contents too
        const selected = new Set(options.selected());
        const frames = store.doc.nodes.filter((n) => isFrame(n) && (n.id === carrier || selected.has(n.id)));
        const inside = new Set(
          frames.flatMap((f) => nodesInside(f, store.doc.nodes, options.widthOf).map((n) => n.id)),
        );
        carried = [...inside].filter((id) => id !== carrier && !selected.has(id));
      }
    } else if (ctx.type === 'nodetranslated' && ctx.data.id === carrier && !options.syncing()) {
      const dx = ctx.data.position.x - ctx.data.previous.x;
      const dy = ctx.data.position.y - ctx.data.previous.y;
      for (const id of carried) {
        const view = area.nodeViews.get(id);
        if (view) void view.translate(view.position.x + dx, view.position.y + dy);
      }
    } else if (ctx.type === 'pointerup') {
      carrier = null;
      carried = [];
    }
    return ctx;
  });
}
