import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Executor, OutputCache } from '../../../src/graph/executor';
import { parseGraphFile, type GraphDocument } from '../../../src/graph/document';
import type { ExecEvent, NodeDefinition, NumberValue } from '../../../src/graph/types';
import { computeCalls, makeContextFactory, makePacks, resetCalls, testRegistry } from './test-registry';

function loadValid(): GraphDocument {
  const text = readFileSync(fileURLToPath(new URL('../../fixtures/graphs/valid.dge.json', import.meta.url)), 'utf8');
  const r = parseGraphFile(text, testRegistry);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.doc;
}

function graph(
  nodes: [string, string, Record<string, number | string | boolean>?][],
  wires: [string, string, string, string][],
): GraphDocument {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: 't',
    nodes: nodes.map(([id, type, params]) => ({
      id,
      type,
      params: params ?? {},
      position: [0, 0] as [number, number],
    })),
    connections: wires.map(([a, as, b, bs], i) => ({
      id: `w${i}`,
      from: { node: a, socket: as },
      to: { node: b, socket: bs },
    })),
    packs: [],
    assets: {},
  };
}

const numberOut = (r: { outputs: Map<string, Record<string, unknown>> }, id: string) =>
  (r.outputs.get(id)?.out as NumberValue | undefined)?.value;

function setParam(doc: GraphDocument, nodeId: string, name: string, value: number | string | boolean): GraphDocument {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === nodeId ? { ...n, params: { ...n.params, [name]: value } } : n)),
  };
}

function record() {
  const events: ExecEvent[] = [];
  return { events, onEvent: (e: ExecEvent) => events.push(e) };
}

beforeEach(() => resetCalls());

describe('executor: scheduling and caching', () => {
  it('runs every node in topological order and computes the right values', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const { events, onEvent } = record();
    const r = await ex.run(loadValid(), { onEvent });
    expect(r.status).toBe('done');
    expect(r.executed).toEqual(['a', 'c', 'b', 'd', 'e']);
    expect(r.cached).toEqual([]);
    expect(numberOut(r, 'e')).toBe(3 * 2 + 10);
    expect(events[0]).toEqual({ type: 'run-start', runId: r.runId, nodes: ['a', 'c', 'b', 'd', 'e'] });
    expect(events.at(-1)).toMatchObject({
      type: 'run-end',
      runId: r.runId,
      status: 'done',
      executed: r.executed,
      cached: [],
    });
    const states = events
      .filter((e) => e.type === 'node-state')
      .map((e) => e.type === 'node-state' && `${e.nodeId}:${e.state}`);
    expect(states).toEqual([
      'a:running',
      'a:done',
      'c:running',
      'c:done',
      'b:running',
      'b:done',
      'd:running',
      'd:done',
      'e:running',
      'e:done',
    ]);
    expect(events).toContainEqual({ type: 'node-progress', runId: r.runId, nodeId: 'b', fraction: 0.5 });
  });

  it('a param change on a mid-graph node re-runs exactly its downstream; the rest is cached', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const doc = loadValid();
    await ex.run(doc);
    resetCalls();

    const { events, onEvent } = record();
    const r = await ex.run(setParam(doc, 'b', 'factor', 3), { onEvent });
    expect(r.status).toBe('done');
    expect(new Set(r.executed)).toEqual(new Set(['b', 'd', 'e'])); // b and everything downstream of it
    expect(new Set(r.cached)).toEqual(new Set(['a', 'c']));
    expect(computeCalls).toEqual({ mul: 1, sum: 1, offset: 1 });
    expect(numberOut(r, 'e')).toBe(3 * 3 + 10);
    const cachedStates = events
      .filter((e) => e.type === 'node-state' && e.state === 'cached')
      .map((e) => e.type === 'node-state' && e.nodeId);
    expect(cachedStates).toEqual(['a', 'c']);

    // the same document again: nothing runs; going back to the old value is served from the cache too
    resetCalls();
    const again = await ex.run(setParam(doc, 'b', 'factor', 3));
    expect(again.executed).toEqual([]);
    const back = await ex.run(doc);
    expect(back.executed).toEqual([]);
    expect(numberOut(back, 'e')).toBe(16);
    expect(computeCalls).toEqual({});
  });

  it('positions, labels and unknown params do not invalidate the cache', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const doc = loadValid();
    await ex.run(doc);
    const moved: GraphDocument = {
      ...doc,
      nodes: doc.nodes.map((n) => ({ ...n, position: [n.position[0] + 50, 7] as [number, number], label: 'renamed' })),
    };
    const r = await ex.run(setParam(moved, 'b', 'not-a-param', 5));
    expect(r.executed).toEqual([]);
    expect(r.cached).toHaveLength(5);
  });

  it('a changed model file (pack sha256) invalidates the nodes that use the pack and their downstream', async () => {
    const packs = makePacks();
    const ex = new Executor(testRegistry, makeContextFactory(packs));
    const doc = graph(
      [
        ['p', 'packed', { pack: 'fixture' }],
        ['k', 'const'],
        ['m', 'mul'],
        ['o', 'offset'],
      ],
      [
        ['p', 'out', 'm', 'x'],
        ['m', 'out', 'o', 'x'],
        ['k', 'out', 'o', 'y'],
      ],
    );
    const first = await ex.run(doc);
    expect(first.status).toBe('done');
    expect(numberOut(first, 'o')).toBe(4 * 2 + 1);
    expect((await ex.run(doc)).executed).toEqual([]);
    packs.shas.fixture = 'b'.repeat(64);
    const r = await ex.run(doc);
    expect(r.executed).toEqual(['p', 'm', 'o']);
    expect(r.cached).toEqual(['k']);
  });

  it('an image asset is keyed by its content, not its id', async () => {
    const assets: Record<string, Uint8Array> = { face: new Uint8Array([10, 20]) };
    const ex = new Executor(testRegistry, makeContextFactory(makePacks(), assets));
    const doc = graph([['i', 'picture', { source: 'asset:face' }]], []);
    doc.assets = { face: { mime: 'image/png', data: 'CgAU' } };
    expect((await ex.run(doc)).executed).toEqual(['i']);
    expect((await ex.run(doc)).cached).toEqual(['i']);
    assets.face = new Uint8Array([30, 40]);
    const changed = { ...doc, assets: { face: { mime: 'image/png', data: 'HigA' } } };
    expect((await ex.run(changed)).executed).toEqual(['i']);
  });

  it('multi inputs arrive in connection order and an optional input may stay empty', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const doc = graph(
      [
        ['x', 'const', { value: 5 }],
        ['y', 'const', { value: -2 }],
        ['s', 'sum'],
        ['o', 'offset'],
      ],
      [
        ['x', 'out', 's', 'xs'],
        ['y', 'out', 's', 'xs'],
        ['s', 'out', 'o', 'x'],
      ],
    );
    const r = await ex.run(doc);
    expect(r.status).toBe('done');
    expect(numberOut(r, 'o')).toBe(3);
    // Sum with no wires at all is missing its (non-optional) multi input
    const lonely = await ex.run(graph([['s', 'sum']], []));
    expect(lonely.errors).toEqual({ s: 'Missing required input: xs' });
  });
});

describe('executor: errors', () => {
  it('a failing node marks its downstream as not run with the cause; other branches still run', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const doc = graph(
      [
        ['f', 'fail'],
        ['m', 'mul'],
        ['o', 'offset'],
        ['k', 'const', { value: 4 }],
        ['k2', 'mul'],
      ],
      [
        ['f', 'out', 'm', 'x'],
        ['m', 'out', 'o', 'x'],
        ['k', 'out', 'k2', 'x'],
      ],
    );
    const { events, onEvent } = record();
    const r = await ex.run(doc, { onEvent });
    expect(r.status).toBe('error');
    expect(r.errors).toEqual({
      f: 'boom: the model exploded',
      m: 'input "x" failed: "Fail": boom: the model exploded',
      o: 'input "x" failed: "Fail": boom: the model exploded',
    });
    expect(r.blocked).toEqual(['m', 'o']);
    expect(r.executed).toEqual(['k', 'k2']);
    expect(numberOut(r, 'k2')).toBe(8);
    expect(computeCalls.mul).toBe(1); // only k2; m never ran
    expect(events).toContainEqual({
      type: 'node-state',
      runId: r.runId,
      nodeId: 'f',
      state: 'error',
      message: 'boom: the model exploded',
    });
  });

  it('a missing required input is a clear error on that node', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const r = await ex.run(graph([['o', 'offset']], []));
    expect(r.errors).toEqual({ o: 'Missing required input: x' });
  });

  it('a placeholder (unknown type) does not run; its downstream is blocked', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const doc = graph(
      [
        ['z', 'future-node'],
        ['m', 'mul'],
      ],
      [['z', 'out', 'm', 'x']],
    );
    const r = await ex.run(doc);
    expect(r.errors.z).toBe('Unknown node type "future-node": this placeholder keeps its data but cannot run');
    expect(r.errors.m).toBe(
      'input "x" failed: Unknown node type "future-node": this placeholder keeps its data but cannot run',
    );
  });

  it('a missing model pack fails the node with the runtime message', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const r = await ex.run(graph([['p', 'packed', { pack: 'nope' }]], []));
    expect(r.errors).toEqual({ p: 'model pack "nope" is not installed' });
  });

  it('an unvalidated document with a cycle fails those nodes instead of hanging', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const doc = graph(
      [
        ['k', 'const'],
        ['m1', 'mul'],
        ['m2', 'mul'],
      ],
      [
        ['m1', 'out', 'm2', 'x'],
        ['m2', 'out', 'm1', 'x'],
      ],
    );
    const r = await ex.run(doc);
    expect(r.executed).toEqual(['k']);
    expect(Object.keys(r.errors).sort()).toEqual(['m1', 'm2']);
  });
});

describe('executor: cancellation', () => {
  const slowGraph = (ms: number, value: number) =>
    graph(
      [
        ['k', 'const', { value }],
        ['s', 'slow', { ms }],
        ['o', 'offset'],
      ],
      [
        ['k', 'out', 's', 'x'],
        ['s', 'out', 'o', 'x'],
      ],
    );

  it('a newer run cancels the older one, which goes quiet and resolves cancelled', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const first = record();
    let slowStarted!: () => void;
    const started = new Promise<void>((r) => (slowStarted = r));
    const run1 = ex.run(slowGraph(300, 1), {
      onEvent: (e) => {
        first.onEvent(e);
        if (e.type === 'node-state' && e.nodeId === 's' && e.state === 'running') slowStarted();
      },
    });
    await started;
    const eventsBefore = first.events.length;
    const second = record();
    const t0 = performance.now();
    const run2 = ex.run(slowGraph(20, 2), { onEvent: second.onEvent });
    const r1 = await run1;
    expect(performance.now() - t0).toBeLessThan(150); // not queued behind the 300 ms node
    expect(r1.status).toBe('cancelled');
    // after cancellation the older run only reports its own end
    expect(first.events.slice(eventsBefore)).toEqual([
      { type: 'run-end', runId: r1.runId, status: 'cancelled', executed: ['k'], cached: [], ms: r1.ms },
    ]);
    const r2 = await run2;
    expect(r2.status).toBe('done');
    expect(r2.runId).toBeGreaterThan(r1.runId);
    expect(numberOut(r2, 'o')).toBe(2);
    expect(second.events.every((e) => e.runId === r2.runId)).toBe(true);
  });

  it('a compute that ignores cancellation does not hold up the newer run, and its late result is cached', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const stubborn = graph(
      [
        ['k', 'const', { value: 5 }],
        ['s', 'slow', { ms: 150, ignoreAbort: true }],
      ],
      [['k', 'out', 's', 'x']],
    );
    const run1 = ex.run(stubborn);
    await new Promise((r) => setTimeout(r, 30));
    const r2 = await ex.run(graph([['k', 'const', { value: 6 }]], []));
    expect(r2.status).toBe('done');
    expect((await run1).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 200)); // the abandoned compute finishes meanwhile
    resetCalls();
    const r3 = await ex.run(stubborn);
    expect(r3.cached).toEqual(['k', 's']);
    expect(computeCalls).toEqual({});
  });

  it('an external AbortSignal and cancelAll both cancel', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const ac = new AbortController();
    const p = ex.run(slowGraph(5000, 1), { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await p).status).toBe('cancelled');
    const q = ex.run(slowGraph(5000, 3));
    setTimeout(() => ex.cancelAll(), 20);
    const rq = await q;
    expect(rq.status).toBe('cancelled');
    expect(rq.ms).toBeLessThan(1000);
  });
});

describe('OutputCache', () => {
  const v = (n: number) => ({
    out: { kind: 'latent' as const, pack: 'p', tensor: { data: new Float32Array(n), dims: [n] } },
  });

  it('drops the least recently used entries beyond its count bound', () => {
    const cache = new OutputCache(2, 1e9);
    cache.set('a', v(1));
    cache.set('b', v(1));
    cache.get('a'); // a is now the most recent
    cache.set('c', v(1));
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
  });

  it('keeps within its byte bound and skips entries larger than the bound', () => {
    const cache = new OutputCache(100, 1000);
    cache.set('a', v(100)); // 400 bytes + overhead
    cache.set('b', v(100));
    cache.set('c', v(100));
    expect(cache.bytes).toBeLessThanOrEqual(1000);
    expect(cache.has('a')).toBe(false);
    cache.set('huge', v(10_000));
    expect(cache.has('huge')).toBe(false);
  });
});

describe('executor: outputs and notes', () => {
  const noting: NodeDefinition = {
    type: 'noting',
    title: 'Noting',
    category: 'analysis',
    doc: 'Says what it did.',
    inputs: [{ name: 'x', label: 'X', type: 'number' }],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [],
    async compute(inputs, _params, ctx) {
      const x = (inputs.x as NumberValue).value;
      ctx.note?.(`saw ${x}`);
      return { out: { kind: 'number', value: x } };
    },
  };
  const registry = new Map([...testRegistry, ['noting', noting]]);

  it("hands each node's outputs with its note to onOutputs before its state, and a cache hit repeats the note", async () => {
    const ex = new Executor(registry, makeContextFactory());
    const doc = graph(
      [
        ['c', 'const', { value: 3 }],
        ['n', 'noting'],
      ],
      [['c', 'out', 'n', 'x']],
    );
    const seen: string[] = [];
    const run = () =>
      ex.run(doc, {
        onOutputs: (e) => seen.push(`outputs ${e.nodeId} cached=${e.cached} note=${e.note ?? '-'}`),
        onEvent: (e) => {
          if (e.type === 'node-state') seen.push(`state ${e.nodeId} ${e.state} ${e.message ?? '-'}`);
        },
      });
    const first = await run();
    expect(seen).toEqual([
      'state c running -',
      'outputs c cached=false note=-',
      'state c done -',
      'state n running -',
      'outputs n cached=false note=saw 3',
      'state n done saw 3',
    ]);
    seen.length = 0;
    const second = await run();
    expect(seen).toEqual([
      'outputs c cached=true note=-',
      'state c cached -',
      'outputs n cached=true note=saw 3',
      'state n cached saw 3',
    ]);
    expect(second.outputs.get('n')).toBe(first.outputs.get('n'));
  });
});
