// Fuzz: thousands of mutated and random graph files. None may throw out of the loader or hit its
// last-resort catch (that would be a loader bug); every accepted document must re-validate to
// itself; every refusal is a list of messages; the loader never mutates what it is given; and the
// executor runs every accepted document to an end.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseGraphFile, serializeGraph, validateGraphObject } from '../../../src/graph/document';
import { Executor } from '../../../src/graph/executor';
import { makeContextFactory, testDefinitions } from './test-registry';

// 'slow' sleeps for its param; leave it out so fuzzed delays cannot stall the suite
const registry = new Map(testDefinitions.filter((d) => d.type !== 'slow').map((d) => [d.type, d]));
const fixtureDir = fileURLToPath(new URL('../../fixtures/graphs/', import.meta.url));
const seeds = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readFileSync(fixtureDir + f, 'utf8'));
const validSeeds = seeds
  .map((t) => {
    try {
      return JSON.parse(t);
    } catch {
      return null;
    }
  })
  .filter((v) => v && typeof v === 'object');

/** mulberry32: small seeded PRNG so failures reproduce */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const interesting = [
  '',
  'a',
  'out',
  'x',
  'xs',
  'latent',
  'const',
  'mul',
  'sum',
  'offset',
  'fail',
  'packed',
  'picture',
  'future-node',
  'asset:face',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  '\u202e\u0000\u0007',
  'delta-studio/graph',
  'c1',
  'b',
  'e',
  '𝔘𝔫𝔦',
];

function randomValue(r: Rand, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 4 ? 8 : 11));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53, 1e-320, 7, 42, 4294967296, 1e21]);
    case 3:
      return Math.round((r() - 0.5) * 2000);
    case 4:
      return pick(r, interesting);
    case 5:
      return 'x'.repeat(Math.floor(r() * 5000));
    case 6:
      return String.fromCharCode(...Array.from({ length: 1 + Math.floor(r() * 20) }, () => Math.floor(r() * 0xffff)));
    case 7:
      return Math.floor(r() * 10);
    case 8:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    case 9:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, () => [pick(r, interesting), randomValue(r, depth + 1)]),
      );
    default: {
      // deep nesting
      let v: unknown = 1;
      const n = Math.floor(r() * 200);
      for (let i = 0; i < n; i++) v = r() < 0.5 ? [v] : { d: v };
      return v;
    }
  }
}

/** every [container, key] in a JSON tree */
function slots(root: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v))
      v.forEach((c, i) => {
        out.push([v, i]);
        stack.push(c);
      });
    else if (v && typeof v === 'object')
      for (const [k, c] of Object.entries(v)) {
        out.push([v as Record<string, unknown>, k]);
        stack.push(c);
      }
  }
  return out;
}

function mutateObject(r: Rand, doc: unknown): unknown {
  const copy = structuredClone(doc);
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const all = slots(copy);
    if (!all.length) break;
    const [container, key] = pick(r, all);
    const op = Math.floor(r() * 6);
    if (op === 0) {
      // drop
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key as string];
    } else if (op === 1 && Array.isArray(container)) {
      // duplicate an element (duplicate ids, second wires, …)
      container.push(structuredClone(container[key as number]));
    } else if (op === 2) {
      // retype
      (container as Record<string | number, unknown>)[key] = randomValue(r);
    } else if (op === 3) {
      // swap in a value from elsewhere in the same file (plausible but wrong)
      const [c2, k2] = pick(r, all);
      (container as Record<string | number, unknown>)[key] = structuredClone(
        (c2 as Record<string | number, unknown>)[k2],
      );
    } else if (op === 4 && !Array.isArray(container)) {
      container[pick(r, interesting) || 'extra'] = randomValue(r);
    } else {
      (container as Record<string | number, unknown>)[key] = pick(r, interesting);
    }
  }
  return copy;
}

function mutateText(r: Rand, text: string): string {
  const op = Math.floor(r() * 5);
  const at = Math.floor(r() * text.length);
  if (op === 0) return text.slice(0, at); // truncated download
  if (op === 1)
    return (
      text.slice(0, at) +
      pick(r, ['{', '}', '[', ']', ',', ':', '"', '\\', 'null', '1e999', '-0', '\u0000']) +
      text.slice(at)
    );
  if (op === 2)
    return text.replace(/-?\d+(\.\d+)?/g, (m) =>
      r() < 0.3 ? pick(r, ['1e999', '-1e999', '1e308', '-0', '0.1', '99999999999999999999']) : m,
    );
  if (op === 3) return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 30));
  return JSON.stringify(randomValue(r));
}

function checkResult(text: string, label: string) {
  let result: ReturnType<typeof parseGraphFile>;
  expect(() => (result = parseGraphFile(text, registry)), label).not.toThrow();
  result = result!;
  if (result.ok) {
    expect(Array.isArray(result.warnings) && result.warnings.every((w) => typeof w === 'string'), label).toBe(true);
    const saved = serializeGraph(result.doc);
    const again = parseGraphFile(saved, registry);
    expect(again.ok, `${label}: an accepted document must re-validate`).toBe(true);
    if (again.ok) expect(serializeGraph(again.doc), `${label}: re-validation must not change it`).toBe(saved);
  } else {
    expect(result.errors.length, label).toBeGreaterThan(0);
    for (const e of result.errors) {
      expect(typeof e, label).toBe('string');
      expect(e, `${label}: loader bug`).not.toMatch(/^could not load the graph/);
    }
  }
  return result;
}

describe('fuzz: the loader never crashes and never corrupts', () => {
  it('survives 1,200 mutated copies of the fixture files (object-level mutations)', () => {
    const r = prng(20261125);
    let accepted = 0;
    for (let i = 0; i < 1200; i++) {
      const base = pick(r, validSeeds);
      const mutated = mutateObject(r, base);
      const before = JSON.stringify(mutated);
      // the object-level entry point must not modify what it is given (the open graph stays intact)
      validateGraphObject(mutated, registry);
      expect(JSON.stringify(mutated), `case ${i}: input mutated`).toBe(before);
      if (checkResult(before, `object case ${i}`).ok) accepted++;
    }
    // the mix must exercise both paths, or the fuzzer is not testing repair
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(1200);
  });

  it('survives 800 text-level mutations (truncation, stray characters, huge numbers, random JSON)', () => {
    const r = prng(42);
    for (let i = 0; i < 800; i++) checkResult(mutateText(r, pick(r, seeds)), `text case ${i}`);
  });

  it('survives random non-graph input', () => {
    const r = prng(7);
    for (let i = 0; i < 200; i++) {
      const v = randomValue(r);
      const res = checkResult(JSON.stringify(v) ?? 'undefined', `random case ${i}`);
      expect(res.ok).toBe(false);
    }
  });

  it('the executor runs every accepted fuzzed document to an end', async () => {
    const r = prng(99);
    const ex = new Executor(registry, makeContextFactory());
    let ran = 0;
    for (let i = 0; i < 400; i++) {
      const res = parseGraphFile(JSON.stringify(mutateObject(r, pick(r, validSeeds))), registry);
      if (!res.ok) continue;
      const out = await ex.run(res.doc);
      expect(['done', 'error']).toContain(out.status);
      expect(out.executed.length + out.cached.length + Object.keys(out.errors).length).toBe(res.doc.nodes.length);
      ran++;
    }
    expect(ran).toBeGreaterThan(20);
  });
});
