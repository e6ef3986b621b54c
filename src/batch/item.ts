// One batch item: the open graph run once with one input image fed to its Load Face node. Pure
// TypeScript shared by the browser batch (engine worker) and the headless batch (Node processes,
// queue workers): the same executor and node code run the item everywhere.
import { encode as encodePng } from 'fast-png';
import { serializeGraph, type GraphDocument, type NodeRegistry } from '../graph/document';
import type { Executor } from '../graph/executor';
import { embedGraphInPng } from '../graph/png-metadata';
import { effectiveParams } from '../graph/repair';
import { saveFileName } from '../nodes/save-image';
import { bytesToBase64 } from '../graph/assets';
import { tensorToRgba } from '../image';
import { sha256Hex } from '../graph/hash';

/** Files a batch takes as images (by extension); a corrupt one is still taken and fails as its own item. */
export const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp)$/i;

/** The asset id an item's input image gets inside the item's copy of the graph. */
export const BATCH_ASSET = 'batch-input';

export interface BatchInput {
  /** the file's name as the user knows it (relative path inside a folder or zip) */
  name: string;
  bytes: Uint8Array;
}

/** One image result of an item, named by the sha256 of its PNG bytes. */
export interface ItemImage {
  node: string;
  output: string;
  /** the Save Image file name, or `<node>-<output>.png` */
  label: string;
  /** `<sha256 prefix>.png`: a retried item writes identical bytes under the same name */
  file: string;
  sha256: string;
}

/** What the manifest keeps of an item (no image bytes). */
export interface ItemRecord {
  /** item key: graph, input name and input content (see itemKey) */
  key: string;
  name: string;
  inputSha256: string;
  status: 'done' | 'error';
  error?: string;
  images: ItemImage[];
  /** number outputs (`<node>.<output>`), e.g. Measure's values, Compare's PSNR and identity */
  values: Record<string, number>;
  ms: number;
}

/** An item's record plus its PNG bytes (file name -> bytes). */
export interface ItemResult {
  record: ItemRecord;
  pngs: Map<string, Uint8Array>;
}

/** Result file names: 32 hex digits (128 bits) of the PNG's sha256. */
export const resultFileName = (sha256: string) => `${sha256.slice(0, 32)}.png`;

/** Resume key of an item: the same graph, file name and file content give the same key. */
export async function itemKey(graphSha256: string, name: string, inputSha256: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${graphSha256}\n${name}\n${inputSha256}`);
  return (await sha256Hex(bytes)).slice(0, 32);
}

export const textSha256 = (text: string) => sha256Hex(new TextEncoder().encode(text));

/**
 * The Load Face node a batch feeds: the one named, or the graph's only Load Face node. Throws with
 * a clear message when there is none, or several and none was named.
 */
export function batchTarget(doc: GraphDocument, nodeId?: string): string {
  const faces = doc.nodes.filter((n) => n.type === 'load-face');
  if (nodeId) {
    const node = doc.nodes.find((n) => n.id === nodeId);
    if (!node) throw new Error(`the graph has no node "${nodeId}" to feed the batch images to`);
    if (node.type !== 'load-face')
      throw new Error(`node "${nodeId}" is a ${node.type} node; batch images go to a Load Face node`);
    return nodeId;
  }
  if (faces.length === 0) throw new Error('the graph has no Load Face node to feed the batch images to');
  if (faces.length > 1)
    throw new Error(
      `the graph has ${faces.length} Load Face nodes (${faces.map((n) => n.id).join(', ')}); name the one to feed (--node <id>)`,
    );
  return faces[0]!.id;
}

/** A copy of the graph whose target Load Face reads the item's image, kept as an embedded asset. */
export function itemDoc(doc: GraphDocument, target: string, input: BatchInput): GraphDocument {
  return {
    ...doc,
    nodes: doc.nodes.map((n) =>
      n.id === target ? { ...n, params: { ...n.params, source: `asset:${BATCH_ASSET}` } } : n,
    ),
    assets: {
      ...doc.assets,
      [BATCH_ASSET]: { mime: sniffMime(input.bytes), name: input.name, data: bytesToBase64(input.bytes) },
    },
  };
}

/** The MIME type of image bytes by their signature (what a graph asset records). */
export function sniffMime(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46) return 'image/webp';
  return 'image/unknown';
}

/**
 * The image outputs an item keeps: every Save Image node's image when the graph has any,
 * otherwise the image outputs no wire reads (the ends of the graph).
 */
export function resultOutputs(
  doc: GraphDocument,
  registry: NodeRegistry,
): { node: string; output: string; label: string }[] {
  const saves = doc.nodes.filter((n) => n.type === 'save-image' && registry.has(n.type));
  if (saves.length) {
    const def = registry.get('save-image')!;
    return saves.map((n) => ({
      node: n.id,
      output: 'image',
      label: saveFileName(String(effectiveParams(def, n.params).filename)),
    }));
  }
  const read = new Set(doc.connections.map((c) => `${c.from.node}\u0000${c.from.socket}`));
  const out: { node: string; output: string; label: string }[] = [];
  for (const n of doc.nodes) {
    const def = registry.get(n.type);
    for (const o of def?.outputs ?? []) {
      if (o.type === 'image' && !read.has(`${n.id}\u0000${o.name}`))
        out.push({ node: n.id, output: o.name, label: `${n.id}-${o.name}.png` });
    }
  }
  return out;
}

/** The number outputs of a graph, as `<node>.<output>` columns (CSV order). */
export function valueColumns(doc: GraphDocument, registry: NodeRegistry): string[] {
  const cols: string[] = [];
  for (const n of doc.nodes)
    for (const o of registry.get(n.type)?.outputs ?? []) if (o.type === 'number') cols.push(`${n.id}.${o.name}`);
  return cols;
}

export interface RunItemOptions {
  doc: GraphDocument;
  registry: NodeRegistry;
  target: string;
  graphSha256: string;
  signal?: AbortSignal;
  /** called with the item's copy of the graph before it runs (a host whose compute context reads assets from it) */
  beforeRun?: (doc: GraphDocument) => void;
}

/**
 * Runs one item on an executor (its cache keeps the nodes that do not depend on the image, such
 * as Synthetic Pair and Encode Delta, from one item to the next). Never throws for a bad item:
 * the record says what failed, naming the file.
 */
export async function runItem(executor: Executor, input: BatchInput, opts: RunItemOptions): Promise<ItemResult> {
  const started = now();
  const inputSha256 = await sha256Hex(input.bytes);
  const key = await itemKey(opts.graphSha256, input.name, inputSha256);
  const record: ItemRecord = { key, name: input.name, inputSha256, status: 'done', images: [], values: {}, ms: 0 };
  const pngs = new Map<string, Uint8Array>();
  const doc = itemDoc(opts.doc, opts.target, input);
  opts.beforeRun?.(doc);
  const result = await executor.run(doc, opts.signal ? { signal: opts.signal } : {});
  if (result.status === 'cancelled') throw new Error('cancelled');
  if (result.status === 'error') {
    // the root causes (failed nodes that blocked others are listed after them, quoting the cause)
    const roots = Object.entries(result.errors).filter(([id]) => !result.blocked.includes(id));
    record.status = 'error';
    // messages about the item's image name the file, not the asset it travels in
    const named = (m: string) => m.replaceAll(`asset "${BATCH_ASSET}"`, JSON.stringify(input.name));
    record.error = `${input.name}: ${roots.map(([id, m]) => `${id}: ${named(m)}`).join('; ')}`;
    record.ms = now() - started;
    return { record, pngs };
  }
  // the PNGs carry the item's graph (with its input image), so each result reopens its exact edit
  const graphText = serializeGraph(doc);
  for (const r of resultOutputs(doc, opts.registry)) {
    const value = result.outputs.get(r.node)?.[r.output];
    if (!value || value.kind !== 'image') continue;
    const rgba = tensorToRgba(value.tensor);
    const png = embedGraphInPng(
      encodePng({
        width: rgba.width,
        height: rgba.height,
        data: new Uint8Array(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength),
        channels: 4,
      }),
      graphText,
    );
    const sha256 = await sha256Hex(png);
    const file = resultFileName(sha256);
    pngs.set(file, png);
    record.images.push({ node: r.node, output: r.output, label: r.label, file, sha256 });
  }
  for (const [node, outputs] of result.outputs) {
    for (const [output, value] of Object.entries(outputs))
      if (value.kind === 'number') record.values[`${node}.${output}`] = value.value;
  }
  record.ms = now() - started;
  return { record, pngs };
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
