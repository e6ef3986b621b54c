// The editor's graph store: undo/redo, coalesced slider edits, wiring rules, copy/paste, assets.
import { describe, expect, it } from 'vitest';
import { createEmptyGraph } from '../../../src/graph/document';
import { nodeDefinitions } from '../../../src/nodes';
import { GraphStore } from '../../../src/ui/editor/graph-store';
import type { NodeSpec } from '../../../src/graph/types';

const catalog = new Map<string, NodeSpec>(nodeDefinitions.map(({ compute: _c, ...rest }) => [rest.type, rest]));

function storeWithChain() {
  const store = new GraphStore(createEmptyGraph('test'), catalog, () => 'fixture');
  const face = store.addNode('load-face', [0, 0]);
  const invert = store.addNode('gan-inversion', [300, 0]);
  const gen = store.addNode('generate', [600, 0]);
  const c1 = store.connect({ node: face.id, socket: 'image' }, { node: invert.id, socket: 'image' });
  const c2 = store.connect({ node: invert.id, socket: 'latent' }, { node: gen.id, socket: 'latent' });
  expect(c1.ok && c2.ok).toBe(true);
  return { store, face, invert, gen };
}

describe('GraphStore', () => {
  it('adds nodes with the definition defaults and the pack default', () => {
    const store = new GraphStore(createEmptyGraph('t'), catalog, () => 'faceworld');
    const scale = store.addNode('scale', [10.4, 20.6]);
    expect(scale.position).toEqual([10, 21]);
    const def = catalog.get('scale')!;
    for (const p of def.params) expect(scale.params[p.name]).toBe(p.kind === 'pack' ? 'faceworld' : p.default);
    const gen = store.addNode('generate', [0, 0]);
    expect(gen.params.pack).toBe('faceworld');
    expect(() => store.addNode('no-such-type', [0, 0])).toThrow(/unknown node type "no-such-type"/);
  });

  it('undoes and redoes structure changes in order', () => {
    const { store, invert } = storeWithChain();
    expect(store.doc.nodes).toHaveLength(3);
    expect(store.doc.connections).toHaveLength(2);
    store.removeNodes([invert.id]);
    expect(store.doc.nodes).toHaveLength(2);
    expect(store.doc.connections).toHaveLength(0); // wires of a removed node go with it
    expect(store.undo()).toBe(true);
    expect(store.doc.nodes.map((n) => n.id)).toContain(invert.id);
    expect(store.doc.connections).toHaveLength(2);
    expect(store.redo()).toBe(true);
    expect(store.doc.nodes).toHaveLength(2);
    // all the way back to the empty graph
    while (store.undo());
    expect(store.doc.nodes).toHaveLength(0);
    expect(store.canUndo).toBe(false);
    expect(store.canRedo).toBe(true);
  });

  it('merges a burst of slider edits of one param into one undo step', () => {
    const store = new GraphStore(createEmptyGraph('t'), catalog, () => 'fixture');
    const scale = store.addNode('scale', [0, 0]);
    const original = scale.params.alpha;
    for (const v of [0.5, 0.75, 1.25, 2]) store.setParam(scale.id, 'alpha', v);
    expect(store.node(scale.id)!.params.alpha).toBe(2);
    store.undo();
    expect(store.node(scale.id)!.params.alpha).toBe(original);
    store.redo();
    expect(store.node(scale.id)!.params.alpha).toBe(2);
  });

  it('reports what changed so only param edits skip a full resync', () => {
    const { store, gen } = storeWithChain();
    const kinds: string[] = [];
    store.onChange((c) => kinds.push(c.kind === 'params' ? `params:${c.nodeIds.join(',')}` : c.kind));
    store.setParam(gen.id, 'pack', 'other');
    store.moveNodes([{ id: gen.id, position: [5, 5] }], 'drag1');
    store.setName('renamed');
    store.undo();
    expect(kinds).toEqual([`params:${gen.id}`, 'layout', 'meta', 'structure']);
  });

  it('refuses wires between incompatible types and cycles, with the reason', () => {
    const { store, face, invert, gen } = storeWithChain();
    const wrongType = store.connect({ node: face.id, socket: 'image' }, { node: gen.id, socket: 'latent' });
    expect(wrongType).toEqual({ ok: false, reason: expect.stringMatching(/image.*latent|Image.*Latent/i) });
    const add = store.addNode('add', [0, 300]);
    expect(store.connect({ node: invert.id, socket: 'latent' }, { node: add.id, socket: 'latent' }).ok).toBe(true);
    const before = store.doc.connections.length;
    // add.latent -> invert is not possible (types), so build a cycle with two Adds
    const add2 = store.addNode('add', [300, 300]);
    expect(store.connect({ node: add.id, socket: 'latent' }, { node: add2.id, socket: 'latent' }).ok).toBe(true);
    const cycle = store.connect({ node: add2.id, socket: 'latent' }, { node: add.id, socket: 'latent' });
    expect(cycle).toEqual({ ok: false, reason: expect.stringMatching(/cycle/) });
    expect(store.doc.connections.length).toBe(before + 1);
  });

  it('rewires a single input instead of adding a second wire', () => {
    const { store, invert, gen } = storeWithChain();
    const random = store.addNode('random-face', [0, 200]);
    const out = catalog.get('random-face')!.outputs.find((o) => o.type === 'latent')!;
    expect(store.connect({ node: random.id, socket: out.name }, { node: gen.id, socket: 'latent' }).ok).toBe(true);
    const into = store.doc.connections.filter((c) => c.to.node === gen.id);
    expect(into).toHaveLength(1);
    expect(into[0]!.from.node).toBe(random.id);
    expect(store.doc.connections.some((c) => c.from.node === invert.id && c.to.node === gen.id)).toBe(false);
  });

  it('copies and pastes nodes with their inner wires and assets under new ids', () => {
    const { store, face, invert, gen } = storeWithChain();
    store.setAssetParam(face.id, 'source', 'img-1', { mime: 'image/png', name: 'me.png', data: 'AAAA' });
    const fragment = store.copy([face.id, invert.id]);
    expect(fragment.nodes).toHaveLength(2);
    expect(fragment.connections).toHaveLength(1); // invert -> gen is not inside the selection
    expect(Object.keys(fragment.assets)).toEqual(['img-1']);
    const pasted = store.paste(JSON.parse(JSON.stringify(fragment)), [50, 60]);
    expect(pasted).toHaveLength(2);
    for (const id of pasted) expect([face.id, invert.id, gen.id]).not.toContain(id);
    const pastedFace = store.node(pasted[0]!)!;
    expect(pastedFace.position).toEqual([50, 60]);
    expect(pastedFace.params.source).toBe('asset:img-1');
    expect(
      store.doc.connections.filter((c) => pasted.includes(c.from.node) && pasted.includes(c.to.node)),
    ).toHaveLength(1);
  });

  it('drops assets no param uses any more', () => {
    const { store, face } = storeWithChain();
    store.setAssetParam(face.id, 'source', 'img-a', { mime: 'image/png', data: 'AAAA' });
    store.setAssetParam(face.id, 'source', 'img-b', { mime: 'image/png', data: 'BBBB' });
    expect(Object.keys(store.doc.assets)).toEqual(['img-b']);
    store.setParam(face.id, 'source', 'sample:2');
    expect(store.doc.assets).toEqual({});
    store.undo();
    expect(Object.keys(store.doc.assets)).toEqual(['img-b']);
  });

  it('keeps the data of an unknown node type and exposes the sockets its wires use', () => {
    const doc = createEmptyGraph('t');
    doc.nodes.push({
      id: 'x',
      type: 'future-node',
      params: { strength: 3 },
      position: [0, 0],
      extra: { keep: true },
    } as never);
    doc.nodes.push({ id: 'g', type: 'generate', params: { pack: 'fixture' }, position: [300, 0] });
    doc.connections.push({ id: 'c', from: { node: 'x', socket: 'latent' }, to: { node: 'g', socket: 'latent' } });
    const store = new GraphStore(doc, catalog, () => 'fixture');
    const placeholder = store.node('x')!;
    expect(store.outputsOf(placeholder).map((s) => s.name)).toEqual(['latent']);
    store.moveNodes([{ id: 'x', position: [40, 40] }], 'd');
    expect(store.node('x')).toMatchObject({ type: 'future-node', params: { strength: 3 }, extra: { keep: true } });
  });
});

describe('GraphStore.load', () => {
  it('makes views of nodes whose ids repeat in the new graph re-read them', () => {
    const store = new GraphStore(createEmptyGraph('a'), catalog, () => 'fixture');
    const scale = store.addNode('scale', [0, 0]);
    const seen = store.nodeRevision(scale.id);
    const next = createEmptyGraph('b');
    next.nodes.push({ id: scale.id, type: 'scale', params: { alpha: 2 }, position: [0, 0] });
    store.load(next);
    expect(store.nodeRevision(scale.id)).not.toBe(seen);
    expect(store.node(scale.id)!.params.alpha).toBe(2);
    expect(store.canUndo).toBe(false);
  });

  it('with keepHistory, undo brings the replaced graph back as another graph (a load), and redo reopens the new one', () => {
    const store = new GraphStore(createEmptyGraph('mine'), catalog, () => 'fixture');
    const scale = store.addNode('scale', [0, 0]);
    store.setParam(scale.id, 'alpha', 3);
    const example = createEmptyGraph('example');
    example.nodes.push({ id: scale.id, type: 'scale', params: { alpha: 1 }, position: [0, 0] });
    const kinds: string[] = [];
    store.onChange((c) => kinds.push(c.kind));
    store.load(example, { keepHistory: true });
    expect(store.doc.name).toBe('example');
    expect(store.undo()).toBe(true);
    expect(store.doc.name).toBe('mine');
    expect(store.node(scale.id)!.params.alpha).toBe(3);
    expect(store.redo()).toBe(true);
    expect(store.doc.name).toBe('example');
    expect(store.node(scale.id)!.params.alpha).toBe(1);
    // the node id repeats across the two graphs: every step must say "another graph", so no
    // preview of one graph's node is shown for the other's
    expect(kinds).toEqual(['load', 'load', 'load']);
    // the edits before the load are still there behind it
    store.undo();
    store.undo();
    expect(store.node(scale.id)!.params.alpha).not.toBe(3);
  });
});

describe('GraphStore: first-hour edits', () => {
  it("a new attribute resets Synthetic Pair's From/To to its neutral and typical target, in the same undo step", () => {
    const store = new GraphStore(createEmptyGraph('t'), catalog, () => 'fixture');
    const pair = store.addNode('synthetic-pair', [0, 0]);
    store.setParam(pair.id, 'to', 0.4);
    store.setParam(pair.id, 'attribute', 'yaw');
    expect(store.node(pair.id)!.params).toMatchObject({ attribute: 'yaw', from: 0, to: 30 });
    store.undo();
    expect(store.node(pair.id)!.params).toMatchObject({ attribute: 'smile', to: 0.4 });
  });

  it('bypasses and mutes nodes as one undo step, and lets them run again', () => {
    const { store, invert, gen } = storeWithChain();
    const changes: string[] = [];
    store.onChange((c) => changes.push(c.kind));
    store.setMode([invert.id, gen.id], 'bypass');
    expect(store.node(invert.id)!.mode).toBe('bypass');
    expect(changes).toEqual(['params']); // the graph re-runs
    store.setMode([invert.id], 'mute');
    store.setMode([invert.id, gen.id], undefined);
    expect(store.node(gen.id)!.mode).toBeUndefined();
    store.undo();
    store.undo();
    expect(store.node(invert.id)!.mode).toBe('bypass');
  });
});
