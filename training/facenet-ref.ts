// face-api's own forward pass of its face-recognition net (tfjs, wasm backend, in Node), on
// deterministic 150 × 150 test images, for the parity check of the PyTorch port
// (training/facenet.py, `python3 -m training.facenet --parity`). Writes into --out:
//   input.f32       [N, 150, 150, 3] RGB 0..255 (whole numbers), the images both sides read
//   descriptor.f32  [N, 128] faceRecognitionNet.forward (face-api's code path)
//   stem.f32        [N, 35, 35, 32] the first intermediate map: conv32_down (7x7 stride 2,
//                   'valid', + bias, scale layer, ReLU) then max pool 3/2, with tfjs ops on the
//                   parameters face-api loaded
//   meta.json       { count, backend }
//   npx tsx training/facenet-ref.ts --out <dir> [--count 4]
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FaceAligner } from '../src/workers/align/detect';
import { faceModelDir, importFaceApi } from '../src/workers/align/node';

type T = { data(): Promise<Float32Array>; dispose(): void };
interface Tf {
  tensor4d(v: Float32Array, shape: number[]): T;
  tensor3d(v: Float32Array, shape: number[]): T;
  tidy<R>(fn: () => R): R;
  conv2d(x: T, f: T, s: number, pad: string): T;
  add(a: T, b: T | number): T;
  sub(a: T, b: T | number): T;
  mul(a: T, b: T | number): T;
  div(a: T, b: T | number): T;
  relu(x: T): T;
  maxPool(x: T, k: number, s: number, pad: string): T;
  tensor1d(v: number[]): T;
  getBackend(): string;
}
interface ConvParams {
  conv: { filters: T; bias: T };
  scale: { weights: T; biases: T };
}
interface RecognitionNet {
  forward(x: T[]): Promise<T>;
  params: { conv32_down: ConvParams };
}

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const out = path.resolve(opt('out', 'facenet-ref'));
const count = Number(opt('count', '4'));
if (!Number.isInteger(count) || count < 1 || count > 64)
  throw new Error(`--count must be a whole number 1..64, got ${opt('count', '4')}`);
const S = 150;

/** Smooth blobs and stripes with a little noise, from a fixed-seed generator: whole numbers 0..255. */
function testImages(n: number): Float32Array {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const px = new Float32Array(n * S * S * 3);
  for (let k = 0; k < n; k++) {
    const p = Array.from({ length: 9 }, rnd);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const u = x / S - 0.5,
          v = y / S - 0.5;
        const blob = Math.exp(-((u - p[0]! + 0.5) ** 2 + (v - p[1]! + 0.5) ** 2) / (0.02 + 0.05 * p[2]!));
        for (let c = 0; c < 3; c++) {
          const stripe = 0.5 + 0.5 * Math.sin((u * p[3]! + v * p[4]!) * 20 + c * p[5]! * 3);
          const val = 255 * (0.55 * blob * p[6 + c]! + 0.35 * stripe) + 20 * rnd();
          px[((k * S + y) * S + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(val)));
        }
      }
  }
  return px;
}

async function main() {
  const api = await importFaceApi();
  const dir = faceModelDir();
  await FaceAligner.create(api, async (file) => new Uint8Array(await readFile(path.join(dir, file))), ['wasm', 'cpu']);
  const tf = (api as unknown as { tf: Tf }).tf;
  const net = (api.nets as unknown as { faceRecognitionNet: RecognitionNet }).faceRecognitionNet;
  const px = testImages(count);
  const input = tf.tensor4d(px, [count, S, S, 3]);
  // one 3-D tensor per image: face-api takes a batch as an array
  const images = Array.from({ length: count }, (_, k) =>
    tf.tensor3d(px.subarray(k * S * S * 3, (k + 1) * S * S * 3), [S, S, 3]),
  );
  const desc = await net.forward(images);
  const p = net.params.conv32_down;
  const stem = tf.tidy(() => {
    const x = tf.div(tf.sub(input, tf.tensor1d([122.782, 117.001, 104.298])), 255);
    const y = tf.add(
      tf.mul(tf.add(tf.conv2d(x, p.conv.filters, 2, 'valid'), p.conv.bias), p.scale.weights),
      p.scale.biases,
    );
    return tf.maxPool(tf.relu(y), 3, 2, 'valid');
  });
  mkdirSync(out, { recursive: true });
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(path.join(out, 'input.f32'), bytes(px));
  writeFileSync(path.join(out, 'descriptor.f32'), bytes(await desc.data()));
  writeFileSync(path.join(out, 'stem.f32'), bytes(await stem.data()));
  writeFileSync(path.join(out, 'meta.json'), JSON.stringify({ count, backend: tf.getBackend() }));
  for (const t of [input, desc, stem, ...images]) t.dispose();
  console.log(`wrote ${count} images' descriptors and stem maps into ${out} (tfjs backend ${tf.getBackend()})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
