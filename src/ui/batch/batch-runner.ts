// The browser batch: the open graph once per picked image, in an engine worker of its own (the
// editor's engine keeps serving the canvas; a batch item never cancels an edit or the reverse).
// Every input and every finished item is kept in IndexedDB (batch-db.ts), so a reload or a closed
// tab resumes where it stopped and computes nothing twice. Pause and cancel stop the item in
// flight at once (it runs again on resume); results download as a zip of PNGs (graph embedded,
// content-hash names as in the headless batch) with results.csv.
import * as Comlink from 'comlink';
import { reactive, toRaw } from 'vue';
import { strToU8, unzip, zipSync } from 'fflate';
import { serializeGraph, type GraphDocument, type NodeRegistry } from '../../graph/document';
import {
  IMAGE_EXTENSIONS,
  batchTarget,
  resultOutputs,
  textSha256,
  valueColumns,
  type BatchInput,
} from '../../batch/item';
import { CSV_FILE, eta, resultsCsv } from '../../batch/manifest';
import type { Engine } from '../../workers/engine';
import { modelsBaseUrl } from '../engine-client';
import { notify } from '../editor/run-state';
import { readEpPreference } from '../packs/pack-state';
import { downloadBlob } from '../io/file-io';
import { BatchDb, type BatchRecord, type StoredItem } from './batch-db';

export type ItemStatus = 'pending' | 'running' | 'done' | 'error';

export const batchState = reactive({
  open: false,
  /** the batch shown (null: none yet) */
  batch: null as null | { id: string; name: string; total: number; state: BatchRecord['state'] },
  items: [] as { index: number; name: string; status: ItemStatus; error?: string; file?: string }[],
  done: 0,
  failed: 0,
  etaMs: null as number | null,
  /** what the panel says while preparing (reading a zip, starting the worker) */
  message: '',
});

let db: BatchDb | null = null;
let api: Comlink.Remote<Engine> | null = null;
let worker: Worker | null = null;
/** the batch the loop is working on; cleared to stop it */
let looping: string | null = null;
let current: BatchRecord | null = null;

const openDb = async () => (db ??= await BatchDb.open());

/** The batch engine: the same engine worker module as the editor's, a second instance. */
async function engine(): Promise<Comlink.Remote<Engine>> {
  if (api) return api;
  worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'batch-engine',
  });
  const remote = Comlink.wrap<Engine>(worker);
  await remote.setExecutionProvider(readEpPreference());
  await remote.init({ modelsBaseUrl: modelsBaseUrl() });
  return (api = remote);
}

/** Images among picked or dropped files: image files as they are, the image entries of a zip. */
export async function collectInputs(files: File[]): Promise<BatchInput[]> {
  const inputs: BatchInput[] = [];
  for (const file of files) {
    const name = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    if (/\.zip$/i.test(file.name)) {
      batchState.message = `Reading ${file.name}…`;
      const bytes = new Uint8Array(await file.arrayBuffer());
      // fflate's async unzip inflates off the main thread
      const entries = await new Promise<Record<string, Uint8Array>>((resolve, reject) =>
        unzip(
          bytes,
          { filter: (f) => IMAGE_EXTENSIONS.test(f.name) && !f.name.startsWith('__MACOSX/') },
          (err, data) =>
            err ? reject(new Error(`${file.name} is not a readable zip: ${err.message}`)) : resolve(data),
        ),
      );
      for (const entry of Object.keys(entries).sort())
        inputs.push({ name: `${file.name}/${entry}`, bytes: entries[entry]! });
    } else if (IMAGE_EXTENSIONS.test(file.name) || file.type.startsWith('image/')) {
      inputs.push({ name, bytes: new Uint8Array(await file.arrayBuffer()) });
    }
  }
  batchState.message = '';
  return inputs;
}

/** Files of a drop, folders walked (webkitGetAsEntry), in name order. */
export async function droppedFiles(data: DataTransfer): Promise<File[]> {
  const entries = [...data.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => Boolean(e));
  if (!entries.length) return [...data.files];
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      files.push(prefix ? new File([file], `${prefix}${file.name}`, { type: file.type }) : file);
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns the entries in pieces until it returns none
      for (;;) {
        const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (!chunk.length) break;
        for (const child of chunk) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return files.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function showItems(batch: BatchRecord, stored: StoredItem[]): void {
  const byIndex = new Map(stored.map((s) => [s.index, s]));
  batchState.batch = { id: batch.id, name: batch.name, total: batch.names.length, state: batch.state };
  batchState.items = batch.names.map((name, index) => {
    const s = byIndex.get(index);
    return s
      ? {
          index,
          name,
          status: s.status,
          ...(s.error ? { error: s.error } : {}),
          ...(s.images[0] ? { file: s.images[0].file } : {}),
        }
      : { index, name, status: 'pending' as const };
  });
  batchState.done = stored.length;
  batchState.failed = stored.filter((s) => s.status === 'error').length;
  batchState.etaMs = batch.computed
    ? eta(batch.computed, batch.computed + batch.names.length - stored.length, batch.busyMs)
    : null;
}

/** Starts a batch of the open graph over the inputs (replacing the finished or cancelled one shown). */
export async function startBatch(doc: GraphDocument, inputs: BatchInput[], registry: NodeRegistry): Promise<void> {
  if (!inputs.length) {
    notify('error', 'No images among the files (PNG, JPEG or WebP, or a zip of them)', 8000);
    return;
  }
  if (looping) {
    notify('error', 'A batch is running: pause or cancel it first', 6000);
    return;
  }
  const plain = structuredClone(toRaw(doc)) as GraphDocument;
  let target: string;
  try {
    target = batchTarget(plain);
  } catch (e) {
    notify('error', `Batch: ${(e as Error).message}`, 10000);
    return;
  }
  const store = await openDb();
  const previous = await store.latest();
  if (previous) await store.remove(previous.id);
  const batch: BatchRecord = {
    id: `batch-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    name: plain.name,
    doc: plain,
    graphSha256: await textSha256(serializeGraph(plain)),
    target,
    imageLabels: resultOutputs(plain, registry).map((r) => r.label),
    valueColumns: valueColumns(plain, registry),
    names: inputs.map((i) => i.name),
    state: 'running',
    createdAt: Date.now(),
    computed: 0,
    busyMs: 0,
  };
  try {
    await store.create(batch, inputs);
  } catch (e) {
    notify('error', `Batch: cannot keep the images in this browser's storage: ${(e as Error).message}`, 10000);
    return;
  }
  showItems(batch, []);
  void loop(batch);
}

/** Shows the latest batch after a reload; a batch that was running goes on by itself. */
export async function restoreBatch(): Promise<void> {
  const store = await openDb();
  const batch = await store.latest();
  if (!batch) return;
  showItems(batch, await store.items(batch.id));
  if (batch.state === 'running' || batch.state === 'paused') batchState.open = true;
  if (batch.state === 'running') void loop(batch);
}

async function loop(batch: BatchRecord): Promise<void> {
  const store = await openDb();
  looping = batch.id;
  current = batch;
  try {
    batchState.message = 'Starting the batch engine…';
    const remote = await engine();
    batchState.message = '';
    const finished = new Set((await store.items(batch.id)).map((i) => i.index));
    let computed = batch.computed;
    let busyMs = batch.busyMs;
    for (let index = 0; index < batch.names.length; index++) {
      if (looping !== batch.id) return;
      if (finished.has(index)) continue;
      const input = await store.input(batch.id, index);
      const row = batchState.items[index]!;
      row.status = 'running';
      const started = performance.now();
      let result: Awaited<ReturnType<Engine['batchItem']>>;
      try {
        const bytes = input?.bytes ?? new Uint8Array(0);
        result = await remote.batchItem(
          batch.doc,
          { name: batch.names[index]!, bytes },
          { target: batch.target, graphSha256: batch.graphSha256 },
        );
      } catch (e) {
        // paused or cancelled mid-item: the item stays pending and runs on resume
        row.status = 'pending';
        if (looping !== batch.id) return;
        throw e;
      }
      if (looping !== batch.id) {
        row.status = 'pending';
        return;
      }
      const ms = performance.now() - started;
      await store.finish({ ...result.record, batchId: batch.id, index, finishedAt: Date.now() }, result.pngs, ms);
      computed++;
      busyMs += ms;
      row.status = result.record.status;
      if (result.record.error) row.error = result.record.error;
      if (result.record.images[0]) row.file = result.record.images[0].file;
      batchState.done++;
      if (result.record.status === 'error') batchState.failed++;
      batchState.etaMs = eta(computed, computed + batch.names.length - batchState.done, busyMs);
    }
    await store.setState(batch.id, 'done');
    if (batchState.batch?.id === batch.id) batchState.batch.state = 'done';
    notify(
      'info',
      `Batch finished: ${batchState.done - batchState.failed} of ${batch.names.length} done${batchState.failed ? `, ${batchState.failed} failed` : ''}`,
      6000,
    );
  } catch (e) {
    notify('error', `Batch stopped: ${(e as Error).message}`, 10000);
    await store.setState(batch.id, 'paused');
    if (batchState.batch?.id === batch.id) batchState.batch.state = 'paused';
  } finally {
    if (looping === batch.id) looping = null;
    batchState.message = '';
  }
}

/** Stops at once; the item in flight runs again on resume. */
export async function pauseBatch(): Promise<void> {
  if (!current || !batchState.batch) return;
  looping = null;
  await api?.cancel();
  await (await openDb()).setState(current.id, 'paused');
  batchState.batch.state = 'paused';
}

export async function resumeBatch(): Promise<void> {
  if (!current || !batchState.batch || looping) return;
  await (await openDb()).setState(current.id, 'running');
  batchState.batch.state = 'running';
  void loop({ ...current, state: 'running' });
}

/** Stops for good; what finished stays downloadable. */
export async function cancelBatch(): Promise<void> {
  if (!current || !batchState.batch) return;
  looping = null;
  await api?.cancel();
  await (await openDb()).setState(current.id, 'cancelled');
  batchState.batch.state = 'cancelled';
}

async function shownBatch(): Promise<{ batch: BatchRecord; items: StoredItem[] } | null> {
  const store = await openDb();
  const batch = await store.latest();
  if (!batch) return null;
  const items = (await store.items(batch.id)).sort((a, b) => a.index - b.index);
  return { batch, items };
}

const csvOf = (batch: BatchRecord, items: StoredItem[]) => resultsCsv(items, batch.imageLabels, batch.valueColumns);

export async function downloadCsv(): Promise<void> {
  const shown = await shownBatch();
  if (!shown) return;
  downloadBlob(
    new Blob([csvOf(shown.batch, shown.items)], { type: 'text/csv' }),
    `${shown.batch.name || 'batch'}-results.csv`,
  );
}

/** The results as a zip: every PNG under its content-hash name (PNGs are stored, not recompressed) and results.csv. */
export async function downloadZip(): Promise<void> {
  const shown = await shownBatch();
  if (!shown) return;
  const store = await openDb();
  const files: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {
    [CSV_FILE]: strToU8(csvOf(shown.batch, shown.items)),
  };
  for (const item of shown.items) {
    for (const img of item.images) {
      const bytes = await store.png(shown.batch.id, img.file);
      if (bytes) files[img.file] = [bytes, { level: 0 }];
    }
  }
  const zip = zipSync(files);
  downloadBlob(
    new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
    `${shown.batch.name || 'batch'}-results.zip`,
  );
}
