import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteDB, openDB } from 'idb';
import { openLibrary, StorageError, type Library } from '../../../src/ui/storage/library-db';
import type { GraphDocument } from '../../../src/graph/document';

// A graph document of the version-1 shape (interface 1), written out so this test does not
// depend on the graph core's helpers.
function graph(name: string, alpha = 1): GraphDocument {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name,
    nodes: [
      { id: 'n1', type: 'random-face', params: { seed: 7, pack: 'fixture' }, position: [0, 0] },
      { id: 'n2', type: 'scale', params: { factor: alpha }, position: [200, 0] },
    ],
    connections: [],
    packs: [{ id: 'fixture', sha256: 'ab'.repeat(32), url: 'models/fixture/manifest.json' }],
    assets: {},
  } as GraphDocument;
}

let dbCounter = 0;
const opened: Library[] = [];
let dbName = '';

async function library(tabId?: string): Promise<Library> {
  const lib = await openLibrary({ dbName, tabId });
  opened.push(lib);
  return lib;
}

function freshDb(): void {
  dbName = `test-library-${++dbCounter}`;
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const lib of opened.splice(0)) lib.close();
  await deleteDB(dbName);
});

describe('library store', () => {
  it('saves, lists newest first, opens, renames, duplicates and deletes', async () => {
    freshDb();
    const lib = await library();
    const first = await lib.create(graph('Smile edit'), { thumbnail: 'data:image/png;base64,AAAA' });
    expect(first.revision).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    const second = await lib.create(graph('Turn head'));

    const listed = await lib.list();
    expect(listed.map((e) => e.name)).toEqual(['Turn head', 'Smile edit']);
    expect(listed[1]!.thumbnail).toBe('data:image/png;base64,AAAA');
    expect('doc' in listed[0]!).toBe(false); // the list carries no documents
    expect(listed[0]!.createdAt).toBeGreaterThan(0);

    const opened1 = await lib.get(first.id);
    expect(opened1.doc).toEqual(graph('Smile edit'));

    const renamed = await lib.rename(first.id, '  Big smile ');
    expect(renamed.name).toBe('Big smile');
    expect(renamed.doc.name).toBe('Big smile');
    expect(renamed.revision).toBe(2);

    const copy = await lib.duplicate(first.id);
    expect(copy.id).not.toBe(first.id);
    expect(copy.name).toBe('Big smile (copy)');
    expect(copy.doc.nodes).toEqual(renamed.doc.nodes);
    expect(copy.thumbnail).toBe('data:image/png;base64,AAAA');

    await lib.delete(second.id);
    const after = await lib.list();
    expect(after.map((e) => e.name).sort()).toEqual(['Big smile', 'Big smile (copy)']);
    await expect(lib.get(second.id)).rejects.toThrow(/no graph with id/);
  });

  it('refuses empty names with a message naming the field', async () => {
    freshDb();
    const lib = await library();
    const entry = await lib.create(graph('A'));
    await expect(lib.rename(entry.id, '   ')).rejects.toThrow(/^name: /);
    await expect(lib.rename('missing-id', 'B')).rejects.toThrow(/no graph with id "missing-id"/);
    expect((await lib.get(entry.id)).name).toBe('A');
  });

  it('saves over its own revision and bumps it', async () => {
    freshDb();
    const lib = await library();
    const entry = await lib.create(graph('Edit', 1));
    const saved = await lib.save(entry.id, graph('Edit', 2), { baseRevision: entry.revision });
    expect(saved.status).toBe('saved');
    expect(saved.entry.revision).toBe(2);
    expect(saved.entry.id).toBe(entry.id);
    expect((await lib.get(entry.id)).doc.nodes[1]!.params.factor).toBe(2);
  });

  it('does not let two tabs overwrite each other: the stale save becomes a copy', async () => {
    freshDb();
    const tabA = await library('tab-a');
    const tabB = await library('tab-b');
    const seenByA: string[] = [];
    tabA.onChange((change) => seenByA.push(`${change.kind}:${change.origin}`));

    const entry = await tabA.create(graph('Shared', 1));
    // both tabs opened revision 1
    const fromB = await tabB.save(entry.id, graph('Shared', 5), { baseRevision: 1 });
    expect(fromB.status).toBe('saved');
    const fromA = await tabA.save(entry.id, graph('Shared', 9), { baseRevision: 1 });
    expect(fromA.status).toBe('saved-as-copy');
    if (fromA.status !== 'saved-as-copy') throw new Error('unreachable');
    expect(fromA.reason).toMatch(/saved in another tab/);
    expect(fromA.entry.id).not.toBe(entry.id);
    expect(fromA.entry.name).toMatch(/^Shared \(conflict copy /);

    // both versions are kept
    expect((await tabA.get(entry.id)).doc.nodes[1]!.params.factor).toBe(5);
    expect((await tabA.get(fromA.entry.id)).doc.nodes[1]!.params.factor).toBe(9);
    expect(await tabA.list()).toHaveLength(2);

    // tab B's save reached tab A over the BroadcastChannel
    await vi.waitFor(() => expect(seenByA).toContain('saved:tab-b'));
  });

  it('saves as a new graph when another tab deleted the entry', async () => {
    freshDb();
    const tabA = await library('tab-a');
    const tabB = await library('tab-b');
    const entry = await tabA.create(graph('Gone'));
    await tabB.delete(entry.id);
    const result = await tabA.save(entry.id, graph('Gone', 3), { baseRevision: 1 });
    expect(result.status).toBe('saved-as-copy');
    if (result.status !== 'saved-as-copy') throw new Error('unreachable');
    expect(result.reason).toMatch(/deleted in another tab/);
    expect(result.entry.name).toBe('Gone');
    expect((await tabA.list()).map((e) => e.id)).toEqual([result.entry.id]);
  });

  it('reports a full storage clearly and leaves stored data and the open graph untouched', async () => {
    freshDb();
    const lib = await library();
    const entry = await lib.create(graph('Keep me', 1));
    const openDoc = graph('Keep me', 42);
    const before = JSON.stringify(openDoc);

    // fake-indexeddb's object store (installed globally by fake-indexeddb/auto): every write
    // fails the way it does on a full disk
    const quota = (): never => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(quota);
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(quota);

    const attempt = lib.save(entry.id, openDoc, { baseRevision: 1 });
    await expect(attempt).rejects.toBeInstanceOf(StorageError);
    await expect(attempt).rejects.toThrow(/storage is full \(QuotaExceededError\).*"Keep me" was not saved.*unchanged/);
    await expect(lib.create(graph('New one'))).rejects.toMatchObject({ code: 'quota' });
    await expect(lib.putSession(openDoc, null)).rejects.toThrow(/Autosave of "Keep me" was not saved/);

    vi.restoreAllMocks();
    expect(JSON.stringify(openDoc)).toBe(before);
    const stored = await lib.get(entry.id);
    expect(stored.revision).toBe(1);
    expect(stored.doc.nodes[1]!.params.factor).toBe(1);
    expect(await lib.list()).toHaveLength(1);
  });

  it('keeps one session per tab and falls back to the newest after a restart', async () => {
    freshDb();
    const tabA = await library('tab-a');
    const tabB = await library('tab-b');
    await tabA.putSession(graph('A open'), { id: 'x', revision: 3 });
    await new Promise((r) => setTimeout(r, 5));
    await tabB.putSession(graph('B open'), null);

    expect((await tabA.getSession())!.doc.name).toBe('A open'); // reload of tab A
    expect((await tabA.getSession())!.link).toEqual({ id: 'x', revision: 3 });
    const restarted = await library('tab-new');
    expect((await restarted.getSession())!.doc.name).toBe('B open'); // restart: newest wins
  });

  it('stores a session as its JSON text and still reads a session stored as an object (older records)', async () => {
    freshDb();
    const lib = await library('tab-a');
    await lib.putSession(graph('As text', 2), { id: 'x', revision: 1 });
    const raw = await openDB(dbName);
    const stored = await raw.get('session', 'tab-a');
    expect(typeof stored.docText).toBe('string'); // one string to clone, not thousands of objects
    expect(stored.doc).toBeUndefined();
    expect((await lib.getSession())!.doc).toEqual(graph('As text', 2));
    await raw.put('session', { tabId: 'tab-a', doc: graph('As object'), link: null, savedAt: Date.now() }, 'tab-a');
    raw.close();
    expect((await lib.getSession())!.doc).toEqual(graph('As object'));
  });

  it('stores plain copies of reactive-like documents', async () => {
    freshDb();
    const lib = await library();
    const proxied = new Proxy(graph('Proxied'), {});
    const entry = await lib.create(proxied);
    expect((await lib.get(entry.id)).doc).toEqual(graph('Proxied'));
  });

  it('keeps deltas beside graphs: a library made at version 1 gains the store, graphs kept', async () => {
    freshDb();
    // a library database as version 1 of the app made it, holding one graph
    const v1 = await openDB(dbName, 1, {
      upgrade(db) {
        db.createObjectStore('graphs', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
        db.createObjectStore('session').createIndex('savedAt', 'savedAt');
      },
    });
    await v1.put('graphs', {
      id: 'old',
      name: 'Old graph',
      doc: graph('Old graph'),
      thumbnail: null,
      createdAt: 1,
      updatedAt: 1,
      revision: 1,
    });
    v1.close();
    const lib = await library('tab-d');
    const other = await library('tab-e');
    const seen: string[] = [];
    other.onChange((c) => seen.push(`${c.store ?? 'graphs'}:${c.kind}`));
    expect((await lib.get('old')).name).toBe('Old graph');
    const text = '{"format":"delta-studio/delta"}';
    const a = await lib.createDelta(text, { name: 'Smile', pack: 'fixture', method: 'dge', summary: 'smile 0→1, K=2' });
    await new Promise((r) => setTimeout(r, 5));
    await lib.createDelta(text, { name: 'Yaw', pack: 'fixture', method: 'linear', summary: 'yaw 0→25, K=4' });
    expect((await other.listDeltas()).map((d) => d.name)).toEqual(['Yaw', 'Smile']); // newest first
    expect(await other.listDeltas()).not.toHaveProperty('0.text');
    expect((await other.getDelta(a.id)).text).toBe(text);
    await lib.deleteDelta(a.id);
    await expect(other.getDelta(a.id)).rejects.toThrow(/no delta with id/);
    await expect(lib.createDelta(text, { name: ' ', pack: 'fixture', method: 'dge', summary: '' })).rejects.toThrow(
      /non-empty name/,
    );
    expect(await lib.list()).toHaveLength(1); // deltas are not graphs
    await vi.waitFor(() => expect(seen).toEqual(['deltas:created', 'deltas:created', 'deltas:deleted']));
  });
});
