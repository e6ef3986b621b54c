import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createEmptyGraph,
  parseGraphFile,
  serializeGraph,
  validateGraph,
  checkFileSize,
  type GraphDocument,
} from '../../../src/graph/document';
import { isPlaceholder, toDisplayText } from '../../../src/graph/repair';
import { canConnect } from '../../../src/graph/wiring';
import { connect, createNode } from './edit-helpers';
import { testRegistry } from './test-registry';
import { byImportance } from '../../../src/graph/issues';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/graphs/${name}`, import.meta.url)), 'utf8');

function load(name: string) {
  return parseGraphFile(fixture(name), testRegistry);
}
function okDoc(name: string): { doc: GraphDocument; warnings: string[] } {
  const r = load(name);
  if (!r.ok) throw new Error(`expected ${name} to load: ${r.errors.join('; ')}`);
  return r;
}
function errorsOf(name: string): string[] {
  const r = load(name);
  if (r.ok) throw new Error(`expected ${name} to be refused`);
  return r.errors;
}

describe('graph document: schema, round trip', () => {
  it('loads a valid file without warnings and saves it back identically', () => {
    const text = fixture('valid.dge.json');
    const { doc, warnings } = okDoc('valid.dge.json');
    expect(warnings).toEqual([]);
    expect(doc.nodes.map((n) => n.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(JSON.parse(serializeGraph(doc))).toEqual(JSON.parse(text));
  });

  it('keeps unknown fields at the top level and on nodes through a load/save round trip', () => {
    const { doc } = okDoc('valid.dge.json');
    const again = parseGraphFile(serializeGraph(doc), testRegistry);
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.doc['x-editor']).toEqual({ viewport: { x: 10, y: -4, zoom: 0.8 }, theme: 'dark' });
    expect(again.doc.nodes[0]!.color).toBe('#ff0');
  });

  it('fills missing optional sections with defaults', () => {
    const r = parseGraphFile(JSON.stringify({ format: 'delta-studio/graph', version: 1, nodes: [] }), testRegistry);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.doc).toEqual({ ...createEmptyGraph('Untitled graph') });
  });

  it('migrates a version 0 file (node map, link tuples) to version 1, keeping unknown fields', () => {
    const { doc, warnings } = okDoc('v0.dge.json');
    expect(warnings).toContain('upgraded from graph format version 0 to 1');
    expect(doc.version).toBe(1);
    expect(doc.name).toBe('Old prototype graph');
    expect(doc.author).toBe('someone');
    expect(doc.nodes.map((n) => [n.id, n.type, n.position])).toEqual([
      ['a', 'const', [0, 0]],
      ['b', 'mul', [200, 0]],
      ['e', 'offset', [400, 0]],
    ]);
    expect(doc.nodes[0]!.pinned).toBe(true);
    expect(doc.connections).toEqual([
      { id: 'c1', from: { node: 'a', socket: 'out' }, to: { node: 'b', socket: 'x' } },
      { id: 'c2', from: { node: 'b', socket: 'out' }, to: { node: 'e', socket: 'x' } },
    ]);
    // the saved file records the new version and loads without migrating again
    const again = parseGraphFile(serializeGraph(doc), testRegistry);
    expect(again.ok && again.warnings).toEqual([]);
    expect(JSON.parse(serializeGraph(doc)).version).toBe(1);
    expect('title' in doc || 'links' in doc).toBe(false);
  });

  it('names the path of a broken version 0 file', () => {
    const v0 = JSON.parse(fixture('v0.dge.json'));
    v0.links[1] = ['b', 'out', 'e'];
    const r = parseGraphFile(JSON.stringify(v0), testRegistry);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^\(version 0 file\) links\[1\]/);
  });
});

describe('graph document: broken and hostile files', () => {
  it('refuses invalid JSON with the parser message', () => {
    const errors = errorsOf('invalid-json.dge.json');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^invalid JSON: /);
  });

  it('refuses a wrong param type naming the path and both types', () => {
    expect(errorsOf('wrong-types.dge.json')).toEqual(['nodes[1].params.factor: expected number, got string "two"']);
  });

  it('refuses a wrong structure naming the path', () => {
    expect(errorsOf('wrong-structure.dge.json')).toEqual(['nodes: expected array, got string "not a list"']);
  });

  it('refuses a declared param value that is not a number, string or boolean', () => {
    const doc = JSON.parse(fixture('valid.dge.json'));
    doc.nodes[1].params.factor = { nested: true };
    const r = parseGraphFile(JSON.stringify(doc), testRegistry);
    expect(!r.ok && r.errors).toEqual(['nodes[1].params.factor: expected number, got an object']);
  });

  it('keeps array and object params of unknown node types and undeclared params, as they are', () => {
    const doc = JSON.parse(fixture('valid.dge.json'));
    doc.nodes[3].params = { alpha: { nested: true } };
    doc.nodes.push({
      id: 'p',
      type: 'future-node',
      params: { list: [1, 'a', null], obj: { k: [true] }, none: null },
      position: [0, 0],
    });
    const r = parseGraphFile(JSON.stringify(doc), testRegistry);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toContain('nodes[3].params.alpha: "Sum" has no such parameter — kept but ignored');
    const saved = JSON.parse(serializeGraph(r.doc));
    expect(saved.nodes[3].params).toEqual({ alpha: { nested: true } });
    expect(saved.nodes.at(-1).params).toEqual({ list: [1, 'a', null], obj: { k: [true] }, none: null });
  });

  it('refuses something that is not a graph file and a newer version', () => {
    expect(errorsOf('not-a-graph.json')[0]).toMatch(
      /^format: expected "delta-studio\/graph", got nothing \(missing\) — this is not a Delta Studio graph file/,
    );
    expect(errorsOf('future-version.dge.json')[0]).toMatch(/^version: 9 is newer than this editor understands/);
    expect(parseGraphFile('[1,2]', testRegistry)).toEqual({
      ok: false,
      errors: ['(root): expected a graph object, got an array'],
    });
    expect(parseGraphFile('"x"', testRegistry).ok).toBe(false);
  });

  it('refuses duplicate node ids', () => {
    expect(errorsOf('duplicate-ids.dge.json')).toEqual(['nodes[5].id: duplicate node id "a" (also nodes[0])']);
  });

  it('loads an unknown node type as a placeholder that saves back unchanged, wires included', () => {
    const original = JSON.parse(fixture('unknown-type.dge.json'));
    const { doc, warnings } = okDoc('unknown-type.dge.json');
    expect(warnings).toEqual([
      'nodes[5].type: unknown node type "future-node" — loaded as a placeholder that keeps its data; it will not run',
    ]);
    const z = doc.nodes.find((n) => n.id === 'z')!;
    expect(isPlaceholder(z, testRegistry)).toBe(true);
    const saved = JSON.parse(serializeGraph(doc));
    expect(saved.nodes[5]).toEqual(original.nodes[5]);
    expect(saved.connections).toEqual(original.connections);
    expect(saved).toEqual(original);
  });

  it('breaks a cycle by removing the wire that closes it, with a warning', () => {
    const { doc, warnings } = okDoc('cycle.dge.json');
    expect(warnings).toEqual(['connections[5]: removed — it closed a cycle (a graph must flow one way)']);
    expect(doc.connections.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('breaks a self-loop and several cycles', () => {
    const doc = JSON.parse(fixture('valid.dge.json'));
    doc.connections.push(
      { id: 'x1', from: { node: 'e', socket: 'out' }, to: { node: 'd', socket: 'xs' } },
      { id: 'x2', from: { node: 'd', socket: 'out' }, to: { node: 'd', socket: 'xs' } },
    );
    const r = parseGraphFile(JSON.stringify(doc), testRegistry);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.filter((w) => w.includes('closed a cycle'))).toHaveLength(2);
    expect(r.doc.connections.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('removes dangling connections (unknown node, unknown socket) with a warning each', () => {
    const { doc, warnings } = okDoc('dangling.dge.json');
    expect(warnings).toEqual([
      'connections[4]: removed — node "ghost" does not exist',
      'connections[5]: removed — "Constant" has no output "nope"',
    ]);
    expect(doc.connections).toHaveLength(4);
  });

  it('removes a connection between incompatible socket types', () => {
    const { doc, warnings } = okDoc('type-mismatch.dge.json');
    expect(warnings).toEqual(['connections[4]: removed — a Number output cannot feed a Latent input']);
    expect(doc.connections.find((c) => c.id === 'c5')).toBeUndefined();
  });

  it('clamps huge numbers and Infinity in params and positions', () => {
    const { doc, warnings } = okDoc('huge-numbers.dge.json');
    expect(doc.nodes[0]!.params.value).toBe(1000);
    expect(doc.nodes[1]!.params.factor).toBe(-10);
    expect(doc.nodes[2]!.position).toEqual([1e7, -1e7]);
    expect(warnings).toEqual([
      'nodes[0].params.value: 1e+308 is outside -1000…1000 — set to 1000',
      'nodes[1].params.factor: -Infinity is not a finite number — set to -10',
      'nodes[2].position: [Infinity, number -1e+308] is out of range — moved to [10000000, -10000000]',
    ]);
    // the repaired document is stable: saving and loading it again changes nothing
    const again = parseGraphFile(serializeGraph(doc), testRegistry);
    expect(again.ok && again.warnings).toEqual([]);
  });

  it('keeps a script in a name as plain text and strips control and bidi characters', () => {
    const { doc, warnings } = okDoc('script-in-name.dge.json');
    expect(doc.name).toBe('<script>alert("pwned")</script><img src=x onerror=alert(1)>');
    expect(doc.nodes[1]!.label).toBe('<b>bold</b>evil');
    expect(warnings).toEqual(['nodes[1].label: control characters removed or cut to 200 characters']);
    expect(toDisplayText('x'.repeat(500))).toHaveLength(200);
  });

  it('refuses an oversize file before parsing it', () => {
    const big = '{"format":"delta-studio/graph","version":1,"nodes":[],"pad":"' + 'x'.repeat(50 * 1024 * 1024) + '"}';
    const started = performance.now();
    const r = parseGraphFile(big, testRegistry);
    expect(r).toEqual({ ok: false, errors: ['file is too large: 50.0 MB; the limit for a graph file is 20 MB'] });
    expect(performance.now() - started).toBeLessThan(50);
    expect(checkFileSize(50 * 1024 * 1024)).toMatch(/too large/);
    expect(checkFileSize(1000)).toBeNull();
  });

  it('refuses deep nesting without overflowing the stack', () => {
    const deep =
      '{"format":"delta-studio/graph","version":1,"nodes":[],"x":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
    const r = parseGraphFile(deep, testRegistry);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/nested more than 64 levels/);
  });

  it('repairs params: missing → default, out of range → clamped, integer rounded, bad enum → default, unknown kept', () => {
    const doc = JSON.parse(fixture('valid.dge.json'));
    doc.nodes[1].params = { factor: 99, steps: 2.6, mode: 'divide', seed: -3.5, extra: 'kept' };
    const r = parseGraphFile(JSON.stringify(doc), testRegistry);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.doc.nodes[1]!.params).toEqual({
      factor: 10,
      steps: 3,
      mode: 'times',
      negate: false,
      seed: 4,
      note: '',
      extra: 'kept',
    });
    expect(r.warnings).toEqual([
      'nodes[1].params.factor: 99 is outside -10…10 — set to 10',
      'nodes[1].params.steps: expected a whole number — set to 3',
      'nodes[1].params.mode: string "divide" is not one of "times", "plus" — set to "times"',
      'nodes[1].params.negate: missing — set to the default false',
      'nodes[1].params.seed: a seed is a whole number in 0…4294967295, got number -3.5 — set to 4',
      'nodes[1].params.note: missing — set to the default ""',
      'nodes[1].params.extra: "Multiply" has no such parameter — kept but ignored',
    ]);
  });

  it('orders repairs for the user: changes first, params a file simply lacked (defaults) last', () => {
    const doc = JSON.parse(fixture('valid.dge.json'));
    doc.nodes[1].params = { factor: 99 };
    doc.connections.push({ ...doc.connections[0] });
    const r = parseGraphFile(JSON.stringify(doc), testRegistry);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ordered = byImportance(r.warnings);
    expect([...ordered].sort()).toEqual([...r.warnings].sort());
    const firstDefault = ordered.findIndex((m) => m.includes('missing — set to the default'));
    expect(firstDefault).toBeGreaterThan(0);
    expect(ordered.slice(firstDefault).every((m) => m.includes('missing — set to the default'))).toBe(true);
    expect(ordered.slice(0, firstDefault)).toEqual(
      expect.arrayContaining([
        'nodes[1].params.factor: 99 is outside -10…10 — set to 10',
        expect.stringMatching(/^connections\[\d+\]: removed — the same wire appears twice/),
      ]),
    );
  });

  it('keeps only the first wire into a single input and renames duplicate connection ids', () => {
    const doc = JSON.parse(fixture('valid.dge.json'));
    doc.connections.push({ id: 'c1', from: { node: 'c', socket: 'out' }, to: { node: 'e', socket: 'y' } });
    doc.connections.push({ id: 'c9', from: { node: 'c', socket: 'out' }, to: { node: 'b', socket: 'x' } });
    const r = parseGraphFile(JSON.stringify(doc), testRegistry);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([
      'connections[4].id: duplicate id "c1" — renamed to "c5"',
      'connections[5]: removed — input "x" of node "b" takes one wire and connections[0] already feeds it',
    ]);
    expect(r.doc.connections.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('refuses NaN in a document built in memory, naming the path', () => {
    const doc = createEmptyGraph('mem');
    doc.nodes.push({ ...createNode(doc, 'const', testRegistry), position: [NaN, 0] });
    expect(validateGraph(doc, testRegistry)).toEqual({
      ok: false,
      errors: ['nodes[0].position[0]: expected number, got NaN'],
    });
  });

  it('validateGraph re-checks a document built in memory', () => {
    const doc = createEmptyGraph('mem');
    doc.nodes.push(createNode(doc, 'const', testRegistry, [1, 2]));
    const r = validateGraph(doc, testRegistry);
    expect(r.ok && r.warnings).toEqual([]);
  });
});

describe('canConnect / connect', () => {
  const doc = okDoc('type-mismatch.dge.json').doc;

  it('refuses a type mismatch with a reason', () => {
    expect(canConnect(doc, { node: 'e', socket: 'out' }, { node: 's', socket: 'latent' }, testRegistry)).toEqual({
      ok: false,
      reason: 'a Number output cannot feed a Latent input',
    });
  });

  it('refuses a cycle', () => {
    expect(canConnect(doc, { node: 'e', socket: 'out' }, { node: 'b', socket: 'x' }, testRegistry)).toEqual({
      ok: false,
      reason: 'this connection would make a cycle',
    });
    expect(canConnect(doc, { node: 'e', socket: 'out' }, { node: 'e', socket: 'y' }, testRegistry).ok).toBe(false);
  });

  it('allows a second wire into a single input, replacing the old one', () => {
    const check = canConnect(doc, { node: 'c', socket: 'out' }, { node: 'b', socket: 'x' }, testRegistry);
    expect(check).toEqual({ ok: true, replaces: 'c1' });
    const r = connect(doc, { node: 'c', socket: 'out' }, { node: 'b', socket: 'x' }, testRegistry);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const into = r.doc.connections.filter((c) => c.to.node === 'b' && c.to.socket === 'x');
    expect(into).toHaveLength(1);
    expect(into[0]!.from.node).toBe('c');
    expect(doc.connections.find((c) => c.id === 'c1')).toBeDefined(); // the input document is untouched
  });

  it('adds to a multi input and refuses an exact duplicate or unknown sockets', () => {
    expect(canConnect(doc, { node: 'a', socket: 'out' }, { node: 'd', socket: 'xs' }, testRegistry)).toEqual({
      ok: true,
    });
    expect(canConnect(doc, { node: 'c', socket: 'out' }, { node: 'd', socket: 'xs' }, testRegistry)).toEqual({
      ok: false,
      reason: 'these sockets are already connected',
    });
    expect(canConnect(doc, { node: 'a', socket: 'nope' }, { node: 'd', socket: 'xs' }, testRegistry)).toEqual({
      ok: false,
      reason: '"Constant" has no output "nope"',
    });
  });
});
