// The graph core against the real node registry and the bundled examples: every node's defaults
// pass validation untouched, the example graphs load without repairs, and the DGE pipeline's wires
// are allowed while a mismatched one is refused with a reason.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeDefinitions, nodeRegistry } from '../../../src/nodes/index';
import { createEmptyGraph, parseGraphFile, serializeGraph, validateGraph } from '../../../src/graph/document';
import { canConnect } from '../../../src/graph/wiring';
import { createNode } from './edit-helpers';

const examplesDir = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe('graph core with the real node registry', () => {
  it('every node type with default params validates without any repair', () => {
    const doc = createEmptyGraph('all nodes');
    for (const def of nodeDefinitions) doc.nodes.push(createNode(doc, def.type, nodeRegistry));
    const r = validateGraph(doc, nodeRegistry);
    expect(r.ok && r.warnings).toEqual([]);
  });

  const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.dge.json'));
  it('there are example graphs', () => expect(examples.length).toBeGreaterThan(0));
  for (const file of examples) {
    it(`example ${file} loads without repairs and round-trips`, () => {
      const text = readFileSync(examplesDir + file, 'utf8');
      const r = parseGraphFile(text, nodeRegistry);
      if (!r.ok) throw new Error(r.errors.join('\n'));
      expect(r.warnings).toEqual([]);
      expect(JSON.parse(serializeGraph(r.doc))).toEqual(JSON.parse(text));
    });
  }

  it('a file written before GAN Inversion had refine steps loads silently, as the encoder-only node it was', () => {
    const text = readFileSync(examplesDir + 'edit-smile.dge.json', 'utf8');
    const old = JSON.parse(text);
    const inv = old.nodes.find((n: { type: string }) => n.type === 'gan-inversion');
    delete inv.params.refineSteps;
    delete inv.params.refineRate;
    const r = parseGraphFile(JSON.stringify(old), nodeRegistry);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.warnings).toEqual([]);
    expect(r.doc.nodes.find((n) => n.type === 'gan-inversion')!.params).toMatchObject({
      refineSteps: 0,
      refineRate: 0.05,
    });
    // a param that is not optional still reports its repair
    delete inv.params.pack;
    const r2 = parseGraphFile(JSON.stringify(old), nodeRegistry);
    expect(r2.ok && r2.warnings).toEqual([expect.stringMatching(/params\.pack: missing — set to the default/)]);
  });

  it('the DGE pipeline wires are allowed; a Latent into a Delta input is refused', () => {
    const doc = createEmptyGraph('pipeline');
    const add = (type: string) => {
      const n = createNode(doc, type, nodeRegistry);
      doc.nodes.push(n);
      return n.id;
    };
    const [load, inv, pair, enc, scale, sum, gen] = [
      'load-face',
      'gan-inversion',
      'synthetic-pair',
      'encode-delta',
      'scale',
      'add',
      'generate',
    ].map(add);
    const socket = (id: string, dir: 'inputs' | 'outputs', type: string) => {
      const def = nodeRegistry.get(doc.nodes.find((n) => n.id === id)!.type)!;
      return def[dir].find((s) => s.type === type)!.name;
    };
    const wire = (a: string, b: string, type: string) =>
      canConnect(
        doc,
        { node: a, socket: socket(a, 'outputs', type) },
        { node: b, socket: socket(b, 'inputs', type) },
        nodeRegistry,
      );
    expect(wire(load!, inv!, 'image')).toEqual({ ok: true });
    expect(wire(pair!, enc!, 'pairs')).toEqual({ ok: true });
    expect(wire(enc!, scale!, 'delta')).toEqual({ ok: true });
    expect(wire(scale!, sum!, 'delta')).toEqual({ ok: true });
    expect(wire(inv!, sum!, 'latent')).toEqual({ ok: true });
    expect(wire(sum!, gen!, 'latent')).toEqual({ ok: true });
    const wrong = canConnect(
      doc,
      { node: inv!, socket: socket(inv!, 'outputs', 'latent') },
      { node: sum!, socket: 'deltas' },
      nodeRegistry,
    );
    expect(wrong).toEqual({ ok: false, reason: 'a Latent output cannot feed a Delta input' });
  });
});
