// Import and export of graphs: `.dge.json` files, PNGs with the graph embedded (iTXt chunk),
// dropping either on the editor, and share links (`#graph=…`). Every import goes through the
// graph core's parser, so a refused file names the path and the problem and changes nothing.
import {
  checkFileSize,
  serializeGraph,
  type GraphDocument,
  type NodeRegistry,
  type ParseResult,
} from '../../graph/document';
import { embedGraphInPng, readGraphFromPng } from '../../graph/png-metadata';
import { parseGraphText } from '../../graph/parse-off-thread';
import { decodeGraphFromFragment, encodeGraphToFragment, isGraphFragment } from '../../graph/share-url';
import { findMainPreview } from '../library/thumbnail';
import { detachFromLibrary } from '../storage/session';

/** Node definitions as the UI knows them (compute is not needed to validate a file). */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Previews smaller than this are scaled up (integer factor, crisp pixels) in an exported PNG. */
const MIN_EXPORT_SIZE = 256;

let defaultRegistry: Promise<NodeRegistry> | null = null;

/** The node registry used when a caller passes none (loaded on first use, in its own chunk). */
function registryOrDefault(registry?: NodeRegistry): Promise<NodeRegistry> {
  if (registry) return Promise.resolve(registry);
  defaultRegistry ??= import('../../nodes').then((m) => m.nodeRegistry);
  return defaultRegistry;
}

function isPngBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Prefix every message with the file it came from, so the alert says which file was refused. */
function inFile(fileName: string, messages: string[]): string[] {
  return messages.map((m) => `${fileName}: ${m}`);
}

/**
 * Read a `.dge.json` file or a PNG exported by Delta Studio and validate it (migrations,
 * schema, repair) against `registry`. Never throws; on `ok: false` nothing should change.
 */
export async function importFile(file: File, registry?: NodeRegistry): Promise<ParseResult> {
  const name = file.name || 'file';
  try {
    const sizeError = checkFileSize(file.size);
    if (sizeError) return { ok: false, errors: inFile(name, [sizeError]) };
    const bytes = new Uint8Array(await file.arrayBuffer());
    const reg = await registryOrDefault(registry);
    if (isPngBytes(bytes)) {
      let text: string | null;
      try {
        text = readGraphFromPng(bytes);
      } catch (err) {
        return { ok: false, errors: inFile(name, [(err as Error).message]) };
      }
      if (text === null) {
        return {
          ok: false,
          errors: inFile(name, [
            'this PNG carries no Delta Studio graph (export one with “PNG”); to use a photo as the face, drop it on a Load Face node',
          ]),
        };
      }
      return withFileName(name, await parseGraphText(text, reg));
    }
    if (/\.(png|jpe?g|gif|webp)$/i.test(name) || /^image\//.test(file.type)) {
      return {
        ok: false,
        errors: inFile(name, [
          'not a PNG with an embedded graph; to use a photo as the face, drop it on a Load Face node',
        ]),
      };
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return {
        ok: false,
        errors: inFile(name, ['not a text file (invalid UTF-8): expected a .dge.json graph or a PNG']),
      };
    }
    return withFileName(name, await parseGraphText(text.replace(/^\uFEFF/, ''), reg));
  } catch (err) {
    return { ok: false, errors: inFile(name, [`could not be read: ${(err as Error)?.message ?? String(err)}`]) };
  }
}

function withFileName(name: string, result: ParseResult): ParseResult {
  return opened(result.ok ? result : { ok: false, errors: inFile(name, result.errors) });
}

/**
 * A graph that is imported gets opened, and it is a new graph, not the library entry that was
 * open: clear the link so a library save cannot overwrite that entry with it.
 */
function opened(result: ParseResult): ParseResult {
  if (result.ok) detachFromLibrary();
  return result;
}

/** A file name from a graph name: no path separators or characters file systems refuse. */
export function fileBaseName(doc: GraphDocument): string {
  const cleaned = String(doc.name ?? '')
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 80);
  return cleaned || 'graph';
}

/** Hand `blob` to the browser as a download named `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // the download has started reading the blob; revoke after it had time to
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** The graph as `.dge.json` text: uploaded images travel inside (`assets`), so it opens the same elsewhere. */
export function graphFileText(doc: GraphDocument): string {
  return serializeGraph(doc);
}

/** Download `<name>.dge.json`. */
export function exportJson(doc: GraphDocument): void {
  downloadBlob(new Blob([graphFileText(doc)], { type: 'application/json' }), `${fileBaseName(doc)}.dge.json`);
}

/** The picture an exported PNG shows: the edited image, scaled up if it is tiny. */
function resultCanvas(source: HTMLImageElement | HTMLCanvasElement): HTMLCanvasElement {
  const w = source instanceof HTMLImageElement ? source.naturalWidth : source.width;
  const h = source instanceof HTMLImageElement ? source.naturalHeight : source.height;
  const factor = Math.max(1, Math.ceil(MIN_EXPORT_SIZE / Math.max(w, h)));
  const canvas = document.createElement('canvas');
  canvas.width = w * factor;
  canvas.height = h * factor;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false; // integer upscaling: keep the real pixels, invent none
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** A picture of the graph itself (boxes and wires), for a PNG export when nothing was rendered. */
export function renderGraphPicture(doc: GraphDocument, width = 960, height = 600): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#16181d';
  ctx.fillRect(0, 0, width, height);
  const NODE_W = 180;
  const NODE_H = 48;
  const nodes = doc.nodes;
  if (!nodes.length) {
    ctx.fillStyle = '#9aa3b2';
    ctx.font = '20px sans-serif';
    ctx.fillText(`${doc.name} (empty graph)`, 24, 40);
    return canvas;
  }
  const xs = nodes.map((n) => n.position[0]);
  const ys = nodes.map((n) => n.position[1]);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const spanX = Math.max(...xs) + NODE_W - minX;
  const spanY = Math.max(...ys) + NODE_H - minY;
  const margin = 40;
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin - 30) / spanY, 1.5);
  const at = (x: number, y: number): [number, number] => [
    margin + (x - minX) * scale,
    margin + 30 + (y - minY) * scale,
  ];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  ctx.strokeStyle = '#6aa2ff';
  ctx.lineWidth = 2;
  for (const c of doc.connections) {
    const from = byId.get(c.from.node);
    const to = byId.get(c.to.node);
    if (!from || !to) continue;
    const [x1, y1] = at(from.position[0] + NODE_W, from.position[1] + NODE_H / 2);
    const [x2, y2] = at(to.position[0], to.position[1] + NODE_H / 2);
    const bend = Math.max(30, Math.abs(x2 - x1) / 2);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.bezierCurveTo(x1 + bend, y1, x2 - bend, y2, x2, y2);
    ctx.stroke();
  }
  ctx.font = `${Math.max(9, Math.round(13 * scale))}px sans-serif`;
  for (const n of nodes) {
    const [x, y] = at(n.position[0], n.position[1]);
    ctx.fillStyle = '#2a2e37';
    ctx.fillRect(x, y, NODE_W * scale, NODE_H * scale);
    ctx.strokeStyle = '#454b57';
    ctx.strokeRect(x, y, NODE_W * scale, NODE_H * scale);
    ctx.fillStyle = '#e6e9ef';
    ctx.fillText((n.label ?? n.type).slice(0, 28), x + 8 * scale, y + (NODE_H / 2 + 4) * scale);
  }
  ctx.fillStyle = '#e6e9ef';
  ctx.font = '18px sans-serif';
  ctx.fillText(doc.name.slice(0, 80), margin, 32);
  return canvas;
}

function canvasToPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the browser could not encode the image as PNG'));
      blob.arrayBuffer().then((buf) => resolve(new Uint8Array(buf)), reject);
    }, 'image/png');
  });
}

/**
 * PNG bytes of the edited image (`canvas`, or the main node preview on the page; a picture of
 * the graph when there is no image) with the graph embedded, ComfyUI style.
 */
export async function pngWithGraph(doc: GraphDocument, canvas?: HTMLCanvasElement | null): Promise<Uint8Array> {
  const source = canvas ?? findMainPreview();
  const picture = source ? resultCanvas(source) : renderGraphPicture(doc);
  return embedGraphInPng(await canvasToPng(picture), graphFileText(doc));
}

/** Download `<name>.png`: the edited image with the graph inside; dropping it back opens the graph. */
export async function exportPng(doc: GraphDocument, canvas?: HTMLCanvasElement | null): Promise<void> {
  const bytes = await pngWithGraph(doc, canvas);
  downloadBlob(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }), `${fileBaseName(doc)}.png`);
}

/**
 * Make `el` a drop target for graph files: a dropped `.dge.json` or PNG is imported and the
 * result handed to `onResult` (which opens it, or shows the errors). Drops a child element
 * already handled (e.g. a face image on Load Face, which calls preventDefault) are left alone.
 * Returns a function that removes the handlers.
 */
export function installDropImport(
  el: HTMLElement,
  onResult: (result: ParseResult, file: File) => void,
  registry?: NodeRegistry,
): () => void {
  const hasFiles = (e: DragEvent): boolean => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  const onDragOver = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault(); // allows the drop
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    el.classList.add('drop-import');
  };
  const onDragLeave = (e: DragEvent): void => {
    if (e.target === el) el.classList.remove('drop-import');
  };
  const onDrop = (e: DragEvent): void => {
    el.classList.remove('drop-import');
    if (e.defaultPrevented) return;
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    void importFile(file, registry).then((result) => onResult(result, file));
  };
  el.addEventListener('dragover', onDragOver);
  el.addEventListener('dragleave', onDragLeave);
  el.addEventListener('drop', onDrop);
  return () => {
    el.removeEventListener('dragover', onDragOver);
    el.removeEventListener('dragleave', onDragLeave);
    el.removeEventListener('drop', onDrop);
  };
}

/**
 * The graph carried in the page URL (`#graph=…`), validated; null when the URL has none. The
 * fragment is removed afterwards, so a reload restores the autosaved (possibly edited) graph
 * instead of resetting it to the link's.
 */
export async function readGraphFromUrlHash(registry?: NodeRegistry): Promise<ParseResult | null> {
  if (typeof location === 'undefined' || !isGraphFragment(location.hash)) return null;
  const result = decodeGraphFromFragment(location.hash, await registryOrDefault(registry));
  history.replaceState(history.state, '', location.pathname + location.search);
  return opened(result);
}

/** A link that opens `doc` (no uploaded images: those make it too long); or why it cannot. */
export function shareUrl(doc: GraphDocument): { ok: true; url: string } | { ok: false; error: string } {
  const encoded = encodeGraphToFragment(doc);
  if (!encoded.ok) return encoded;
  return { ok: true, url: `${location.origin}${location.pathname}${encoded.fragment}` };
}
