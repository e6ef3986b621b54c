// The engine's side of the model manager: the browser pack store under the bundled packs, adding
// (validated) and deleting packs, and the execution provider the sessions are created with.
// Plain module: the worker wires in IndexedDB and onnxruntime, tests wire in fake-indexeddb.
import type { ByteSource, OrtModule } from './runtime';
import { PackStore, bundledPackIds, layeredByteSource, storageEstimate, type StoredPackInfo } from './store';
import { validatePack } from './validate';
import { VariantPackRuntime } from './variant-runtime';

/** What the user chose in settings; `auto` = WebGPU when the browser gives an adapter, else WASM. */
export type EpPreference = 'auto' | 'wasm' | 'webgpu';
export const EP_PREFERENCES: EpPreference[] = ['auto', 'wasm', 'webgpu'];

/** An onnxruntime module with the session options of one execution provider. */
export interface Backend {
  ort: OrtModule;
  sessionOptions: Record<string, unknown>;
  ep: 'wasm' | 'webgpu';
  /** the manifest variant to prefer (`fp16` on WebGPU), or null */
  variant: string | null;
  /** why this EP is active (a fallback says what was missing) */
  note: string;
}

export interface EpStatus {
  preference: EpPreference;
  active: 'wasm' | 'webgpu';
  variant: string | null;
  note: string;
}

/** One file of a pack being added: its path (relative to the pack folder, or with a top folder) and bytes. */
export interface PackFileInput {
  path: string;
  bytes: Uint8Array;
}

export interface PackListing {
  bundled: string[];
  stored: StoredPackInfo[];
  ep: EpStatus;
}

export interface PackManagerDeps {
  /** the default (WASM) onnxruntime module and its session options */
  ort: OrtModule;
  sessionOptions?: Record<string, unknown>;
  /** opens the browser pack store; absent or null where there is no IndexedDB */
  openPackStore?: () => Promise<PackStore | null>;
  /** picks the backend for a preference (the worker probes navigator.gpu and imports the WebGPU build) */
  selectBackend?: (preference: EpPreference) => Promise<Backend>;
}

export class PackManager {
  private store: Promise<PackStore | null> | null = null;
  private backend: Backend;
  private preference: EpPreference = 'wasm';

  constructor(private readonly deps: PackManagerDeps) {
    this.backend = {
      ort: deps.ort,
      sessionOptions: deps.sessionOptions ?? {},
      ep: 'wasm',
      variant: null,
      note: 'WASM (default)',
    };
  }

  private openStore(): Promise<PackStore | null> {
    this.store ??= (this.deps.openPackStore?.() ?? Promise.resolve(null)).catch((e: unknown) => {
      // a browser without IndexedDB (private mode of some browsers) still runs the bundled packs
      console.warn(`model pack store unavailable: ${(e as Error).message}`);
      return null;
    });
    return this.store;
  }

  /** The runtime for one engine generation: stored packs first, then the bundled folder. */
  async createRuntime(bundled: ByteSource): Promise<VariantPackRuntime> {
    const store = await this.openStore();
    const source = store ? layeredByteSource(store, bundled) : bundled;
    return new VariantPackRuntime(source, this.backend.ort, this.backend.sessionOptions, this.backend.variant);
  }

  async listing(bundled: ByteSource): Promise<PackListing> {
    const store = await this.openStore();
    return { bundled: await bundledPackIds(bundled), stored: store ? await store.list() : [], ep: this.epStatus() };
  }

  epStatus(): EpStatus {
    return {
      preference: this.preference,
      active: this.backend.ep,
      variant: this.backend.variant,
      note: this.backend.note,
    };
  }

  /** Validates (manifest, shapes, files, sha256, loadable ONNX) and stores a pack; throws PackRefusedError naming each problem. */
  async add(files: PackFileInput[], origin: string, bundled: ByteSource): Promise<StoredPackInfo> {
    const store = await this.openStore();
    if (!store) throw new Error('this browser gives the app no IndexedDB, so packs cannot be stored');
    const map = new Map(files.map((f) => [f.path, f.bytes]));
    const pack = await validatePack(map, { ort: this.deps.ort, reservedIds: await bundledPackIds(bundled) });
    return store.put(
      {
        id: pack.manifest.id,
        name: pack.manifest.name,
        manifestSha256: pack.manifestSha256,
        origin,
        manifest: pack.manifest,
      },
      pack.files,
    );
  }

  async remove(id: string, bundled: ByteSource): Promise<void> {
    if ((await bundledPackIds(bundled)).includes(id))
      throw new Error(`model pack "${id}" is bundled with the app and cannot be deleted`);
    const store = await this.openStore();
    if (!store || !(await store.delete(id))) throw new Error(`model pack "${id}" is not stored in this browser`);
  }

  async storage(): Promise<{ usage: number | null; quota: number | null }> {
    return storageEstimate();
  }

  /** Chooses the backend for `preference`; the caller recreates the sessions (a new runtime). */
  async setPreference(preference: EpPreference): Promise<EpStatus> {
    if (!EP_PREFERENCES.includes(preference))
      throw new Error(`execution provider must be one of ${EP_PREFERENCES.join(', ')}; got "${String(preference)}"`);
    this.preference = preference;
    if (this.deps.selectBackend) this.backend = await this.deps.selectBackend(preference);
    else
      this.backend = {
        ...this.backend,
        note: preference === 'wasm' ? 'WASM (chosen in settings)' : 'WASM: this runtime has no WebGPU build',
      };
    return this.epStatus();
  }
}

export type { StoredPackInfo };
