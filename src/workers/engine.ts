// The engine the worker exposes (interface 5): it owns the executor, the pack runtime and the
// previews. Plain module (no Comlink, no worker globals) so it also runs in Node for tests.
import type { GraphDocument } from '../graph/document';
import { contextFactory, Executor } from '../graph/executor';
import type {
  ComputeContext,
  ExecEvent,
  NodeDefinition,
  NodeOutputs,
  PackManifest,
  ParamSpec,
  Value,
  RgbaImage,
  NodeSpec,
} from '../graph/types';
import { DEFAULT_PACK, nodeDefinitions } from '../nodes';
import { assetStoreFromDoc } from '../graph/assets';
import { describeDelta, serializeDelta } from '../graph/delta-file';
import { sweepGif, type SweepOptions, type SweepResult } from './alpha-sweep';
import { runItem, type BatchInput, type ItemRecord } from '../batch/item';
import { hstack, previewRgba, tensorToRgba } from '../image';
import { OnnxPackRuntime, type ByteSource, type OrtModule } from './pack/runtime';
import {
  PackManager,
  type EpPreference,
  type EpStatus,
  type PackFileInput,
  type PackListing,
  type PackManagerDeps,
} from './pack/manager';

/** A small RGBA preview of one image output (or a strip of pairs), at most 256 px. */
export interface NodePreviewEvent {
  type: 'node-preview';
  runId: number;
  nodeId: string;
  output: string;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** A number output (Compare's PSNR), so the node can show it. */
export interface NodeValueEvent {
  type: 'node-value';
  runId: number;
  nodeId: string;
  output: string;
  value: number;
}

export type EngineEvent = ExecEvent | NodePreviewEvent | NodeValueEvent;

export interface RunSummary {
  runId: number;
  status: 'done' | 'cancelled' | 'error';
  executed: string[];
  cached: string[];
  errors: Record<string, string>;
  ms: number;
}

/** A node definition without its compute function: what the UI needs to draw and validate nodes. */
export interface EngineDeps {
  ort: OrtModule;
  /** byte source for the models folder at `modelsBaseUrl` (default: fetch `${base}/${path}`) */
  byteSource?: (modelsBaseUrl: string) => ByteSource;
  decodeImage: ComputeContext['decodeImage'];
  fetchBytes: ComputeContext['fetchBytes'];
  /** face detection + FFHQ alignment for Load Face's "align face" mode (loaded lazily by the host) */
  alignFace?: ComputeContext['alignFace'];
  /** face descriptors for Compare's identity readout (loaded lazily by the host) */
  faceDescriptor?: ComputeContext['faceDescriptor'];
  /** face landmarks for Region Blend's masks of photos (loaded lazily by the host) */
  faceLandmarks?: ComputeContext['faceLandmarks'];
  /** marks a value's buffers for transfer (Comlink.transfer in the worker); identity elsewhere */
  transfer?: <T>(value: T, transferables: Transferable[]) => T;
  sessionOptions?: Record<string, unknown>;
  /** the browser store of packs the user added (read before the bundled folder) */
  openPackStore?: PackManagerDeps['openPackStore'];
  /** picks onnxruntime build + execution provider for a preference (WebGPU or WASM) */
  selectBackend?: PackManagerDeps['selectBackend'];
}

const PREVIEW_MAX = 256;
const PAIRS_IN_STRIP = 4;

export function fetchByteSource(modelsBaseUrl: string): ByteSource {
  const base = modelsBaseUrl.replace(/\/+$/, '');
  return async (path) => {
    const res = await fetch(`${base}/${path}`);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${base}/${path}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

/** Definitions whose `pack` params default to `packId` (the installed pack the UI should offer first). */
export function withPackDefault(defs: NodeDefinition[], packId: string): NodeDefinition[] {
  return defs.map((d) =>
    d.params.some((p) => p.kind === 'pack' && p.default !== packId)
      ? { ...d, params: d.params.map((p): ParamSpec => (p.kind === 'pack' ? { ...p, default: packId } : p)) }
      : d,
  );
}

/**
 * Picks the default pack among installed ones: the bundled default (faceworld when listed), then
 * faceworld, then fixture, then any; a pack with the whole DGE chain (Δ-encoder) wins over one
 * without, so a fresh Encode Delta node works out of the box.
 */
export function choosePackDefault(installed: PackManifest[]): string {
  const complete = (m: PackManifest) => Boolean(m.models.mapping && m.models.delta_encoder && m.models.delta_decoder);
  const order = [DEFAULT_PACK, 'faceworld', 'fixture'];
  for (const pool of [installed.filter(complete), installed]) {
    for (const id of order) if (pool.some((m) => m.id === id)) return id;
    if (pool[0]) return pool[0].id;
  }
  return DEFAULT_PACK;
}

/** Preview RGBA of a value, or null when it is not an image-like value. */
export function previewOf(value: Value): RgbaImage | null {
  if (value.kind === 'image') return previewRgba(tensorToRgba(value.tensor), PREVIEW_MAX);
  if (value.kind === 'pairs' && value.pairs.length > 0) {
    // each pair as a column (from above to), the first few pairs side by side
    const columns = value.pairs.slice(0, PAIRS_IN_STRIP).map((p) => {
      const from = tensorToRgba(p.from.tensor);
      const to = tensorToRgba(p.to.tensor);
      return vstack(from, to);
    });
    return previewRgba(hstack(columns, 2), PREVIEW_MAX);
  }
  return null;
}

function vstack(a: RgbaImage, b: RgbaImage): RgbaImage {
  const width = Math.max(a.width, b.width);
  const data = new Uint8ClampedArray(width * (a.height + b.height) * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  let y0 = 0;
  for (const img of [a, b]) {
    for (let y = 0; y < img.height; y++)
      data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), (y0 + y) * width * 4);
    y0 += img.height;
  }
  return { width, height: a.height + b.height, data };
}

export class Engine {
  private packs: OnnxPackRuntime | null = null;
  private executor: Executor | null = null;
  private definitions: NodeDefinition[] = nodeDefinitions;
  private installed: PackManifest[] = [];
  private missing: { id: string; error: string }[] = [];
  private assets = assetStoreFromDoc({});
  /** outputs whose previews the UI already has, per node (cached outputs are the same objects) */
  private sent = new Map<string, NodeOutputs>();
  /** outputs of the last finished run: big tensors stay here, the UI asks for one image at a time */
  private lastOutputs = new Map<string, NodeOutputs>();
  /** the model manager (stored packs, execution provider); made on first use */
  private packsManager: PackManager | null = null;
  private modelsBaseUrl: string | null = null;
  /** the α-sweep export's executor and the assets of the graph it sweeps */
  private sweepExecutor: Executor | null = null;
  private sweepAssets = assetStoreFromDoc({});

  constructor(private readonly deps: EngineDeps) {}

  /**
   * Loads the pack list. `packRefs` are what a graph file's `packs` list should hold for each
   * installed pack (sha256 of its manifest.json, which names each model file's own sha256).
   */
  async init(options: { modelsBaseUrl: string }): Promise<{
    packs: PackManifest[];
    missing: { id: string; error: string }[];
    defaultPack: string;
    packRefs: { id: string; sha256: string; url: string }[];
    listing: PackListing;
  }> {
    this.modelsBaseUrl = options.modelsBaseUrl;
    const bundled = (this.deps.byteSource ?? fetchByteSource)(options.modelsBaseUrl);
    await this.packs?.dispose();
    // stored packs (IndexedDB) are read before the bundled folder; the chosen EP makes the sessions
    this.packs = await this.manager().createRuntime(bundled);
    const listed = await this.packs.listPacks();
    this.installed = listed.packs;
    this.missing = listed.missing;
    for (const m of listed.missing) console.warn(`model pack ${m.id}: ${m.error}`);
    const defaultPack = choosePackDefault(this.installed);
    this.definitions = withPackDefault(nodeDefinitions, defaultPack);
    const registry = new Map(this.definitions.map((d) => [d.type, d]));
    const packs = this.packs;
    this.executor = new Executor(
      registry,
      contextFactory({
        packs,
        // the document's assets as of the current run
        assets: { get: (id) => this.assets.get(id) },
        decodeImage: this.deps.decodeImage,
        fetchBytes: this.deps.fetchBytes,
        ...(this.deps.alignFace ? { alignFace: this.deps.alignFace } : {}),
        ...(this.deps.faceDescriptor ? { faceDescriptor: this.deps.faceDescriptor } : {}),
        ...(this.deps.faceLandmarks ? { faceLandmarks: this.deps.faceLandmarks } : {}),
      }),
    );
    this.sent.clear();
    // the α-sweep export's own executor (same definitions, no previews): the editor's run goes on
    this.sweepExecutor = new Executor(
      registry,
      contextFactory({
        packs,
        assets: { get: (id) => this.sweepAssets.get(id) },
        decodeImage: this.deps.decodeImage,
        fetchBytes: this.deps.fetchBytes,
        ...(this.deps.alignFace ? { alignFace: this.deps.alignFace } : {}),
      }),
    );
    const packRefs = await Promise.all(
      this.installed.map(async (m) => ({
        id: m.id,
        sha256: await packs.digest(m.id),
        url: `models/${m.id}/manifest.json`,
      })),
    );
    return {
      packs: this.installed,
      missing: this.missing,
      defaultPack,
      packRefs,
      listing: await this.manager().listing(bundled),
    };
  }

  /**
   * A node's preview and number values, unless the UI already has those of these very outputs. The
   * node shows one picture: of a type that names its `preview` output, only that one is sent.
   */
  private sendPreviews(
    runId: number,
    nodeId: string,
    outputs: NodeOutputs,
    emit: (e: EngineEvent) => void,
    preview?: string,
  ): void {
    if (this.sent.get(nodeId) === outputs) return;
    this.sent.set(nodeId, outputs);
    for (const [output, value] of Object.entries(outputs)) {
      try {
        if (value.kind === 'number') {
          emit({ type: 'node-value', runId, nodeId, output, value: value.value });
          continue;
        }
        if (preview !== undefined && output !== preview) continue;
        const rgba = previewOf(value);
        if (!rgba) continue;
        const event: NodePreviewEvent = {
          type: 'node-preview',
          runId,
          nodeId,
          output,
          width: rgba.width,
          height: rgba.height,
          rgba: rgba.data,
        };
        emit(this.deps.transfer ? this.deps.transfer(event, [rgba.data.buffer as ArrayBuffer]) : event);
      } catch (e) {
        console.error(`preview of ${nodeId}.${output} failed`, e);
      }
    }
  }

  private ready(): { executor: Executor; packs: OnnxPackRuntime } {
    if (!this.executor || !this.packs) throw new Error('engine not initialised: call init({ modelsBaseUrl }) first');
    return { executor: this.executor, packs: this.packs };
  }

  /** Runs the graph; a newer run cancels this one. Events (states, progress, previews) go to onEvent. */
  async run(doc: GraphDocument, onEvent?: (e: EngineEvent) => void): Promise<RunSummary> {
    const { executor } = this.ready();
    this.assets = assetStoreFromDoc(doc.assets as Record<string, { data: string }>);
    const forward = (e: EngineEvent) => {
      try {
        void onEvent?.(e);
      } catch (err) {
        console.error('engine: event listener failed', err);
      }
    };
    // nodes removed from the graph need no remembered previews
    const ids = new Set(doc.nodes.map((n) => n.id));
    for (const id of this.sent.keys()) if (!ids.has(id)) this.sent.delete(id);
    const previewOutput = new Map(
      doc.nodes.map((n) => [n.id, this.definitions.find((d) => d.type === n.type)?.preview]),
    );
    const result = await executor.run(doc, {
      // previews go out as each node is reached, before its state (which carries the node's note)
      onOutputs: ({ runId, nodeId, outputs }) =>
        this.sendPreviews(runId, nodeId, outputs, forward, previewOutput.get(nodeId)),
      onEvent: (e) => {
        // the UI drops an errored node's preview, so a later cache hit must send it again
        if (e.type === 'node-state' && e.state === 'error') this.sent.delete(e.nodeId);
        forward(e);
      },
    });
    if (result.status !== 'cancelled') this.lastOutputs = result.outputs;
    return {
      runId: result.runId,
      status: result.status,
      executed: result.executed,
      cached: result.cached,
      errors: result.errors,
      ms: result.ms,
    };
  }

  /**
   * One batch item (src/batch/item.ts): the graph with `input` fed to Load Face `target`; the
   * result PNGs come back by content-hash name. Use an engine of its own for a batch, since a
   * newer run cancels the one in flight.
   */
  async batchItem(
    doc: GraphDocument,
    input: BatchInput,
    opts: { target: string; graphSha256: string },
  ): Promise<{ record: ItemRecord; pngs: [string, Uint8Array][] }> {
    const { executor } = this.ready();
    const { record, pngs } = await runItem(executor, input, {
      doc,
      registry: new Map(this.definitions.map((d) => [d.type, d])),
      target: opts.target,
      graphSha256: opts.graphSha256,
      beforeRun: (d) => (this.assets = assetStoreFromDoc(d.assets as Record<string, { data: string }>)),
    });
    const result = { record, pngs: [...pngs] };
    return this.deps.transfer
      ? this.deps.transfer(
          result,
          [...pngs.values()].map((b) => b.buffer as ArrayBuffer),
        )
      : result;
  }

  /** Cancels the run in flight (it resolves with status 'cancelled'). */
  cancel(): void {
    this.executor?.cancelAll();
  }

  /** A full-size image output of the last run (Save Image download, PNG export), as RGBA. */
  imageOutput(nodeId: string, output = 'image'): { width: number; height: number; rgba: Uint8ClampedArray } {
    const value = this.lastOutputs.get(nodeId)?.[output];
    if (!value) throw new Error(`node ${nodeId} has no output "${output}" from the last run`);
    if (value.kind !== 'image') throw new Error(`output "${output}" of node ${nodeId} is ${value.kind}, not an image`);
    const rgba = tensorToRgba(value.tensor);
    const result = { width: rgba.width, height: rgba.height, rgba: rgba.data };
    return this.deps.transfer ? this.deps.transfer(result, [rgba.data.buffer as ArrayBuffer]) : result;
  }

  /**
   * A delta output of the last run as a `.delta.json` text (Save delta), with what the library
   * lists for it; the pack's manifest gives the sha256 the file records.
   */
  deltaOutput(
    nodeId: string,
    output = 'delta',
  ): { text: string; name: string; pack: string; method: string; summary: string } {
    const value = this.lastOutputs.get(nodeId)?.[output];
    if (!value) throw new Error(`node ${nodeId} has no output "${output}" from the last run: run the graph first`);
    if (value.kind !== 'delta') throw new Error(`output "${output}" of node ${nodeId} is ${value.kind}, not a delta`);
    const manifest = this.installed.find((m) => m.id === value.pack);
    if (!manifest) throw new Error(`the delta belongs to pack "${value.pack}", which is not installed`);
    const text = serializeDelta(value, manifest);
    const summary = describeDelta({
      attribute: value.source?.attribute ?? null,
      from: value.source?.from ?? null,
      to: value.source?.to ?? null,
      k: value.source?.k ?? null,
      label: value.label,
    });
    return { text, name: value.label || summary, pack: value.pack, method: value.method, summary };
  }

  /**
   * An animated GIF of the edit swept from 0 to the Scale node's α (or Aim's target) and back, as
   * the nearest Generate downstream shows it (src/workers/alpha-sweep.ts); encoded here, in the worker.
   */
  async alphaSweepGif(doc: GraphDocument, nodeId: string, options: SweepOptions = {}): Promise<SweepResult> {
    this.ready();
    const executor = this.sweepExecutor!;
    this.sweepAssets = assetStoreFromDoc(doc.assets as Record<string, { data: string }>);
    const catalog = new Map(this.definitions.map((d) => [d.type, d]));
    const result = await sweepGif(executor, doc, nodeId, catalog, options);
    return this.deps.transfer ? this.deps.transfer(result, [result.bytes.buffer as ArrayBuffer]) : result;
  }

  /** The UI lost its previews (remount): send them again on the next run. */
  forgetPreviews(): void {
    this.sent.clear();
  }

  // Model manager (src/workers/pack/manager.ts): a change reloads the pack list; the UI keeps its graph.
  private manager(): PackManager {
    const { ort, sessionOptions, openPackStore, selectBackend } = this.deps;
    return (this.packsManager ??= new PackManager({ ort, sessionOptions, openPackStore, selectBackend }));
  }

  private reload(): ReturnType<Engine['init']> {
    if (!this.modelsBaseUrl) throw new Error('engine not initialised: call init({ modelsBaseUrl }) first');
    this.executor?.cancelAll();
    return this.init({ modelsBaseUrl: this.modelsBaseUrl });
  }

  private bundledSource(): ByteSource {
    if (!this.modelsBaseUrl) throw new Error('engine not initialised: call init({ modelsBaseUrl }) first');
    return (this.deps.byteSource ?? fetchByteSource)(this.modelsBaseUrl);
  }

  /** Validates and stores a pack (refusals name each problem), then reloads the pack list. */
  async addPack(
    files: PackFileInput[],
    origin: string,
  ): Promise<Awaited<ReturnType<Engine['init']>> & { added: string }> {
    const added = await this.manager().add(files, origin, this.bundledSource());
    return { ...(await this.reload()), added: added.id };
  }

  async deletePack(id: string): ReturnType<Engine['init']> {
    await this.manager().remove(id, this.bundledSource());
    return this.reload();
  }

  packStorage(): Promise<{ usage: number | null; quota: number | null }> {
    return this.manager().storage();
  }

  /** Chooses WASM / WebGPU / auto; sessions are recreated (a new runtime) when the engine is running. */
  async setExecutionProvider(preference: EpPreference): Promise<EpStatus> {
    const status = await this.manager().setPreference(preference);
    if (this.modelsBaseUrl) await this.reload();
    return status;
  }

  listPacks(): { packs: PackManifest[]; missing: { id: string; error: string }[] } {
    return { packs: this.installed, missing: this.missing };
  }

  nodeCatalog(): NodeSpec[] {
    return this.definitions.map(({ compute: _compute, ...rest }) => rest);
  }

  async dispose(): Promise<void> {
    this.executor?.cancelAll();
    await this.packs?.dispose();
  }
}

export function createEngine(deps: EngineDeps): Engine {
  return new Engine(deps);
}
