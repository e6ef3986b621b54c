import { mkdtemp, readFile, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../../src/graph/document';
import { choosePackDefault, createEngine, type EngineEvent, type NodePreviewEvent } from '../../../src/workers/engine';
import type { PackManifest } from '../../../src/graph/types';
import { type OrtModule } from '../../../src/workers/pack/runtime';
import { decodeImageNode, fetchBytesNode } from '../../../src/workers/node/context';
import { modelsDir } from '../nodes/helpers';
import { nodeDefinitions } from '../../../src/nodes';
import { sha256Hex } from '../../../src/graph/hash';

function nodeEngine() {
  ort.env.wasm.numThreads = 1;
  return createEngine({
    ort: ort as unknown as OrtModule,
    byteSource: (base) => (p) => readFile(path.join(base, p)).then((b) => new Uint8Array(b)),
    decodeImage: decodeImageNode,
    fetchBytes: fetchBytesNode,
  });
}

/** An example graph moved onto the fixture pack, so these tests do not depend on the trained demo pack. */
async function example(name: string): Promise<GraphDocument> {
  const doc: GraphDocument = JSON.parse(await readFile(new URL(`../../../examples/${name}`, import.meta.url), 'utf8'));
  for (const n of doc.nodes) if ('pack' in n.params) n.params.pack = 'fixture';
  return doc;
}

describe('Engine (the worker API, in Node)', () => {
  it('lists packs, serves a catalog without compute, runs the smile example with previews, and re-runs only downstream of a slider', async () => {
    const engine = nodeEngine();
    const init = await engine.init({ modelsBaseUrl: modelsDir });
    expect(init.packs.map((p) => p.id)).toContain('fixture');
    const ref = init.packRefs.find((r) => r.id === 'fixture')!;
    const manifestSha = await sha256Hex(
      new Uint8Array(await readFile(path.join(modelsDir, 'fixture', 'manifest.json'))),
    );
    expect(ref).toEqual({ id: 'fixture', sha256: manifestSha, url: 'models/fixture/manifest.json' });
    const catalog = engine.nodeCatalog();
    // every registered node type, in the registry's order (the order quick-add lists them in)
    expect(catalog.map((d) => d.type)).toEqual(nodeDefinitions.map((d) => d.type));
    expect(catalog.every((d) => !('compute' in d))).toBe(true);
    expect(structuredClone(catalog)).toEqual(catalog);

    const doc = await example('edit-smile.dge.json');
    const events: EngineEvent[] = [];
    const first = await engine.run(doc, (e) => events.push(e));
    expect(first.status).toBe('done');
    expect(first.errors).toEqual({});
    const previews = events.filter((e): e is NodePreviewEvent => e.type === 'node-preview');
    const byNode = new Map(previews.map((p) => [`${p.nodeId}.${p.output}`, p]));
    for (const key of ['face.image', 'pairs.pairs', 'generate.image', 'compare.image', 'save.image'])
      expect(byNode.has(key)).toBe(true);
    const gen = byNode.get('generate.image')!;
    expect(gen.rgba.length).toBe(gen.width * gen.height * 4);
    expect(Math.max(gen.width, gen.height)).toBeLessThanOrEqual(256);
    // a preview arrives before its node reports done
    const genPreviewAt = events.indexOf(gen);
    const genDoneAt = events.findIndex((e) => e.type === 'node-state' && e.nodeId === 'generate' && e.state === 'done');
    expect(genPreviewAt).toBeLessThan(genDoneAt);
    expect(events.some((e) => e.type === 'node-value' && e.nodeId === 'compare')).toBe(true);

    const moved = structuredClone(doc);
    moved.nodes.find((n) => n.id === 'scale')!.params.alpha = 2;
    const events2: EngineEvent[] = [];
    const second = await engine.run(moved, (e) => events2.push(e));
    expect(second.status).toBe('done');
    expect([...second.executed].sort()).toEqual(['add', 'compare', 'generate', 'save', 'scale']);
    expect([...second.cached].sort()).toEqual(['delta', 'face', 'invert', 'pairs']);
    const gen2 = events2.find((e): e is NodePreviewEvent => e.type === 'node-preview' && e.nodeId === 'generate')!;
    expect(Array.from(gen2.rgba)).not.toEqual(Array.from(gen.rgba));
    // the full-size image of the last run stays in the engine for downloads
    const full = engine.imageOutput('save');
    expect([full.width, full.height]).toEqual([32, 32]);
    await engine.dispose();
  });

  it("sends a node's preview output only: Region Blend shows its mask | result strip, not its other images", async () => {
    const engine = nodeEngine();
    await engine.init({ modelsBaseUrl: modelsDir });
    const events: EngineEvent[] = [];
    const run = await engine.run(await example('smile-mouth-only.dge.json'), (e) => events.push(e));
    expect(run.errors).toEqual({});
    const sent = events.filter((e): e is NodePreviewEvent => e.type === 'node-preview' && e.nodeId === 'blend');
    expect(sent.map((e) => e.output)).toEqual(['view']);
    expect(sent[0].width).toBeGreaterThan(2 * sent[0].height);
  });

  it('cancels a run that a newer run overtakes, and sends no previews for it', async () => {
    const engine = nodeEngine();
    await engine.init({ modelsBaseUrl: modelsDir });
    const slow = await example('edit-smile.dge.json');
    slow.nodes.find((n) => n.id === 'pairs')!.params.count = 20;
    const fast = await example('random-face.dge.json');
    const slowEvents: EngineEvent[] = [];
    const first = engine.run(slow, (e) => slowEvents.push(e));
    await new Promise((r) => setTimeout(r, 50));
    const second = await engine.run(fast);
    expect((await first).status).toBe('cancelled');
    expect(second.status).toBe('done');
    expect(slowEvents.some((e) => e.type === 'node-preview' && e.nodeId === 'generate')).toBe(false);
    await engine.dispose();
  });

  it('turns an onnxruntime failure into an error on that node, and the engine keeps working', async () => {
    // a pack whose generator entry points at the encoder file: the manifest passes, onnxruntime rejects the run
    const dir = await mkdtemp(path.join(tmpdir(), 'dge-pack-'));
    await cp(path.join(modelsDir, 'fixture'), path.join(dir, 'broken'), { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, 'broken', 'manifest.json'), 'utf8'));
    manifest.id = 'broken';
    manifest.models.generator = {
      ...manifest.models.encoder,
      inputs: manifest.models.generator.inputs,
      outputs: manifest.models.generator.outputs,
    };
    await writeFile(path.join(dir, 'broken', 'manifest.json'), JSON.stringify(manifest));
    await cp(path.join(modelsDir, 'fixture'), path.join(dir, 'fixture'), { recursive: true });
    await writeFile(path.join(dir, 'index.json'), JSON.stringify({ packs: ['fixture', 'broken', 'missing-pack'] }));

    const engine = nodeEngine();
    const init = await engine.init({ modelsBaseUrl: dir });
    expect(init.packs.map((p) => p.id)).toEqual(['fixture', 'broken']);
    expect(init.missing.map((m) => m.id)).toEqual(['missing-pack']);
    const doc = await example('random-face.dge.json');
    const broken = structuredClone(doc);
    for (const n of broken.nodes) if ('pack' in n.params) n.params.pack = 'broken';
    const events: EngineEvent[] = [];
    const result = await engine.run(broken, (e) => events.push(e));
    expect(result.status).toBe('error');
    expect(result.errors.generate).toMatch(/generator of pack "broken" failed in onnxruntime/);
    expect(events.some((e) => e.type === 'node-state' && e.nodeId === 'generate' && e.state === 'error')).toBe(true);
    const ok = await engine.run(doc);
    expect(ok.status).toBe('done');
    await engine.dispose();
  });
});

describe('default pack', () => {
  const manifest = (id: string, delta: boolean) =>
    ({
      id,
      models: { generator: {}, encoder: {}, mapping: {}, ...(delta ? { delta_encoder: {}, delta_decoder: {} } : {}) },
    }) as unknown as PackManifest;
  it('prefers faceworld, but only once it has the whole DGE chain', () => {
    expect(choosePackDefault([manifest('faceworld', true), manifest('fixture', true)])).toBe('faceworld');
    expect(choosePackDefault([manifest('faceworld', false), manifest('fixture', true)])).toBe('fixture');
    expect(choosePackDefault([manifest('faceworld', false)])).toBe('faceworld');
    expect(choosePackDefault([manifest('ffhq', true)])).toBe('ffhq');
  });
});
