// The graph library's logic (LibraryPanel.vue is its view): saved graphs with thumbnail, name and
// date; save, open, rename, duplicate, delete. Saves are revision-checked (library-db.ts) so two
// tabs never overwrite each other.
import { computed, onBeforeUnmount, onMounted, ref, nextTick, watch } from 'vue';
import type { GraphDocument } from '../../graph/document';
import { validateGraphObject, type NodeRegistry } from '../../graph/document';
import { byImportance } from '../../graph/issues';
import type { Library, LibrarySummary } from '../storage/library-db';
import { autosaveStatus, getLibrary, openGraph, UNTITLED_GRAPH } from '../storage/session';
import { loadExample } from './examples';
import { captureThumbnail } from './thumbnail';
import { downloadBlob, fileBaseName } from '../io/file-io';
import { refreshDeltas } from './delta-library';

export interface LibraryProps {
  /** the graph open in the editor now */
  getDoc: () => GraphDocument;
  /** node definitions (compute not needed) to validate and migrate stored graphs on open */
  registry: NodeRegistry;
  /** override how the thumbnail is taken (default: the main node preview on the page) */
  getThumbnail?: () => string | null | Promise<string | null>;
}

export interface LibraryEmit {
  /** open this graph in the editor (already validated); `warnings` lists what was repaired;
   *  `undoable`: the graph it replaces comes back with undo (an example opened over an unsaved graph) */
  (e: 'open', doc: GraphDocument, warnings: string[], undoable?: boolean): void;
  /** the open graph was renamed in the library; the editor should show the new name */
  (e: 'renamed', name: string): void;
}

/** The library panel's state and actions; call from a component's setup (it registers lifecycle hooks). */
export function useLibrary(props: LibraryProps, emit: LibraryEmit) {
  const entries = ref<LibrarySummary[]>([]);
  const loading = ref(true);
  const busy = ref(false);
  /** a problem the user must see (storage full, unreadable entry) */
  const error = ref('');
  /** information (saved, saved as copy because another tab saved) */
  const notice = ref('');
  const renamingId = ref<string | null>(null);
  const renameText = ref('');
  const confirmDeleteId = ref<string | null>(null);
  const renameInput = ref<HTMLInputElement[] | null>(null);

  /** the open graph as its library entry last stored it (canonical JSON), to spot unsaved changes */
  const savedText = ref<string | null>(null);
  const dirty = ref(false);
  /** what the user asked to open while the open graph has unsaved changes: a library entry or an example */
  type Pending = { kind: 'entry'; id: string } | { kind: 'example'; file: string };
  const pending = ref<Pending | null>(null);
  /** the bundled examples' list; the user can fold it away */
  const showExamples = ref(true);

  let library: Library | null = null;

  /** an entry that failed to open: it can still be downloaded as it is stored, to repair by hand */
  const unopenable = ref<{ id: string; name: string } | null>(null);
  function downloadStored(): Promise<void> {
    const target = unopenable.value;
    return act(async (lib) => {
      if (!target) return;
      const entry = await lib.get(target.id);
      downloadBlob(
        new Blob([JSON.stringify(entry.doc, null, 2) + '\n'], { type: 'application/json' }),
        `${fileBaseName(entry.doc)}.dge.json`,
      );
    });
  }

  /** JSON with sorted keys: repairs and migrations may reorder keys without changing the graph. */
  function canonical(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          )
        : v,
    );
  }

  function updateDirty(): void {
    dirty.value = !!openGraph.link && savedText.value !== null && canonical(props.getDoc()) !== savedText.value;
  }

  // every edit reaches the autosave; its status changing is the cue to re-check
  watch(
    () => [autosaveStatus.savedAt, autosaveStatus.state, openGraph.link?.id, openGraph.link?.revision],
    updateDirty,
  );
  let stopListening: (() => void) | null = null;

  const openId = computed(() => openGraph.link?.id ?? null);
  /** the search box appears once the list is long enough to need it */
  const FILTER_FROM = 8;
  const filter = ref('');
  const shown = computed(() => {
    const q = filter.value.trim().toLowerCase();
    return q ? entries.value.filter((e) => e.name.toLowerCase().includes(q)) : entries.value;
  });
  const autosaveText = computed(() => {
    switch (autosaveStatus.state) {
      case 'pending':
      case 'saving':
        return 'Autosaving…';
      case 'saved':
        return `Autosaved ${new Date(autosaveStatus.savedAt).toLocaleTimeString()}`;
      case 'error':
        return 'Autosave failed';
      default:
        return '';
    }
  });

  function describe(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
  }

  async function refresh(): Promise<void> {
    if (!library) return;
    try {
      entries.value = await library.list();
    } catch (err) {
      error.value = describe(err);
    } finally {
      loading.value = false;
    }
  }

  onMounted(async () => {
    try {
      library = await getLibrary();
    } catch (err) {
      error.value = describe(err);
      loading.value = false;
      return;
    }
    stopListening = library.onChange((change) => {
      if (change.store === 'deltas') return void refreshDeltas();
      void refresh();
      const link = openGraph.link;
      if (change.origin !== library?.tabId && link && change.id === link.id) {
        notice.value =
          change.kind === 'deleted'
            ? 'The open graph was deleted from the library in another tab; saving will store it again.'
            : 'The open graph was changed in another tab; saving now keeps both versions.';
      }
    });
    await Promise.all([refresh(), refreshDeltas()]);
    // a restored session linked to a library entry: learn what that entry holds
    const link = openGraph.link;
    if (link) {
      try {
        const entry = await library.get(link.id);
        if (entry.revision === link.revision) savedText.value = canonical(entry.doc);
      } catch {
        // deleted meanwhile: the next save stores it again
      }
      updateDirty();
    }
  });

  /** Ctrl+S / Cmd+S saves the open graph to the library instead of the browser's "save page". */
  function onKeyDown(e: KeyboardEvent): void {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 's') {
      e.preventDefault();
      void save(e.shiftKey);
    }
  }
  window.addEventListener('keydown', onKeyDown);

  onBeforeUnmount(() => {
    stopListening?.();
    window.removeEventListener('keydown', onKeyDown);
  });

  async function thumbnail(): Promise<string | null> {
    try {
      return props.getThumbnail ? await props.getThumbnail() : captureThumbnail();
    } catch {
      return null; // a missing thumbnail never blocks a save
    }
  }

  /** Wrap an action: one at a time, errors shown in the alert. */
  async function act(action: (lib: Library) => Promise<void>): Promise<void> {
    if (!library || busy.value) return;
    busy.value = true;
    error.value = '';
    notice.value = '';
    unopenable.value = null;
    try {
      await action(library);
    } catch (err) {
      error.value = describe(err);
    } finally {
      busy.value = false;
      await refresh();
    }
  }

  /** A graph never named asks for a name (prefilled) before its first save, as any editor does. */
  const naming = ref<null | { asNew: boolean }>(null);
  const nameText = ref('');
  const nameInput = ref<HTMLInputElement | null>(null);

  async function save(asNew = false): Promise<void> {
    if (props.getDoc().name === UNTITLED_GRAPH && (asNew || !openGraph.link)) {
      naming.value = { asNew };
      nameText.value = UNTITLED_GRAPH;
      await nextTick();
      nameInput.value?.select();
      return;
    }
    return saveNow(asNew);
  }

  async function commitName(): Promise<void> {
    const request = naming.value;
    const name = nameText.value.trim().slice(0, 200);
    if (!request || !name) return;
    naming.value = null;
    emit('renamed', name);
    await saveNow(request.asNew);
  }

  function saveNow(asNew: boolean): Promise<void> {
    return act(async (lib) => {
      const doc = props.getDoc();
      const thumb = await thumbnail();
      const link = openGraph.link;
      if (link && !asNew) {
        const result = await lib.save(link.id, doc, { baseRevision: link.revision, thumbnail: thumb });
        savedText.value = canonical(result.entry.doc);
        openGraph.link = { id: result.entry.id, revision: result.entry.revision };
        notice.value = result.status === 'saved' ? `Saved “${result.entry.name}”.` : result.reason;
      } else {
        const entry = await lib.create(doc, { thumbnail: thumb });
        savedText.value = canonical(entry.doc);
        openGraph.link = { id: entry.id, revision: entry.revision };
        notice.value = `Saved “${entry.name}” to the library.`;
      }
    });
  }

  /** Open a saved graph; first ask when the open one has changes its library entry lacks. */
  function open(id: string): Promise<void> {
    updateDirty();
    if (dirty.value && openGraph.link?.id !== id) {
      pending.value = { kind: 'entry', id };
      return Promise.resolve();
    }
    return openNow(id);
  }

  /** Open a bundled example as a new, unsaved graph. A library graph with unsaved changes asks
   *  first (as for opening another entry); a graph that was never saved comes back with undo. */
  function openExample(file: string): Promise<void> {
    updateDirty();
    if (dirty.value) {
      pending.value = { kind: 'example', file };
      return Promise.resolve();
    }
    return openExampleNow(file);
  }

  function openExampleNow(file: string): Promise<void> {
    return act(async () => {
      const result = await loadExample(file, props.registry);
      if (!result.ok) throw new Error(result.error);
      const unsaved = !openGraph.link;
      openGraph.link = null;
      emit('open', result.doc, result.warnings, unsaved);
      savedText.value = null;
      dirty.value = false;
      notice.value = `Opened the example “${result.doc.name}” as a new graph${unsaved ? ' (Ctrl+Z brings back the graph that was open)' : ''}; “Save” keeps it in the library.`;
    });
  }

  async function resolvePending(choice: 'save' | 'discard' | 'cancel'): Promise<void> {
    const next = pending.value;
    pending.value = null;
    if (!next || choice === 'cancel') return;
    if (choice === 'save') {
      await save(false);
      if (error.value) return; // the save failed: keep the open graph
    }
    await (next.kind === 'entry' ? openNow(next.id) : openExampleNow(next.file));
  }

  function openNow(id: string): Promise<void> {
    return act(async (lib) => {
      const entry = await lib.get(id);
      // stored graphs go through the same migrations and checks as files
      const result = validateGraphObject(entry.doc, props.registry);
      if (!result.ok) {
        unopenable.value = { id: entry.id, name: entry.name };
        throw new Error(`“${entry.name}” cannot be opened: ${result.errors.join('; ')}`);
      }
      openGraph.link = { id: entry.id, revision: entry.revision };
      emit('open', result.doc, result.warnings);
      savedText.value = canonical(props.getDoc());
      dirty.value = false;
      notice.value = result.warnings.length
        ? `Opened “${entry.name}” (${byImportance(result.warnings).join('; ')})`
        : '';
    });
  }

  async function startRename(entry: LibrarySummary): Promise<void> {
    renamingId.value = entry.id;
    renameText.value = entry.name;
    await nextTick();
    renameInput.value?.[0]?.select();
  }

  function commitRename(id: string): Promise<void> {
    const name = renameText.value;
    renamingId.value = null;
    return act(async (lib) => {
      const entry = await lib.rename(id, name);
      if (openGraph.link?.id === id) {
        if (savedText.value !== null) savedText.value = canonical({ ...JSON.parse(savedText.value), name: entry.name });
        openGraph.link = { id, revision: entry.revision };
        emit('renamed', entry.name);
      }
    });
  }

  function duplicate(id: string): Promise<void> {
    return act(async (lib) => {
      const copy = await lib.duplicate(id);
      notice.value = `Duplicated as “${copy.name}”.`;
    });
  }

  function remove(id: string): Promise<void> {
    confirmDeleteId.value = null;
    return act(async (lib) => {
      await lib.delete(id);
      if (openGraph.link?.id === id) openGraph.link = null; // the open graph stays open, unsaved
    });
  }

  function formatDate(ms: number): string {
    return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }

  return {
    entries,
    loading,
    busy,
    error,
    notice,
    renamingId,
    renameText,
    confirmDeleteId,
    renameInput,
    dirty,
    pending,
    showExamples,
    unopenable,
    downloadStored,
    openId,
    FILTER_FROM,
    filter,
    shown,
    autosaveText,
    naming,
    nameText,
    nameInput,
    save,
    commitName,
    open,
    openExample,
    resolvePending,
    refresh,
    startRename,
    commitRename,
    duplicate,
    remove,
    formatDate,
  };
}
