// The graph executor: topological scheduling, a content-hash cache of node outputs across runs,
// cancellation (a newer run cancels the older one), progress/state events and error propagation.
//
// Error propagation, by choice: a node whose input comes from a failed node is not run and is
// marked 'error' with `input "<socket>" failed: <root cause>`, so every affected node says why.
// Such nodes are listed in `RunResult.blocked` as well as in `errors`.
//
// Nodes run one at a time in topological order: compute is dominated by ONNX sessions that run
// one at a time in the worker anyway, and a fixed order keeps events and results deterministic.
import type {
  ComputeContext,
  ExecEvent,
  NodeDefinition,
  NodeInputs,
  NodeOutputs,
  NodeState,
  PackManifest,
  Value,
} from './types';
import type { GraphDocument, GraphNode } from './document';
import { effectiveParams } from './repair';
import { hashString, hashValue } from './hash';
import { emptyRecord, ownValue } from './plain-data';

export type MakeContext = (
  signal: AbortSignal,
  nodeId: string,
  onProgress: (fraction: number) => void,
) => ComputeContext;

/** What every compute gets besides its signal, progress and note: packs, assets, decoders. */
export type ComputeServices = Omit<ComputeContext, 'signal' | 'progress' | 'note'>;

/** The one way to build compute contexts: the services plus the executor's signal and progress; `note` also goes to `onNote`. */
export function contextFactory(
  services: ComputeServices,
  onNote?: (nodeId: string, text: string) => void,
): MakeContext {
  return (signal, nodeId, onProgress) => ({
    ...services,
    ...(onNote ? { note: (text: string) => onNote(nodeId, text) } : {}),
    signal,
    progress: onProgress,
  });
}

/** A node's outputs as the run reaches it, computed or from the cache, with the remark its compute made (`ctx.note`). */
export interface NodeOutputEvent {
  runId: number;
  nodeId: string;
  outputs: NodeOutputs;
  cached: boolean;
  note?: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (event: ExecEvent) => void;
  /** each computed or cached node's outputs, before its `done` / `cached` state (not for a cancelled run) */
  onOutputs?: (event: NodeOutputEvent) => void;
}

export interface RunResult {
  runId: number;
  status: 'done' | 'cancelled' | 'error';
  /** outputs of every node that ran or was served from cache in this run */
  outputs: Map<string, NodeOutputs>;
  /** nodes computed in this run, in execution order */
  executed: string[];
  /** nodes served from the cache */
  cached: string[];
  /** node id → message, for failed nodes and for the nodes they kept from running */
  errors: Record<string, string>;
  /** nodes not run because an input came from a failed node */
  blocked: string[];
  ms: number;
}

export interface ExecutorOptions {
  /** most cached node results kept (least recently used are dropped first) */
  cacheEntries?: number;
  /** most bytes of tensors kept in the cache */
  cacheBytes?: number;
}

/** Rough size of a value's tensors, for the cache's byte bound. */
export function valueBytes(value: Value): number {
  switch (value.kind) {
    case 'image':
      // an aligned face also holds the photo it was cut from
      return value.tensor.data.byteLength + (value.photo?.image.data.byteLength ?? 0);
    case 'latent':
    case 'delta':
      return value.tensor.data.byteLength;
    case 'pairs':
      return value.pairs.reduce(
        (sum, p) =>
          sum +
          valueBytes(p.from) +
          valueBytes(p.to) +
          (p.latents ? p.latents.from.data.byteLength + p.latents.to.data.byteLength : 0),
        0,
      );
    default:
      return 8;
  }
}

function outputsBytes(outputs: NodeOutputs): number {
  let total = 64;
  for (const v of Object.values(outputs)) total += valueBytes(v);
  return total;
}

/** LRU cache of node outputs by content key, bounded by entry count and bytes. */
export class OutputCache {
  private entries = new Map<string, { outputs: NodeOutputs; bytes: number }>();
  private totalBytes = 0;
  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  get(key: string): NodeOutputs | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // re-insert to mark as most recently used
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.outputs;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, outputs: NodeOutputs): void {
    const bytes = outputsBytes(outputs);
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.totalBytes -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { outputs, bytes });
    this.totalBytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.totalBytes -= e.bytes;
    }
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }
}

class CancelledError extends Error {
  constructor() {
    super('run cancelled');
  }
}

/** Resolves with the promise, or rejects as soon as the signal aborts (compute may ignore it). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Content hash of a pack's models: a changed model file gives a different key. */
function packHash(manifest: PackManifest): string {
  const models = Object.entries(manifest.models)
    .filter(([, m]) => m)
    .map(([name, m]) => [name, m!.sha256])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  return hashValue({ id: manifest.id, models });
}

export class Executor {
  private runCounter = 0;
  private current: AbortController | null = null;
  readonly cache: OutputCache;
  /** asset data → hash; the same base64 string is not rehashed on every slider move */
  private assetHashes = new Map<string, string>();
  /** the remark (ctx.note) a compute made, kept with its outputs so a cache hit shows it again */
  private notes = new WeakMap<NodeOutputs, string>();

  constructor(
    private readonly registry: ReadonlyMap<string, NodeDefinition>,
    private readonly makeContext: MakeContext,
    options: ExecutorOptions = {},
  ) {
    this.cache = new OutputCache(options.cacheEntries ?? 256, options.cacheBytes ?? 512 * 1024 * 1024);
  }

  /** Cancels the run in flight, if any; it resolves with status 'cancelled'. */
  cancelAll(): void {
    this.current?.abort();
    this.current = null;
  }

  clearCache(): void {
    this.cache.clear();
  }

  async run(doc: GraphDocument, options: RunOptions = {}): Promise<RunResult> {
    const runId = ++this.runCounter;
    // A newer run overtakes the older one rather than queueing behind it.
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const signal = controller.signal;
    const external = options.signal;
    const forwardAbort = () => controller.abort();
    if (external) {
      if (external.aborted) controller.abort();
      else external.addEventListener('abort', forwardAbort, { once: true });
    }
    const started = now();
    const emit = (event: ExecEvent) => {
      // After cancellation the older run goes quiet, except for its own run-end.
      if (signal.aborted && event.type !== 'run-end') return;
      try {
        options.onEvent?.(event);
      } catch (err) {
        console.error('executor: an event listener threw', err);
      }
    };

    const result: RunResult = {
      runId,
      status: 'done',
      outputs: new Map(),
      executed: [],
      cached: [],
      // keyed by node id: no prototype, so an id such as "constructor" or "__proto__" is plain data
      errors: emptyRecord<string>(),
      blocked: [],
      ms: 0,
    };
    const finish = (status: RunResult['status']): RunResult => {
      result.status = status;
      result.ms = now() - started;
      if (this.current === controller) this.current = null;
      external?.removeEventListener('abort', forwardAbort);
      emit({
        type: 'run-end',
        runId,
        status,
        executed: [...result.executed],
        cached: [...result.cached],
        ms: result.ms,
      });
      return result;
    };

    const order = topologicalOrder(doc);
    emit({ type: 'run-start', runId, nodes: order.sorted.map((n) => n.id) });
    const setState = (nodeId: string, state: NodeState, message?: string) =>
      emit(
        message === undefined
          ? { type: 'node-state', runId, nodeId, state }
          : { type: 'node-state', runId, nodeId, state, message },
      );
    /** outputs first (with the note), then the final state carrying the note */
    const reached = (nodeId: string, outputs: NodeOutputs, cached: boolean) => {
      const note = this.notes.get(outputs);
      if (!signal.aborted && options.onOutputs) {
        try {
          options.onOutputs({ runId, nodeId, outputs, cached, ...(note === undefined ? {} : { note }) });
        } catch (err) {
          console.error('executor: an outputs listener threw', err);
        }
      }
      setState(nodeId, cached ? 'cached' : 'done', note);
    };
    const fail = (nodeId: string, message: string) => {
      result.errors[nodeId] = message;
      setState(nodeId, 'error', message);
    };
    /** the original failure behind a node's error, so blocked nodes quote the cause */
    const rootCause = new Map<string, string>();

    for (const node of order.cyclic)
      fail(node.id, 'This node is on or behind a cycle of wires; a graph must flow one way');

    const keys = new Map<string, string>();
    const packHashes = new Map<string, Promise<string>>();
    const incoming = new Map<string, GraphDocument['connections']>();
    for (const c of doc.connections) {
      const list = incoming.get(c.to.node);
      if (list) list.push(c);
      else incoming.set(c.to.node, [c]);
    }
    const nodeById = new Map(doc.nodes.map((n) => [n.id, n]));
    const titleOf = (id: string) => {
      const n = nodeById.get(id);
      return n ? n.label || this.registry.get(n.type)?.title || n.type : id;
    };

    /** muted nodes and the nodes that need them: not run, not failed */
    const muted = new Map<string, string>();
    /** bypassed nodes' outputs that had no input of their type to pass on */
    const bypassGaps = new Map<string, string>();

    for (const node of order.sorted) {
      if (signal.aborted) return finish('cancelled');
      const mutedBy =
        node.mode === 'mute' ? 'muted' : (incoming.get(node.id) ?? []).find((c) => muted.has(c.from.node));
      if (mutedBy) {
        const msg =
          mutedBy === 'muted' ? 'muted (Ctrl+M): not run' : `not run: "${titleOf(mutedBy.from.node)}" is muted`;
        muted.set(node.id, msg);
        setState(node.id, 'idle', msg);
        continue;
      }
      const def = this.registry.get(node.type);
      if (!def) {
        const msg = `Unknown node type "${node.type}": this placeholder keeps its data but cannot run`;
        rootCause.set(node.id, msg);
        fail(node.id, msg);
        continue;
      }

      // Gather inputs (multi inputs in connection order) and the hashes they contribute to the key.
      const inputs: NodeInputs = {};
      const inputKeys: Record<string, string | string[]> = {};
      const missing: string[] = [];
      let blockedBy: { socket: string; cause: string } | null = null;
      let wiringError: string | null = null;
      for (const spec of def.inputs) {
        const wires = (incoming.get(node.id) ?? []).filter((c) => c.to.socket === spec.name);
        const values: Value[] = [];
        const hashes: string[] = [];
        for (const wire of wires) {
          if (result.errors[wire.from.node] !== undefined) {
            blockedBy ??= { socket: spec.name, cause: rootCause.get(wire.from.node) ?? result.errors[wire.from.node]! };
            continue;
          }
          const upstream = result.outputs.get(wire.from.node);
          const value = upstream?.[wire.from.socket];
          if (!upstream || value === undefined) {
            wiringError ??= `input "${spec.name}": ${bypassGaps.get(`${wire.from.node}:${wire.from.socket}`) ?? `"${titleOf(wire.from.node)}" has no output "${wire.from.socket}"`}`;
            continue;
          }
          if (value.kind !== spec.type) {
            wiringError ??= `input "${spec.name}" expects ${spec.type} but got ${value.kind} from "${titleOf(wire.from.node)}"`;
            continue;
          }
          values.push(value);
          hashes.push(hashString(`${keys.get(wire.from.node)}:${wire.from.socket}`));
        }
        if (spec.multi) {
          inputs[spec.name] = values;
          inputKeys[spec.name] = hashes;
        } else {
          inputs[spec.name] = values[0];
          if (hashes[0]) inputKeys[spec.name] = hashes[0];
        }
        if (!spec.optional && wires.length === 0) missing.push(spec.name);
      }
      if (blockedBy) {
        const msg = `input "${blockedBy.socket}" failed: ${blockedBy.cause}`;
        rootCause.set(node.id, blockedBy.cause);
        result.blocked.push(node.id);
        fail(node.id, msg);
        continue;
      }
      if (node.mode === 'bypass' && !wiringError) {
        // each output carries the first input value of its type; the key follows those inputs
        const outputs: NodeOutputs = {};
        const passed: Record<string, string> = {};
        for (const out of def.outputs) {
          const source = def.inputs.find((s) => s.type === out.type && [inputs[s.name]].flat()[0] !== undefined);
          if (!source) {
            bypassGaps.set(
              `${node.id}:${out.name}`,
              `"${titleOf(node.id)}" is bypassed and has no ${out.type} input to pass on as "${out.name}"`,
            );
            continue;
          }
          outputs[out.name] = [inputs[source.name]].flat()[0] as Value;
          passed[out.name] = [inputKeys[source.name]].flat()[0] ?? '';
        }
        keys.set(node.id, hashValue({ bypass: node.type, passed }));
        result.outputs.set(node.id, outputs);
        setState(node.id, 'done', 'bypassed (Ctrl+B): inputs passed on unchanged');
        continue;
      }
      if (wiringError || missing.length) {
        const msg = wiringError ?? `Missing required input${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`;
        rootCause.set(node.id, `"${titleOf(node.id)}": ${msg}`);
        fail(node.id, msg);
        continue;
      }

      const params = effectiveParams(def, node.params);
      let progressOpen = false;
      let lastFraction = -1;
      const made = this.makeContext(signal, node.id, (fraction) => {
        if (!progressOpen) return;
        const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
        if (f === lastFraction) return;
        lastFraction = f;
        emit({ type: 'node-progress', runId, nodeId: node.id, fraction: f });
      });
      let note: string | undefined;
      const ctx: ComputeContext = {
        ...made,
        note: (text) => {
          note = text;
          made.note?.(text);
        },
      };

      let key: string;
      try {
        key = await this.nodeKey(def, params, inputKeys, doc, ctx, packHashes);
      } catch (err) {
        if (signal.aborted) return finish('cancelled');
        const msg = errorMessage(err);
        rootCause.set(node.id, `"${titleOf(node.id)}": ${msg}`);
        fail(node.id, msg);
        continue;
      }
      if (signal.aborted) return finish('cancelled');
      keys.set(node.id, key);
      const keep = (outputs: NodeOutputs) => {
        this.cache.set(key, outputs);
        if (note !== undefined) this.notes.set(outputs, note);
      };

      const hit = this.cache.get(key);
      if (hit) {
        result.outputs.set(node.id, hit);
        result.cached.push(node.id);
        reached(node.id, hit, true);
        continue;
      }

      setState(node.id, 'running');
      progressOpen = true;
      let outputs: NodeOutputs;
      try {
        const computing = Promise.resolve().then(() => def.compute(inputs, params, ctx));
        // A result that arrives after cancellation is still valid for its key: keep it.
        computing.then(
          (late) => {
            if (signal.aborted && checkOutputs(def, late) === null) keep(late);
          },
          () => undefined,
        );
        outputs = await raceAbort(computing, signal);
      } catch (err) {
        progressOpen = false;
        if (signal.aborted) return finish('cancelled');
        const msg = errorMessage(err);
        rootCause.set(node.id, `"${titleOf(node.id)}": ${msg}`);
        fail(node.id, msg);
        continue;
      }
      progressOpen = false;
      if (signal.aborted) return finish('cancelled');
      const bad = checkOutputs(def, outputs);
      if (bad) {
        rootCause.set(node.id, `"${titleOf(node.id)}": ${bad}`);
        fail(node.id, bad);
        continue;
      }
      keep(outputs);
      result.outputs.set(node.id, outputs);
      result.executed.push(node.id);
      reached(node.id, outputs, false);
    }
    return finish(Object.keys(result.errors).length ? 'error' : 'done');
  }

  /** Content key: node type + declared params + asset content + input keys + pack model hashes. */
  private async nodeKey(
    def: NodeDefinition,
    params: Record<string, unknown>,
    inputKeys: Record<string, string | string[]>,
    doc: GraphDocument,
    ctx: ComputeContext,
    packHashes: Map<string, Promise<string>>,
  ): Promise<string> {
    const assets: Record<string, string> = {};
    const packs: Record<string, string> = {};
    for (const spec of def.params) {
      const value = params[spec.name];
      if (spec.kind === 'image' && typeof value === 'string' && value.startsWith('asset:')) {
        const data = ownValue(doc.assets, value.slice(6))?.data;
        assets[spec.name] = data === undefined ? 'missing' : this.assetHash(data);
      } else if (spec.kind === 'pack' && typeof value === 'string') {
        let pending = packHashes.get(value);
        if (!pending) {
          pending = ctx.packs.manifest(value).then(packHash);
          packHashes.set(value, pending);
        }
        packs[spec.name] = await pending;
      }
    }
    return hashValue({ type: def.type, params, inputs: inputKeys, assets, packs });
  }

  private assetHash(data: string): string {
    let h = this.assetHashes.get(data);
    if (h === undefined) {
      h = hashString(data);
      if (this.assetHashes.size >= 32) this.assetHashes.delete(this.assetHashes.keys().next().value!);
      this.assetHashes.set(data, h);
    }
    return h;
  }
}

/** null when compute returned every declared output with the declared type. */
function checkOutputs(def: NodeDefinition, outputs: NodeOutputs): string | null {
  if (!outputs || typeof outputs !== 'object') return `"${def.title}" returned no outputs`;
  for (const spec of def.outputs) {
    const v = outputs[spec.name];
    if (!v) return `"${def.title}" returned no "${spec.name}" output`;
    if (v.kind !== spec.type) return `"${def.title}" returned ${v.kind} for its ${spec.type} output "${spec.name}"`;
  }
  return null;
}

/** Kahn's algorithm in document order; nodes left over sit on (or behind) a cycle. */
export function topologicalOrder(doc: GraphDocument): { sorted: GraphNode[]; cyclic: GraphNode[] } {
  const index = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const indegree = new Array<number>(doc.nodes.length).fill(0);
  const out: number[][] = doc.nodes.map(() => []);
  for (const c of doc.connections) {
    const from = index.get(c.from.node);
    const to = index.get(c.to.node);
    if (from === undefined || to === undefined) continue;
    out[from]!.push(to);
    indegree[to]!++;
  }
  const queue: number[] = [];
  indegree.forEach((d, i) => d === 0 && queue.push(i));
  const sorted: GraphNode[] = [];
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head]!;
    sorted.push(doc.nodes[i]!);
    for (const j of out[i]!) if (--indegree[j]! === 0) queue.push(j);
  }
  const cyclic = doc.nodes.filter((_, i) => indegree[i]! > 0);
  return { sorted, cyclic };
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
