// Loads face-api in the browser worker: the bundled ESM build, its weights and the tfjs wasm
// binaries served by Vite from node_modules (the app's own origin; nothing from the network).
import { FaceAligner, type FaceApiModule } from './detect';

const weightFiles = import.meta.glob(
  '/node_modules/@vladmandic/face-api/model/{ssd_mobilenetv1_model,face_landmark_68_model,face_recognition_model}{.bin,-weights_manifest.json}',
  { query: '?url', import: 'default' },
) as Record<string, () => Promise<string>>;
const wasmFiles = import.meta.glob('/node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm', {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;

let aligner: Promise<FaceAligner> | undefined;

/** One aligner per worker; tfjs wasm when it starts (about 10x the cpu backend), else cpu. */
export function browserFaceAligner(): Promise<FaceAligner> {
  aligner ??= (async () => {
    const api = (await import('@vladmandic/face-api/dist/face-api.esm.js')) as unknown as FaceApiModule;
    const byName: Record<string, string> = {};
    for (const [key, url] of Object.entries(wasmFiles)) byName[key.slice(key.lastIndexOf('/') + 1)] = url;
    api.tf.setWasmPaths(byName);
    // one thread: the ONNX sessions in the same worker already use the cores
    api.tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return FaceAligner.create(
      api,
      async (file) => {
        const key = Object.keys(weightFiles).find((k) => k.endsWith(`/model/${file}`));
        if (!key) throw new Error(`face-api weight file ${file} is not bundled`);
        const res = await fetch(await weightFiles[key]());
        if (!res.ok) throw new Error(`HTTP ${res.status} for ${file}`);
        return new Uint8Array(await res.arrayBuffer());
      },
      ['wasm', 'cpu'],
    );
  })();
  aligner.catch(() => (aligner = undefined));
  return aligner;
}
