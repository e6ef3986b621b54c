// Loads face-api in Node (headless runs, tests) from the package's own bundle and weight files,
// without @tensorflow/tfjs-node (a native add-on). The bundled tfjs would pick its Node platform,
// which needs a real `util` module the bundle stubbed out; so it is imported as a "browser" and
// given a minimal platform of Node's web APIs through tfjs's public setPlatform.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FaceAligner, type FaceApiModule, type IdentityReadout } from './detect';
import type { RgbaImage } from '../../graph/types';

let aligner: Promise<FaceAligner> | undefined;

/** Runs `fn` while tfjs and its emscripten loader cannot see that this is Node (they would reach for require/__dirname). */
async function asWebRuntime<T>(fn: () => Promise<T>): Promise<T> {
  const versions = Object.getOwnPropertyDescriptor(process, 'versions')!;
  Object.defineProperty(process, 'versions', { ...versions, value: { ...process.versions, node: undefined } });
  try {
    return await fn();
  } finally {
    Object.defineProperty(process, 'versions', versions);
  }
}

export async function importFaceApi(): Promise<FaceApiModule> {
  type Api = FaceApiModule & { tf: { setPlatform(name: string, p: unknown): void } };
  const api = await asWebRuntime(
    async () => (await import('@vladmandic/face-api/dist/face-api.esm.js')) as unknown as Api,
  );
  api.tf.setPlatform('node-web', {
    // tfjs fetches its .wasm binary through the platform: serve local paths from disk
    // (a bare { ok, arrayBuffer } because undici's Response needs the hidden process.versions.node)
    fetch: async (url: string, init?: RequestInit) => {
      if (!url.startsWith('/')) return fetch(url, init);
      const bytes = await readFile(url);
      return {
        ok: true,
        status: 200,
        arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
    now: () => performance.now(),
    encode: (text: string) => new TextEncoder().encode(text),
    decode: (bytes: Uint8Array, encoding: string) => new TextDecoder(encoding).decode(bytes),
    isTypedArray: (a: unknown) => ArrayBuffer.isView(a) && !(a instanceof DataView),
    setTimeoutCustom: (fn: () => void, delay: number) => setTimeout(fn, delay),
  });
  // the .wasm files of the tfjs release face-api bundles (same version, pinned in package.json)
  const wasmDir = path.join(
    path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  api.tf.setWasmPaths(`${wasmDir}/`, true);
  // its threaded build would start Blob-URL workers, which Node lacks
  api.tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // start the wasm backend here, where the Node check is hidden; create() falls back to cpu if it did not start
  await asWebRuntime(() => api.tf.setBackend('wasm').catch(() => false));
  return api;
}

/** The face-api model folder inside node_modules (resolved, not hard-coded). */
export function faceModelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/** One shared aligner per process: the weights (12 MB) load once. */
export function nodeFaceAligner(): Promise<FaceAligner> {
  aligner ??= (async () => {
    const dir = faceModelDir();
    return FaceAligner.create(
      await importFaceApi(),
      async (file) => new Uint8Array(await readFile(path.join(dir, file))),
      ['wasm', 'cpu'],
    );
  })();
  aligner.catch(() => (aligner = undefined));
  return aligner;
}

/**
 * Identity readout ("CS") of two RGBA images in Node, for benchmarks of real packs: cosine
 * similarity of the largest faces' descriptors, null (with `noFaceIn`) when a face is missing.
 */
export async function nodeIdentitySimilarity(a: RgbaImage, b: RgbaImage): Promise<IdentityReadout> {
  return (await nodeFaceAligner()).identitySimilarity(a, b);
}
