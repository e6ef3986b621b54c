// Loads face-api in the browser worker: the bundled ESM build, weights fetched from the
// package's model folder as Vite serves/bundles it (no network beyond the app's own origin).
import { FaceAligner, type FaceApiModule, type FaceModelName } from './detect';

const files = import.meta.glob('/node_modules/@vladmandic/face-api/model/{ssd_mobilenetv1_model,face_landmark_68_model,face_recognition_model}{.bin,-weights_manifest.json}', {
  query: '?url',
  import: 'default',
}) as Record<string, () => Promise<string>>;

let aligner: Promise<FaceAligner> | undefined;

export function browserFaceAligner(backend = 'cpu'): Promise<FaceAligner> {
  aligner ??= (async () => {
    const api = (await import('@vladmandic/face-api/dist/face-api.esm.js')) as unknown as FaceApiModule;
    return FaceAligner.create(
      api,
      async (file) => {
        const key = Object.keys(files).find((k) => k.endsWith(`/model/${file}`));
        if (!key) throw new Error(`face-api weight file ${file} is not bundled`);
        const res = await fetch(await files[key]());
        if (!res.ok) throw new Error(`HTTP ${res.status} for ${file}`);
        return new Uint8Array(await res.arrayBuffer());
      },
      backend,
    );
  })();
  aligner.catch(() => (aligner = undefined));
  return aligner;
}

export type { FaceModelName };
