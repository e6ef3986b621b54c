// Tiny pure-arithmetic node types for testing the graph core (the scheduler, cache and loader),
// not the ML. Every compute call is counted so tests can tell executed from cached.
import type {
  ComputeContext,
  NodeDefinition,
  NodeOutputs,
  NumberValue,
  PackManifest,
  Value,
} from '../../../src/graph/types';
import type { MakeContext } from '../../../src/graph/executor';

export const computeCalls: Record<string, number> = {};
function count(type: string) {
  computeCalls[type] = (computeCalls[type] ?? 0) + 1;
}
export function resetCalls() {
  for (const k of Object.keys(computeCalls)) delete computeCalls[k];
}

const num = (value: number): NumberValue => ({ kind: 'number', value });
const val = (v: Value | Value[] | undefined): number => {
  if (!v || Array.isArray(v) || v.kind !== 'number') throw new Error('expected a number input');
  return v.value;
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new Error('aborted'));
      },
      { once: true },
    );
  });
}

export const testDefinitions: NodeDefinition[] = [
  {
    type: 'const',
    title: 'Constant',
    category: 'input',
    doc: 'A number.',
    inputs: [],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [{ kind: 'number', name: 'value', label: 'Value', default: 1, min: -1000, max: 1000, step: 0.1 }],
    async compute(_inputs, params) {
      count('const');
      return { out: num(params.value as number) };
    },
  },
  {
    type: 'mul',
    title: 'Multiply',
    category: 'edit',
    doc: 'x times a factor.',
    inputs: [{ name: 'x', label: 'X', type: 'number' }],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [
      { kind: 'number', name: 'factor', label: 'Factor', default: 2, min: -10, max: 10, step: 0.1 },
      { kind: 'number', name: 'steps', label: 'Steps', default: 1, min: 1, max: 8, step: 1, integer: true },
      {
        kind: 'enum',
        name: 'mode',
        label: 'Mode',
        default: 'times',
        options: [
          { value: 'times', label: 'Times' },
          { value: 'plus', label: 'Plus' },
        ],
      },
      { kind: 'boolean', name: 'negate', label: 'Negate', default: false },
      { kind: 'seed', name: 'seed', label: 'Seed', default: 7 },
      { kind: 'string', name: 'note', label: 'Note', default: '' },
    ],
    async compute(inputs, params, ctx) {
      count('mul');
      ctx.progress(0.5);
      const x = val(inputs.x);
      const f = params.factor as number;
      const r = params.mode === 'plus' ? x + f : x * f;
      return { out: num(params.negate ? -r : r) };
    },
  },
  {
    type: 'sum',
    title: 'Sum',
    category: 'edit',
    doc: 'Sum of any number of inputs.',
    inputs: [{ name: 'xs', label: 'Xs', type: 'number', multi: true }],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [],
    async compute(inputs) {
      count('sum');
      const xs = (inputs.xs as Value[]).map((v) => val(v));
      return { out: num(xs.reduce((a, b) => a + b, 0)) };
    },
  },
  {
    type: 'offset',
    title: 'Offset',
    category: 'edit',
    doc: 'x plus an optional y.',
    inputs: [
      { name: 'x', label: 'X', type: 'number' },
      { name: 'y', label: 'Y', type: 'number', optional: true },
    ],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [],
    async compute(inputs) {
      count('offset');
      return { out: num(val(inputs.x) + (inputs.y ? val(inputs.y) : 0)) };
    },
  },
  {
    type: 'slow',
    title: 'Slow',
    category: 'edit',
    doc: 'Passes x through after a delay, honouring cancellation.',
    inputs: [{ name: 'x', label: 'X', type: 'number' }],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [
      { kind: 'number', name: 'ms', label: 'Delay', default: 200, min: 0, max: 5000, step: 1 },
      { kind: 'boolean', name: 'ignoreAbort', label: 'Ignore cancellation', default: false },
    ],
    async compute(inputs, params, ctx: ComputeContext) {
      count('slow');
      await sleep(params.ms as number, params.ignoreAbort ? new AbortController().signal : ctx.signal);
      ctx.progress(1);
      return { out: num(val(inputs.x)) };
    },
  },
  {
    type: 'fail',
    title: 'Fail',
    category: 'edit',
    doc: 'Always throws.',
    inputs: [{ name: 'x', label: 'X', type: 'number', optional: true }],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [],
    async compute() {
      count('fail');
      throw new Error('boom: the model exploded');
    },
  },
  {
    type: 'packed',
    title: 'Packed',
    category: 'model',
    doc: 'A number that depends on a model pack.',
    inputs: [],
    outputs: [{ name: 'out', label: 'Out', type: 'number' }],
    params: [{ kind: 'pack', name: 'pack', label: 'Pack', default: 'fixture' }],
    async compute(_inputs, params, ctx) {
      count('packed');
      const m = await ctx.packs.manifest(params.pack as string);
      return { out: num(m.latent.dim) };
    },
  },
  {
    type: 'picture',
    title: 'Picture',
    category: 'input',
    doc: 'An image from an asset.',
    inputs: [],
    outputs: [{ name: 'image', label: 'Image', type: 'image' }],
    params: [{ kind: 'image', name: 'source', label: 'Source', default: 'sample:a' }],
    async compute(_inputs, params, ctx): Promise<NodeOutputs> {
      count('picture');
      const src = params.source as string;
      const bytes = src.startsWith('asset:') ? ctx.assets.get(src.slice(6)) : new Uint8Array([1, 2, 3]);
      if (!bytes) throw new Error(`image asset "${src}" is missing`);
      return {
        image: {
          kind: 'image',
          tensor: { data: Float32Array.from(bytes, (b) => b / 255), dims: [1, 1, 1, bytes.length] },
        },
      };
    },
  },
  {
    type: 'latent-sink',
    title: 'Latent Sink',
    category: 'output',
    doc: 'Takes a latent (for type-mismatch tests).',
    inputs: [{ name: 'latent', label: 'Latent', type: 'latent' }],
    outputs: [],
    params: [],
    async compute() {
      count('latent-sink');
      return {};
    },
  },
];

export const testRegistry: ReadonlyMap<string, NodeDefinition> = new Map(testDefinitions.map((d) => [d.type, d]));

/** A pack runtime whose model hashes tests can change, to prove a changed model invalidates. */
export function makePacks(): { shas: Record<string, string>; manifest: (id: string) => Promise<PackManifest> } {
  const shas: Record<string, string> = { fixture: 'a'.repeat(64) };
  return {
    shas,
    async manifest(id: string) {
      if (!shas[id]) throw new Error(`model pack "${id}" is not installed`);
      const entry = { file: 'g.onnx', sha256: shas[id]!, inputs: [], outputs: [] };
      return {
        format: 'delta-studio/model-pack',
        version: 1,
        id,
        name: id,
        license: 'test',
        source: 'test',
        latent: { layers: 2, dim: 4 },
        image: { size: 8, channels: 3, range: [-1, 1], layout: 'NCHW' },
        models: { generator: entry, encoder: { ...entry, file: 'e.onnx' } },
      };
    },
  };
}

export function makeContextFactory(packs = makePacks(), assets: Record<string, Uint8Array> = {}): MakeContext {
  return (signal, _nodeId, onProgress) => ({
    packs: {
      manifest: packs.manifest,
      run: async () => {
        throw new Error('no models in the test registry');
      },
    },
    assets: { get: (id) => assets[id] },
    decodeImage: async () => {
      throw new Error('not used');
    },
    fetchBytes: async () => {
      throw new Error('not used');
    },
    signal,
    progress: onProgress,
  });
}
