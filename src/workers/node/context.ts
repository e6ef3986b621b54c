// The Node side of the runtime (headless run, tests): packs read from the models folder with fs,
// images decoded with pure-JS decoders (fast-png; jpeg-js for JPEG).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { AssetStore, PhotoCrop, RgbaImage } from '../../graph/types';
import { contextFactory, type ComputeServices, type MakeContext } from '../../graph/executor';
import { OnnxPackRuntime, type OrtModule } from '../pack/runtime';
import { checkImageHeader } from '../../image';
import { readPngChunks } from '../../graph/png-metadata';
import { inflateWithBudget } from '../../graph/inflate';
import { fetchCapped } from '../fetch-capped';
import { DEFAULT_MAX_READ_BYTES, DEFAULT_READ_TIMEOUT_MS } from './read-policy';
import { MAX_IMAGE_PIXELS } from '../../graph/limits';

/** Pack runtime over `<modelsDir>/<pack>/<file>`; onnxruntime-web (wasm) unless another build is given (ort-node.ts). */
export function createNodePackRuntime(
  modelsDir: string,
  backend?: { ort: OrtModule; sessionOptions: Record<string, unknown> },
): OnnxPackRuntime {
  // one wasm thread in Node: workers for threads would outlive short CLI runs and tests
  ort.env.wasm.numThreads = 1;
  return new OnnxPackRuntime(
    (p) => readFile(path.join(modelsDir, p)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
    backend?.ort ?? (ort as unknown as OrtModule),
    backend?.sessionOptions,
  );
}

/**
 * PNG (any bit depth, palette, grey) or JPEG bytes -> RGBA. The size is checked from the header
 * before decoding (checkImageHeader), and a decoder's own error is reported as a damaged file.
 */
export async function decodeImageNode(bytes: Uint8Array): Promise<RgbaImage> {
  const header = checkImageHeader(bytes);
  if (header.format !== 'png' && header.format !== 'jpeg') {
    throw new Error(`unsupported image format ${header.format.toUpperCase()}: headless runs read PNG and JPEG`);
  }
  try {
    const rgba = await decodeChecked(bytes, header.format);
    if (
      rgba.width !== header.width ||
      rgba.height !== header.height ||
      rgba.data.length !== rgba.width * rgba.height * 4
    ) {
      throw new Error(`it decodes to ${rgba.width}×${rgba.height}, its header says ${header.width}×${header.height}`);
    }
    return rgba;
  } catch (err) {
    throw new Error(`the ${header.format.toUpperCase()} is damaged and cannot be decoded (${(err as Error).message})`);
  }
}

/**
 * The PNG with only the chunks that make its pixels (CRCs checked), after checking that its image
 * data inflates to no more than its size needs: ancillary chunks (an iCCP profile, text) and
 * oversized image data could otherwise inflate without limit inside the decoder.
 */
function criticalChunksOnly(bytes: Uint8Array): Uint8Array {
  const chunks = readPngChunks(bytes);
  const keep = chunks.filter(
    (c) => c.type === 'IHDR' || c.type === 'PLTE' || c.type === 'tRNS' || c.type === 'IDAT' || c.type === 'IEND',
  );
  const ihdr = keep[0]?.type === 'IHDR' ? keep[0].data : null;
  if (!ihdr || ihdr.length !== 13) throw new Error('its IHDR header chunk is missing or malformed');
  const [width, height, depth, colour] = [
    ((ihdr[0]! << 24) >>> 0) + (ihdr[1]! << 16) + (ihdr[2]! << 8) + ihdr[3]!,
    ((ihdr[4]! << 24) >>> 0) + (ihdr[5]! << 16) + (ihdr[6]! << 8) + ihdr[7]!,
    ihdr[8]!,
    ihdr[9]!,
  ];
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour] ?? 4;
  const rowBytes = Math.ceil((width * channels * depth) / 8) + 1;
  // interlaced images store a little more (a filter byte per row of each pass): allow twice
  const budget = 2 * rowBytes * height + 65_536;
  const idat = keep.filter((c) => c.type === 'IDAT');
  const joined = new Uint8Array(idat.reduce((n, c) => n + c.data.length, 0));
  let at = 0;
  for (const c of idat) {
    joined.set(c.data, at);
    at += c.data.length;
  }
  inflateWithBudget(
    joined,
    budget,
    'zlib',
    () => `its image data inflates past the ${width}×${height} its header gives`,
  );
  const parts = [bytes.subarray(0, 8), ...keep.map((c) => bytes.subarray(c.offset, c.offset + 12 + c.data.length))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function decodeChecked(bytes: Uint8Array, format: 'png' | 'jpeg'): Promise<RgbaImage> {
  if (format === 'png') {
    const png = decodePng(criticalChunksOnly(bytes));
    const n = png.width * png.height;
    if (!png.palette && png.data.length < n * png.channels) throw new Error('its pixel data is truncated');
    const out = new Uint8ClampedArray(n * 4);
    if (png.palette) {
      const rgb = (await import('fast-png')).convertIndexedToRgb(png);
      const ch = rgb.length / n;
      for (let i = 0; i < n; i++) {
        out[i * 4] = rgb[i * ch];
        out[i * 4 + 1] = rgb[i * ch + 1];
        out[i * 4 + 2] = rgb[i * ch + 2];
        out[i * 4 + 3] = ch === 4 ? rgb[i * ch + 3] : 255;
      }
      return { width: png.width, height: png.height, data: out };
    }
    const ch = png.channels;
    // 16-bit samples keep their high byte
    const shift = png.depth === 16 ? 8 : 0;
    const scale = png.depth < 8 ? 255 / ((1 << png.depth) - 1) : 1;
    for (let i = 0; i < n; i++) {
      const s = (k: number) => (png.data[i * ch + k] >> shift) * scale;
      if (ch >= 3) {
        out[i * 4] = s(0);
        out[i * 4 + 1] = s(1);
        out[i * 4 + 2] = s(2);
        out[i * 4 + 3] = ch === 4 ? s(3) : 255;
      } else {
        out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = s(0);
        out[i * 4 + 3] = ch === 2 ? s(1) : 255;
      }
    }
    return { width: png.width, height: png.height, data: out };
  }
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
    maxMemoryUsageInMB: 1024,
  });
  return {
    width: img.width,
    height: img.height,
    data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength),
  };
}

/**
 * Reads a URL over http(s) (timeout and size cap), or a local file path / file: URL (regular
 * files up to the cap). Unrestricted as to which: for tests and trusted callers. The headless
 * run reads through its read policy (read-policy.ts) instead.
 */
export async function fetchBytesNode(url: string): Promise<Uint8Array> {
  if (/^https?:/i.test(url))
    return fetchCapped(url, { maxBytes: DEFAULT_MAX_READ_BYTES, timeoutMs: DEFAULT_READ_TIMEOUT_MS });
  const file = url.startsWith('file:') ? new URL(url) : url;
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${url} is not a regular file`);
  if (info.size > DEFAULT_MAX_READ_BYTES)
    throw new Error(
      `${url} is ${(info.size / 1048576).toFixed(1)} MB; the limit is ${DEFAULT_MAX_READ_BYTES / 1048576} MB`,
    );
  return new Uint8Array(await readFile(file));
}

/** Face detection + FFHQ alignment (face-api, loaded on first use: its weights are 12 MB). */
export async function alignFaceNode(
  bytes: Uint8Array,
  size: number,
  options: { faceIndex?: number } = {},
): Promise<RgbaImage & { faces: number; photo: PhotoCrop }> {
  const { nodeFaceAligner } = await import('../align/node');
  const aligned = await (
    await nodeFaceAligner()
  ).alignPhoto(bytes, decodeImageNode, { outputSize: size, faceIndex: options.faceIndex ?? 0 });
  return { ...aligned.image, faces: aligned.faces.length, photo: aligned.pasteBack };
}

/** The largest face's descriptor for Compare's identity readout (null: no face found). */
export async function faceDescriptorNode(image: RgbaImage): Promise<Float32Array | null> {
  const { nodeFaceAligner } = await import('../align/node');
  return (await (await nodeFaceAligner()).describe(image))?.descriptor ?? null;
}

/** The largest face's 68 landmarks for Region Blend (null: no face found). */
export async function faceLandmarksNode(image: RgbaImage): Promise<{ x: number; y: number }[] | null> {
  const { nodeFaceAligner } = await import('../align/node');
  return (await (await nodeFaceAligner()).describe(image))?.landmarks ?? null;
}

/** What compute gets in Node: the pack runtime, the document's assets, Node's decoders and face-api. */
export function nodeServices(packs: OnnxPackRuntime, assets: AssetStore): ComputeServices {
  return {
    packs,
    assets,
    decodeImage: decodeImageNode,
    fetchBytes: fetchBytesNode,
    alignFace: alignFaceNode,
    faceDescriptor: faceDescriptorNode,
    faceLandmarks: faceLandmarksNode,
  };
}

/** The executor's context factory over `nodeServices`. */
export function nodeContextFactory(packs: OnnxPackRuntime, assets: AssetStore): MakeContext {
  return contextFactory(nodeServices(packs, assets));
}
