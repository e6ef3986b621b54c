import type { RgbaImage } from '../../src/graph/types';
// Image helpers shared by unit tests (not a test file itself).

/** The image flipped left-right. */
export function mirrored(img: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const s = (y * img.width + x) * 4;
      data.set(img.data.subarray(s, s + 4), (y * img.width + img.width - 1 - x) * 4);
    }
  }
  return { width: img.width, height: img.height, data };
}

/**
 * face-api's networks load once per test file (one vitest worker): 12 MB of weights, the tfjs wasm
 * backend, then a first detection that sets up its kernels. On a loaded 2-core machine that alone
 * took most of a 30-s test budget, so the files that use them load them in a `beforeAll` given
 * this timeout (vitest's default for hooks is 10 s), and each test's time is its own work.
 */
export const FACE_NETS_LOAD_MS = 180_000;

export async function loadFaceNets(): Promise<void> {
  const { nodeFaceAligner } = await import('../../src/workers/align/node');
  const aligner = await nodeFaceAligner();
  const grey: RgbaImage = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(128) };
  await aligner.describe(grey);
}
