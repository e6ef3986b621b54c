// Autosave of the open graph and its restore after a reload or a browser restart.
// Shared state (which library entry is open, autosave status) lives here so the editor, the
// library panel and the import/export bar all see the same thing.
import { getCurrentScope, onScopeDispose, reactive } from 'vue';
import type { GraphDocument } from '../../graph/document';
import { openLibrary, StorageError, type Library, type LibraryLink } from './library-db';
import { nextTask } from '../editor/scheduling';

const TAB_ID_KEY = 'delta-studio:tab-id';

/** Per-tab id: sessionStorage survives a reload of this tab but not a new tab or a restart. */
function currentTabId(): string | undefined {
  try {
    if (typeof sessionStorage === 'undefined') return undefined;
    let id = sessionStorage.getItem(TAB_ID_KEY);
    if (!id) {
      id = typeof crypto?.randomUUID === 'function' ? crypto.randomUUID() : `t-${Date.now()}-${Math.random()}`;
      sessionStorage.setItem(TAB_ID_KEY, id);
    }
    return id;
  } catch {
    return undefined; // storage disabled: a fresh id per page load still works
  }
}

let libraryPromise: Promise<Library> | null = null;

/** The library of this page (opened once). */
export function getLibrary(): Promise<Library> {
  if (!libraryPromise) {
    const opening = openLibrary({ tabId: currentTabId() });
    libraryPromise = opening;
    // a failed open is retried on the next call instead of being cached forever
    opening.catch(() => {
      if (libraryPromise === opening) libraryPromise = null;
    });
    // ask the browser not to evict the library under storage pressure (best effort, may be denied)
    if (typeof navigator !== 'undefined') void navigator.storage?.persist?.().catch(() => false);
  }
  return libraryPromise;
}

/** For tests: forget the opened library so the next call opens a fresh connection. */
export async function resetLibraryForTests(): Promise<void> {
  const pending = libraryPromise;
  libraryPromise = null;
  if (pending) (await pending.catch(() => null))?.close();
  openGraph.link = null;
  Object.assign(autosaveStatus, { state: 'idle', savedAt: 0, message: '' });
}

/** The name of a graph nobody named yet (a new graph): its first save asks for a name. */
export const UNTITLED_GRAPH = 'Untitled graph';

/** Which library entry the open graph belongs to (null: not saved to the library yet). */
export const openGraph = reactive<{ link: LibraryLink | null }>({ link: null });

/**
 * The open graph no longer belongs to a library entry (it was imported, opened from a link or
 * created anew): the next library save creates a new entry instead of overwriting the old one.
 */
export function detachFromLibrary(): void {
  openGraph.link = null;
}

export type AutosaveState = 'idle' | 'pending' | 'saving' | 'saved' | 'error';

/** What the autosave last did; `message` explains an error (e.g. storage full). */
export const autosaveStatus = reactive<{ state: AutosaveState; savedAt: number; message: string }>({
  state: 'idle',
  savedAt: 0,
  message: '',
});

let restoring: Promise<unknown> | null = null;

/**
 * The graph that was open in this tab before a reload, or the most recently autosaved one after
 * a browser restart; null if there is none (or storage is unavailable).
 */
export function restoreSession(): Promise<GraphDocument | null> {
  const run = (async () => {
    try {
      const record = await (await getLibrary()).getSession();
      if (!record) return null;
      openGraph.link = record.link;
      return record.doc;
    } catch (err) {
      autosaveStatus.state = 'error';
      autosaveStatus.message = err instanceof Error ? err.message : String(err);
      return null;
    }
  })();
  restoring = run;
  return run;
}

/**
 * A stored session that could not be restored (it fails validation) is kept aside as a library
 * entry — visible in the Library, downloadable as a file from there — before anything may
 * overwrite it. Returns the entry's name. The open graph's library link is cleared, so nothing
 * saved afterwards lands on the entry the session belonged to.
 */
export async function setAsideSession(stored: unknown): Promise<string> {
  openGraph.link = null;
  const library = await getLibrary();
  const raw =
    stored && typeof stored === 'object' && !Array.isArray(stored)
      ? (stored as Record<string, unknown>)
      : { content: stored };
  const original = typeof raw.name === 'string' ? raw.name : 'graph';
  const name = `Unrestored session: ${original}`
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .slice(0, 200)
    .trim();
  const entry = await library.create(raw as unknown as GraphDocument, { name });
  return entry.name;
}

export interface AutosaveHandle {
  /** save now if the graph changed since the last save */
  flush(): Promise<void>;
  /** the graph changed: save after the debounce delay instead of waiting for the next check */
  markDirty(): void;
  stop(): void;
}

/**
 * Debounced autosave of the graph `getDoc` returns. Changes are detected by comparing the
 * serialized document (so it works whether or not the editor's document is reactive), checked
 * every `pollMs` and on `markDirty()`; a change is written `delayMs` later, and at once when the
 * page is hidden or unloaded. The first check only records a baseline, so an editor that shows
 * its example graph before restoring the session does not overwrite the session with it.
 */
export function useAutosave(
  getDoc: () => GraphDocument | null | undefined,
  options: {
    delayMs?: number;
    pollMs?: number;
    /**
     * The document's edit counter (GraphStore.revision): the poll serialises the document only
     * when it or the library link changed since the last poll (a 10,000-node graph takes a
     * 100–250 ms JSON.stringify, which the poll otherwise repeated every second).
     */
    revision?: () => number;
  } = {},
): AutosaveHandle {
  const delayMs = options.delayMs ?? 400;
  const pollMs = options.pollMs ?? 1000;
  const maxWaitMs = Math.max(delayMs, 2000);
  let pendingSince = 0;
  let failedText: string | null = null;
  let lastText: string | null = null;
  let debounce: ReturnType<typeof setTimeout> | null = null;
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;

  /** `text` covers the document and its library link: saving to the library changes the link only. */
  const snapshot = (): { text: string; doc: GraphDocument; docText: string; link: LibraryLink | null } | null => {
    const doc = getDoc();
    if (!doc) return null;
    const link = openGraph.link ? { id: openGraph.link.id, revision: openGraph.link.revision } : null;
    const docText = JSON.stringify(doc);
    return { text: `${JSON.stringify(link)}\n${docText}`, doc, docText, link };
  };

  const save = (): Promise<void> => {
    if (debounce) clearTimeout(debounce);
    debounce = null;
    // writes are chained so an older snapshot never lands after a newer one
    writing = writing.then(async () => {
      if (restoring) await restoring.catch(() => undefined);
      const current = snapshot();
      if (!current || current.text === lastText) {
        if (autosaveStatus.state === 'pending') autosaveStatus.state = 'saved';
        return;
      }
      autosaveStatus.state = 'saving';
      try {
        const library = await getLibrary();
        // serialising and storing a big graph are tasks of their own (tens of ms each at 10,000 nodes);
        // the session is stored as this text, so the graph is serialised once per save
        await nextTask();
        await library.putSession(current.doc, current.link, { text: current.docText });
        lastText = current.text;
        autosaveStatus.state = 'saved';
        autosaveStatus.savedAt = Date.now();
        autosaveStatus.message = '';
      } catch (err) {
        // the graph stays open in memory; only the stored copy is stale. Retry on the next edit.
        failedText = current.text;
        autosaveStatus.state = 'error';
        autosaveStatus.message =
          err instanceof StorageError ? err.message : `Autosave failed: ${err instanceof Error ? err.message : err}`;
      }
    });
    return writing;
  };

  let checkedKey: string | null = null;
  const check = (): void => {
    if (stopped) return;
    const link = openGraph.link;
    const key = options.revision ? `${options.revision()}|${link?.id ?? ''}|${link?.revision ?? ''}` : null;
    if (key !== null && key === checkedKey) return;
    checkedKey = key;
    const current = snapshot();
    if (!current) return;
    if (lastText === null) {
      lastText = current.text; // baseline, see the doc comment
      return;
    }
    // a save already scheduled will pick this change up
    if (current.text !== lastText && current.text !== failedText && !debounce) markDirty();
  };

  function markDirty(): void {
    if (stopped) return;
    if (lastText === null) lastText = '';
    autosaveStatus.state = 'pending';
    const now = Date.now();
    if (!debounce) pendingSince = now;
    // keep postponing while edits keep coming, but never longer than maxWaitMs
    else if (now - pendingSince < maxWaitMs) clearTimeout(debounce);
    else return;
    debounce = setTimeout(() => void save(), delayMs);
  }

  const timer = setInterval(check, pollMs);
  // a reload or tab close fires pagehide; switching apps only hides the page
  const onPageHide = (): void => void flush();
  const onVisibility = (): void => {
    if (document.visibilityState === 'hidden') void flush();
  };
  if (typeof window !== 'undefined') {
    window.addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', onVisibility);
  }

  async function flush(): Promise<void> {
    if (lastText === null) lastText = '';
    await save();
  }

  function stop(): void {
    stopped = true;
    clearInterval(timer);
    if (debounce) clearTimeout(debounce);
    if (typeof window !== 'undefined') {
      window.removeEventListener('pagehide', onPageHide);
      document.removeEventListener('visibilitychange', onVisibility);
    }
  }

  if (getCurrentScope()) onScopeDispose(stop);
  return { flush, markDirty, stop };
}
