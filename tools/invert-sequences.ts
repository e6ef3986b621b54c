// Inverts FaceWorld sequence sets with a pack's OWN encoder, through the app's pack runtime
// (manifest validation, sha256 check, onnxruntime-web wasm), so any converted pack works without
// PyTorch knowing its encoder's architecture.
//   npx tsx tools/invert-sequences.ts --pack <pack-dir> --in <seq-dir> [--in <seq-dir> ...] [--out latents.npy]
//                                     [--batch 4] [--threads 1]
// Each <seq-dir> holds images.npy (uint8 [K,n,S,S,3], `npm run faceworld -- sequences`); the
// latents go to --out (one --in only) or to <seq-dir>/latents.npy: float32 [K,n,L,D].
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { OnnxPackRuntime, type OrtModule } from '../src/workers/pack/runtime';
import { parsePackManifest } from '../src/workers/pack/manifest';
import { encoderInputSize, resizeRgba, rgbaToTensor } from '../src/image';
import { encodeNpy } from '../src/synth/npy';
import type { PackManifest, Tensor, RgbaImage } from '../src/graph/types';

export interface Uint8Npy {
  data: Uint8Array;
  dims: number[];
}

/** Parses a C-order uint8 .npy (what `faceworld sequences` writes); anything else is refused by name. */
export function parseUint8Npy(bytes: Uint8Array, name: string): Uint8Npy {
  if (String.fromCharCode(...bytes.subarray(0, 6)) !== '\x93NUMPY') throw new Error(`${name}: not a .npy file`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = new TextDecoder().decode(bytes.subarray(start - headerLen, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (descr !== '|u1' && descr !== '<u1') throw new Error(`${name}: expected uint8 images ('|u1'), got ${descr}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${name}: Fortran order is not supported`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw new Error(`${name}: header has no shape`);
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(start, start + count);
  if (data.length !== count) throw new Error(`${name}: ${data.length} bytes of data, shape [${dims}] needs ${count}`);
  return { data, dims };
}

/** One RGB frame of [..., S, S, 3] -> the encoder's input tensor [1,3,H,W] in the pack's range (resized if the sizes differ). */
export function frameToEncoderInput(images: Uint8Npy, index: number, manifest: PackManifest): Tensor {
  const [h, w] = images.dims.slice(-3, -1);
  const src = images.data.subarray(index * h * w * 3, (index + 1) * h * w * 3);
  const rgba: RgbaImage = { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) };
  for (let i = 0; i < w * h; i++) {
    rgba.data[i * 4] = src[i * 3];
    rgba.data[i * 4 + 1] = src[i * 3 + 1];
    rgba.data[i * 4 + 2] = src[i * 3 + 2];
    rgba.data[i * 4 + 3] = 255;
  }
  const size = encoderInputSize(manifest);
  const sized = size.width === w && size.height === h ? rgba : resizeRgba(rgba, size.width, size.height);
  return rgbaToTensor(sized, manifest.image.range);
}

export interface InvertOptions {
  batch?: number;
  threads?: number;
  log?: (line: string) => void;
}

/** Opens a pack folder (named after its id) with the app's runtime. */
export async function openPack(
  packDir: string,
  threads = 1,
): Promise<{ runtime: OnnxPackRuntime; manifest: PackManifest }> {
  const dir = path.resolve(packDir);
  let text: string;
  try {
    text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new Error(`--pack ${packDir}: no manifest.json in that folder`);
  }
  const manifest = parsePackManifest(JSON.parse(text), `${packDir}/manifest.json`);
  if (path.basename(dir) !== manifest.id) {
    throw new Error(`--pack ${packDir}: the folder must be named after the pack id "${manifest.id}"`);
  }
  ort.env.wasm.numThreads = threads;
  const runtime = new OnnxPackRuntime(
    async (rel) => new Uint8Array(await readFile(path.join(path.dirname(dir), rel))),
    ort as unknown as OrtModule,
  );
  return { runtime, manifest };
}

/** images [K,n,S,S,3] -> W+ latents [K,n,L,D] through the pack's encoder, `batch` frames per call. */
export async function invertImages(
  runtime: OnnxPackRuntime,
  manifest: PackManifest,
  images: Uint8Npy,
  opts: InvertOptions = {},
): Promise<Tensor> {
  if (images.dims.length !== 5 || images.dims[4] !== 3) {
    throw new Error(`images.npy: expected [K, n, S, S, 3] sequences, got [${images.dims.join(', ')}]`);
  }
  const [K, n] = images.dims;
  const total = K * n;
  const { layers: L, dim: D } = manifest.latent;
  const batch = Math.max(1, opts.batch ?? 4);
  const enc = manifest.models.encoder;
  const out = new Float32Array(total * L * D);
  const t0 = performance.now();
  for (let s = 0; s < total; s += batch) {
    const e = Math.min(total, s + batch);
    const frames = Array.from({ length: e - s }, (_, i) => frameToEncoderInput(images, s + i, manifest));
    const per = frames[0].data.length;
    const feed = new Float32Array(per * frames.length);
    frames.forEach((f, i) => feed.set(f.data, i * per));
    const res = await runtime.run(manifest.id, 'encoder', {
      [enc.inputs[0].name]: { data: feed, dims: [frames.length, ...frames[0].dims.slice(1)] },
    });
    const w = res[enc.outputs[0].name];
    if (!w || w.dims.join(',') !== [e - s, L, D].join(',')) {
      throw new Error(
        `encoder of pack "${manifest.id}" returned [${w?.dims.join(',')}], the manifest's latent is [${e - s},${L},${D}]`,
      );
    }
    out.set(w.data, s * L * D);
    const sec = (performance.now() - t0) / 1000;
    opts.log?.(`  inverted ${e}/${total} frames (${(e / sec).toFixed(2)} frames/s)`);
  }
  return { data: out, dims: [K, n, L, D] };
}

function parseArgs(argv: string[]): { pack: string; inputs: string[]; out?: string; batch: number; threads: number } {
  const inputs: string[] = [];
  let pack: string | undefined, out: string | undefined;
  let batch = 4,
    threads = 1;
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${key} needs a value`);
    i++;
    if (key === '--pack') pack = value;
    else if (key === '--in') inputs.push(value);
    else if (key === '--out') out = value;
    else if (key === '--batch' || key === '--threads') {
      const v = Number(value);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${key}: expected a positive integer, got "${value}"`);
      if (key === '--batch') batch = v;
      else threads = v;
    } else throw new Error(`unknown option "${key}"`);
  }
  if (!pack || inputs.length === 0)
    throw new Error(
      'usage: npx tsx tools/invert-sequences.ts --pack <pack-dir> --in <seq-dir> [--in ...] [--out latents.npy] [--batch 4] [--threads 1]',
    );
  if (out && inputs.length > 1)
    throw new Error('--out works with one --in only (several --in write <seq-dir>/latents.npy)');
  return { pack, inputs, out, batch, threads };
}

async function main(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  const { runtime, manifest } = await openPack(a.pack, a.threads);
  try {
    for (const dir of a.inputs) {
      const file = path.join(dir, 'images.npy');
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch {
        throw new Error(`--in ${dir}: no images.npy there (make it with npm run faceworld -- sequences)`);
      }
      const images = parseUint8Npy(bytes, file);
      const t0 = performance.now();
      console.log(
        `${dir}: ${images.dims[0]} sequences x ${images.dims[1]} steps, ${images.dims[2]} px -> pack "${manifest.id}" encoder`,
      );
      const lat = await invertImages(runtime, manifest, images, { batch: a.batch, log: (l) => console.log(l) });
      const target = a.out ?? path.join(dir, 'latents.npy');
      await writeFile(target, encodeNpy(lat.data, lat.dims));
      console.log(`wrote ${target} [${lat.dims.join(', ')}] in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await runtime.dispose();
  }
}

if (process.argv[1]?.endsWith('invert-sequences.ts')) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(`invert-sequences: ${(e as Error).message}`);
      process.exit(2);
    },
  );
}
