// The graph library, its saved deltas (`.delta.json` texts) and the autosaved session, kept in
// IndexedDB through `idb`.
// Every write is one readwrite transaction, so a revision check and its put cannot interleave
// with another tab's save.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { GraphDocument } from '../../graph/document';

export const LIBRARY_DB_NAME = 'delta-studio';
/** 1: graphs + session; 2: deltas */
const LIBRARY_DB_VERSION = 2;
const CHANGE_CHANNEL = 'delta-studio-library';
/** Session records kept for other tabs / restarts; older ones are pruned. */
const MAX_SESSIONS = 8;

/** A saved graph. `revision` grows by one on every write; saves carry the revision they edited. */
export interface LibraryEntry {
  id: string;
  name: string;
  doc: GraphDocument;
  /** small PNG data URL of the graph's main preview, or null */
  thumbnail: string | null;
  createdAt: number;
  updatedAt: number;
  revision: number;
}

export type LibrarySummary = Omit<LibraryEntry, 'doc'>;

/** A saved delta: the `.delta.json` text as written by serializeDelta, with what the list shows. */
export interface DeltaEntry {
  id: string;
  name: string;
  /** the delta file's text (format `delta-studio/delta`); parsed again whenever it is used */
  text: string;
  pack: string;
  method: string;
  /** "yaw 0→25, K=4" or the delta's label */
  summary: string;
  createdAt: number;
  updatedAt: number;
}

export type DeltaSummary = Omit<DeltaEntry, 'text'>;

/** Which library entry (and which of its revisions) the open graph came from. */
export interface LibraryLink {
  id: string;
  revision: number;
}

/** The graph open in one tab, autosaved; keyed by a per-tab id so two tabs keep their own. */
export interface SessionRecord {
  tabId: string;
  doc: GraphDocument;
  link: LibraryLink | null;
  savedAt: number;
}

/**
 * A session as stored: the document as its JSON text (`docText`). IndexedDB clones a string in
 * one copy, where a 10,000-node object took two long structured-clone passes (writing it and
 * reading the index key back); records written before hold the object (`doc`).
 */
type StoredSession = Omit<SessionRecord, 'doc'> & { doc?: GraphDocument; docText?: string };

function sessionOf(stored: StoredSession): SessionRecord {
  const { docText, ...rest } = stored;
  if (docText === undefined) return rest as SessionRecord;
  let doc: unknown;
  try {
    doc = JSON.parse(docText);
  } catch {
    doc = docText; // kept as it is: restoring refuses it and sets it aside, so nothing is lost
  }
  return { ...rest, doc: doc as GraphDocument };
}

export type SaveResult =
  | { status: 'saved'; entry: LibraryEntry }
  /** the stored entry moved on (or vanished) since `baseRevision`: the doc went to a new entry */
  | { status: 'saved-as-copy'; entry: LibraryEntry; reason: string };

/** Posted on the BroadcastChannel after every library write. */
export interface LibraryChange {
  kind: 'saved' | 'deleted' | 'renamed' | 'created';
  /** which list changed: graphs (absent) or deltas */
  store?: 'deltas';
  id: string;
  revision: number;
  /** the tab that wrote it, so a tab can ignore its own echoes */
  origin: string;
}

export class StorageError extends Error {
  constructor(
    readonly code: 'quota' | 'not-found' | 'unavailable' | 'invalid' | 'failed',
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

interface LibrarySchema extends DBSchema {
  graphs: { key: string; value: LibraryEntry; indexes: { updatedAt: number } };
  session: { key: string; value: StoredSession; indexes: { savedAt: number } };
  deltas: { key: string; value: DeltaEntry; indexes: { updatedAt: number } };
}

type Db = IDBPDatabase<LibrarySchema>;

function newId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID needs a secure context; an id only has to be unique inside one library
  return `g-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A plain, cloneable copy: editor docs may be Vue proxies, which IndexedDB cannot clone. */
export function plainDoc(doc: GraphDocument): GraphDocument {
  return JSON.parse(JSON.stringify(doc)) as GraphDocument;
}

function isQuotaError(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  // Firefox used NS_ERROR_DOM_QUOTA_REACHED; the standard name is QuotaExceededError
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** Turn an IndexedDB failure into a StorageError whose message says what was not stored. */
function wrapError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  if (isQuotaError(err)) {
    return new StorageError(
      'quota',
      `Browser storage is full (QuotaExceededError): ${what} was not saved. ` +
        'The open graph is unchanged in the editor; delete graphs from the library or export it as a file.',
      err,
    );
  }
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new StorageError('failed', `${what} failed: ${detail}`, err);
}

function summary(entry: LibraryEntry): LibrarySummary {
  const { doc: _doc, ...rest } = entry;
  return rest;
}

function docNamed(doc: GraphDocument, name: string): GraphDocument {
  return { ...plainDoc(doc), name };
}

function checkName(name: string): string {
  const trimmed = String(name ?? '').trim();
  if (!trimmed) throw new StorageError('invalid', 'name: a graph needs a non-empty name');
  if (trimmed.length > 200) throw new StorageError('invalid', `name: at most 200 characters (got ${trimmed.length})`);
  return trimmed;
}

export class Library {
  private readonly channel: BroadcastChannel | null;
  private readonly listeners = new Set<(change: LibraryChange) => void>();

  constructor(
    private readonly db: Db,
    /** identifies this tab in change notifications and in the session store */
    readonly tabId: string,
  ) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANGE_CHANNEL) : null;
    if (this.channel) {
      this.channel.onmessage = (event: MessageEvent<LibraryChange>) => {
        if (event.data && event.data.origin !== this.tabId) this.emit(event.data);
      };
    }
  }

  /** Called for changes made by other tabs (and by this one: local writes are emitted too). */
  onChange(listener: (change: LibraryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: LibraryChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private announce(change: Omit<LibraryChange, 'origin'>): void {
    const full = { ...change, origin: this.tabId };
    this.emit(full);
    this.channel?.postMessage(full);
  }

  /** Saved graphs, newest first, without their documents. */
  async list(): Promise<LibrarySummary[]> {
    try {
      const entries: LibrarySummary[] = [];
      // a cursor over the index walks newest-last; we keep summaries only, docs can be large
      let cursor = await this.db.transaction('graphs').store.index('updatedAt').openCursor(null, 'prev');
      while (cursor) {
        entries.push(summary(cursor.value));
        cursor = await cursor.continue();
      }
      return entries;
    } catch (err) {
      throw wrapError(err, 'Listing the library');
    }
  }

  async get(id: string): Promise<LibraryEntry> {
    let entry: LibraryEntry | undefined;
    try {
      entry = await this.db.get('graphs', id);
    } catch (err) {
      throw wrapError(err, `Reading graph ${id}`);
    }
    if (!entry)
      throw new StorageError('not-found', `The library has no graph with id "${id}" (deleted in another tab?)`);
    return entry;
  }

  /** Store `doc` as a new library entry (revision 1). */
  async create(doc: GraphDocument, options: { name?: string; thumbnail?: string | null } = {}): Promise<LibraryEntry> {
    const name = checkName(options.name ?? doc.name);
    const now = Date.now();
    const entry: LibraryEntry = {
      id: newId(),
      name,
      doc: docNamed(doc, name),
      thumbnail: options.thumbnail ?? null,
      createdAt: now,
      updatedAt: now,
      revision: 1,
    };
    try {
      await this.db.add('graphs', entry);
    } catch (err) {
      throw wrapError(err, `Graph "${name}"`);
    }
    this.announce({ kind: 'created', id: entry.id, revision: entry.revision });
    return entry;
  }

  /**
   * Overwrite entry `id` with `doc`, but only if it is still at `baseRevision`. If another tab
   * saved (or deleted) it in the meantime, nothing is overwritten: the doc is stored as a new
   * entry and the result says so.
   */
  async save(
    id: string,
    doc: GraphDocument,
    options: { baseRevision: number; thumbnail?: string | null },
  ): Promise<SaveResult> {
    const plain = plainDoc(doc);
    const name = checkName(plain.name);
    let result: SaveResult | null = null;
    try {
      const tx = this.db.transaction('graphs', 'readwrite');
      const stored = await tx.store.get(id);
      if (stored && stored.revision === options.baseRevision) {
        const entry: LibraryEntry = {
          ...stored,
          name,
          doc: plain,
          thumbnail: options.thumbnail === undefined ? stored.thumbnail : options.thumbnail,
          updatedAt: Date.now(),
          revision: stored.revision + 1,
        };
        await tx.store.put(entry);
        result = { status: 'saved', entry };
      }
      await tx.done;
    } catch (err) {
      throw wrapError(err, `Graph "${name}"`);
    }
    if (result) {
      this.announce({ kind: 'saved', id, revision: result.entry.revision });
      return result;
    }
    // the stored entry moved on: keep both versions rather than silently dropping one
    const current = await this.db.get('graphs', id).catch(() => undefined);
    const reason = current
      ? `"${current.name}" was saved in another tab or window (revision ${current.revision}, yours was based on ${options.baseRevision}); your version was saved as a copy.`
      : `"${name}" was deleted in another tab or window; your version was saved as a new graph.`;
    const copyName = current ? `${name} (conflict copy ${new Date().toLocaleString()})` : name;
    const entry = await this.create(plain, { name: copyName.slice(0, 200), thumbnail: options.thumbnail ?? null });
    return { status: 'saved-as-copy', entry, reason };
  }

  async rename(id: string, newName: string): Promise<LibraryEntry> {
    const name = checkName(newName);
    let entry: LibraryEntry | undefined;
    try {
      const tx = this.db.transaction('graphs', 'readwrite');
      const stored = await tx.store.get(id);
      if (stored) {
        entry = {
          ...stored,
          name,
          doc: docNamed(stored.doc, name),
          updatedAt: Date.now(),
          revision: stored.revision + 1,
        };
        await tx.store.put(entry);
      }
      await tx.done;
    } catch (err) {
      throw wrapError(err, `Renaming to "${name}"`);
    }
    if (!entry)
      throw new StorageError('not-found', `The library has no graph with id "${id}" (deleted in another tab?)`);
    this.announce({ kind: 'renamed', id, revision: entry.revision });
    return entry;
  }

  async duplicate(id: string): Promise<LibraryEntry> {
    const source = await this.get(id);
    return this.create(source.doc, { name: `${source.name} (copy)`.slice(0, 200), thumbnail: source.thumbnail });
  }

  async delete(id: string): Promise<void> {
    try {
      await this.db.delete('graphs', id);
    } catch (err) {
      throw wrapError(err, `Deleting graph ${id}`);
    }
    this.announce({ kind: 'deleted', id, revision: -1 });
  }

  /** Saved deltas, newest first, without their values. */
  async listDeltas(): Promise<DeltaSummary[]> {
    try {
      const all = await this.db.getAllFromIndex('deltas', 'updatedAt');
      return all.reverse().map(({ text: _text, ...rest }) => rest);
    } catch (err) {
      throw wrapError(err, 'Listing the saved deltas');
    }
  }

  async getDelta(id: string): Promise<DeltaEntry> {
    let entry: DeltaEntry | undefined;
    try {
      entry = await this.db.get('deltas', id);
    } catch (err) {
      throw wrapError(err, `Reading delta ${id}`);
    }
    if (!entry)
      throw new StorageError('not-found', `The library has no delta with id "${id}" (deleted in another tab?)`);
    return entry;
  }

  /** Store a delta file's text (checked by the caller with parseDeltaFile) as a new entry. */
  async createDelta(
    text: string,
    info: { name: string; pack: string; method: string; summary: string },
  ): Promise<DeltaEntry> {
    const name = checkName(info.name);
    const now = Date.now();
    const entry: DeltaEntry = { id: newId(), ...info, name, text, createdAt: now, updatedAt: now };
    try {
      await this.db.add('deltas', entry);
    } catch (err) {
      throw wrapError(err, `Delta "${name}"`);
    }
    this.announce({ kind: 'created', store: 'deltas', id: entry.id, revision: 1 });
    return entry;
  }

  async deleteDelta(id: string): Promise<void> {
    try {
      await this.db.delete('deltas', id);
    } catch (err) {
      throw wrapError(err, `Deleting delta ${id}`);
    }
    this.announce({ kind: 'deleted', store: 'deltas', id, revision: -1 });
  }

  /**
   * Autosave of the graph open in this tab. `text`: the document's JSON text when the caller has it
   * already (autosave compares it with the last save), so the document is not serialised again.
   */
  async putSession(doc: GraphDocument, link: LibraryLink | null, { text }: { text?: string } = {}): Promise<void> {
    const plainLink = link ? { id: link.id, revision: link.revision } : null;
    const record: StoredSession = {
      tabId: this.tabId,
      docText: text ?? JSON.stringify(doc),
      link: plainLink,
      savedAt: Date.now(),
    };
    try {
      const tx = this.db.transaction('session', 'readwrite');
      await tx.store.put(record, this.tabId);
      // keep the newest few: other tabs' records are what a browser restart falls back to
      const keys = await tx.store.index('savedAt').getAllKeys();
      for (const key of keys.slice(0, Math.max(0, keys.length - MAX_SESSIONS))) {
        if (key !== this.tabId) await tx.store.delete(key);
      }
      await tx.done;
    } catch (err) {
      throw wrapError(err, `Autosave of "${doc.name}"`);
    }
  }

  /** This tab's session if it has one (a reload), else the most recently saved one (a restart). */
  async getSession(): Promise<SessionRecord | undefined> {
    try {
      const own = await this.db.get('session', this.tabId);
      if (own) return sessionOf(own);
      const cursor = await this.db.transaction('session').store.index('savedAt').openCursor(null, 'prev');
      return cursor ? sessionOf(cursor.value) : undefined;
    } catch (err) {
      throw wrapError(err, 'Reading the autosaved session');
    }
  }

  close(): void {
    this.channel?.close();
    this.listeners.clear();
    this.db.close();
  }
}

/** Open (and create or upgrade) the library database. */
export async function openLibrary(options: { dbName?: string; tabId?: string } = {}): Promise<Library> {
  if (typeof indexedDB === 'undefined') {
    throw new StorageError(
      'unavailable',
      'IndexedDB is not available in this browser (private mode?): the library and autosave are off.',
    );
  }
  let db: Db | undefined;
  try {
    db = await openDB<LibrarySchema>(options.dbName ?? LIBRARY_DB_NAME, LIBRARY_DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore('graphs', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
          database.createObjectStore('session').createIndex('savedAt', 'savedAt');
        }
        if (oldVersion < 2)
          database.createObjectStore('deltas', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
      },
      blocking() {
        // a newer version of the app opened in another tab: let it upgrade
        db?.close();
      },
    });
  } catch (err) {
    throw new StorageError(
      'unavailable',
      `Could not open the library database: ${(err as Error)?.message ?? err}`,
      err,
    );
  }
  return new Library(db, options.tabId ?? newId());
}
