import { describe, expect, it } from 'vitest';
import { Executor } from '../../../src/graph/executor';
import type { GraphDocument } from '../../../src/graph/document';
import type { NumberValue } from '../../../src/graph/types';
import { followerResets, resolveParamSpec } from '../../../src/graph/param-range';
import { syntheticPairNode } from '../../../src/nodes/synthetic-pair';
import { makeContextFactory, testRegistry } from './test-registry';

/** const(3) → mul(×2) → mul(×5) */
function chain(modes: Record<string, 'bypass' | 'mute'> = {}): GraphDocument {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: 't',
    nodes: [
      { id: 'a', type: 'const', params: { value: 3 }, position: [0, 0] },
      { id: 'b', type: 'mul', params: { factor: 2 }, position: [0, 0], ...(modes.b ? { mode: modes.b } : {}) },
      { id: 'c', type: 'mul', params: { factor: 5 }, position: [0, 0], ...(modes.c ? { mode: modes.c } : {}) },
    ],
    connections: [
      { id: 'w1', from: { node: 'a', socket: 'out' }, to: { node: 'b', socket: 'x' } },
      { id: 'w2', from: { node: 'b', socket: 'out' }, to: { node: 'c', socket: 'x' } },
    ],
    packs: [],
    assets: {},
  };
}
const out = (r: { outputs: Map<string, Record<string, unknown>> }, id: string) =>
  (r.outputs.get(id)?.out as NumberValue | undefined)?.value;

describe('executor: bypass and mute', () => {
  it('a bypassed node passes its input on unchanged', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    expect(out(await ex.run(chain()), 'c')).toBe(30);
    const r = await ex.run(chain({ b: 'bypass' }));
    expect(r.status).toBe('done');
    expect(out(r, 'c')).toBe(15);
    expect(r.executed).not.toContain('b');
  });

  it('a muted node and the nodes after it do not run, and nothing fails', async () => {
    const ex = new Executor(testRegistry, makeContextFactory());
    const states: Record<string, string> = {};
    const r = await ex.run(chain({ b: 'mute' }), {
      onEvent: (e) => e.type === 'node-state' && (states[e.nodeId] = `${e.state}:${e.message ?? ''}`),
    });
    expect(r.status).toBe('done');
    expect(r.errors).toEqual({});
    expect(r.outputs.has('b') || r.outputs.has('c')).toBe(false);
    expect(states.b).toMatch(/^idle:muted/);
    expect(states.c).toMatch(/^idle:not run: "Multiply" is muted/);
  });
});

describe('params whose range follows another param', () => {
  const from = syntheticPairNode.params.find((p) => p.name === 'from')!;
  const to = syntheticPairNode.params.find((p) => p.name === 'to')!;
  it('take the range, step and default of the chosen attribute', () => {
    expect(resolveParamSpec(to, { attribute: 'smile' })).toMatchObject({ min: 0, max: 1, step: 0.05, default: 1 });
    expect(resolveParamSpec(to, { attribute: 'yaw' })).toMatchObject({ min: -60, max: 60, step: 1, default: 30 });
    expect(resolveParamSpec(from, { attribute: 'lightElevation' })).toMatchObject({ min: -30, max: 80, default: 25 });
  });
  it('reset to the new default when that param changes', () => {
    expect(followerResets(syntheticPairNode.params, 'attribute', { attribute: 'yaw', from: 0.2, to: 0.9 })).toEqual({
      from: 0,
      to: 30,
    });
    expect(followerResets(syntheticPairNode.params, 'count', { attribute: 'yaw' })).toEqual({});
  });
});
