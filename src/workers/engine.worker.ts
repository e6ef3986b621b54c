// The engine worker: only wires browser services into src/workers/engine.ts and exposes it.
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { createEngine, type EngineDeps } from './engine';
import type { OrtModule } from './pack/runtime';
import { PackStore } from './pack/store';
import { selectBackend } from './pack/backend';
import { checkImageHeader } from '../image';
import { fetchCapped } from './fetch-capped';

/** The WebGPU build of onnxruntime (and its wasm) load only when WebGPU is chosen and available. */
async function loadWebgpuOrt(): Promise<OrtModule> {
  const [gpuOrt, wasm] = await Promise.all([
    import('onnxruntime-web/webgpu'),
    import('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url'),
  ]);
  gpuOrt.env.wasm.numThreads = ort.env.wasm.numThreads;
  gpuOrt.env.wasm.wasmPaths = { wasm: wasm.default };
  return gpuOrt as unknown as OrtModule;
}

// Threads need SharedArrayBuffer, i.e. a cross-origin isolated page (COOP/COEP headers).
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(2, navigator.hardwareConcurrency || 1) : 1;
// The wasm binary served by Vite (dev) or emitted as an asset (build).
ort.env.wasm.wasmPaths = { wasm: wasmUrl };

async function decodeImage(bytes: Uint8Array) {
  checkImageHeader(bytes); // size and format from the header, before the browser decodes anything
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const g = canvas.getContext('2d');
    if (!g) throw new Error('no 2d context in the worker');
    g.drawImage(bitmap, 0, 0);
    const data = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { width: bitmap.width, height: bitmap.height, data };
  } finally {
    bitmap.close();
  }
}

/** Load Face url: sources: a 40 MB cap checked as the body streams, and a 30 s timeout. */
function fetchBytes(url: string) {
  return fetchCapped(url, { maxBytes: 40 * 1024 * 1024, timeoutMs: 30_000 });
}

/** face-api and its weights load on the first "align face" request only (they are large) */
async function alignFace(bytes: Uint8Array, size: number, options: { faceIndex?: number } = {}) {
  const { browserFaceAligner } = await import('./align/browser');
  const aligned = await (
    await browserFaceAligner()
  ).alignPhoto(bytes, decodeImage, { outputSize: size, faceIndex: options.faceIndex ?? 0 });
  return { ...aligned.image, faces: aligned.faces.length, photo: aligned.pasteBack };
}

/** Compare's identity readout: the same lazily loaded face-api networks */
async function faceDescriptor(image: { width: number; height: number; data: Uint8ClampedArray }) {
  const { browserFaceAligner } = await import('./align/browser');
  return (await (await browserFaceAligner()).describe(image))?.descriptor ?? null;
}

/** Region Blend's masks of photos: the same networks' 68 landmarks */
async function faceLandmarks(image: { width: number; height: number; data: Uint8ClampedArray }) {
  const { browserFaceAligner } = await import('./align/browser');
  return (await (await browserFaceAligner()).describe(image))?.landmarks ?? null;
}

const deps: EngineDeps = {
  ort: ort as unknown as OrtModule,
  decodeImage,
  fetchBytes,
  alignFace,
  faceDescriptor,
  faceLandmarks,
  openPackStore: () => PackStore.open(),
  selectBackend: (preference) => selectBackend(preference, { ort: ort as unknown as OrtModule }, loadWebgpuOrt),
  transfer: (value, transferables) => Comlink.transfer(value, transferables),
};

const engine = createEngine(deps);
Comlink.expose(engine);
