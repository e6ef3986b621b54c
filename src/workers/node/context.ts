// The Node side of the runtime (headless run, tests): packs read from the models folder with fs,
// images decoded with pure-JS decoders (fast-png; jpeg-js for JPEG).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { AssetStore, ComputeContext } from '../../graph/types';
import { OnnxPackRuntime, type OrtModule } from '../pack/runtime';
import type { Rgba } from '../image';

/** Pack runtime over `<modelsDir>/<pack>/<file>`; onnxruntime-web (wasm) unless another build is given (ort-node.ts). */
export function createNodePackRuntime(modelsDir: string, backend?: { ort: OrtModule; sessionOptions: Record<string, unknown> }): OnnxPackRuntime {
  // one wasm thread in Node: workers for threads would outlive short CLI runs and tests
  ort.env.wasm.numThreads = 1;
  return new OnnxPackRuntime(
    (p) => readFile(path.join(modelsDir, p)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
    backend?.ort ?? (ort as unknown as OrtModule),
    backend?.sessionOptions,
  );
}

const MAX_PIXELS = 64 * 1024 * 1024;

/** PNG (any bit depth, palette, grey) or JPEG bytes -> RGBA. */
export async function decodeImageNode(bytes: Uint8Array): Promise<Rgba> {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const png = decodePng(bytes);
    if (png.width * png.height > MAX_PIXELS) throw new Error(`image of ${png.width}x${png.height} is too large`);
    const n = png.width * png.height;
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
        out[i * 4] = s(0); out[i * 4 + 1] = s(1); out[i * 4 + 2] = s(2);
        out[i * 4 + 3] = ch === 4 ? s(3) : 255;
      } else {
        out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = s(0);
        out[i * 4 + 3] = ch === 2 ? s(1) : 255;
      }
    }
    return { width: png.width, height: png.height, data: out };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64 });
    return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
  }
  throw new Error('unsupported image format (PNG and JPEG are supported)');
}

/** Reads a URL over http(s), or a local file path / file: URL. */
export async function fetchBytesNode(url: string): Promise<Uint8Array> {
  if (/^https?:/i.test(url)) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const file = url.startsWith('file:') ? new URL(url) : url;
  return new Uint8Array(await readFile(file));
}

/** Face detection + FFHQ alignment (face-api, loaded on first use: its weights are 12 MB). */
export async function alignFaceNode(bytes: Uint8Array, size: number, options: { faceIndex?: number } = {}): Promise<Rgba & { faces: number }> {
  const { nodeFaceAligner } = await import('../align/node');
  const aligned = await (await nodeFaceAligner()).alignPhoto(bytes, decodeImageNode, { outputSize: size, faceIndex: options.faceIndex ?? 0 });
  return { ...aligned.image, faces: aligned.faces.length };
}

/** The largest face's descriptor for Compare's identity readout (null: no face found). */
export async function faceDescriptorNode(image: Rgba): Promise<Float32Array | null> {
  const { nodeFaceAligner } = await import('../align/node');
  return (await (await nodeFaceAligner()).describe(image))?.descriptor ?? null;
}

/** A ComputeContext factory in the executor's shape `(signal, nodeId, onProgress) => ctx`. */
export function nodeContextFactory(packs: OnnxPackRuntime, assets: AssetStore) {
  return (signal: AbortSignal, _nodeId: string, onProgress: (f: number) => void): ComputeContext => ({
    packs,
    assets,
    decodeImage: decodeImageNode,
    fetchBytes: fetchBytesNode,
    alignFace: alignFaceNode,
    faceDescriptor: faceDescriptorNode,
    signal,
    progress: onProgress,
  });
}
