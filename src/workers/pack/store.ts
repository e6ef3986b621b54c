// The browser's store of model packs the user added (manager panel, drop, "Fetch" of a graph's
// pack). IndexedDB through `idb`: it is reachable from the engine worker and the page alike, keeps
// large binary values on disk, survives reloads, and runs in Node tests under fake-indexeddb
// (OPFS would need a worker-only sync handle and has no Node stand-in for the tests).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { PackManifest } from '../../graph/types';
import type { ByteSource } from './runtime';
import { zPackIndex } from './manifest';

export const PACK_DB_NAME = 'delta-studio-packs';

/** What the manager lists for one stored pack. */
export interface StoredPackInfo {
  id: string;
  name: string;
  /** total bytes of the pack's files (manifest included) */
  bytes: number;
  files: string[];
  /** sha256 of manifest.json: what a graph file's `packs[].sha256` names */
  manifestSha256: string;
  addedAt: number;
  /** where it came from: a URL, "local files", "zip: name.zip" */
  origin: string;
}

interface PackDb extends DBSchema {
  packs: { key: string; value: StoredPackInfo & { manifest: PackManifest } };
  /** key: `<pack-id>/<file>`, value: the file's bytes */
  files: { key: string; value: { packId: string; bytes: Uint8Array }; indexes: { byPack: string } };
}

export class PackStore {
  private constructor(private readonly db: IDBPDatabase<PackDb>) {}

  static async open(dbName = PACK_DB_NAME): Promise<PackStore> {
    const db = await openDB<PackDb>(dbName, 1, {
      upgrade(db) {
        db.createObjectStore('packs', { keyPath: 'id' });
        db.createObjectStore('files').createIndex('byPack', 'packId');
      },
    });
    return new PackStore(db);
  }

  async list(): Promise<StoredPackInfo[]> {
    const all = await this.db.getAll('packs');
    return all.map(({ manifest: _manifest, ...info }) => info).sort((a, b) => a.id.localeCompare(b.id));
  }

  async ids(): Promise<string[]> {
    return (await this.db.getAllKeys('packs')).sort();
  }

  async has(id: string): Promise<boolean> {
    return (await this.db.count('packs', id)) > 0;
  }

  /** One file of a stored pack; throws naming the pack and file when it is not there. */
  async readFile(id: string, path: string): Promise<Uint8Array> {
    const entry = await this.db.get('files', `${id}/${path}`);
    if (!entry) throw new Error(`model pack "${id}" has no stored file ${path}`);
    return entry.bytes;
  }

  /** Stores a pack (replacing a stored one of the same id) in one transaction: all files or none. */
  async put(
    info: Omit<StoredPackInfo, 'bytes' | 'files' | 'addedAt'> & { manifest: PackManifest },
    files: Map<string, Uint8Array>,
  ): Promise<StoredPackInfo> {
    if (!files.has('manifest.json')) throw new Error(`model pack "${info.id}": manifest.json is missing`);
    const record = {
      ...info,
      files: [...files.keys()].sort(),
      bytes: [...files.values()].reduce((n, b) => n + b.byteLength, 0),
      addedAt: Date.now(),
    };
    const tx = this.db.transaction(['packs', 'files'], 'readwrite');
    const fileStore = tx.objectStore('files');
    for (const key of await fileStore.index('byPack').getAllKeys(info.id)) await fileStore.delete(key);
    for (const [path, bytes] of files) await fileStore.put({ packId: info.id, bytes }, `${info.id}/${path}`);
    await tx.objectStore('packs').put(record);
    await tx.done;
    const { manifest: _manifest, ...listed } = record;
    return listed;
  }

  /** Removes a stored pack and its files; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const tx = this.db.transaction(['packs', 'files'], 'readwrite');
    const existed = (await tx.objectStore('packs').count(id)) > 0;
    const fileStore = tx.objectStore('files');
    for (const key of await fileStore.index('byPack').getAllKeys(id)) await fileStore.delete(key);
    await tx.objectStore('packs').delete(id);
    await tx.done;
    return existed;
  }

  close(): void {
    this.db.close();
  }
}

/** Storage used and available for this origin (navigator.storage.estimate), when the platform says. */
export async function storageEstimate(): Promise<{ usage: number | null; quota: number | null }> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return { usage: null, quota: null };
  const e = await storage.estimate();
  return { usage: e.usage ?? null, quota: e.quota ?? null };
}

/** The pack ids of the bundled models/index.json (empty when it cannot be read). */
export async function bundledPackIds(bundled: ByteSource): Promise<string[]> {
  try {
    return zPackIndex.parse(JSON.parse(new TextDecoder().decode(await bundled('index.json')))).packs;
  } catch {
    return [];
  }
}

/**
 * The engine's byte source: a stored pack's files come from IndexedDB, everything else from the
 * bundled models folder; `index.json` lists the bundled packs followed by the stored ones.
 */
export function layeredByteSource(store: PackStore, bundled: ByteSource): ByteSource {
  return async (path) => {
    if (path === 'index.json') {
      const stored = await store.ids();
      let bundledIds: string[];
      try {
        bundledIds = zPackIndex.parse(JSON.parse(new TextDecoder().decode(await bundled(path)))).packs;
      } catch (e) {
        // without stored packs the runtime reports the bundled index's own problem
        if (!stored.length) throw e;
        bundledIds = [];
      }
      const packs = [...bundledIds, ...stored.filter((id) => !bundledIds.includes(id))];
      return new TextEncoder().encode(JSON.stringify({ packs }));
    }
    const slash = path.indexOf('/');
    const id = slash > 0 ? path.slice(0, slash) : '';
    if (id && (await store.has(id))) return store.readFile(id, path.slice(slash + 1));
    if (path !== `${id}/manifest.json`) return bundled(path);
    // a static server may answer an unknown path with the app's index.html: say "not installed", not "bad JSON"
    const notHere = `not bundled with the app and not added in this browser (add it under Models)`;
    let bytes: Uint8Array;
    try {
      bytes = await bundled(path);
    } catch {
      throw new Error(notHere);
    }
    if (new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().startsWith('<')) throw new Error(notHere);
    return bytes;
  };
}
