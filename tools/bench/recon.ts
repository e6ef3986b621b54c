// Reconstruction benchmark (issue 14): how faithful and how sharp a pack's encoder-only
// reconstructions G(E(x)) of held-out photo-style FaceWorld faces are, and how close its random
// faces G(M(z)) come to real renders.
//   npm run bench:recon [-- --json] [--faces 200] [--fid 2000] [--pack faceworld] [--models models]
//                       [--python /usr/bin/python3] [--keep <dir>] [--no-net]
// --no-net skips the random faces and the face-recognition figures (a quick run).
// In TypeScript through onnxruntime-web (the app's pack runtime), as the other benchmarks:
//   - PSNR of G(E(x)) vs x over the whole image and over the eyes, lids, brows, lips and mouth
//     (coverage-weighted, the renderer's feature masks in the pack's framing);
//   - sharpness: per face, variance of the Laplacian of the reconstruction over the source's (grey
//     levels, interior pixels); mean ratio, 1 = as sharp as the source; also after a [1 2 1] blur of
//     both, because the photo renders' camera noise is most of the raw figure;
//   - references: the same figures for the source itself brought down to 32 and 16 px and back.
// Through face-api's face-recognition net, ported to PyTorch (training/facenet.py; parity with
// face-api's JavaScript forward pass 4e-6), computed by `python3 -m training.recon_metrics` on the
// images this script writes (the net's forward is not ported to TypeScript):
//   - perceptual distance (LPIPS-style, four depths) and identity (descriptor cosine) source vs
//     reconstruction, with the cosine to other faces and rank-1 identification for scale;
//   - Fréchet distance of --fid random faces G(M(z)) to --fid held-out renders in the net's
//     256-d pooled features, and the same for two halves of the renders (the floor at that size).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackManifest, Tensor } from '../../src/graph/types';
import * as synth from '../../src/synth';
import { createNodePackRuntime } from '../../src/workers/node/context';
import { rgbaToTensor } from '../../src/image';
import { attributeNames } from '../../src/nodes/measure';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const asJson = flag('json');
const FACES = Number(opt('faces', '200'));
const FID = Number(opt('fid', '2000'));
const NET = !flag('no-net');
const PACK = opt('pack', 'faceworld');
const MODELS = path.resolve(root, opt('models', 'models'));
const PYTHON = opt('python', '/usr/bin/python3');
const KEEP = opt('keep', '');
// held out: the training sets use seeds below 600 000 + 2 000, bench:edits 700 000–900 199
const SOURCE_SEED = 910_000;
const RENDER_SEED = 920_000;
const Z_SEED = 930_000;
for (const [name, n] of [
  ['faces', FACES],
  ['fid', FID],
] as const) {
  if (!Number.isInteger(n) || n < 2) throw new Error(`--${name} must be a whole number ≥ 2, got ${opt(name, '')}`);
}
const log = (msg: string) => (asJson ? console.error(msg) : console.log(msg));
const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

function concat(ts: Tensor[]): Tensor {
  const per = ts[0]!.data.length / ts[0]!.dims[0]!;
  const n = ts.reduce((s, t) => s + t.dims[0]!, 0);
  const data = new Float32Array(n * per);
  let o = 0;
  for (const t of ts) {
    data.set(t.data, o);
    o += t.data.length;
  }
  return { data, dims: [n, ...ts[0]!.dims.slice(1)] };
}
const item = (t: Tensor, i: number) => {
  const per = t.data.length / t.dims[0]!;
  return t.data.subarray(i * per, (i + 1) * per);
};

/** PSNR of images in [-1, 1] (peak-to-peak 2); with per-pixel weights [S*S] every channel is weighted alike. */
function psnr(a: Float32Array, b: Float32Array, weight?: Float32Array): number {
  const plane = weight?.length ?? a.length;
  let se = 0;
  let wsum = 0;
  for (let i = 0; i < a.length; i++) {
    const w = weight ? weight[i % plane]! : 1;
    se += w * (a[i]! - b[i]!) ** 2;
    wsum += w;
  }
  return 10 * Math.log10(4 / Math.max(se / Math.max(wsum, 1e-9), 1e-10));
}

/** [1 2 1]/4 in both directions per channel (edges replicated): takes the per-pixel camera noise
 *  of the photo renders out before the sharpness is read. */
function blur121(img: Float32Array, size: number): Float32Array {
  const out = new Float32Array(img.length);
  const tmp = new Float32Array(size * size);
  const at = (p: number) => Math.min(size - 1, Math.max(0, p));
  for (let c = 0; c < img.length / (size * size); c++) {
    const o = c * size * size;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        tmp[y * size + x] =
          (img[o + y * size + at(x - 1)]! + 2 * img[o + y * size + x]! + img[o + y * size + at(x + 1)]!) / 4;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        out[o + y * size + x] = (tmp[at(y - 1) * size + x]! + 2 * tmp[y * size + x]! + tmp[at(y + 1) * size + x]!) / 4;
  }
  return out;
}

/** Variance of the 4-neighbour Laplacian of the grey image (NCHW planes, interior pixels). */
function laplacianVariance(img: Float32Array, size: number, smooth = false): number {
  if (smooth) img = blur121(img, size);
  const plane = size * size;
  const grey = new Float32Array(plane);
  for (let i = 0; i < plane; i++) grey[i] = 0.299 * img[i]! + 0.587 * img[plane + i]! + 0.114 * img[2 * plane + i]!;
  const vals: number[] = [];
  for (let y = 1; y < size - 1; y++)
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      vals.push(grey[i - 1]! + grey[i + 1]! + grey[i - size]! + grey[i + size]! - 4 * grey[i]!);
    }
  const m = avg(vals);
  return avg(vals.map((v) => (v - m) ** 2));
}

/** The image brought down to size/f by area averaging and back up bilinearly (half-pixel centres):
 *  what a perfect reconstruction at that resolution would look like (the reference rows). */
function atResolution(img: Float32Array, size: number, f: number): Float32Array {
  const n = size / f;
  const out = new Float32Array(img.length);
  for (let c = 0; c < img.length / (size * size); c++) {
    const o = c * size * size;
    const small = new Float32Array(n * n);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += img[o + (y * f + dy) * size + x * f + dx]!;
        small[y * n + x] = s / (f * f);
      }
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const sy = Math.min(n - 1, Math.max(0, (y + 0.5) / f - 0.5));
        const sx = Math.min(n - 1, Math.max(0, (x + 0.5) / f - 0.5));
        const y0 = Math.floor(sy),
          x0 = Math.floor(sx),
          y1 = Math.min(n - 1, y0 + 1),
          x1 = Math.min(n - 1, x0 + 1);
        const wy = sy - y0,
          wx = sx - x0;
        out[o + y * size + x] =
          (1 - wy) * ((1 - wx) * small[y0 * n + x0]! + wx * small[y0 * n + x1]!) +
          wy * ((1 - wx) * small[y1 * n + x0]! + wx * small[y1 * n + x1]!);
      }
  }
  return out;
}

/** Standard normal draws from a fixed seed (Box–Muller on a 32-bit LCG). */
function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

async function main() {
  const runtime = createNodePackRuntime(MODELS);
  const manifest: PackManifest = await runtime.manifest(PACK);
  for (const m of ['generator', 'encoder', 'mapping']) {
    if (!manifest.models[m]) throw new Error(`pack "${PACK}" has no ${m} model; the benchmark needs it`);
  }
  const size = manifest.image.size;
  const framing = synth.imageFraming(manifest.image);
  const zDim = (manifest as { zDim?: number }).zDim;
  if (!zDim) throw new Error(`pack "${PACK}": its manifest has no zDim, which the random faces need`);

  async function run(model: string, feeds: Record<string, Tensor>, out: string, chunk = 50): Promise<Tensor> {
    const n = Object.values(feeds)[0]!.dims[0]!;
    const parts: Tensor[] = [];
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const sub = Object.fromEntries(
        Object.entries(feeds).map(([k, t]) => {
          const per = t.data.length / t.dims[0]!;
          return [k, { data: t.data.slice(s * per, e * per), dims: [e - s, ...t.dims.slice(1)] }];
        }),
      );
      parts.push((await runtime.run(PACK, model, sub))[out]!);
    }
    return concat(parts);
  }
  const render = (seed: number) => {
    const identity = synth.sampleIdentity(seed);
    const attrs = synth.sampleAttributes(seed);
    const rgba = synth.renderFramed(identity, attrs, { size, style: 'photo', seed }, framing);
    return {
      x: rgbaToTensor(rgba, manifest.image.range),
      mask: synth.framedFeatures(identity, attrs, size, framing),
      identity,
      attrs,
    };
  };

  const t0 = performance.now();
  log(`rendering ${FACES} held-out photo faces (${framing} framing, ${size} px)…`);
  const faces = Array.from({ length: FACES }, (_, i) => render(SOURCE_SEED + i));
  const x = concat(faces.map((f) => f.x));
  const recon = await run('generator', { w: await run('encoder', { image: x }, 'w') }, 'image');
  const whole = faces.map((_, i) => psnr(item(recon, i), item(x, i)));
  const features = faces.map((f, i) => psnr(item(recon, i), item(x, i), f.mask));
  // sharpness: the reconstruction's Laplacian variance over the source's, raw and after a [1 2 1]
  // blur of both (the photo renders' camera noise is most of the raw figure); the same for the
  // source itself at 32 and 16 px as references
  const ratio = (img: (i: number) => Float32Array, smooth: boolean) =>
    faces.map(
      (_, i) => laplacianVariance(img(i), size, smooth) / Math.max(laplacianVariance(item(x, i), size, smooth), 1e-12),
    );
  const sharp = ratio((i) => item(recon, i), false);
  const sharpSmooth = ratio((i) => item(recon, i), true);
  const reference = Object.fromEntries(
    [2, 4].map((f) => {
      const low = faces.map((_, i) => atResolution(item(x, i), size, f));
      return [
        `sourceAt${size / f}px`,
        {
          psnrDb: Number(avg(low.map((l, i) => psnr(l, item(x, i)))).toFixed(3)),
          featureRegionPsnrDb: Number(avg(low.map((l, i) => psnr(l, item(x, i), faces[i]!.mask))).toFixed(3)),
          sharpnessRatio: Number(avg(ratio((i) => low[i]!, false)).toFixed(4)),
          sharpnessRatioSmoothed: Number(avg(ratio((i) => low[i]!, true)).toFixed(4)),
        },
      ];
    }),
  );

  // how well the pack's attribute estimator reads its own generator's faces: mean absolute error
  // against the renderer's ground truth, on the sources and on their reconstructions (the
  // reconstruction's error includes what G and E lose of the attribute, so it is an upper bound)
  let estimatorMae: { source: Record<string, number>; reconstruction: Record<string, number> } | undefined;
  if (manifest.models.attributes) {
    const names = attributeNames(manifest);
    const mae = async (images: Tensor) => {
      const est = await run('attributes', { image: images }, 'attributes');
      return Object.fromEntries(
        names.map((n, k) => [
          n,
          Number(avg(faces.map((f, i) => Math.abs(item(est, i)[k]! - f.attrs[n as keyof typeof f.attrs]))).toFixed(4)),
        ]),
      );
    };
    estimatorMae = { source: await mae(x), reconstruction: await mae(recon) };
  }
  if (!NET) {
    console.log(
      JSON.stringify({ pack: PACK, faces: FACES, encoderPsnrDb: Number(avg(whole).toFixed(3)), estimatorMae }),
    );
    await runtime.dispose();
    return;
  }

  log(`rendering ${FID} more held-out faces and drawing ${FID} random faces G(M(z))…`);
  const renders = concat(Array.from({ length: FID }, (_, i) => render(RENDER_SEED + i).x));
  const random = await run(
    'generator',
    { w: await run('mapping', { z: { data: normals(FID * zDim, Z_SEED), dims: [FID, zDim] } }, 'w') },
    'image',
  );

  const dir = KEEP ? path.resolve(KEEP) : mkdtempSync(path.join(tmpdir(), 'bench-recon-'));
  mkdirSync(dir, { recursive: true });
  const write = (name: string, t: Tensor) =>
    writeFileSync(path.join(dir, `${name}.f32`), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  write('sources', x);
  write('recon', recon);
  write('renders', renders);
  write('random', random);
  writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({ size, counts: { sources: FACES, recon: FACES, renders: FID, random: FID } }),
  );
  log('face-recognition metrics (python3 -m training.recon_metrics)…');
  const net = JSON.parse(
    execFileSync(PYTHON, ['-m', 'training.recon_metrics', '--dir', dir], {
      cwd: root,
      env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .pop()!,
  ) as Record<string, number>;
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  await runtime.dispose();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const result = {
    pack: PACK,
    faces: FACES,
    framing,
    size,
    encoderPsnrDb: Number(avg(whole).toFixed(3)),
    featureRegionPsnrDb: Number(avg(features).toFixed(3)),
    sharpnessRatio: Number(avg(sharp).toFixed(4)),
    sharpnessRatioMedian: Number(median(sharp).toFixed(4)),
    sharpnessRatioSmoothed: Number(avg(sharpSmooth).toFixed(4)),
    perceptual: Number(net.perceptual!.toFixed(4)),
    identityCosine: Number(net.identityCosine!.toFixed(4)),
    identityCosineToOtherFaces: Number(net.identityCosineToOtherFaces!.toFixed(4)),
    identityRank1: Number(net.identityRank1!.toFixed(4)),
    frechet: Number(net.frechet!.toFixed(3)),
    frechetRendersHalfVsHalf: Number(net.frechetRendersHalfVsHalf!.toFixed(3)),
    frechetSamples: FID,
    reference,
    ...(estimatorMae ? { estimatorMae } : {}),
    seconds: Math.round((performance.now() - t0) / 1000),
  };
  if (asJson) {
    console.log(JSON.stringify(result));
    return;
  }
  const rows: [string, string][] = [
    ['encoder-only reconstruction PSNR', `${result.encoderPsnrDb.toFixed(2)} dB`],
    ['  eyes, lids, brows, lips, mouth (coverage-weighted)', `${result.featureRegionPsnrDb.toFixed(2)} dB`],
    [
      'sharpness: Laplacian variance, reconstruction / source (mean, median)',
      `${result.sharpnessRatio.toFixed(3)}, ${result.sharpnessRatioMedian.toFixed(3)}`,
    ],
    ['  the same after a [1 2 1] blur of both (camera noise out)', result.sharpnessRatioSmoothed.toFixed(3)],
    ['perceptual distance source vs reconstruction (face-recognition net)', result.perceptual.toFixed(3)],
    ['identity: descriptor cosine source vs reconstruction', result.identityCosine.toFixed(4)],
    ["  cosine of a source to other faces' reconstructions", result.identityCosineToOtherFaces.toFixed(4)],
    ['  rank-1: own reconstruction the closest', `${(100 * result.identityRank1).toFixed(1)} %`],
    [`Fréchet distance G(M(z)) vs held-out renders (${FID} each)`, result.frechet.toFixed(2)],
    ['  two halves of the renders against each other', result.frechetRendersHalfVsHalf.toFixed(2)],
  ];
  for (const [k, r] of Object.entries(reference))
    rows.push([
      `reference: the source ${k.replace('sourceAt', 'at ')} (PSNR, features, sharpness raw / blurred)`,
      `${r.psnrDb.toFixed(2)} dB, ${r.featureRegionPsnrDb.toFixed(2)} dB, ${r.sharpnessRatio.toFixed(3)} / ${r.sharpnessRatioSmoothed.toFixed(3)}`,
    ]);
  console.log(`\nReconstruction benchmark, pack "${PACK}", ${FACES} held-out faces (${result.seconds} s)\n`);
  for (const [k, v] of rows) console.log(`${k.padEnd(72)} ${v}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
