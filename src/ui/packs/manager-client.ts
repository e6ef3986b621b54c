// The model manager's actions in the page: add (files, zip, URL, drop), delete, storage figures
// and the execution provider. Each goes to the engine worker, which validates and reloads its
// pack list; the open graph is untouched and re-runs with the new packs.
import * as Comlink from 'comlink';
import type { EpPreference, PackFileInput } from '../../workers/pack/manager';
import { errorText, type EngineClient } from '../engine-client';
import { notify } from '../editor/run-state';
import { downloadPack, filesFromPicked, isPackFile, originOf } from './pack-sources';
import { applyPackListing, packState, writeEpPreference } from './pack-state';

let engine: EngineClient | null = null;

function connected(): EngineClient {
  if (!engine) throw new Error('the model manager is not connected to the engine yet');
  return engine;
}

/** Hooks the manager to the engine and makes `dropTarget` take dropped packs (manifest.json, .onnx, .zip, a pack folder). */
export function connectPackManager(client: EngineClient, dropTarget: HTMLElement): () => void {
  engine = client;
  void refreshStorage();
  return installPackDrop(dropTarget, (files, origin) => {
    packState.open = true;
    void addPackFiles(files, origin);
  });
}

export async function refreshStorage(): Promise<void> {
  try {
    const s = await connected().withEngine((api) => api.packStorage());
    packState.usage = s.usage;
    packState.quota = s.quota;
  } catch {
    packState.usage = packState.quota = null;
  }
}

/** Sends pack files to the engine (validated, stored); refusals land in packState.problems and an alert. */
export async function addPackFiles(files: PackFileInput[], origin: string): Promise<boolean> {
  const client = connected();
  packState.problems = [];
  packState.busy = { label: 'Checking and storing the pack…', fraction: null };
  try {
    // moved, not copied, to the worker (a zip's entries may share one buffer: list each once)
    const buffers = [...new Set(files.map((f) => f.bytes.buffer as ArrayBuffer))];
    const result = await client.withEngine((api) => api.addPack(Comlink.transfer(files, buffers), origin));
    applyPackListing(result);
    notify('info', `Model pack "${result.added}" added`, 4000);
    client.requestRun();
    void refreshStorage();
    return true;
  } catch (err) {
    packState.problems = errorText(err).split('\n').filter(Boolean);
    notify(
      'error',
      `Model pack refused: ${packState.problems[0]}${packState.problems.length > 1 ? ` (+${packState.problems.length - 1} more)` : ''}`,
      12000,
    );
    return false;
  } finally {
    packState.busy = null;
  }
}

export async function addPickedFiles(picked: File[]): Promise<boolean> {
  if (!picked.length) return false;
  try {
    return await addPackFiles(await filesFromPicked(picked), originOf(picked));
  } catch (err) {
    packState.problems = [errorText(err)];
    notify('error', `Model pack refused: ${errorText(err)}`, 12000);
    return false;
  }
}

/** Downloads a pack from its manifest URL with a progress bar, then adds it. */
export async function addFromUrl(manifestUrl: string): Promise<boolean> {
  packState.problems = [];
  packState.busy = { label: `Downloading ${manifestUrl}`, fraction: null };
  let files: PackFileInput[];
  try {
    files = await downloadPack(manifestUrl, (p) => {
      packState.busy = { label: `Downloading ${p.file}`, fraction: p.total ? Math.min(1, p.received / p.total) : null };
    });
  } catch (err) {
    packState.busy = null;
    packState.problems = [`download failed: ${errorText(err)}`];
    notify('error', `Model pack download failed: ${errorText(err)}`, 12000);
    return false;
  }
  return addPackFiles(files, manifestUrl);
}

export async function deletePack(id: string): Promise<void> {
  const client = connected();
  try {
    applyPackListing(await client.withEngine((api) => api.deletePack(id)));
    notify('info', `Model pack "${id}" deleted`);
    client.requestRun();
  } catch (err) {
    notify('error', `Cannot delete "${id}": ${errorText(err)}`);
  }
  void refreshStorage();
}

/** Stores the choice and recreates the sessions with it; the status says which EP is active and why. */
export async function setExecutionProvider(pref: EpPreference): Promise<void> {
  writeEpPreference(pref);
  const client = connected();
  try {
    packState.ep = await client.withEngine((api) => api.setExecutionProvider(pref));
    client.requestRun();
  } catch (err) {
    notify('error', `Execution provider: ${errorText(err)}`);
  }
}

/** All files of a dropped folder (webkitGetAsEntry), with paths under the folder's name. */
async function filesOfEntry(entry: FileSystemEntry, prefix = ''): Promise<PackFileInput[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ path: `${prefix}${file.name}`, bytes: new Uint8Array(await file.arrayBuffer()) }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: PackFileInput[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) out.push(...(await filesOfEntry(child, `${prefix}${entry.name}/`)));
  }
  return out;
}

/**
 * A drop of pack files (manifest.json, .onnx, .zip, or a folder holding a manifest) goes to the
 * model manager; anything else (.dge.json, PNG, a face photo) is left to the graph import and
 * Load Face. Capture phase, so it decides before those handlers see the drop.
 */
export function installPackDrop(
  el: HTMLElement,
  onFiles: (files: PackFileInput[], origin: string) => void,
): () => void {
  const onDrop = (e: DragEvent): void => {
    const dt = e.dataTransfer;
    if (!dt || !dt.files.length) return;
    const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.() ?? null);
    const folders = entries.filter((en): en is FileSystemEntry => !!en?.isDirectory);
    const files = [...dt.files];
    if (!folders.length && !files.some((f) => isPackFile(f.name))) return;
    e.preventDefault();
    e.stopPropagation();
    el.classList.remove('drop-import');
    void (async () => {
      try {
        if (folders.length)
          onFiles((await Promise.all(folders.map((f) => filesOfEntry(f)))).flat(), `folder: ${folders[0].name}`);
        else onFiles(await filesFromPicked(files), originOf(files));
      } catch (err) {
        packState.open = true;
        packState.problems = [errorText(err)];
        notify('error', `Model pack refused: ${errorText(err)}`, 12000);
      }
    })();
  };
  el.addEventListener('drop', onDrop, { capture: true });
  return () => el.removeEventListener('drop', onDrop, { capture: true });
}
