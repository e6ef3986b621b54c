// The browser batch's state in IndexedDB: the batch (its graph and item order), every input
// image, every finished item's record and its result PNGs. Each finished item is stored in one
// transaction with its PNGs, so a tab closed at any moment resumes with every item either done
// (kept, never computed again) or not (run on resume).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { GraphDocument } from '../../graph/document';
import type { ItemRecord } from '../../batch/item';

export const BATCH_DB_NAME = 'delta-studio-batch';
const BATCH_DB_VERSION = 1;

export type BatchState = 'running' | 'paused' | 'cancelled' | 'done';

export interface BatchRecord {
  id: string;
  name: string;
  doc: GraphDocument;
  graphSha256: string;
  target: string;
  /** the CSV's columns: result images (by label) and number outputs */
  imageLabels: string[];
  valueColumns: string[];
  /** input names in order (index = position in the `inputs` store) */
  names: string[];
  state: BatchState;
  createdAt: number;
  /** items computed so far, counted once per computation (a resumed batch does not add the ones it kept) */
  computed: number;
  /** ms spent computing, for the ETA after a reload */
  busyMs: number;
}

export interface StoredItem extends ItemRecord {
  batchId: string;
  index: number;
  finishedAt: number;
}

interface BatchSchema extends DBSchema {
  batches: { key: string; value: BatchRecord };
  inputs: { key: [string, number]; value: { batchId: string; index: number; name: string; bytes: Uint8Array } };
  items: { key: [string, number]; value: StoredItem; indexes: { batch: string } };
  pngs: { key: [string, string]; value: { batchId: string; file: string; bytes: Uint8Array } };
}

export class BatchDb {
  private constructor(private readonly db: IDBPDatabase<BatchSchema>) {}

  static async open(): Promise<BatchDb> {
    const db = await openDB<BatchSchema>(BATCH_DB_NAME, BATCH_DB_VERSION, {
      upgrade(db) {
        db.createObjectStore('batches', { keyPath: 'id' });
        db.createObjectStore('inputs', { keyPath: ['batchId', 'index'] });
        db.createObjectStore('items', { keyPath: ['batchId', 'index'] }).createIndex('batch', 'batchId');
        db.createObjectStore('pngs', { keyPath: ['batchId', 'file'] });
      },
    });
    return new BatchDb(db);
  }

  /** Stores a new batch with its inputs (one transaction: all or nothing). */
  async create(batch: BatchRecord, inputs: { name: string; bytes: Uint8Array }[]): Promise<void> {
    const tx = this.db.transaction(['batches', 'inputs'], 'readwrite');
    await Promise.all([
      tx.objectStore('batches').put(batch),
      ...inputs.map((input, index) =>
        tx.objectStore('inputs').put({ batchId: batch.id, index, name: input.name, bytes: input.bytes }),
      ),
      tx.done,
    ]);
  }

  /** The most recent batch (the one the panel shows and resumes), or null. */
  async latest(): Promise<BatchRecord | null> {
    const all = await this.db.getAll('batches');
    return all.sort((a, b) => b.createdAt - a.createdAt)[0] ?? null;
  }

  async setState(id: string, state: BatchState): Promise<void> {
    const tx = this.db.transaction('batches', 'readwrite');
    const b = await tx.store.get(id);
    if (b) await tx.store.put({ ...b, state });
    await tx.done;
  }

  input(batchId: string, index: number) {
    return this.db.get('inputs', [batchId, index]);
  }

  items(batchId: string): Promise<StoredItem[]> {
    return this.db.getAllFromIndex('items', 'batch', batchId);
  }

  /** One finished item: its record, its PNGs and the batch's counters, in one transaction. */
  async finish(item: StoredItem, pngs: [string, Uint8Array][], busyMs: number): Promise<void> {
    const tx = this.db.transaction(['batches', 'items', 'pngs'], 'readwrite');
    const batches = tx.objectStore('batches');
    const b = await batches.get(item.batchId);
    if (!b) throw new Error('the batch was deleted');
    await Promise.all([
      tx.objectStore('items').put(item),
      ...pngs.map(([file, bytes]) => tx.objectStore('pngs').put({ batchId: item.batchId, file, bytes })),
      batches.put({ ...b, computed: b.computed + 1, busyMs: b.busyMs + busyMs }),
      tx.done,
    ]);
  }

  async png(batchId: string, file: string): Promise<Uint8Array | undefined> {
    return (await this.db.get('pngs', [batchId, file]))?.bytes;
  }

  /** Removes a batch and everything stored for it. */
  async remove(batchId: string): Promise<void> {
    const tx = this.db.transaction(['batches', 'inputs', 'items', 'pngs'], 'readwrite');
    const range = IDBKeyRange.bound([batchId], [batchId, []]);
    await Promise.all([
      tx.objectStore('batches').delete(batchId),
      tx.objectStore('inputs').delete(range),
      tx.objectStore('items').delete(range),
      tx.objectStore('pngs').delete(range),
      tx.done,
    ]);
  }

  close(): void {
    this.db.close();
  }
}
