// A PackRuntime over an abstract byte source: the browser worker reads with fetch, Node with fs.
// It verifies sha256 on load, checks feeds against the manifest before running, and creates one
// InferenceSession per model, reused for every later run.
import type { PackManifest, PackModelEntry, PackModelIO, PackRuntime, Tensor } from '../../graph/types';
import { sha256Hex } from '../../graph/hash';
import { parsePackManifest, zPackIndex } from './manifest';

/** Reads a file of the models folder by its path relative to that folder (`fixture/manifest.json`). */
export type ByteSource = (path: string) => Promise<Uint8Array>;

/** The slice of the onnxruntime-web module the runtime uses (injected: `onnxruntime-web/wasm` in the browser, `onnxruntime-web` in Node). */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}
export interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  release?(): Promise<void>;
}

export interface PackIndexResult {
  packs: PackManifest[];
  /** packs listed in models/index.json that could not be loaded, with the reason */
  missing: { id: string; error: string }[];
}

export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}

function abortError(): Error {
  const err = new Error('cancelled');
  err.name = 'AbortError';
  return err;
}

/** Checks feeds against the declared inputs; named dims must agree across inputs. Throws a message naming the model and input. */
export function checkFeeds(model: string, entry: PackModelEntry, feeds: Record<string, Tensor>): void {
  const named = new Map<string, { value: number; input: string }>();
  for (const io of entry.inputs) {
    const feed = feeds[io.name];
    if (!feed)
      throw new Error(
        `${model} expects an input named "${io.name}"; got ${
          Object.keys(feeds)
            .map((k) => `"${k}"`)
            .join(', ') || 'none'
        }`,
      );
    checkOne(model, io, feed, named);
  }
  for (const name of Object.keys(feeds)) {
    if (!entry.inputs.some((io) => io.name === name)) {
      throw new Error(
        `${model} has no input named "${name}" (inputs: ${entry.inputs.map((io) => io.name).join(', ')})`,
      );
    }
  }
}

function checkOne(
  model: string,
  io: PackModelIO,
  feed: Tensor,
  named: Map<string, { value: number; input: string }>,
): void {
  const wrong = () =>
    new Error(`${model} expects ${io.name} of shape ${formatShape(io.shape)}, got ${formatShape(feed.dims)}`);
  if (!(feed.data instanceof Float32Array)) throw new Error(`${model} expects ${io.name} as float32 data`);
  if (feed.dims.length !== io.shape.length) throw wrong();
  feed.dims.forEach((d, i) => {
    const want = io.shape[i];
    if (!Number.isInteger(d) || d < 1) throw wrong();
    if (typeof want === 'number') {
      if (d !== want) throw wrong();
    } else {
      const seen = named.get(want);
      if (seen && seen.value !== d) {
        throw new Error(`${model}: ${io.name} has ${want}=${d} but ${seen.input} has ${want}=${seen.value}`);
      }
      named.set(want, { value: d, input: io.name });
    }
  });
  const size = feed.dims.reduce((a, b) => a * b, 1);
  if (feed.data.length !== size) {
    throw new Error(
      `${model}: ${io.name} has ${feed.data.length} values but shape ${formatShape(feed.dims)} needs ${size}`,
    );
  }
}

export class OnnxPackRuntime implements PackRuntime {
  private manifests = new Map<string, Promise<{ manifest: PackManifest; digest: string }>>();
  private sessions = new Map<string, Promise<OrtSession>>();
  /** ORT-web runs one inference at a time per wasm instance; a queue keeps concurrent nodes orderly */
  private queue: Promise<unknown> = Promise.resolve();
  /** how many sessions were created (tests prove reuse with it) */
  sessionsCreated = 0;

  constructor(
    private readonly readBytes: ByteSource,
    private readonly ort: OrtModule,
    private readonly sessionOptions: Record<string, unknown> = {},
  ) {}

  /** Reads models/index.json and every listed manifest; a missing or broken pack is reported, not thrown. */
  async listPacks(): Promise<PackIndexResult> {
    let ids: string[];
    try {
      const text = new TextDecoder().decode(await this.readBytes('index.json'));
      ids = zPackIndex.parse(JSON.parse(text)).packs;
    } catch (e) {
      return {
        packs: [],
        missing: [{ id: 'index.json', error: `cannot read models/index.json: ${(e as Error).message}` }],
      };
    }
    const result: PackIndexResult = { packs: [], missing: [] };
    for (const id of ids) {
      try {
        result.packs.push(await this.manifest(id));
      } catch (e) {
        result.missing.push({ id, error: (e as Error).message });
      }
    }
    return result;
  }

  manifest(packId: string): Promise<PackManifest> {
    return this.load(packId).then((m) => m.manifest);
  }

  /** sha256 of the pack's manifest.json: it names the exact model files (their own sha256), so it identifies the pack's weights */
  digest(packId: string): Promise<string> {
    return this.load(packId).then((m) => m.digest);
  }

  private load(packId: string): Promise<{ manifest: PackManifest; digest: string }> {
    let entry = this.manifests.get(packId);
    if (!entry) {
      entry = (async () => {
        if (!/^[a-z0-9][a-z0-9._-]*$/.test(packId)) throw new Error(`invalid model pack id "${packId}"`);
        let bytes: Uint8Array;
        try {
          bytes = await this.readBytes(`${packId}/manifest.json`);
        } catch (e) {
          throw new Error(
            `model pack "${packId}" is not installed: cannot read ${packId}/manifest.json (${(e as Error).message})`,
          );
        }
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(bytes));
        } catch (e) {
          throw new Error(`model pack "${packId}": manifest.json is not valid JSON (${(e as Error).message})`);
        }
        const manifest = parsePackManifest(json, `${packId}/manifest.json`);
        if (manifest.id !== packId) throw new Error(`model pack "${packId}": manifest.json says id "${manifest.id}"`);
        return { manifest, digest: await sha256Hex(bytes) };
      })();
      // a failed load is not cached, so installing the pack later works without a restart
      entry.catch(() => this.manifests.delete(packId));
      this.manifests.set(packId, entry);
    }
    return entry;
  }

  private session(packId: string, model: string, entry: PackModelEntry): Promise<OrtSession> {
    const key = `${packId}/${model}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = (async () => {
        const path = `${packId}/${entry.file}`;
        let bytes: Uint8Array;
        try {
          bytes = await this.readBytes(path);
        } catch (e) {
          throw new Error(
            `model pack "${packId}": cannot read ${model} model file ${entry.file} (${(e as Error).message})`,
          );
        }
        const actual = await sha256Hex(bytes);
        if (actual !== entry.sha256) {
          throw new Error(
            `model pack "${packId}": ${entry.file} fails its sha256 check (manifest ${entry.sha256.slice(0, 12)}…, file ${actual.slice(0, 12)}…); the file is corrupt or the manifest is stale`,
          );
        }
        this.sessionsCreated++;
        try {
          return await this.ort.InferenceSession.create(bytes, this.sessionOptions);
        } catch (e) {
          throw new Error(`model pack "${packId}": onnxruntime cannot load ${entry.file}: ${(e as Error).message}`);
        }
      })();
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }

  async run(
    packId: string,
    model: string,
    feeds: Record<string, Tensor>,
    signal?: AbortSignal,
  ): Promise<Record<string, Tensor>> {
    if (signal?.aborted) throw abortError();
    const manifest = await this.manifest(packId);
    const entry = manifest.models[model];
    if (!entry) {
      const have = Object.keys(manifest.models)
        .filter((k) => manifest.models[k])
        .join(', ');
      throw new Error(`model pack "${packId}" has no ${model} model (it has: ${have})`);
    }
    checkFeeds(model, entry, feeds);
    const session = await this.session(packId, model, entry);
    const job = this.queue.then(async () => {
      if (signal?.aborted) throw abortError();
      const ortFeeds: Record<string, unknown> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new this.ort.Tensor('float32', t.data, t.dims);
      let out: Awaited<ReturnType<OrtSession['run']>>;
      try {
        out = await session.run(ortFeeds);
      } catch (e) {
        throw new Error(`${model} of pack "${packId}" failed in onnxruntime: ${(e as Error).message}`);
      }
      const result: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(out)) {
        if (!(t.data instanceof Float32Array)) throw new Error(`${model} output ${name} is not float32`);
        result[name] = { data: t.data, dims: [...t.dims] };
      }
      return result;
    });
    this.queue = job.catch(() => undefined);
    const result = await job;
    if (signal?.aborted) throw abortError();
    return result;
  }

  /** Releases every ONNX session (tests, worker shutdown). */
  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of sessions) await (await s.catch(() => undefined))?.release?.();
  }
}
