// The batch core shared by the browser and the headless batch: one item through the real executor
// and the fixture pack, the manifest, the CSV, input listing, and the browser's IndexedDB store.
import 'fake-indexeddb/auto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { BATCH_ASSET, batchTarget, itemDoc, resultOutputs, runItem, valueColumns } from '../../../src/batch/item';
import { parseManifest, recordLine, resultsCsv, headerLine, MANIFEST_FORMAT } from '../../../src/batch/manifest';
import { parseGraphFile, type GraphDocument } from '../../../src/graph/document';
import { Executor } from '../../../src/graph/executor';
import { readGraphFromPng } from '../../../src/graph/png-metadata';
import { nodeRegistry } from '../../../src/nodes';
import { assetStoreFromDoc } from '../../../src/graph/assets';
import { nodeContextFactory } from '../../../src/workers/node/context';
import { BatchDb } from '../../../src/ui/batch/batch-db';
import { globRegExp, listInputs } from '../../../tools/batch/inputs';
import { packs } from '../nodes/helpers';
import { CORRUPT, facePng, fixtureGraph } from './helpers';

function fixtureDoc(): GraphDocument {
  const parsed = parseGraphFile(JSON.stringify(fixtureGraph()), nodeRegistry);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.doc;
}

function executor() {
  let assets = assetStoreFromDoc({});
  const ex = new Executor(nodeRegistry, nodeContextFactory(packs, { get: (id) => assets.get(id) }));
  return {
    ex,
    beforeRun: (d: GraphDocument) => (assets = assetStoreFromDoc(d.assets as Record<string, { data: string }>)),
  };
}

describe('one batch item', () => {
  it('feeds the image to Load Face, names results by content hash (a rerun gives identical bytes) and embeds the item graph', async () => {
    const doc = fixtureDoc();
    const opts = { doc, registry: nodeRegistry, target: 'face', graphSha256: 'g'.repeat(64) };
    const a = executor();
    const first = await runItem(a.ex, { name: 'me.png', bytes: facePng(3) }, { ...opts, beforeRun: a.beforeRun });
    expect(first.record.status).toBe('done');
    expect(first.record.images).toHaveLength(1);
    const [img] = first.record.images;
    expect(img!.label).toBe('edited.png');
    expect(img!.file).toBe(`${img!.sha256.slice(0, 32)}.png`);
    expect(first.record.values['compare.psnr']).toBeGreaterThan(0);
    // a fresh executor (another worker, a retry) writes the same bytes under the same name
    const b = executor();
    const again = await runItem(b.ex, { name: 'me.png', bytes: facePng(3) }, { ...opts, beforeRun: b.beforeRun });
    expect(again.record.images[0]!.file).toBe(img!.file);
    expect(Buffer.from(again.pngs.get(img!.file)!).equals(Buffer.from(first.pngs.get(img!.file)!))).toBe(true);
    // another face gives another result
    const other = await runItem(a.ex, { name: 'you.png', bytes: facePng(4) }, { ...opts, beforeRun: a.beforeRun });
    expect(other.record.images[0]!.file).not.toBe(img!.file);
    expect(other.record.key).not.toBe(first.record.key);
    // the PNG reopens as the item's graph, the face inside
    const embedded = parseGraphFile(readGraphFromPng(first.pngs.get(img!.file)!)!, nodeRegistry);
    expect(embedded.ok).toBe(true);
    if (embedded.ok) {
      expect(embedded.doc.nodes.find((n) => n.id === 'face')!.params.source).toBe(`asset:${BATCH_ASSET}`);
      expect(embedded.doc.assets[BATCH_ASSET]!.mime).toBe('image/png');
    }
  });

  it('a corrupt file is an error record naming the file, not an exception', async () => {
    const { ex, beforeRun } = executor();
    for (const [name, bytes] of CORRUPT) {
      const r = await runItem(
        ex,
        { name, bytes },
        { doc: fixtureDoc(), registry: nodeRegistry, target: 'face', graphSha256: 'g', beforeRun },
      );
      expect(r.record.status).toBe('error');
      expect(r.record.error).toContain(name);
      expect(r.record.error).not.toContain(BATCH_ASSET);
      expect(r.pngs.size).toBe(0);
    }
  });

  it('finds the Load Face node to feed, or says why not', () => {
    const doc = fixtureDoc();
    expect(batchTarget(doc)).toBe('face');
    expect(() => batchTarget({ ...doc, nodes: doc.nodes.filter((n) => n.type !== 'load-face') })).toThrow(
      /no Load Face node/,
    );
    const two = { ...doc, nodes: [...doc.nodes, { ...doc.nodes[0]!, id: 'face2' }] };
    expect(() => batchTarget(two)).toThrow(/2 Load Face nodes \(face, face2\).*--node/);
    expect(batchTarget(two, 'face2')).toBe('face2');
    expect(
      itemDoc(doc, 'face', { name: 'x.jpg', bytes: new Uint8Array([0xff, 0xd8, 1]) }).assets[BATCH_ASSET]!.mime,
    ).toBe('image/jpeg');
    expect(resultOutputs(doc, nodeRegistry).map((r) => r.node)).toEqual(['save']);
    expect(valueColumns(doc, nodeRegistry)).toEqual(['compare.psnr', 'compare.identity']);
    // without Save Image: the image outputs nobody reads (Generate's feeds Compare)
    const noSave = {
      ...doc,
      nodes: doc.nodes.filter((n) => n.id !== 'save'),
      connections: doc.connections.filter((c) => c.to.node !== 'save'),
    };
    expect(resultOutputs(noSave, nodeRegistry).map((r) => `${r.node}.${r.output}`)).toEqual(['compare.image']);
  });
});

describe('manifest and CSV', () => {
  const rec = (key: string, status: 'done' | 'error', extra = {}) => ({
    key,
    name: `${key}.png`,
    inputSha256: 'x',
    status,
    images: [],
    values: {},
    ms: 1,
    ...extra,
  });

  it('reads back records; a line torn by a crash is skipped, a later line for a key wins', () => {
    const text =
      headerLine({ format: MANIFEST_FORMAT, version: 1, graph: { name: 'g', sha256: 's' }, target: 'face' }) +
      recordLine(rec('a', 'error')) +
      recordLine(rec('b', 'done')) +
      recordLine(rec('a', 'done')) +
      '{"item":{"key":"c","na';
    const m = parseManifest(text);
    expect(m.header?.graph.sha256).toBe('s');
    expect([...m.records.keys()]).toEqual(['a', 'b']);
    expect(m.records.get('a')!.status).toBe('done');
    expect(m.skipped).toBe(1);
  });

  it('writes CSV with quoting, and a cell that would run as a spreadsheet formula is defused', () => {
    const csv = resultsCsv(
      [
        rec('a', 'done', {
          name: 'a, "quoted".png',
          images: [{ node: 's', output: 'image', label: 'out.png', file: 'f.png', sha256: 'f' }],
          values: { 'm.smile': 0.5 },
        }),
        rec('b', 'error', { name: '=cmd|calc.png', error: 'broken' }),
      ],
      ['out.png'],
      ['m.smile'],
    );
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('file,status,error,out.png,m.smile,ms');
    expect(lines[1]).toBe('"a, ""quoted"".png",done,,f.png,0.5,1');
    expect(lines[2]).toBe("'=cmd|calc.png,error,broken,,,1");
  });
});

describe('inputs', () => {
  it('lists a folder (recursively, images only), a zip and a glob with stable relative names', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dge-inputs-'));
    await mkdir(path.join(dir, 'set', 'b'), { recursive: true });
    for (const f of ['set/a.png', 'set/b/c.JPG', 'set/notes.txt', 'set/b/d.webp'])
      await writeFile(path.join(dir, f), 'x');
    expect((await listInputs(path.join(dir, 'set'))).map((r) => r.name)).toEqual(['a.png', 'b/c.JPG', 'b/d.webp']);
    expect((await listInputs(`${dir}/set/**/*.png`)).map((r) => r.name)).toEqual(['a.png']);
    expect((await listInputs(`${dir}/set/b/*`)).map((r) => r.name)).toEqual(['c.JPG', 'd.webp']);
    await writeFile(
      path.join(dir, 'z.zip'),
      zipSync({
        'x/1.png': new Uint8Array([1]),
        '__MACOSX/x/._1.png': new Uint8Array([2]),
        'r.txt': new Uint8Array([3]),
      }),
    );
    const zipped = await listInputs(path.join(dir, 'z.zip'));
    expect(zipped.map((r) => r.name)).toEqual(['x/1.png']);
    expect([...(await zipped[0]!.read())]).toEqual([1]);
    expect(globRegExp('**/*.jp?g').test('a/b/c.jpeg')).toBe(true);
    expect(globRegExp('*.png').test('a/b.png')).toBe(false);
    await expect(listInputs(path.join(dir, 'missing'))).rejects.toThrow(/no such file or folder/);
    await writeFile(path.join(dir, 'bad.zip'), 'not a zip');
    await expect(listInputs(path.join(dir, 'bad.zip'))).rejects.toThrow(/bad\.zip is not a readable zip/);
  });
});

describe('the browser batch store (IndexedDB)', () => {
  it('keeps inputs, finished items with their PNGs and the counters; removing a batch removes all of it', async () => {
    const db = await BatchDb.open();
    const doc = fixtureDoc();
    const batch = {
      id: 'b1',
      name: 'g',
      doc,
      graphSha256: 's',
      target: 'face',
      imageLabels: ['edited.png'],
      valueColumns: [],
      names: ['a.png', 'b.png'],
      state: 'running' as const,
      createdAt: 1,
      computed: 0,
      busyMs: 0,
    };
    await db.create(batch, [
      { name: 'a.png', bytes: new Uint8Array([1]) },
      { name: 'b.png', bytes: new Uint8Array([2]) },
    ]);
    expect((await db.input('b1', 1))?.name).toBe('b.png');
    const record = {
      key: 'k',
      name: 'a.png',
      inputSha256: 'x',
      status: 'done' as const,
      images: [{ node: 'save', output: 'image', label: 'edited.png', file: 'f.png', sha256: 'f' }],
      values: {},
      ms: 5,
    };
    await db.finish({ ...record, batchId: 'b1', index: 0, finishedAt: 10 }, [['f.png', new Uint8Array([9, 9])]], 5);
    expect((await db.items('b1')).map((i) => i.index)).toEqual([0]);
    expect([...(await db.png('b1', 'f.png'))!]).toEqual([9, 9]);
    const latest = await db.latest();
    expect(latest?.computed).toBe(1);
    expect(latest?.busyMs).toBe(5);
    await db.setState('b1', 'paused');
    expect((await db.latest())?.state).toBe('paused');
    await db.remove('b1');
    expect(await db.latest()).toBeNull();
    expect(await db.items('b1')).toEqual([]);
    expect(await db.png('b1', 'f.png')).toBeUndefined();
    expect(await db.input('b1', 0)).toBeUndefined();
    db.close();
  });
});
