// The saved deltas of the library (IndexedDB, beside the graphs): one reactive list shared by the
// library panel (DeltaList.vue), a node's "Save delta" and Load Delta's picker. A delta enters the
// library as the text of a `.delta.json` (serializeDelta) and is checked with parseDeltaFile on
// every way in: saved from a node, imported from a file or dropped.
import { reactive } from 'vue';
import { deltaDataUrl, describeDelta, parseDeltaFile } from '../../graph/delta-file';
import { checkFileSize } from '../../graph/document';
import type { DeltaEntry, DeltaSummary } from '../storage/library-db';
import { getLibrary } from '../storage/session';
import { downloadBlob } from '../io/file-io';

export const deltaLibrary = reactive({
  entries: [] as DeltaSummary[],
  loaded: false,
  /** the last failure of a delta action (refused file, storage full), shown in the library */
  error: '',
  notice: '',
});

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function refreshDeltas(): Promise<void> {
  try {
    deltaLibrary.entries = await (await getLibrary()).listDeltas();
  } catch (err) {
    deltaLibrary.error = describe(err);
  } finally {
    deltaLibrary.loaded = true;
  }
}

/** Stores a delta file's text after checking it; throws with the file's problems named. */
export async function addDeltaText(text: string, fallbackName: string): Promise<DeltaEntry> {
  const parsed = parseDeltaFile(text);
  if (!parsed.ok) throw new Error(parsed.errors.slice(0, 3).join('; '));
  const { file } = parsed;
  const summary = describeDelta(file);
  const entry = await (
    await getLibrary()
  ).createDelta(text, {
    name: (file.label || fallbackName || summary).slice(0, 200),
    pack: file.pack.id,
    method: file.method,
    summary,
  });
  await refreshDeltas();
  return entry;
}

/** A `.delta.json` chosen or dropped by the user: stored, or refused with the reason (nothing else changes). */
export async function importDeltaFile(file: File): Promise<DeltaEntry | null> {
  deltaLibrary.error = '';
  deltaLibrary.notice = '';
  try {
    const sizeError = checkFileSize(file.size);
    if (sizeError) throw new Error(sizeError);
    const entry = await addDeltaText(await file.text(), file.name.replace(/\.delta\.json$|\.json$/i, ''));
    deltaLibrary.notice = `Imported the delta “${entry.name}” (${entry.summary}).`;
    return entry;
  } catch (err) {
    deltaLibrary.error = `Cannot import “${file.name}”: ${describe(err)}`;
    return null;
  }
}

/** A file name for a delta: its name with unsafe characters replaced, `.delta.json` added. */
export function deltaFileName(name: string): string {
  return `${name.replace(/[^\w.+-]+/g, '_').replace(/^_+|_+$/g, '') || 'delta'}.delta.json`;
}

export async function downloadDelta(id: string): Promise<void> {
  const entry = await (await getLibrary()).getDelta(id);
  downloadBlob(new Blob([entry.text], { type: 'application/json' }), deltaFileName(entry.name));
}

export async function removeDelta(id: string): Promise<void> {
  await (await getLibrary()).deleteDelta(id);
  await refreshDeltas();
}

/** Load Delta's source for a library delta: the file embedded as a data: URL, so the graph carries it. */
export async function deltaSource(id: string): Promise<string> {
  const entry = await (await getLibrary()).getDelta(id);
  return deltaDataUrl(entry.text, entry.name);
}
