import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteDB } from 'idb';
import { effectScope } from 'vue';
import { LIBRARY_DB_NAME } from '../../../src/ui/storage/library-db';
import {
  autosaveStatus,
  getLibrary,
  openGraph,
  resetLibraryForTests,
  restoreSession,
  useAutosave,
} from '../../../src/ui/storage/session';
import type { GraphDocument } from '../../../src/graph/document';

function graph(name: string, factor: number): GraphDocument {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name,
    nodes: [{ id: 's', type: 'scale', params: { factor }, position: [10, 20] }],
    connections: [],
    packs: [],
    assets: { face: { mime: 'image/png', name: 'me.png', data: 'iVBORw0KGgo=' } },
    futureField: { kept: true },
  } as GraphDocument;
}

afterEach(async () => {
  await resetLibraryForTests();
  await deleteDB(LIBRARY_DB_NAME);
});

describe('autosave and session restore', () => {
  it('restores nothing when nothing was saved', async () => {
    expect(await restoreSession()).toBeNull();
  });

  it('autosaves a changed graph after the debounce and restores it exactly after a "reload"', async () => {
    let doc = graph('Work', 1);
    const scope = effectScope();
    scope.run(() => useAutosave(() => doc, { delayMs: 20, pollMs: 10 }));
    await new Promise((r) => setTimeout(r, 30)); // first check: baseline only
    openGraph.link = { id: 'entry-1', revision: 4 };
    doc = graph('Work', 2.5);
    await vi.waitFor(() => expect(autosaveStatus.state).toBe('saved'), { timeout: 2000 });
    expect(autosaveStatus.savedAt).toBeGreaterThan(0);
    scope.stop(); // leaving the component stops polling

    // a reload: a fresh module state over the same database
    await resetLibraryForTests();
    expect(openGraph.link).toBeNull();
    const restored = await restoreSession();
    expect(restored).toEqual(graph('Work', 2.5)); // unknown fields and assets included
    expect(openGraph.link).toEqual({ id: 'entry-1', revision: 4 });
  });

  it('does not overwrite the session with the baseline graph shown before restore', async () => {
    const library = await getLibrary();
    await library.putSession(graph('Previous work', 7), null);
    await resetLibraryForTests();

    const example = graph('Example', 1);
    const autosave = useAutosave(() => example, { delayMs: 5, pollMs: 5 });
    await new Promise((r) => setTimeout(r, 60));
    autosave.stop();
    expect((await restoreSession())!.name).toBe('Previous work');
  });

  it('flush() writes immediately and coalesces repeated changes', async () => {
    let doc = graph('Fast', 1);
    const autosave = useAutosave(() => doc, { delayMs: 10_000, pollMs: 10_000 });
    const library = await getLibrary();
    const put = vi.spyOn(library, 'putSession');
    for (let i = 2; i <= 5; i++) {
      doc = graph('Fast', i);
      autosave.markDirty();
    }
    await autosave.flush();
    await autosave.flush(); // nothing changed since: no second write
    autosave.stop();
    expect(put).toHaveBeenCalledTimes(1);
    expect((await restoreSession())!.nodes[0]!.params.factor).toBe(5);
  });

  it('serialises a graph once per save and gives the event loop a turn before storing it (no long task)', async () => {
    const doc = graph('Turns', 1);
    const autosave = useAutosave(() => doc, { delayMs: 10_000, pollMs: 10_000 });
    const library = await getLibrary();
    let turned = false;
    let turnedBeforePut: boolean | null = null;
    const putSession = library.putSession.bind(library);
    const put = vi.spyOn(library, 'putSession').mockImplementation((...args) => {
      turnedBeforePut = turned;
      return putSession(...args);
    });
    const stringify = vi.spyOn(JSON, 'stringify');
    autosave.markDirty();
    const saving = autosave.flush();
    const channel = new MessageChannel();
    channel.port1.onmessage = () => (turned = true);
    channel.port2.postMessage(null);
    await saving;
    autosave.stop();
    channel.port1.close();
    vi.restoreAllMocks();
    expect(put).toHaveBeenCalledTimes(1);
    expect(turnedBeforePut).toBe(true); // a task queued when the save began ran before the write
    // the snapshot's text is what IndexedDB stores: the graph is serialised once
    const ofDoc = stringify.mock.calls.filter(([value]) => value === doc || (value as { doc?: unknown })?.doc === doc);
    expect(ofDoc).toHaveLength(1);
    expect((await restoreSession())!.name).toBe('Turns');
  });

  it('reports a storage failure and keeps the open graph in memory', async () => {
    const doc = graph('Unsaved', 3);
    const before = JSON.stringify(doc);
    const autosave = useAutosave(() => doc, { delayMs: 5, pollMs: 10_000 });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    await autosave.flush();
    autosave.stop();
    vi.restoreAllMocks();
    expect(autosaveStatus.state).toBe('error');
    expect(autosaveStatus.message).toMatch(/storage is full.*"Unsaved" was not saved/);
    expect(JSON.stringify(doc)).toBe(before);
    expect(await restoreSession()).toBeNull();
  });

  it('stores a new library link even when the graph itself did not change', async () => {
    const doc = graph('Linked', 1);
    const autosave = useAutosave(() => doc, { delayMs: 5, pollMs: 10 });
    await autosave.flush();
    openGraph.link = { id: 'saved-entry', revision: 1 }; // a library save links the open graph
    const library = await getLibrary();
    await vi.waitFor(
      async () => expect((await library.getSession())?.link).toEqual({ id: 'saved-entry', revision: 1 }),
      { timeout: 2000 },
    );
    autosave.stop();
  });

  it('polls without serialising the graph while its revision and link stay the same, and saves when they change', async () => {
    let doc = graph('Big', 1);
    let revision = 1;
    let reads = 0;
    const autosave = useAutosave(
      () => {
        reads++;
        return doc;
      },
      { delayMs: 5, pollMs: 5, revision: () => revision },
    );
    await new Promise((r) => setTimeout(r, 80)); // ~16 polls
    expect(reads).toBe(1); // the baseline only: an unchanged graph is not serialised again per poll
    doc = graph('Big', 2);
    revision++;
    await vi.waitFor(() => expect(autosaveStatus.state).toBe('saved'), { timeout: 2000 });
    expect((await restoreSession())!.nodes[0]!.params.factor).toBe(2);
    openGraph.link = { id: 'entry-9', revision: 1 }; // a library save: the link changes, the graph does not
    const library = await getLibrary();
    await vi.waitFor(async () => expect((await library.getSession())?.link).toEqual({ id: 'entry-9', revision: 1 }), {
      timeout: 2000,
    });
    autosave.stop();
  });
});
