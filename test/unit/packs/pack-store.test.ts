// The model manager's engine side on real fixture files: store add/list/delete in IndexedDB
// (fake-indexeddb), the layered byte source, and refusals of bad packs with messages naming the problem.
import 'fake-indexeddb/auto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../../src/graph/document';
import { createEngine } from '../../../src/workers/engine';
import { decodeImageNode, fetchBytesNode } from '../../../src/workers/node/context';
import { selectBackend } from '../../../src/workers/pack/backend';
import type { PackFileInput } from '../../../src/workers/pack/manager';
import { type OrtModule } from '../../../src/workers/pack/runtime';
import { PackStore, layeredByteSource } from '../../../src/workers/pack/store';
import {
  PackRefusedError,
  onnxStructureProblem,
  shapeProblems,
  validatePack,
} from '../../../src/workers/pack/validate';
import { VariantPackRuntime, manifestWithVariant } from '../../../src/workers/pack/variant-runtime';
import { modelsDir } from '../nodes/helpers';
import { sha256Hex } from '../../../src/graph/hash';

ort.env.wasm.numThreads = 1;
const ortModule = ort as unknown as OrtModule;
let dbCounter = 0;
const freshDb = () => `packs-test-${process.pid}-${++dbCounter}`;

/** The fixture pack's files under a top folder `folder`, with the manifest's id set to `id` (as a renamed copy a user would bring). */
async function fixtureFiles(id = 'my-pack', folder = 'my-pack'): Promise<Map<string, Uint8Array>> {
  const dir = path.join(modelsDir, 'fixture');
  const files = new Map<string, Uint8Array>();
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.onnx') && name !== 'manifest.json') continue;
    let bytes = new Uint8Array(await readFile(path.join(dir, name)));
    if (name === 'manifest.json') {
      const manifest = JSON.parse(new TextDecoder().decode(bytes));
      manifest.id = id;
      bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
    }
    files.set(`${folder}/${name}`, bytes);
  }
  return files;
}

function editManifest(files: Map<string, Uint8Array>, key: string, edit: (m: any) => void): void {
  const m = JSON.parse(new TextDecoder().decode(files.get(key)!));
  edit(m);
  files.set(key, new TextEncoder().encode(JSON.stringify(m)));
}

async function refusal(files: Map<string, Uint8Array>, withOrt = false): Promise<string[]> {
  try {
    await validatePack(files, { ort: withOrt ? ortModule : null, reservedIds: ['fixture'] });
  } catch (e) {
    expect(e).toBeInstanceOf(PackRefusedError);
    return (e as PackRefusedError).problems;
  }
  throw new Error('the pack was accepted');
}

const fsSource = (p: string) => readFile(path.join(modelsDir, p)).then((b) => new Uint8Array(b));
/** the bundled packs as models/index.json lists them today */
const bundledIds = async (): Promise<string[]> =>
  JSON.parse(await readFile(path.join(modelsDir, 'index.json'), 'utf8')).packs;

describe('pack validation', () => {
  it('accepts the fixture pack (renamed) from a folder and strips the top folder', async () => {
    const pack = await validatePack(await fixtureFiles(), { ort: ortModule, reservedIds: ['fixture'] });
    expect(pack.manifest.id).toBe('my-pack');
    expect([...pack.files.keys()].sort()).toEqual([
      'delta_decoder.onnx',
      'delta_encoder.onnx',
      'encoder.onnx',
      'generator.onnx',
      'manifest.json',
      'mapping.onnx',
    ]);
    expect(pack.manifestSha256).toBe(await sha256Hex(pack.files.get('manifest.json')!));
  });

  it('refuses a wrong hash naming the file, the expected and the actual sha256', async () => {
    const files = await fixtureFiles();
    const gen = files.get('my-pack/generator.onnx')!.slice();
    gen[gen.length - 10] ^= 0xff;
    files.set('my-pack/generator.onnx', gen);
    const problems = await refusal(files);
    const expected = JSON.parse(await readFile(path.join(modelsDir, 'fixture/manifest.json'), 'utf8')).models.generator
      .sha256;
    expect(problems).toEqual([`generator.onnx: sha256 mismatch (expected ${expected}, got ${await sha256Hex(gen)})`]);
  });

  it('refuses a missing file', async () => {
    const files = await fixtureFiles();
    files.delete('my-pack/encoder.onnx');
    expect(await refusal(files)).toEqual(['manifest names encoder.onnx (encoder) but it was not among the files']);
  });

  it('refuses shapes that disagree with the latent and image size', async () => {
    const files = await fixtureFiles();
    editManifest(files, 'my-pack/manifest.json', (m) => {
      m.latent.layers = 6;
      m.models.encoder.inputs[0].shape = ['batch', 4, 32, 32];
    });
    const problems = await refusal(files);
    expect(problems).toContain(
      "manifest inconsistent: generator's w [batch,4,16] must be [batch,6,16] (latent {layers: 6, dim: 16})",
    );
    expect(problems).toContain(
      "manifest inconsistent: encoder's image [batch,4,32,32] must be [batch,3,H,H] with a fixed size H (image size 32)",
    );
    expect(problems.some((p) => p.startsWith("manifest inconsistent: delta_decoder's dw"))).toBe(true);
  });

  it("refuses a file that is not ONNX: by its structure, or by onnxruntime's own error", async () => {
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('this is not an ONNX model at all'), /^mapping\.onnx: not an ONNX \(protobuf\) file: /],
      // the first 1000 bytes of a real model: a protobuf field runs past the end
      [
        new Uint8Array(await readFile(path.join(modelsDir, 'fixture/mapping.onnx'))).slice(0, 1000),
        /^mapping\.onnx: not an ONNX \(protobuf\) file: field \d+ claims \d+ bytes past the end$/,
      ],
      // well-formed protobuf with ir_version and an empty graph: only onnxruntime can tell
      [new Uint8Array([0x08, 0x07, 0x3a, 0x00]), /^mapping\.onnx: not a loadable ONNX model \(onnxruntime: .+\)$/],
    ];
    for (const [junk, message] of cases) {
      const files = await fixtureFiles();
      files.set('my-pack/mapping.onnx', junk);
      // the hash matches, so only the ONNX checks can tell it is not a model
      const junkSha = await sha256Hex(junk);
      editManifest(files, 'my-pack/manifest.json', (m) => (m.models.mapping.sha256 = junkSha));
      const problems = await refusal(files, true);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    }
    for (const name of ['generator', 'encoder', 'mapping', 'delta_encoder', 'delta_decoder']) {
      expect(
        onnxStructureProblem(new Uint8Array(await readFile(path.join(modelsDir, `fixture/${name}.onnx`)))),
      ).toBeNull();
    }
  });

  it('refuses an invalid manifest by zod path, no manifest at all, and a bundled id', async () => {
    const files = await fixtureFiles();
    editManifest(files, 'my-pack/manifest.json', (m) => {
      m.models.generator.sha256 = 'XYZ';
      delete m.latent.dim;
    });
    const [problem] = await refusal(files);
    expect(problem).toContain('models.generator.sha256: must be 64 lowercase hex digits');
    expect(problem).toContain('latent.dim:');
    const none = new Map([['a/generator.onnx', new Uint8Array(4)]]);
    expect((await refusal(none))[0]).toMatch(/^no manifest\.json among the files \(a\/generator\.onnx\)/);
    expect(await refusal(await fixtureFiles('fixture'))).toEqual([
      `pack id "fixture" is a bundled pack's id; give the added pack another id in its manifest.json`,
    ]);
  });

  it('the bundled packs are consistent (no false alarms on real manifests)', async () => {
    const fixture = JSON.parse(await readFile(path.join(modelsDir, 'fixture/manifest.json'), 'utf8'));
    expect(shapeProblems(fixture)).toEqual([]);
  });

  it('an fp16 variant replaces the entry only where offered', async () => {
    const files = await fixtureFiles();
    const gen = files.get('my-pack/generator.onnx')!;
    editManifest(
      files,
      'my-pack/manifest.json',
      (m) => (m.models.generator.variants = { fp16: { file: 'generator.fp16.onnx', sha256: 'a'.repeat(64) } }),
    );
    // a named variant file is checked like any model file
    expect(await refusal(files)).toEqual([
      'manifest names generator.fp16.onnx (generator (fp16)) but it was not among the files',
    ]);
    files.set('my-pack/generator.fp16.onnx', gen);
    const sha = await sha256Hex(gen);
    editManifest(files, 'my-pack/manifest.json', (m) => (m.models.generator.variants.fp16.sha256 = sha));
    const pack = await validatePack(files, { ort: null });
    const swapped = manifestWithVariant(pack.manifest, 'fp16');
    expect(swapped.models.generator.file).toBe('generator.fp16.onnx');
    expect(swapped.models.encoder).toBe(pack.manifest.models.encoder);
    expect(manifestWithVariant(pack.manifest, 'int8')).toBe(pack.manifest);
  });
});

describe('PackStore (IndexedDB)', () => {
  it('adds, lists with sizes, reads through the layered source, and deletes', async () => {
    const store = await PackStore.open(freshDb());
    const pack = await validatePack(await fixtureFiles(), { ort: null });
    const info = await store.put(
      {
        id: 'my-pack',
        name: pack.manifest.name,
        manifestSha256: pack.manifestSha256,
        origin: 'local files',
        manifest: pack.manifest,
      },
      pack.files,
    );
    const total = [...pack.files.values()].reduce((n, b) => n + b.byteLength, 0);
    expect(info.bytes).toBe(total);
    expect(await store.list()).toEqual([
      expect.objectContaining({
        id: 'my-pack',
        bytes: total,
        origin: 'local files',
        files: [...pack.files.keys()].sort(),
      }),
    ]);
    const source = layeredByteSource(store, fsSource);
    expect(JSON.parse(new TextDecoder().decode(await source('index.json')))).toEqual({
      packs: [...(await bundledIds()), 'my-pack'],
    });
    expect(await source('my-pack/generator.onnx')).toEqual(pack.files.get('generator.onnx'));
    expect((await source('fixture/generator.onnx')).byteLength).toBe(287800);
    await expect(source('my-pack/nothing.onnx')).rejects.toThrow(
      'model pack "my-pack" has no stored file nothing.onnx',
    );
    await expect(source('nowhere/manifest.json')).rejects.toThrow(
      'not bundled with the app and not added in this browser',
    );
    expect(await store.delete('my-pack')).toBe(true);
    expect(await store.list()).toEqual([]);
    expect(await store.delete('my-pack')).toBe(false);
    await expect(source('my-pack/generator.onnx')).rejects.toThrow();
    store.close();
  });
});

describe('Engine with the pack store', () => {
  function engine(dbName: string) {
    return createEngine({
      ort: ortModule,
      byteSource: (base) => (p) => readFile(path.join(base, p)).then((b) => new Uint8Array(b)),
      decodeImage: decodeImageNode,
      fetchBytes: fetchBytesNode,
      openPackStore: () => PackStore.open(dbName),
      selectBackend: (pref) => selectBackend(pref, { ort: ortModule }, async () => ortModule, undefined),
    });
  }
  const graph = (pack: string): GraphDocument =>
    ({
      format: 'delta-studio/graph',
      version: 1,
      name: 'needs a pack',
      nodes: [
        { id: 'r', type: 'random-face', params: { pack, seed: 1, truncation: 0.7 }, position: [0, 0] },
        { id: 'g', type: 'generate', params: { pack }, position: [200, 0] },
      ],
      connections: [{ id: 'c', from: { node: 'r', socket: 'latent' }, to: { node: 'g', socket: 'latent' } }],
      packs: [],
      assets: {},
    }) as unknown as GraphDocument;

  it('a graph of a missing pack fails by name; after addPack it runs; the pack survives a new engine; delete removes it', async () => {
    const db = freshDb();
    const first = engine(db);
    const init = await first.init({ modelsBaseUrl: modelsDir });
    expect(init.listing).toMatchObject({ bundled: await bundledIds(), stored: [], ep: { active: 'wasm' } });
    const before = await first.run(graph('my-pack'));
    expect(before.status).toBe('error');
    expect(before.errors.r).toContain('model pack "my-pack" is not installed');

    const files: PackFileInput[] = [...(await fixtureFiles()).entries()].map(([p, bytes]) => ({ path: p, bytes }));
    const added = await first.addPack(files, 'local files');
    expect(added.added).toBe('my-pack');
    expect(added.packs.map((p) => p.id)).toEqual([...(await bundledIds()), 'my-pack']);
    expect(added.listing.stored.map((s) => s.id)).toEqual(['my-pack']);
    const after = await first.run(graph('my-pack'));
    expect(after.status).toBe('done');
    expect(after.executed).toEqual(['r', 'g']);
    await first.dispose();

    const second = engine(db);
    expect((await second.init({ modelsBaseUrl: modelsDir })).packs.map((p) => p.id)).toContain('my-pack');
    await expect(second.deletePack('fixture')).rejects.toThrow(
      'model pack "fixture" is bundled with the app and cannot be deleted',
    );
    const removed = await second.deletePack('my-pack');
    expect(removed.packs.map((p) => p.id)).toEqual(await bundledIds());
    expect((await second.run(graph('my-pack'))).status).toBe('error');
    await second.dispose();
  });

  it('refuses a tampered pack through the engine and keeps the list; EP falls back to wasm without a GPU and says why', async () => {
    const e = engine(freshDb());
    await e.init({ modelsBaseUrl: modelsDir });
    const files = await fixtureFiles();
    const enc = files.get('my-pack/encoder.onnx')!.slice();
    enc[100] ^= 1;
    files.set('my-pack/encoder.onnx', enc);
    await expect(
      e.addPack(
        [...files.entries()].map(([p, bytes]) => ({ path: p, bytes })),
        'zip',
      ),
    ).rejects.toThrow(/^encoder\.onnx: sha256 mismatch/);
    expect(e.listPacks().packs.map((p) => p.id)).toEqual(await bundledIds());
    const status = await e.setExecutionProvider('auto');
    expect(status).toMatchObject({ preference: 'auto', active: 'wasm', variant: null });
    expect(status.note).toContain('navigator.gpu is missing');
    await expect(e.setExecutionProvider('cuda' as never)).rejects.toThrow(
      'execution provider must be one of auto, wasm, webgpu; got "cuda"',
    );
    // the runtime was recreated and still runs
    expect((await e.run(graph('fixture'))).status).toBe('done');
    await e.dispose();
  });

  it('selectBackend picks WebGPU with fp16 when an adapter exists, and reports a missing adapter', async () => {
    const gpuOrt = { tag: 'gpu' } as unknown as OrtModule;
    const wasm = { ort: ortModule };
    const gpu = await selectBackend('auto', wasm, async () => gpuOrt, { requestAdapter: async () => ({}) });
    expect(gpu).toMatchObject({
      ep: 'webgpu',
      variant: 'fp16',
      sessionOptions: { executionProviders: ['webgpu', 'wasm'] },
    });
    expect(gpu.ort).toBe(gpuOrt);
    const none = await selectBackend('webgpu', wasm, async () => gpuOrt, { requestAdapter: async () => null });
    expect(none).toMatchObject({ ep: 'wasm', ort: ortModule });
    expect(none.note).toContain('no WebGPU adapter');
    expect((await selectBackend('wasm', wasm, async () => gpuOrt, { requestAdapter: async () => ({}) })).ep).toBe(
      'wasm',
    );
  });
});

describe('VariantPackRuntime (fp16 variants on WebGPU)', () => {
  it('runs the variant file where the manifest offers one and the chosen backend asks for it, the model itself otherwise', async () => {
    const gen = new Uint8Array(await readFile(path.join(modelsDir, 'fixture/generator.onnx')));
    // a stand-in "fp16" file: the same network with a run of weights overwritten, so its output differs
    const variant = gen.slice();
    variant.fill(0x3f, gen.length >> 1, (gen.length >> 1) + 64);
    const manifest = JSON.parse(await readFile(path.join(modelsDir, 'fixture/manifest.json'), 'utf8'));
    manifest.models.generator.variants = { fp16: { file: 'generator.fp16.onnx', sha256: await sha256Hex(variant) } };
    const files: Record<string, Uint8Array> = {
      'fixture/manifest.json': new TextEncoder().encode(JSON.stringify(manifest)),
      'fixture/generator.fp16.onnx': variant,
    };
    const source = async (p: string) => files[p] ?? fsSource(p);
    const w = { data: new Float32Array(4 * 16).map((_, i) => Math.sin(i)), dims: [1, 4, 16] };
    const plain = await new VariantPackRuntime(source, ortModule, {}, null).run('fixture', 'generator', { w });
    const fp16 = new VariantPackRuntime(source, ortModule, {}, 'fp16');
    const swapped = await fp16.run('fixture', 'generator', { w });
    expect(await fp16.variantModels('fixture')).toEqual(['generator']);
    expect((await fp16.manifest('fixture')).models.generator.file).toBe('generator.fp16.onnx');
    const reference = await new VariantPackRuntime(fsSource, ortModule, {}, null).run('fixture', 'generator', { w });
    expect(plain.image.data).toEqual(reference.image.data);
    const diff = swapped.image.data.reduce((m, v, i) => Math.max(m, Math.abs(v - plain.image.data[i])), 0);
    expect(diff).toBeGreaterThan(1e-3);
    // the mapping network has no variant: the same file either way
    const z = { data: new Float32Array(16).fill(0.5), dims: [1, 16] };
    expect((await fp16.run('fixture', 'mapping', { z })).w.data).toEqual(
      (await new VariantPackRuntime(source, ortModule, {}, null).run('fixture', 'mapping', { z })).w.data,
    );
  });
});
