// Frames (the `frame` node type and the editor's frame helpers): created around nodes in one undo
// step, what they hold, resize in one step, and the graph file's own paths (validation, share
// link, paste) carrying them like any node.
import { describe, expect, it } from 'vitest';
import { createEmptyGraph, parseGraphFile, serializeGraph } from '../../../src/graph/document';
import { decodeGraphFromFragment, encodeGraphToFragment } from '../../../src/graph/share-url';
import { nodeDefinitions, nodeRegistry } from '../../../src/nodes';
import { addFrame, boxAround, frameColor, frameSize, nodesInside } from '../../../src/ui/editor/frames';
import { GraphStore } from '../../../src/ui/editor/graph-store';
import type { NodeSpec } from '../../../src/graph/types';

const catalog = new Map<string, NodeSpec>(nodeDefinitions.map(({ compute: _c, ...rest }) => [rest.type, rest]));
const WIDTH = 248;

function framedStore() {
  const store = new GraphStore(createEmptyGraph('frames'), catalog, () => 'fixture');
  const a = store.addNode('synthetic-pair', [100, 200]);
  const b = store.addNode('encode-delta', [400, 200]);
  const outside = store.addNode('scale', [900, 200]);
  const boxes = new Map([
    [a.id, { x: 100, y: 200, width: WIDTH, height: 300 }],
    [b.id, { x: 400, y: 200, width: WIDTH, height: 120 }],
  ]);
  const frameId = addFrame(store, [a.id, b.id], (id) => boxes.get(id));
  return { store, a, b, outside, frameId };
}

describe('frames', () => {
  it('encloses the chosen nodes with room for the title, in one undo step', () => {
    const { store, a, b, outside, frameId } = framedStore();
    const frame = store.node(frameId)!;
    expect(frame.type).toBe('frame');
    expect(frame.position).toEqual([76, 156]);
    expect(frameSize(frame)).toEqual([400 + WIDTH - 100 + 48, 300 + 44 + 24]);
    expect(frameColor(frame)).toBe('blue');
    expect(nodesInside(frame, store.doc.nodes, () => WIDTH).map((n) => n.id)).toEqual([a.id, b.id]);
    expect(nodesInside(frame, store.doc.nodes, () => WIDTH).map((n) => n.id)).not.toContain(outside.id);
    expect(store.undo()).toBe(true);
    expect(store.node(frameId)).toBeUndefined();
    expect(store.doc.nodes).toHaveLength(3);
    // none selected: an empty frame of the default size where asked
    const empty = store.node(addFrame(store, [], () => undefined, [10, 20]))!;
    expect([empty.position, frameSize(empty)]).toEqual([
      [10, 20],
      [560, 360],
    ]);
  });

  it('a node is inside when the middle of its title bar is; a nested frame counts', () => {
    const frame = { id: 'f', type: 'frame', params: { width: 400, height: 300 }, position: [0, 0] as [number, number] };
    const at = (id: string, x: number, y: number) => ({
      id,
      type: 'scale',
      params: {},
      position: [x, y] as [number, number],
    });
    const nodes = [
      frame,
      at('in', 10, 40),
      at('half-out', 250, 40),
      at('right-out', 300, 40),
      at('low', 10, 270),
      at('below', 10, 290),
    ];
    const nested = {
      id: 'g',
      type: 'frame',
      params: { width: 100, height: 100 },
      position: [20, 100] as [number, number],
    };
    const inside = nodesInside(frame, [...nodes, nested], (n) => (n.type === 'frame' ? 100 : WIDTH)).map((n) => n.id);
    expect(inside).toEqual(['in', 'half-out', 'low', 'g']);
    expect(boxAround([{ x: 0, y: 0, width: 10, height: 10 }])).toEqual({ x: -24, y: -44, width: 58, height: 78 });
  });

  it('resizes with width and height in one undo step', () => {
    const { store, frameId } = framedStore();
    store.setParams(frameId, { width: 900, height: 700 });
    expect(frameSize(store.node(frameId)!)).toEqual([900, 700]);
    store.undo();
    expect(frameSize(store.node(frameId)!)).toEqual([596, 368]);
    store.setParams(frameId, { width: 596, height: 368 }); // no change: no undo step
    expect(store.undo()).toBe(true); // that undoes the frame itself
    expect(store.node(frameId)).toBeUndefined();
  });

  it('goes through the graph file, a share link and a paste like any node; bad sizes are repaired', () => {
    const { store, frameId } = framedStore();
    store.setLabel(frameId, 'Head turn delta');
    store.setParam(frameId, 'color', 'green');
    const file = parseGraphFile(serializeGraph(store.doc), nodeRegistry);
    expect(file.ok && file.warnings).toEqual([]);
    const saved = file.ok && file.doc.nodes.find((n) => n.id === frameId);
    expect(saved).toMatchObject({ type: 'frame', label: 'Head turn delta', params: { color: 'green', width: 596 } });
    const link = encodeGraphToFragment(store.doc);
    const shared = link.ok ? decodeGraphFromFragment(link.fragment, nodeRegistry) : null;
    expect(shared?.ok && shared.doc.nodes.find((n) => n.type === 'frame')).toEqual(saved);
    // copy the frame and what it holds, paste: a second frame around copies of the nodes
    const ids = store.doc.nodes.filter((n) => n.type !== 'scale').map((n) => n.id);
    const pasted = store.paste(store.copy(ids), [0, 600]);
    const copy = store.node(pasted.find((id) => store.node(id)?.type === 'frame')!)!;
    expect(copy.label).toBe('Head turn delta');
    expect(nodesInside(copy, store.doc.nodes, () => WIDTH)).toHaveLength(2);
    // a hand-edited file: a size out of range is clamped, a colour not offered goes back to the default
    const bad = JSON.parse(serializeGraph(store.doc));
    bad.nodes.find((n: { id: string }) => n.id === frameId).params = { width: -5, height: 1e9, color: 'pink' };
    const repaired = parseGraphFile(JSON.stringify(bad), nodeRegistry);
    expect(repaired.ok && repaired.doc.nodes.find((n) => n.id === frameId)!.params).toEqual({
      width: 120,
      height: 100_000,
      color: 'blue',
    });
    expect(repaired.ok && repaired.warnings.length).toBe(3);
  });
});
