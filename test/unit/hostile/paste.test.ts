// Paste goes through the graph file's validation (issue: hostile inputs, failure 2): a hand-made
// fragment with a wrong type, a self-loop, no position or no assets is refused or repaired with
// a message, never inserted half-way; the open graph is unchanged by a refused paste.
import { describe, expect, it } from 'vitest';
import { createEmptyGraph, validateGraphObject } from '../../../src/graph/document';
import { nodeDefinitions } from '../../../src/nodes';
import { GraphStore, type ClipboardFragment } from '../../../src/ui/editor/graph-store';
import type { NodeSpec } from '../../../src/graph/types';

const catalog = new Map<string, NodeSpec>(nodeDefinitions.map(({ compute: _c, ...rest }) => [rest.type, rest]));

function store() {
  const s = new GraphStore(createEmptyGraph('open'), catalog, () => 'fixture');
  const a = s.addNode('scale', [0, 0]);
  const b = s.addNode('scale', [300, 0]);
  s.connect({ node: a.id, socket: 'delta' }, { node: b.id, socket: 'delta' });
  return s;
}
const scaleNode = (id: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'scale',
  params: { alpha: 1, ...params },
  position: [0, 0],
  ...extra,
});
const frag = (nodes: unknown[], connections: unknown[] = [], assets?: unknown) =>
  ({
    kind: 'delta-studio/fragment',
    nodes,
    connections,
    ...(assets === undefined ? {} : { assets }),
  }) as unknown as ClipboardFragment;

describe('paste through the one validation path', () => {
  it.each([
    [
      '"pack": 42',
      frag([{ id: 'g', type: 'generate', params: { pack: 42 }, position: [0, 0] }]),
      /pasted nodes\[0\]\.params\.pack: expected string, got number 42/,
    ],
    [
      'a string α',
      frag([scaleNode('s', { alpha: 'lots' })]),
      /pasted nodes\[0\]\.params\.alpha: expected number, got string "lots"/,
    ],
    ['nodes not an array', { kind: 'delta-studio/fragment', nodes: 'x' }, /pasted nodes: expected array/],
    ['a node without id', frag([{ type: 'scale', params: {}, position: [0, 0] }]), /pasted nodes\[0\]\.id: missing/],
    ['assets of the wrong shape', frag([scaleNode('s')], [], [1, 2]), /pasted assets: expected object/],
    ['a bad asset', frag([scaleNode('s')], [], { face: { mime: 'text/html', data: '<b>' } }), /assets.face.mime/],
  ])('refuses %s with the path, and changes nothing', (_what, fragment, message) => {
    const s = store();
    const before = JSON.stringify(s.doc);
    const checked = s.checkPaste(fragment);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.errors.join('\n')).toMatch(message);
    expect(() => s.paste(fragment as ClipboardFragment, [0, 0])).toThrow(/Paste refused/);
    expect(JSON.stringify(s.doc)).toBe(before);
    expect(s.canUndo).toBe(true); // only the setup's steps: the paste added none
    expect(validateGraphObject(s.doc, catalog).ok).toBe(true);
  });

  it('removes a self-loop with a warning, keeps the node', () => {
    const s = store();
    const fragment = frag(
      [scaleNode('s')],
      [{ id: 'w', from: { node: 's', socket: 'delta' }, to: { node: 's', socket: 'delta' } }],
    );
    const checked = s.checkPaste(fragment);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.warnings.join('\n')).toMatch(/pasted connections\[0\]: removed — it closed a cycle/);
    const ids = s.paste(fragment, [10, 10]);
    expect(ids).toHaveLength(1);
    expect(s.doc.connections).toHaveLength(1); // only the open graph's wire
    expect(validateGraphObject(s.doc, catalog).ok).toBe(true);
  });

  it('a fragment without position or assets pastes whole (defaults), never half', () => {
    const s = store();
    const fragment = frag([{ id: 's', type: 'scale', params: { alpha: 2 } }]);
    const ids = s.paste(fragment, [5, 7]);
    expect(ids).toHaveLength(1);
    expect(s.node(ids[0]!)!.position).toEqual([0, 0]);
    expect(s.doc.nodes).toHaveLength(3);
  });

  it('a pasted wire to a node outside the fragment is dropped with a warning, not wired into the open graph', () => {
    const s = store();
    const outside = s.doc.nodes[0]!.id;
    const checked = s.checkPaste(
      frag(
        [scaleNode('s')],
        [{ id: 'w', from: { node: outside, socket: 'delta' }, to: { node: 's', socket: 'delta' } }],
      ),
    );
    expect(checked.ok && checked.warnings.join()).toMatch(/does not exist/);
    expect(checked.ok && checked.added.connections).toEqual([]);
  });

  it('undo removes a whole paste', () => {
    const s = store();
    const before = JSON.stringify(s.doc);
    s.paste(s.copy(s.doc.nodes.map((n) => n.id)), [40, 40]);
    expect(s.doc.nodes).toHaveLength(4);
    expect(s.doc.connections).toHaveLength(2);
    s.undo();
    expect(JSON.stringify(s.doc)).toBe(before);
  });
});
