// Loads face-api in Node (headless runs, tests) from the package's own bundle and weight files,
// without @tensorflow/tfjs-node (a native add-on). The bundled tfjs would pick its Node platform,
// which needs a real `util` module the bundle stubbed out; so it is imported as a "browser" and
// given a minimal platform of Node's web APIs through tfjs's public setPlatform.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FaceAligner, type FaceApiModule } from './detect';

let aligner: Promise<FaceAligner> | undefined;

async function importFaceApi(): Promise<FaceApiModule> {
  const versions = Object.getOwnPropertyDescriptor(process, 'versions')!;
  Object.defineProperty(process, 'versions', { ...versions, value: { ...process.versions, node: undefined } });
  let api: FaceApiModule & { tf: { setPlatform(name: string, p: unknown): void } };
  try {
    api = (await import('@vladmandic/face-api/dist/face-api.esm.js')) as unknown as typeof api;
  } finally {
    Object.defineProperty(process, 'versions', versions);
  }
  api.tf.setPlatform('node-web', {
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
    now: () => performance.now(),
    encode: (text: string) => new TextEncoder().encode(text),
    decode: (bytes: Uint8Array, encoding: string) => new TextDecoder(encoding).decode(bytes),
    isTypedArray: (a: unknown) => ArrayBuffer.isView(a) && !(a instanceof DataView),
    setTimeoutCustom: (fn: () => void, delay: number) => setTimeout(fn, delay),
  });
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
    return FaceAligner.create(await importFaceApi(), async (file) => new Uint8Array(await readFile(path.join(dir, file))));
  })();
  aligner.catch(() => (aligner = undefined));
  return aligner;
}
