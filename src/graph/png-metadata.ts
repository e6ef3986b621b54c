// Embed a graph (JSON text) in a PNG and read it back, like ComfyUI workflows in output images.
// Writes a compressed iTXt chunk (UTF-8) with keyword PNG_GRAPH_KEYWORD just before IEND; reads it
// from iTXt, tEXt or zTXt. The editor's export and the headless run both write through
// embedGraphInPng, so there is one keyword. Decompression streams with a byte budget. Works on
// Uint8Array only, so it runs in the browser, workers and Node.
import { strToU8, zlibSync } from 'fflate';
import { MAX_FILE_BYTES } from './limits';
import { inflateWithBudget } from './inflate';

/** The keyword of the text chunk that carries the graph: written by every writer, read by the reader. */
export const PNG_GRAPH_KEYWORD = 'delta-studio-graph';
/** Also read: headless runs before the keyword was shared wrote this one (in a tEXt chunk). */
const LEGACY_KEYWORDS = ['delta-studio/graph'];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG defines it (ISO 3309), over the chunk type and data. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface PngChunk {
  type: string;
  /** offset of the chunk's length field */
  offset: number;
  /** data bytes (a view into the PNG) */
  data: Uint8Array;
}

/** Splits a PNG into chunks, checking the signature, bounds and every CRC. Throws a clear Error. */
export function readPngChunks(png: Uint8Array): PngChunk[] {
  if (png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new Error('not a PNG file (the 8-byte PNG signature is missing)');
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let pos = 8;
  while (pos < png.length) {
    if (pos + 12 > png.length) throw new Error(`PNG is truncated: incomplete chunk at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(png[pos + 4]!, png[pos + 5]!, png[pos + 6]!, png[pos + 7]!);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`PNG is corrupt: invalid chunk type at byte ${pos}`);
    const end = pos + 12 + length;
    if (end > png.length) throw new Error(`PNG is truncated: chunk ${type} at byte ${pos} runs past the end`);
    const stored = view.getUint32(pos + 8 + length);
    if (crc32(png, pos + 4, pos + 8 + length) !== stored)
      throw new Error(`PNG is corrupt: CRC mismatch in chunk ${type} at byte ${pos}`);
    chunks.push({ type, offset: pos, data: png.subarray(pos + 8, pos + 8 + length) });
    pos = end;
    if (type === 'IEND') break;
  }
  if (chunks[chunks.length - 1]?.type !== 'IEND') throw new Error('PNG is truncated: no IEND chunk');
  return chunks;
}

function makeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text of a tEXt/zTXt chunk: Latin-1 by the PNG spec, but other writers (older headless runs
 * among them) put UTF-8 there; bytes that are valid UTF-8 with a character beyond ASCII are read
 * as UTF-8 (Latin-1 text of a graph is JSON, which such bytes would garble anyway).
 */
function legacyText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1(bytes);
  }
}

/** Inflate a chunk's text with the graph file's size limit as the budget, checked while streaming. */
function inflateText(data: Uint8Array, type: string): Uint8Array {
  try {
    return inflateWithBudget(
      data,
      MAX_FILE_BYTES,
      'zlib',
      () => `embedded graph (${type} chunk) expands past ${MAX_FILE_BYTES / 1024 / 1024} MB; refusing it`,
    );
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(
      /expands past/.test(message)
        ? message
        : `PNG ${type} chunk is corrupt: its compressed text cannot be read (${message})`,
    );
  }
}

/** The text of a tEXt/zTXt/iTXt chunk if its keyword is one of `keywords`, else null. */
function chunkText(chunk: PngChunk, keywords: readonly string[]): string | null {
  const d = chunk.data;
  const nul = d.indexOf(0);
  if (nul < 0 || nul > 79 || !keywords.includes(latin1(d.subarray(0, nul)))) return null;
  if (chunk.type === 'tEXt') return legacyText(d.subarray(nul + 1));
  if (chunk.type === 'zTXt') {
    if (d[nul + 1] !== 0) throw new Error(`PNG zTXt chunk uses compression method ${d[nul + 1]}; only 0 (zlib) exists`);
    return legacyText(inflateText(d.subarray(nul + 2), 'zTXt'));
  }
  // iTXt: keyword\0 compressionFlag compressionMethod languageTag\0 translatedKeyword\0 text (UTF-8)
  const flag = d[nul + 1];
  if (flag !== 0 && flag !== 1) throw new Error(`PNG iTXt chunk is malformed (compression flag ${flag})`);
  const langEnd = d.indexOf(0, nul + 3);
  if (langEnd < 0) throw new Error('PNG iTXt chunk is malformed (no language tag end)');
  const transEnd = d.indexOf(0, langEnd + 1);
  if (transEnd < 0) throw new Error('PNG iTXt chunk is malformed (no translated keyword end)');
  const body = d.subarray(transEnd + 1);
  const bytes = flag === 1 ? inflateText(body, 'iTXt') : body;
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Error('PNG iTXt chunk is corrupt: its text is not valid UTF-8');
  }
}

/**
 * The graph JSON embedded in a PNG, or null when the PNG carries none.
 * Throws an Error with a clear message when the bytes are not a valid PNG.
 */
export function readGraphFromPng(png: Uint8Array, keyword = PNG_GRAPH_KEYWORD): string | null {
  const keywords = keyword === PNG_GRAPH_KEYWORD ? [keyword, ...LEGACY_KEYWORDS] : [keyword];
  for (const chunk of readPngChunks(png)) {
    if (chunk.type !== 'tEXt' && chunk.type !== 'zTXt' && chunk.type !== 'iTXt') continue;
    const text = chunkText(chunk, keywords);
    if (text !== null) return text;
  }
  return null;
}

/**
 * A copy of the PNG with the graph JSON in a compressed iTXt chunk before IEND. An earlier graph
 * chunk with the same keyword is replaced, so re-exporting does not stack graphs.
 */
export function embedGraphInPng(png: Uint8Array, graphJson: string, keyword = PNG_GRAPH_KEYWORD): Uint8Array {
  const chunks = readPngChunks(png);
  const keywords = keyword === PNG_GRAPH_KEYWORD ? [keyword, ...LEGACY_KEYWORDS] : [keyword];
  const kw = strToU8(keyword, true);
  const body = zlibSync(strToU8(graphJson), { level: 9 });
  // keyword \0, compression flag 1, method 0, empty language tag \0, empty translated keyword \0
  const data = new Uint8Array(kw.length + 5 + body.length);
  data.set(kw, 0);
  data.set([0, 1, 0, 0, 0], kw.length);
  data.set(body, kw.length + 5);
  const graphChunk = makeChunk('iTXt', data);

  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (const chunk of chunks) {
    const whole = png.subarray(chunk.offset, chunk.offset + 12 + chunk.data.length);
    const isOldGraph =
      (chunk.type === 'tEXt' || chunk.type === 'zTXt' || chunk.type === 'iTXt') && isGraphChunk(chunk, keywords);
    if (isOldGraph) continue;
    if (chunk.type === 'IEND') parts.push(graphChunk);
    parts.push(whole);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Whether a text chunk carries a graph under one of `keywords` (by its keyword alone: no inflating). */
function isGraphChunk(chunk: PngChunk, keywords: readonly string[]): boolean {
  const nul = chunk.data.indexOf(0);
  return nul >= 0 && nul <= 79 && keywords.includes(latin1(chunk.data.subarray(0, nul)));
}
