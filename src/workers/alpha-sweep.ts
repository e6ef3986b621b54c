// The α sweep as an animated GIF: the graph is run once per frame with the Scale node's α (or Aim's
// target, its strength in the attribute's units) stepped from 0 to the node's value and back, and
// the image of the nearest Generate (or other image node) downstream becomes the frame. Runs in the
// engine worker on an executor of its own (the editor's run is not cancelled; the nodes upstream
// of the swept one are computed once and then served from that executor's cache). Encoded with
// gifenc (a 256-colour palette per frame). Plain module: also runs in Node for tests.
import type { GraphDocument } from '../graph/document';
import type { Executor } from '../graph/executor';
import type { NodeSpec, RgbaImage } from '../graph/types';
import { tensorToRgba } from '../image';

export interface SweepOptions {
  /** frames from 0 to the node's value; the animation plays them forward then back (2n − 2 frames) */
  steps?: number;
  /** ms per frame */
  delayMs?: number;
  /** small images are scaled up by a whole factor to at least this size (crisp pixels) */
  minSize?: number;
}

export interface SweepResult {
  bytes: Uint8Array;
  frames: number;
  width: number;
  height: number;
  /** what was swept, for the file name and the message: "α 0 → 1.5" */
  label: string;
  /** the node whose image the frames show */
  imageNode: string;
}

/** The swept param and its values for a Scale or Aim node. */
function sweepParam(
  doc: GraphDocument,
  nodeId: string,
  steps: number,
): { param: string; values: number[]; label: string } {
  const node = doc.nodes.find((n) => n.id === nodeId);
  if (!node) throw new Error(`α sweep: the graph has no node "${nodeId}"`);
  const ramp = (end: number) => Array.from({ length: steps }, (_, i) => Number(((end * i) / (steps - 1)).toFixed(4)));
  if (node.type === 'scale') {
    const alpha = Number(node.params.alpha ?? 1);
    const end = alpha === 0 ? 1 : alpha;
    return { param: 'alpha', values: ramp(end), label: `α 0 → ${end}` };
  }
  if (node.type === 'aim') {
    if ((node.params.mode ?? 'by') !== 'by')
      throw new Error('α sweep: set Aim to "change by" to sweep it (a sweep grows the change from 0 to the target)');
    const target = Number(node.params.target ?? 25);
    const attribute = String(node.params.attribute ?? 'yaw');
    return { param: 'target', values: ramp(target), label: `${attribute} change 0 → ${target}` };
  }
  throw new Error(`α sweep: only Scale and Aim nodes can be swept, not "${node.type}"`);
}

/** The nearest node downstream of `from` that has an image output (a Generate first), and its output name. */
export function imageDownstream(
  doc: GraphDocument,
  from: string,
  catalog: ReadonlyMap<string, NodeSpec>,
): { node: string; output: string } | null {
  const seen = new Set([from]);
  let frontier = [from];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier)
      for (const c of doc.connections)
        if (c.from.node === id && !seen.has(c.to.node)) {
          seen.add(c.to.node);
          next.push(c.to.node);
        }
    const found = next
      .map((id) => doc.nodes.find((n) => n.id === id)!)
      .filter(Boolean)
      .sort((a, b) => Number(b.type === 'generate') - Number(a.type === 'generate'))
      .map((n) => ({ node: n.id, output: catalog.get(n.type)?.outputs.find((o) => o.type === 'image')?.name }))
      .find((x) => x.output);
    if (found) return { node: found.node, output: found.output! };
    frontier = next;
  }
  return null;
}

/** Only `target` and what it depends on: the sweep runs no Compare, Measure or Save node. */
function upstreamOf(doc: GraphDocument, target: string): GraphDocument {
  const keep = new Set([target]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of doc.connections)
      if (keep.has(c.to.node) && !keep.has(c.from.node)) {
        keep.add(c.from.node);
        grew = true;
      }
  }
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => keep.has(n.id)),
    connections: doc.connections.filter((c) => keep.has(c.from.node) && keep.has(c.to.node)),
  };
}

function upscale(img: RgbaImage, minSize: number): RgbaImage {
  const k = Math.max(1, Math.ceil(minSize / Math.max(img.width, img.height)));
  if (k === 1) return img;
  const [w, h] = [img.width * k, img.height * k];
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const s = (Math.floor(y / k) * img.width + Math.floor(x / k)) * 4;
      data.set(img.data.subarray(s, s + 4), (y * w + x) * 4);
    }
  return { width: w, height: h, data };
}

export async function sweepGif(
  executor: Executor,
  doc: GraphDocument,
  nodeId: string,
  catalog: ReadonlyMap<string, NodeSpec>,
  options: SweepOptions = {},
  onProgress?: (done: number, total: number) => void,
): Promise<SweepResult> {
  const steps = Math.max(2, Math.min(60, Math.round(options.steps ?? 12)));
  const { param, values, label } = sweepParam(doc, nodeId, steps);
  const target = imageDownstream(doc, nodeId, catalog);
  if (!target) throw new Error('α sweep: no node downstream of this one makes an image (connect a Generate)');
  const base = upstreamOf(doc, target.node);
  const frames: RgbaImage[] = [];
  for (const [i, value] of values.entries()) {
    const frameDoc = {
      ...base,
      nodes: base.nodes.map((n) => (n.id === nodeId ? { ...n, params: { ...n.params, [param]: value } } : n)),
    };
    const result = await executor.run(frameDoc);
    if (result.status === 'cancelled') throw new Error('α sweep: cancelled');
    const failed = result.errors[target.node] ?? Object.values(result.errors)[0];
    const out = result.outputs.get(target.node)?.[target.output];
    if (!out || out.kind !== 'image')
      throw new Error(`α sweep: at ${param} = ${value} the image was not made${failed ? `: ${failed}` : ''}`);
    frames.push(upscale(tensorToRgba(out.tensor), options.minSize ?? 256));
    onProgress?.(i + 1, values.length);
  }
  // gifenc loads on the first export; its CommonJS build (what plain Node resolves) has no named exports
  // (its ES build's default export is GIFEncoder itself, the CommonJS one's is the whole module)
  type Gifenc = typeof import('gifenc');
  const mod = (await import('gifenc')) as Partial<Gifenc> & { default?: unknown };
  const { GIFEncoder, applyPalette, quantize } = (typeof mod.GIFEncoder === 'function' ? mod : mod.default) as Gifenc;
  // forward, then back without repeating the ends: a seamless loop
  const order = [...frames, ...frames.slice(1, -1).reverse()];
  const gif = GIFEncoder();
  const { width, height } = order[0]!;
  for (const f of order) {
    const palette = quantize(f.data, 256);
    gif.writeFrame(applyPalette(f.data, palette), width, height, { palette, delay: options.delayMs ?? 120 });
  }
  gif.finish();
  return { bytes: gif.bytes(), frames: order.length, width, height, label, imageNode: target.node };
}
